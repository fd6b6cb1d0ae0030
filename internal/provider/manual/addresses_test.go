package manual_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
)

func TestAddressesAreTheOnesStaffGaveWhenDone(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	set := open(t, db)
	ctx := context.Background()
	order := orderID()
	ref := "zonkvmd-server-" + itoa(order)
	vm, err := set.VM.CreateVM(ctx, provider.VMSpec{Ref: ref, CPU: 1, MemoryGB: 1, SystemDiskGB: 20,
		IPNum: 3, Image: "debian12", Password: "Root-pw-123"})
	require.NoError(t, err)

	a, err := set.VM.VMAddresses(ctx, vm.ID)
	require.NoError(t, err)
	require.Equal(t, provider.Addresses{}, a, "none while the task is open")

	task := lastTask(t, db, "server", order)
	_, err = manual.CompleteTask(ctx, db, task.ID, map[string]string{"ip": "203.0.113.9, 203.0.113.10,203.0.113.11"}, "")
	require.NoError(t, err)
	want := provider.Addresses{IP: "203.0.113.9", Extra: []string{"203.0.113.10", "203.0.113.11"}}
	for _, id := range []string{vm.ID, ref} {
		a, err = set.VM.VMAddresses(ctx, id)
		require.NoError(t, err)
		require.Equal(t, want, a, "by %s", id)
	}

	lease := orderID()
	m := provider.Machine{Ref: "zonkvmd-lease-" + itoa(lease)}
	t2, err := manual.AddTask(ctx, db, "lease", lease, "provision", map[string]any{})
	require.NoError(t, err)
	_, err = manual.CompleteTask(ctx, db, t2.ID, map[string]string{"ip": "198.51.100.4,198.51.100.5"}, "")
	require.NoError(t, err)
	a, err = set.BareMetal.MachineAddresses(ctx, m)
	require.NoError(t, err)
	require.Equal(t, provider.Addresses{IP: "198.51.100.4", Extra: []string{"198.51.100.5"}}, a)

	_, err = set.VM.VMAddresses(ctx, "task-999999999")
	require.ErrorIs(t, err, provider.ErrNotFound)
	_, err = set.BareMetal.MachineAddresses(ctx, provider.Machine{Ref: "nothing"})
	require.ErrorIs(t, err, provider.ErrRejected)
}
