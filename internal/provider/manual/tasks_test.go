package manual_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCompleteTaskClosesItOnceAndKeepsTheResult(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	ctx := context.Background()
	order := orderID()
	bm := open(t, db).BareMetal
	require.NoError(t, bm.PowerMachine(ctx, provider.Machine{Ref: "zonkvmd-idc-" + itoa(order)}, provider.PowerOn))
	task := lastTask(t, db, "idc", order)

	done, err := manual.CompleteTask(ctx, db, task.ID, map[string]string{"ip": "198.51.100.4", "cabinet_sn": "A-12"}, "racked")
	require.NoError(t, err)
	require.Equal(t, manual.StatusDone, done.Status)
	require.Equal(t, "racked", done.Note)
	require.NotNil(t, done.DoneAt)
	var result map[string]string
	require.NoError(t, json.Unmarshal(done.Result, &result))
	require.Equal(t, map[string]string{"ip": "198.51.100.4", "cabinet_sn": "A-12"}, result)
	require.JSONEq(t, string(task.Payload), string(done.Payload))

	_, err = manual.CompleteTask(ctx, db, task.ID, map[string]string{"ip": "192.0.2.1"}, "again")
	require.ErrorIs(t, err, manual.ErrClosed)
	require.ErrorContains(t, err, "already done")
	_, err = manual.FailTask(ctx, db, task.ID, "too late")
	require.ErrorIs(t, err, manual.ErrClosed)
	after, err := manual.GetTask(ctx, db, task.ID)
	require.NoError(t, err)
	require.Equal(t, done, after, "a closed task does not change")

	for _, err := range []error{
		func() error { _, err := manual.CompleteTask(ctx, db, 999999999, nil, ""); return err }(),
		func() error { _, err := manual.FailTask(ctx, db, 999999999, "x"); return err }(),
		func() error { _, err := manual.GetTask(ctx, db, 999999999); return err }(),
	} {
		require.ErrorIs(t, err, manual.ErrNoTask)
		require.True(t, errors.Is(err, postgres.ErrNotFound))
		require.ErrorContains(t, err, "no such task")
	}
}

func TestFailTaskRecordsWhy(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	ctx := context.Background()
	order := orderID()
	require.NoError(t, open(t, db).BareMetal.PowerMachine(ctx, provider.Machine{Ref: "zonkvmd-lease-" + itoa(order)}, provider.HardOff))
	task := lastTask(t, db, "lease", order)
	failed, err := manual.FailTask(ctx, db, task.ID, "no access to the data centre")
	require.NoError(t, err)
	require.Equal(t, manual.StatusFailed, failed.Status)
	require.Equal(t, "no access to the data centre", failed.Note)
	require.NotNil(t, failed.DoneAt)
	require.JSONEq(t, `{}`, string(failed.Result))
}

func TestListTasksByStatus(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	set := open(t, db)
	require.NoError(t, set.BareMetal.PowerMachine(ctx, provider.Machine{Ref: "zonkvmd-idc-1"}, provider.PowerOn))
	require.NoError(t, set.BareMetal.PowerMachine(ctx, provider.Machine{Ref: "zonkvmd-idc-2"}, provider.PowerOff))
	require.NoError(t, set.BareMetal.PowerMachine(ctx, provider.Machine{Ref: "zonkvmd-lease-3"}, provider.Reboot))
	all, err := manual.ListTasks(ctx, db, "")
	require.NoError(t, err)
	require.Len(t, all, 3)
	require.Less(t, all[0].ID, all[1].ID, "oldest first")
	_, err = manual.CompleteTask(ctx, db, all[1].ID, nil, "")
	require.NoError(t, err)
	_, err = manual.FailTask(ctx, db, all[2].ID, "")
	require.NoError(t, err)

	for status, want := range map[string][]int64{
		manual.StatusOpen:      {all[0].ID},
		manual.StatusDone:      {all[1].ID},
		manual.StatusFailed:    {all[2].ID},
		manual.StatusCancelled: nil,
		"":                     {all[0].ID, all[1].ID, all[2].ID},
	} {
		tasks, err := manual.ListTasks(ctx, db, status)
		require.NoError(t, err)
		var got []int64
		for _, task := range tasks {
			got = append(got, task.ID)
		}
		require.Equal(t, want, got, status)
	}
	_, err = manual.ListTasks(ctx, db, "pending")
	require.ErrorContains(t, err, "unknown status")
}

func TestAddTaskForWorkNoDriverCallCovers(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	ctx := context.Background()
	order := orderID()
	task, err := manual.AddTask(ctx, db, "idc", order, "provision", map[string]any{"ref": "zonkvmd-idc-" + itoa(order)})
	require.NoError(t, err)
	require.Equal(t, "idc", task.Business)
	require.Equal(t, order, task.OrderID)
	require.Equal(t, manual.StatusOpen, task.Status)
	again, err := manual.AddTask(ctx, db, "idc", order, "provision", map[string]any{"ref": "other"})
	require.NoError(t, err)
	require.Equal(t, task.ID, again.ID, "one provisioning per order")
	_, err = manual.FailTask(ctx, db, task.ID, "wrong rack")
	require.NoError(t, err)
	retry, err := manual.AddTask(ctx, db, "idc", order, "provision", nil)
	require.NoError(t, err)
	require.NotEqual(t, task.ID, retry.ID, "a failed provisioning may be asked again")

	for _, bad := range []struct {
		business string
		order    int64
		kind     string
	}{{"shop", 1, "provision"}, {"idc", 0, "provision"}, {"idc", 1, ""}} {
		_, err := manual.AddTask(ctx, db, bad.business, bad.order, bad.kind, nil)
		require.Error(t, err, bad)
	}
}
