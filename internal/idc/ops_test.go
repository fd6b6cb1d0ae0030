package idc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/idc"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/ipmi/ipmitest"
	_ "github.com/zonkvm/zonkvmd/internal/provider/manual" // the staff's driver
	"github.com/zonkvm/zonkvmd/internal/provider/sim"
)

// centOS is the example catalogue's system that the tests let colocation
// install (login root, port 23543).
const centOS = "1659170791658716"

// attempt runs attempt n of order id's newest job op, as the job runner
// would.
func (s *shop) attempt(id int64, op string, n int) error {
	svc := &idc.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}
	return apitest.Attempt(s.DB, svc.Jobs(), "idc", id, op, n)
}

// waitIdle waits until order id has no operation running and the run
// status run.
func (s *shop) waitIdle(t *testing.T, r apitest.Reseller, id int64, run float64) map[string]any {
	t.Helper()
	var o map[string]any
	require.Eventually(t, func() bool {
		o = s.order(t, r, id)
		return o["order_status"] == float64(1) && o["act_status"] == float64(0) && o["run_status"] == run
	}, 30*time.Second, 20*time.Millisecond, "order %d never finished with run_status %v: %v", id, run, o)
	return o
}

// installable lets CentOS be installed on the example line.
func (s *shop) installable(t *testing.T) {
	t.Helper()
	s.Exec(t, `UPDATE systems SET zone_guids = array_append(zone_guids,
		(SELECT z.guid FROM idc_lines l JOIN zones z ON z.id = l.zone_id WHERE l.guid = $1)) WHERE guid = $2`,
		lineGUID, centOS)
}

// racked delivers order id as staff closing its task would: 正常, with the
// machine's BMC.
func (s *shop) racked(t *testing.T, id int64, bmc provider.BMC) {
	t.Helper()
	s.Exec(t, `UPDATE idc_orders SET order_status = 1, bmc_host = $2, bmc_port = $3, bmc_username = $4,
		bmc_password_enc = $5 WHERE id = $1`, id, bmc.Host, bmc.Port, bmc.Username, s.App.Box.SealString(bmc.Password))
}

func (s *shop) reason(t *testing.T, id int64) string {
	t.Helper()
	var reason string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT status_reason FROM idc_orders WHERE id = $1`, id).Scan(&reason))
	return reason
}

// tasks counts order id's operator tasks of kind.
func (s *shop) tasks(t *testing.T, id int64, kind string) int {
	t.Helper()
	return s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'idc' AND order_id = $1 AND kind = $2`, id, kind)
}

func TestAColocationIsOperatedEndToEndOnTheSimulator(t *testing.T) {
	t.Parallel()
	// Every simulated call takes 400 ms, so an operation is seen under way.
	const object = `{"driver":"sim","delay_ms":400,"name":"idc operations end to end"}`
	s := openShop(t, true)
	s.useDriver(t, object)
	s.installable(t)
	drv, err := sim.Open(json.RawMessage(object), provider.Deps{})
	require.NoError(t, err)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "OPS-1", `{}`).Into(t, &c)
	id := c.IDs[0]
	s.waitIdle(t, r, id, 1)
	machine := provider.Machine{Ref: fmt.Sprintf("zonkvmd-idc-%d", id)}

	for _, step := range []struct {
		action   string
		act, run float64
		state    provider.PowerState
	}{
		{"idc_stop", 5, -1, provider.StateOff},
		{"idc_start", 4, 1, provider.StateOn},
		{"idc_restart", 1, 1, provider.StateOn},
	} {
		s.Call(t, r, step.action, id).OK(t)
		require.Equal(t, step.act, s.order(t, r, id)["act_status"], step.action)
		s.waitIdle(t, r, id, step.run)
		state, err := drv.MachineState(context.Background(), machine)
		require.NoError(t, err)
		require.Equal(t, step.state, state, step.action)
	}

	s.Call(t, r, "idc_install", id, "systemID", centOS, "port", "2222", "password", "Reinstall#2026",
		"install_reason", "客户要求").OK(t)
	require.EqualValues(t, 2, s.order(t, r, id)["act_status"])
	o := s.waitIdle(t, r, id, 1)
	require.Equal(t, "root", o["login_name"])
	require.Equal(t, "2222", o["system_port"])
	require.Equal(t, "Reinstall#2026", o["login_password"])

	s.Call(t, r, "idc_setpsw", id, "password", "Changed#2026").OK(t)
	require.EqualValues(t, 3, s.order(t, r, id)["act_status"])
	require.Equal(t, "Changed#2026", s.waitIdle(t, r, id, 1)["login_password"])
	require.Empty(t, s.reason(t, id))

	var console apitest.Console
	s.Call(t, r, "idc_getvncurl", id).Into(t, &console)
	require.Regexp(t, `^https://console\.sim\.invalid/vnc/[0-9a-f]{32}$`, console.URL)
	console.RequireFresh(t)

	resp := s.Call(t, r, "get_idc_chart", id)
	require.Equal(t, "获取成功", resp.Msg)
	var day apitest.Chart
	resp.Into(t, &day)
	apitest.RequireChart(t, day)
	require.InDelta(t, 288, len(day.Date), 1, "the last 24 hours by default")

	s.Call(t, r, "idc_refund", id).OK(t)
	require.EqualValues(t, -2, s.order(t, r, id)["order_status"])
	s.Verify(t)
}

func TestColocationPowerGoesThroughIPMIOnceRacked(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"manual"}`)
	s.installable(t)
	bmc, chassis := ipmitest.StartBMC(t, ipmitest.PoweredOn)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "RACK-1", `{}`).Into(t, &c)
	id := c.IDs[0]
	require.NoError(t, s.attempt(id, jobs.KindProvision, 1))
	s.racked(t, id, bmc)

	for _, step := range []struct {
		action, op string
		run        float64
		on         bool
		call       string
	}{
		{"idc_stop", jobs.KindStop, -1, false, "soft"},
		{"idc_start", jobs.KindStart, 1, true, "up"},
		{"idc_restart", jobs.KindRestart, 1, true, "cycle"},
	} {
		s.Call(t, r, step.action, id).OK(t)
		require.NoError(t, s.attempt(id, step.op, 1), step.action)
		o := s.order(t, r, id)
		require.EqualValues(t, 0, o["act_status"], step.action)
		require.Equal(t, step.run, o["run_status"], step.action)
		require.Equal(t, step.on, chassis.On(), step.action)
		calls := chassis.Calls()
		require.Equal(t, step.call, calls[len(calls)-1], step.action)
	}
	for _, kind := range []string{"start", "stop", "restart"} {
		require.Zero(t, s.tasks(t, id, kind), "no staff needed for %s", kind)
	}

	// The customer's system is staff's work on a manual line.
	s.Call(t, r, "idc_install", id, "systemID", centOS, "password", "Reinstall#2026").OK(t)
	require.NoError(t, s.attempt(id, jobs.KindInstall, 1))
	require.Equal(t, 1, s.tasks(t, id, "install"))
	require.Zero(t, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE payload::text LIKE '%Reinstall#2026%'
		OR payload::text LIKE '%`+bmc.Password+`%'`), "no password in a task")
	require.Equal(t, "Reinstall#2026", s.order(t, r, id)["login_password"])
	s.Call(t, r, "idc_getvncurl", id).Fails(t, "暂未开放")
	s.Call(t, r, "get_idc_chart", id).Fails(t, "暂未开放")

	// Expired: locked through the BMC too.
	s.Exec(t, `UPDATE idc_orders SET order_status = 3 WHERE id = $1`, id)
	require.NoError(t, s.do(t, id, jobs.KindLock, false))
	require.False(t, chassis.On())
	require.EqualValues(t, -2, s.order(t, r, id)["run_status"])
}

func TestAColocationPowerOperationTheBMCRefusesEndsWithItsReasonKept(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"manual"}`)
	bmc, chassis := ipmitest.StartBMC(t, ipmitest.PoweredOn)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "RACK-2", `{}`).Into(t, &c)
	id := c.IDs[0]
	bmc.Password = "Wrong-Passw0rd"
	s.racked(t, id, bmc)

	s.Call(t, r, "idc_stop", id).OK(t)
	err := s.attempt(id, jobs.KindStop, 1)
	apitest.RequireGivenUp(t, err)
	require.ErrorIs(t, err, provider.ErrRejected)
	o := s.order(t, r, id)
	require.EqualValues(t, 0, o["act_status"])
	require.EqualValues(t, 1, o["run_status"])
	require.True(t, chassis.On())
	require.Contains(t, s.reason(t, id), "stop failed")
	require.NotContains(t, s.reason(t, id), bmc.Password)
}

func TestColocationPowerWithoutABMCIsATaskOnAManualLine(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"manual"}`)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "MAN-1", `{}`).Into(t, &c)
	id := c.IDs[0]
	s.Activate(t, "idc", id)

	s.Call(t, r, "idc_stop", id).OK(t)
	require.NoError(t, s.attempt(id, jobs.KindStop, 1))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'idc' AND order_id = $1
		AND kind = 'stop' AND status = 'open' AND payload->>'ref' = $2`, id, fmt.Sprintf("zonkvmd-idc-%d", id)))
	o := s.order(t, r, id)
	require.EqualValues(t, 0, o["act_status"])
	require.EqualValues(t, -1, o["run_status"])

	s.Call(t, r, "idc_setpsw", id, "password", "Changed#2026").OK(t)
	require.NoError(t, s.attempt(id, jobs.KindPassword, 1))
	require.Equal(t, 1, s.tasks(t, id, "password"))
	require.Equal(t, "Changed#2026", s.order(t, r, id)["login_password"])
}
