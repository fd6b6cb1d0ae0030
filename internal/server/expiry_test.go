package server_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/lifecycle"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/sim"
	"github.com/zonkvm/zonkvmd/internal/server"
)

// A lock job decides from the order's state when it runs, not from the
// expiry that wrote it: two servers expire in one sweep; one is renewed
// before the lock jobs run and keeps running (its unlock job records it
// running again), the other stays expired and is stopped.
func TestARenewalBetweenTheExpiryAndItsLockJobKeepsTheServerRunning(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	object := `{"driver":"sim","delay_ms":0,"name":"` + t.Name() + `"}`
	s.Exec(t, `UPDATE server_lines SET provider_driver = 'sim', provider_config = $2 WHERE guid = $1`,
		lineGUID, s.App.Box.Seal([]byte(object)))
	vms, err := sim.Open(json.RawMessage(object), provider.Deps{})
	require.NoError(t, err)
	h := (&server.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}).Jobs()
	run := func(id int64, kind string) {
		t.Helper()
		require.NoError(t, apitest.Attempt(s.DB, h, "server", id, kind, 1))
	}
	ctx := context.Background()
	power := func(id int64) provider.PowerState {
		t.Helper()
		state, err := vms.VMState(ctx, providerRef(t, s.DB, id))
		require.NoError(t, err)
		return state
	}
	states := func(id int64) (order, run int) {
		t.Helper()
		require.NoError(t, s.DB.QueryRow(ctx, `SELECT order_status, run_status FROM server_orders WHERE id = $1`, id).
			Scan(&order, &run))
		return order, run
	}

	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "EXP-1", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"number":2}`).Into(t, &c)
	renewed, expired := c.IDs[0], c.IDs[1]
	for _, id := range c.IDs {
		run(id, jobs.KindProvision)
		require.Equal(t, provider.StateOn, power(id))
	}

	sweeper := &lifecycle.Sweeper{DB: s.DB, Jobs: s.App.Jobs, Log: zap.NewNop()}
	actions, err := sweeper.Sweep(ctx, apitest.At("2026-02-01 00:00:00"), false)
	require.NoError(t, err)
	require.Len(t, actions, 2)
	for _, id := range c.IDs {
		order, runStatus := states(id)
		require.Equal(t, []int{3, -2}, []int{order, runStatus}, "已过期 and 已锁定")
		require.Equal(t, 1, s.Jobs(t, "server", id, jobs.KindLock))
	}

	s.SetNow(apitest.At("2026-02-01 08:00:00"))
	var back apitest.Charged
	s.Call(t, r, "server_renew", renewed, "renewLength", "1").Into(t, &back)
	require.Equal(t, "2026-03-01 00:00:00", back.EndTime)
	require.Equal(t, 1, s.Jobs(t, "server", renewed, jobs.KindUnlock))

	run(renewed, jobs.KindLock)
	require.Equal(t, provider.StateOn, power(renewed), "the lock job leaves a renewed server alone")
	run(expired, jobs.KindLock)
	require.Equal(t, provider.StateOff, power(expired), "and stops one that stayed expired")

	run(renewed, jobs.KindUnlock)
	order := getServer(t, s.Env, r, renewed)
	require.EqualValues(t, 1, order["orderStatus"], "正常")
	require.EqualValues(t, 1, order["runStatus"], "运行中")
	require.Equal(t, provider.StateOn, power(renewed))
	order = getServer(t, s.Env, r, expired)
	require.EqualValues(t, 3, order["orderStatus"])
	require.EqualValues(t, -2, order["runStatus"])
	s.Verify(t)
}
