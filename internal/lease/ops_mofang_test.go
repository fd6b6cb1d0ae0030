package lease_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/lease"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/mofang/fake"
)

// dcim is a 魔方DCIM fake holding the example line's three machines (their
// guids made the DCIM's server ids) and the example catalogue's two
// images, with the example line on it.
type dcim struct {
	*fake.Server
	images map[string]int // mirror_name → DCIM image id
	ids    []int          // the DCIM ids of the line's machines, first machine first
}

func (s *shop) startDCIM(t *testing.T) *dcim {
	t.Helper()
	d := &dcim{Server: fake.Start(t, fake.Config{Username: "zonkvmd", Password: "fake-secret"}),
		images: map[string]int{}}
	for _, name := range []string{"Win2016_40", "CentOS7.9_40"} {
		d.images[name] = d.AddImage(name)
	}
	for _, guid := range []string{firstMachine, "1744175217000002", "1744175217000003"} {
		id := d.AddMachine(7)
		d.ids = append(d.ids, id)
		s.Exec(t, `UPDATE lease_machines SET guid = $2 WHERE guid = $1`, guid, strconv.Itoa(id))
	}
	object, err := json.Marshal(map[string]any{"driver": "mofang", "url": d.BaseURL(), "username": "zonkvmd",
		"password": "fake-secret", "os_map": d.images})
	require.NoError(t, err)
	s.useDriver(t, string(object))
	return d
}

// machine is the fake's first machine, the one the first purchase takes.
func (d *dcim) machine(t *testing.T) fake.Machine {
	t.Helper()
	m, ok := d.Machine(d.ids[0])
	require.True(t, ok)
	return m
}

func TestALeaseIsOperatedEndToEndOnMofangDCIM(t *testing.T) {
	t.Parallel()
	s := openShop(t, true)
	d := s.startDCIM(t)
	s.installable(t)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "DCIM-1", `{"loginPassword":"Bought#2026"}`).Into(t, &c)
	id := c.IDs[0]
	s.waitFor(t, r, id, "was delivered", func(o map[string]any) bool { return o["order_status"] == float64(1) })
	m := d.machine(t)
	require.Equal(t, d.images["CentOS7.9_40"], m.OS)
	require.Equal(t, "Bought#2026", m.Password)
	require.Equal(t, fmt.Sprint(id), m.HostID)

	for _, step := range []struct {
		action, power string
		run           float64
	}{{"lease_stop", "off", -1}, {"lease_start", "on", 1}, {"lease_stop", "off", -1}, {"lease_restart", "on", 1}} {
		s.Call(t, r, step.action, id).OK(t)
		s.waitIdle(t, r, id, step.run)
		require.Equal(t, step.power, d.machine(t).Power, step.action)
	}

	s.Call(t, r, "lease_install", id, "systemID", winGUID, "password", "Reinstall#2026", "port", "3389",
		"system_partition", "first").OK(t)
	o := s.waitIdle(t, r, id, 1)
	m = d.machine(t)
	require.Equal(t, d.images["Win2016_40"], m.OS)
	require.Equal(t, "Reinstall#2026", m.Password)
	require.Equal(t, 3389, m.Port)
	require.Equal(t, 1, m.PartType)
	require.Equal(t, 2, m.Reinstalls)
	require.Equal(t, winGUID, o["system_guid"])
	require.Equal(t, "Reinstall#2026", o["login_password"])
	require.Equal(t, "3389", o["system_port"])

	s.Call(t, r, "lease_setpsw", id, "password", "Changed#2026").OK(t)
	require.Equal(t, "Changed#2026", s.waitIdle(t, r, id, 1)["login_password"])
	require.Equal(t, "Changed#2026", d.machine(t).Password)

	var console apitest.Console
	s.Call(t, r, "lease_getvncurl", id).Into(t, &console)
	require.True(t, strings.HasPrefix(console.URL, "ws://"), console.URL)
	require.Contains(t, console.URL, "/websockify_7?token=")
	require.NotContains(t, console.URL, "fake-secret")
	console.RequireFresh(t)

	end := time.Now()
	var chart apitest.Chart
	s.Call(t, r, "get_lease_chart", id, "start_time", fmt.Sprint(end.Add(-time.Hour).UnixMilli()),
		"end_time", fmt.Sprint(end.UnixMilli())).Into(t, &chart)
	apitest.RequireChart(t, chart)
	require.NotEmpty(t, chart.Date)
	require.Positive(t, chart.In[0])

	// The DCIM refuses: the operation ends at once with its reason kept.
	d.SetPower(d.ids[0], "nonsupport")
	s.Call(t, r, "lease_stop", id).OK(t)
	s.waitFor(t, r, id, "ended its stop", func(o map[string]any) bool { return o["act_status"] == float64(0) })
	require.EqualValues(t, 1, s.order(t, r, id)["run_status"], "still running")
	require.Contains(t, s.reason(t, id), "stop failed")
	require.Contains(t, s.reason(t, id), "不支持IPMI")
	require.NotContains(t, s.reason(t, id), "fake-secret")
}

// faultService is a lease service over the shop's daemon whose provider
// calls give up after 300 ms; the test runs each attempt of a job itself
// through it, as River would (River's own retrying and backoff are
// River's to test).
func (s *shop) faultService() *lease.Service {
	engine := *s.App.Engine
	engine.Providers.HTTP = &http.Client{Timeout: 300 * time.Millisecond}
	return &lease.Service{DB: s.DB, Box: s.App.Box, Engine: &engine}
}

func TestALeaseOperationRetriesThroughDCIMErrors(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	d := s.startDCIM(t)
	svc := s.faultService()
	r, id := s.boughtOrder(t, "FAULT-1")
	require.NoError(t, s.attempt(svc, id, jobs.KindProvision, 1))

	s.Call(t, r, "lease_stop", id).OK(t)
	d.FailNext(2, http.StatusInternalServerError)
	for n := 1; n <= 2; n++ {
		apitest.RequireRetried(t, s.attempt(svc, id, jobs.KindStop, n))
		o := s.order(t, r, id)
		require.EqualValues(t, 5, o["act_status"], "still stopping after attempt %d", n)
		require.EqualValues(t, 1, o["run_status"])
	}
	require.NoError(t, s.attempt(svc, id, jobs.KindStop, 3))
	o := s.order(t, r, id)
	require.EqualValues(t, 0, o["act_status"])
	require.EqualValues(t, -1, o["run_status"])
	require.Equal(t, "off", d.machine(t).Power)
	require.Empty(t, s.reason(t, id))
}

func TestALeaseOperationThatTimesOutToTheLastAttemptEndsWithItsReasonKept(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	d := s.startDCIM(t)
	svc := s.faultService()
	r, id := s.boughtOrder(t, "SLOW-1")
	require.NoError(t, s.attempt(svc, id, jobs.KindProvision, 1))
	before := s.order(t, r, id)["login_password"]
	require.Equal(t, before, d.machine(t).Password)

	s.Call(t, r, "lease_setpsw", id, "password", "Changed#2026").OK(t)
	d.SetDelay(2 * time.Second)
	for n := 1; n < jobs.MaxAttempts; n++ {
		apitest.RequireRetried(t, s.attempt(svc, id, jobs.KindPassword, n))
		require.EqualValues(t, 3, s.order(t, r, id)["act_status"])
	}
	err := s.attempt(svc, id, jobs.KindPassword, jobs.MaxAttempts)
	apitest.RequireGivenUp(t, err)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	d.SetDelay(0)

	o := s.order(t, r, id)
	require.EqualValues(t, 0, o["act_status"])
	require.EqualValues(t, 1, o["run_status"])
	require.Equal(t, before, o["login_password"], "the password the machine still has")
	require.Contains(t, s.reason(t, id), "password failed")
	require.Contains(t, s.reason(t, id), "unavailable")
	s.Call(t, r, "lease_setpsw", id, "password", "Changed#2026").OK(t) // free to try again
}

func TestALeaseOperationOnAMachineTheDCIMLostEndsAtOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.startDCIM(t)
	svc := s.faultService()
	r, id := s.boughtOrder(t, "LOST-1")
	require.NoError(t, s.attempt(svc, id, jobs.KindProvision, 1))
	s.Exec(t, `UPDATE lease_orders SET provider_ref = '9999' WHERE id = $1`, id) // the order's own DCIM id wins

	s.Call(t, r, "lease_restart", id).OK(t)
	err := s.attempt(svc, id, jobs.KindRestart, 1)
	apitest.RequireGivenUp(t, err)
	require.ErrorIs(t, err, provider.ErrNotFound)
	require.EqualValues(t, 0, s.order(t, r, id)["act_status"])
	require.Contains(t, s.reason(t, id), "restart failed")
}

func TestSynchronousLeaseReadoutsAnswerBusyWhenTheDCIMFails(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	d := s.startDCIM(t)
	r, id := s.boughtOrder(t, "BUSY-1")
	s.Activate(t, "lease", id)
	for _, action := range []string{"lease_getvncurl", "get_lease_chart"} {
		d.FailNext(1, http.StatusServiceUnavailable)
		s.Call(t, r, action, id).Fails(t, "系统繁忙,请稍后再试")
	}
}

func TestALeaseOperationOnAnOrderRefundedMeanwhileDoesNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	d := s.startDCIM(t)
	r, id := s.boughtOrder(t, "GONE-1")
	require.NoError(t, s.attempt(nil, id, jobs.KindProvision, 1))
	s.Call(t, r, "lease_stop", id).OK(t)
	s.Call(t, r, "lease_refund", id).OK(t)
	require.NoError(t, s.attempt(nil, id, jobs.KindStop, 1))
	o := s.order(t, r, id)
	require.EqualValues(t, -2, o["order_status"])
	require.EqualValues(t, 0, o["act_status"])
	require.Equal(t, "on", d.machine(t).Power, "not switched by the stop: its destroy job powers it off")
	require.NoError(t, s.attempt(nil, id, jobs.KindDestroy, 1))
	require.Equal(t, "off", d.machine(t).Power)
	require.Equal(t, 3, s.free(t))
}
