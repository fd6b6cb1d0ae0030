package lease_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/lease"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/ipmi/ipmitest"
	"github.com/zonkvm/zonkvmd/internal/provider/sim"
)

// winGUID is the example catalogue's other system (Windows, login
// administrator, at least 4 cores and 4 GB).
const winGUID = "1659170726623836"

// firstMachine is the guid of the machine the first purchase takes.
const firstMachine = "1744175217000001"

// waitFor waits until getlease of order id satisfies ok and returns it.
func (s *shop) waitFor(t *testing.T, r apitest.Reseller, id int64, what string, ok func(o map[string]any) bool) map[string]any {
	t.Helper()
	var o map[string]any
	require.Eventually(t, func() bool {
		o = s.order(t, r, id)
		return ok(o)
	}, 30*time.Second, 20*time.Millisecond, "order %d never %s: %v", id, what, o)
	return o
}

// waitIdle waits until order id has no operation running and the run
// status run.
func (s *shop) waitIdle(t *testing.T, r apitest.Reseller, id int64, run float64) map[string]any {
	t.Helper()
	return s.waitFor(t, r, id, fmt.Sprintf("finished its operation with run_status %v", run), func(o map[string]any) bool {
		return o["act_status"] == float64(0) && o["run_status"] == run
	})
}

// attempt runs attempt n of order id's newest job op through svc (the
// shop's own service when nil).
func (s *shop) attempt(svc *lease.Service, id int64, op string, n int) error {
	if svc == nil {
		svc = s.service()
	}
	return apitest.Attempt(s.DB, svc.Jobs(), "lease", id, op, n)
}

// installable lets Windows be installed on the example line too.
func (s *shop) installable(t *testing.T) {
	t.Helper()
	s.Exec(t, `UPDATE systems SET zone_guids = array_append(zone_guids, $1) WHERE guid = $2`, zoneGUID, winGUID)
}

// reason is order id's status_reason.
func (s *shop) reason(t *testing.T, id int64) string {
	t.Helper()
	return s.text(t, `SELECT status_reason FROM lease_orders WHERE id = $1`, id)
}

func TestALeaseIsOperatedEndToEndOnTheSimulator(t *testing.T) {
	t.Parallel()
	// Every simulated call takes 400 ms, so an operation is seen under way.
	const object = `{"driver":"sim","delay_ms":400,"name":"lease operations end to end"}`
	s := openShop(t, true)
	s.useDriver(t, object)
	s.installable(t)
	drv, err := sim.Open(json.RawMessage(object), provider.Deps{})
	require.NoError(t, err)
	machine := provider.Machine{ID: firstMachine}
	requireState := func(want provider.PowerState) {
		t.Helper()
		state, err := drv.MachineState(context.Background(), machine)
		require.NoError(t, err)
		require.Equal(t, want, state)
	}
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "OPS-1", `{}`).Into(t, &c)
	id := c.IDs[0]
	s.waitFor(t, r, id, "was delivered", func(o map[string]any) bool { return o["order_status"] == float64(1) })

	for _, step := range []struct {
		action   string
		act, run float64
		state    provider.PowerState
	}{
		{"lease_stop", 5, -1, provider.StateOff},
		{"lease_start", 4, 1, provider.StateOn},
		{"lease_restart", 1, 1, provider.StateOn},
	} {
		s.Call(t, r, step.action, id).OK(t)
		require.Equal(t, step.act, s.order(t, r, id)["act_status"], step.action)
		s.waitIdle(t, r, id, step.run)
		requireState(step.state)
	}

	s.Call(t, r, "lease_stop", id).OK(t)
	s.waitIdle(t, r, id, -1)
	s.Call(t, r, "lease_install", id, "systemID", winGUID, "port", "3389", "password", "Reinstall#2026",
		"system_partition", "first", "system_partition_size", "60", "install_reason", "换成Windows").OK(t)
	require.EqualValues(t, 2, s.order(t, r, id)["act_status"])
	o := s.waitIdle(t, r, id, 1)
	require.Equal(t, winGUID, o["system_guid"])
	require.Equal(t, "administrator", o["login_name"])
	require.Equal(t, "3389", o["system_port"])
	require.Equal(t, "Reinstall#2026", o["login_password"])
	requireState(provider.StateOn)

	s.Call(t, r, "lease_setpsw", id, "password", "Changed#2026").OK(t)
	require.EqualValues(t, 3, s.order(t, r, id)["act_status"])
	require.Equal(t, "Changed#2026", s.waitIdle(t, r, id, 1)["login_password"])
	require.Empty(t, s.reason(t, id))

	var console apitest.Console
	s.Call(t, r, "lease_getvncurl", id).Into(t, &console)
	require.Regexp(t, `^https://console\.sim\.invalid/vnc/[0-9a-f]{32}$`, console.URL)
	console.RequireFresh(t)

	resp := s.Call(t, r, "get_lease_chart", id)
	require.Equal(t, "获取成功", resp.Msg)
	var day apitest.Chart
	resp.Into(t, &day)
	apitest.RequireChart(t, day)
	require.InDelta(t, 288, len(day.Date), 1, "the last 24 hours by default")

	s.Call(t, r, "lease_refund", id).OK(t)
	require.EqualValues(t, -2, s.order(t, r, id)["order_status"])
	require.Eventually(t, func() bool { return s.free(t) == 3 }, 30*time.Second, 20*time.Millisecond,
		"the machine is back in the inventory")
	s.Verify(t)
}

func TestLeasePowerOnAnIPMILineGoesThroughTheMachinesBMC(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"ipmi","timeout_ms":5000}`)
	bmc, chassis := ipmitest.StartBMC(t, ipmitest.PoweredOn)
	s.Exec(t, `UPDATE lease_machines SET bmc_host = $2, bmc_port = $3, bmc_username = $4, bmc_password_enc = $5
		WHERE guid = $1`, firstMachine, bmc.Host, bmc.Port, bmc.Username, s.App.Box.SealString(bmc.Password))
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "IPMI-1", `{}`).Into(t, &c)
	id := c.IDs[0]
	s.Activate(t, "lease", id) // IPMI installs nothing: staff deliver such a machine

	for _, step := range []struct {
		action, op string
		run        float64
		on         bool
		call       string
	}{
		{"lease_stop", jobs.KindStop, -1, false, "soft"},
		{"lease_start", jobs.KindStart, 1, true, "up"},
		{"lease_restart", jobs.KindRestart, 1, true, "cycle"},
	} {
		s.Call(t, r, step.action, id).OK(t)
		require.NoError(t, s.attempt(nil, id, step.op, 1), step.action)
		o := s.order(t, r, id)
		require.EqualValues(t, 0, o["act_status"], step.action)
		require.Equal(t, step.run, o["run_status"], step.action)
		require.Equal(t, step.on, chassis.On(), step.action)
		calls := chassis.Calls()
		require.Equal(t, step.call, calls[len(calls)-1], step.action)
	}

	// IPMI cannot install a system or set a password: the jobs end at once,
	// the order unchanged but for the reason kept for the operator.
	before := s.state(t, id)
	s.Call(t, r, "lease_install", id, "systemID", systemGUID, "password", "Reinstall#2026").OK(t)
	err := s.attempt(nil, id, jobs.KindInstall, 1)
	apitest.RequireGivenUp(t, err)
	require.ErrorIs(t, err, provider.ErrUnsupported)
	require.EqualValues(t, 0, s.order(t, r, id)["act_status"])
	require.Contains(t, s.reason(t, id), "install failed")
	require.Contains(t, s.reason(t, id), "not supported")
	s.Call(t, r, "lease_setpsw", id, "password", "Changed#2026").OK(t)
	require.ErrorIs(t, s.attempt(nil, id, jobs.KindPassword, 1), provider.ErrUnsupported)
	require.Contains(t, s.reason(t, id), "password failed")
	after := s.state(t, id)
	require.Equal(t, before.Password, after.Password)
	require.Equal(t, before.System, after.System)
	require.Zero(t, after.Act)

	s.Call(t, r, "lease_getvncurl", id).Fails(t, "暂未开放")
	s.Call(t, r, "get_lease_chart", id).Fails(t, "暂未开放")
}

func TestLeaseOperationsOnTheManualDriverBecomeTasks(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"manual"}`)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "MAN-1", `{}`).Into(t, &c)
	id := c.IDs[0]
	s.Activate(t, "lease", id)
	s.Call(t, r, "lease_restart", id).OK(t)
	require.NoError(t, s.attempt(nil, id, jobs.KindRestart, 1))
	s.Call(t, r, "lease_install", id, "systemID", systemGUID, "password", "Reinstall#2026", "port", "2222").OK(t)
	require.NoError(t, s.attempt(nil, id, jobs.KindInstall, 1))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'lease' AND order_id = $1
		AND kind = 'restart' AND payload->>'machine_id' = $2`, id, firstMachine))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'lease' AND order_id = $1
		AND kind = 'install' AND payload->>'image' = 'CentOS7.9_40' AND (payload->>'port')::int = 2222
		AND payload->>'partition' = 'all'`, id))
	require.Zero(t, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE payload::text LIKE '%Reinstall#2026%'
		OR payload::text LIKE '%ChangeMe-BMC%'`), "no password in a task")
	o := s.order(t, r, id)
	require.Equal(t, "Reinstall#2026", o["login_password"], "staff install what the order says")
	require.Equal(t, "2222", o["system_port"])
	s.Call(t, r, "lease_getvncurl", id).Fails(t, "暂未开放")
	s.Call(t, r, "get_lease_chart", id).Fails(t, "暂未开放")
}
