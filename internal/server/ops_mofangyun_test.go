package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/mofangyun"
	"github.com/zonkvm/zonkvmd/internal/provider/mofangyun/fake"
	"github.com/zonkvm/zonkvmd/internal/server"
)

// startMofang runs a 魔方云 fake with the example catalogue's two images and
// returns it with the provider object of a line on it.
func startMofang(t *testing.T) (*fake.Server, string) {
	t.Helper()
	f := fake.Start(t, fake.Config{Username: "zonkvmd", Password: "fake-secret"})
	images := map[string]int{}
	for _, name := range []string{"Win2016_40", "CentOS7.9_40"} {
		images[name] = f.AddImage(name)
	}
	object, err := json.Marshal(map[string]any{"driver": "mofangyun", "url": f.BaseURL(), "username": "zonkvmd",
		"password": "fake-secret", "node": 1})
	require.NoError(t, err)
	return f, string(object)
}

// cloudOf is the fake's cloud of order id.
func cloudOf(t *testing.T, f *fake.Server, ref string) fake.Cloud {
	t.Helper()
	n, err := strconv.Atoi(ref)
	require.NoError(t, err)
	c, ok := f.Cloud(n)
	require.True(t, ok, "cloud %s", ref)
	return c
}

func TestAServerIsOperatedEndToEndOnMofangCloud(t *testing.T) {
	t.Parallel()
	f, object := startMofang(t)
	env := apitest.New(t, catalogDB(t, object))
	vms, err := mofangyun.Open(json.RawMessage(object), provider.Deps{})
	require.NoError(t, err)
	r := env.NewReseller(t, "1000")
	var c apitest.Created
	env.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "MFY-1", "line_guid", lineGUID,
		"system_guid", systemGUID, "content", example)).Into(t, &c)
	id := c.IDs[0]
	order := waitForStatus(t, env, r, id, 1)
	ref := providerRef(t, env.DB, id)
	cloud := cloudOf(t, f, ref)
	require.Equal(t, cloud.MainIP, order["ip"])
	require.Equal(t, cloud.RootPassword, order["loginPassword"])
	require.Equal(t, 4, cloud.CPU)

	for _, step := range []struct {
		action, status string
		run            float64
	}{{"server_stop", "off", -1}, {"server_start", "on", 1}, {"server_restart", "wait_reboot", 1}} {
		env.Call(t, r, step.action, id).OK(t)
		waitForOperation(t, env, r, id, step.run)
		require.Equal(t, step.status, cloudOf(t, f, ref).Status, step.action)
	}

	env.Call(t, r, "server_install", id, "systemID", centOS, "password", "Reinstall#2026").OK(t)
	order = waitForOperation(t, env, r, id, 1)
	cloud = cloudOf(t, f, ref)
	require.Equal(t, "Reinstall#2026", cloud.RootPassword)
	require.Equal(t, "Reinstall#2026", order["loginPassword"])
	require.Equal(t, centOS, order["system_guid"])

	env.Call(t, r, "server_setpsw", id, "password", "Changed#2026").OK(t)
	order = waitForOperation(t, env, r, id, 1)
	require.Equal(t, "Changed#2026", cloudOf(t, f, ref).RootPassword)
	require.Equal(t, "Changed#2026", order["loginPassword"])

	// 魔方云 has no console passwords: the job ends at once, the reason kept.
	env.Call(t, r, "server_setvnc", id, "password", "Console#2026").OK(t)
	waitForOperation(t, env, r, id, 1)
	require.Empty(t, vncPassword(t, env.DB, id))
	require.Contains(t, statusReason(t, env, id), "vnc_password failed")
	require.Contains(t, statusReason(t, env, id), "not supported")

	var console struct {
		URL        string `json:"url"`
		ExpireTime string `json:"expire_time"`
	}
	env.Call(t, r, "server_getvncurl", id).Into(t, &console)
	require.True(t, strings.HasPrefix(console.URL, "ws://"), console.URL)
	require.Contains(t, console.URL, "/cloud_ws/"+cloud.KVMID+"?token=")
	require.NotContains(t, console.URL, "fake-secret")
	require.NotEmpty(t, console.ExpireTime)

	require.NotEmpty(t, lastHour(t, env, r, id).Date)

	requirePolicyRoundTrip(t, env, r, id, vms, ref)

	env.Call(t, r, "server_refund", id).OK(t)
	waitForStatus(t, env, r, id, -2)
	require.Eventually(t, func() bool {
		n, _ := strconv.Atoi(ref)
		_, exists := f.Cloud(n)
		return !exists
	}, 30*time.Second, 50*time.Millisecond, "the destroy job deletes the cloud")
}

func statusReason(t *testing.T, env *apitest.Env, id int64) string {
	t.Helper()
	var reason string
	require.NoError(t, env.DB.QueryRow(context.Background(), `SELECT status_reason FROM server_orders WHERE id = $1`, id).Scan(&reason))
	return reason
}

// faultShop is a daemon on a 魔方云 fake whose jobs nobody works: the test
// runs each attempt of a job itself through the server's handler, as River
// would (River's own retrying and backoff are River's to test; waiting out
// 2^attempt seconds here would prove nothing more). Its handler gives up
// on a provider call after 300 ms.
type faultShop struct {
	*apitest.Env
	fake   *fake.Server
	object string // the line's provider object
	jobs   *server.Service
	r      apitest.Reseller
}

func newFaultShop(t *testing.T) *faultShop {
	t.Helper()
	f, object := startMofang(t)
	env := apitest.NewWithoutWorkers(t, catalogDB(t, object))
	engine := *env.App.Engine
	engine.Providers.HTTP = &http.Client{Timeout: 300 * time.Millisecond}
	return &faultShop{Env: env, fake: f, object: object, jobs: &server.Service{DB: env.DB, Box: apitest.NewBox(t), Engine: &engine},
		r: env.NewReseller(t, "1000")}
}

// attempt runs attempt n of the job op on order id.
func (s *faultShop) attempt(id int64, op string, n int) error {
	return apitest.Attempt(s.DB, s.jobs.Jobs(), "server", id, op, n)
}

// bought buys a server and returns its id, provisioned unless the test
// wants to provision it.
func (s *faultShop) bought(t *testing.T, orderNo string, provision bool) int64 {
	t.Helper()
	var c apitest.Created
	s.Post(t, s.r.Form("create_order", "obj_type", "create_server", "order_id", orderNo, "line_guid", lineGUID,
		"system_guid", systemGUID, "content", example)).Into(t, &c)
	if provision {
		require.NoError(t, s.attempt(c.IDs[0], jobs.KindProvision, 1))
		require.EqualValues(t, 1, getServer(t, s.Env, s.r, c.IDs[0])["orderStatus"])
	}
	return c.IDs[0]
}

func TestAnOperationRetriesThroughProviderErrorsAndGarbage(t *testing.T) {
	t.Parallel()
	s := newFaultShop(t)
	id := s.bought(t, "FAULT-1", true)
	ref := providerRef(t, s.DB, id)

	s.Env.Call(t, s.r, "server_stop", id).OK(t)
	s.fake.FailNext(3, http.StatusInternalServerError)
	for n := 1; n <= 3; n++ {
		apitest.RequireRetried(t, s.attempt(id, jobs.KindStop, n))
		order := getServer(t, s.Env, s.r, id)
		require.EqualValues(t, 4, order["actStatus"], "still stopping after attempt %d", n)
		require.EqualValues(t, 1, order["runStatus"])
	}
	require.NoError(t, s.attempt(id, jobs.KindStop, 4))
	waitForOperation(t, s.Env, s.r, id, -1)
	require.Equal(t, "off", cloudOf(t, s.fake, ref).Status)

	s.Env.Call(t, s.r, "server_start", id).OK(t)
	s.fake.GarbageNext(2)
	apitest.RequireRetried(t, s.attempt(id, jobs.KindStart, 1))
	apitest.RequireRetried(t, s.attempt(id, jobs.KindStart, 2))
	require.EqualValues(t, 3, getServer(t, s.Env, s.r, id)["actStatus"])
	require.NoError(t, s.attempt(id, jobs.KindStart, 3))
	waitForOperation(t, s.Env, s.r, id, 1)
	require.Equal(t, "on", cloudOf(t, s.fake, ref).Status)
	require.Empty(t, statusReason(t, s.Env, id))
}

func TestAnOperationThatTimesOutToTheLastAttemptEndsWithItsReasonKept(t *testing.T) {
	t.Parallel()
	s := newFaultShop(t)
	id := s.bought(t, "SLOW-1", true)
	before := cloudOf(t, s.fake, providerRef(t, s.DB, id)).RootPassword

	s.Env.Call(t, s.r, "server_setpsw", id, "password", "Changed#2026").OK(t)
	s.fake.SetDelay(2 * time.Second)
	apitest.RequireRetried(t, s.attempt(id, jobs.KindPassword, 1))
	require.EqualValues(t, 7, getServer(t, s.Env, s.r, id)["actStatus"])
	err := s.attempt(id, jobs.KindPassword, jobs.MaxAttempts)
	apitest.RequireGivenUp(t, err)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	s.fake.SetDelay(0)

	order := getServer(t, s.Env, s.r, id)
	require.EqualValues(t, 0, order["actStatus"])
	require.EqualValues(t, 1, order["runStatus"])
	require.Equal(t, before, order["loginPassword"], "the password the server still has")
	require.Contains(t, statusReason(t, s.Env, id), "password failed")
	require.Contains(t, statusReason(t, s.Env, id), "unavailable")
	s.Env.Call(t, s.r, "server_setpsw", id, "password", "Changed#2026").OK(t) // free to try again
}

func TestAProvisioningThatFinallyFailsIsRefundedAndDeleted(t *testing.T) {
	t.Parallel()
	s := newFaultShop(t)
	id := s.bought(t, "DOOMED-1", false)
	require.Equal(t, "730.00", s.balanceOf(t))
	s.fake.FailNext(2, http.StatusBadGateway)
	apitest.RequireRetried(t, s.attempt(id, jobs.KindProvision, 1))
	require.EqualValues(t, 0, getServer(t, s.Env, s.r, id)["orderStatus"], "开通中 while it may pass")
	apitest.RequireGivenUp(t, s.attempt(id, jobs.KindProvision, jobs.MaxAttempts))

	order := getServer(t, s.Env, s.r, id)
	require.EqualValues(t, -2, order["orderStatus"])
	require.EqualValues(t, 0, order["actStatus"])
	require.Contains(t, statusReason(t, s.Env, id), "provisioning failed")
	require.Equal(t, "1000.00", s.balanceOf(t), "refunded in full")
	require.Zero(t, s.fake.CloudCount())
}

func (s *faultShop) balanceOf(t *testing.T) string {
	t.Helper()
	var balance string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT balance::text FROM accounts WHERE reseller_id = $1`,
		s.r.ID).Scan(&balance))
	return balance
}

func TestSynchronousActionsAnswerBusyWhenTheProviderFails(t *testing.T) {
	t.Parallel()
	s := newFaultShop(t)
	id := s.bought(t, "BUSY-1", true)
	for _, action := range []struct {
		name string
		kv   []string
	}{{"server_getvncurl", nil}, {"get_server_chart", nil}, {"server_add_hardpolicy", httpRule}} {
		s.fake.FailNext(1, http.StatusServiceUnavailable)
		s.Env.Call(t, s.r, action.name, id, action.kv...).Fails(t, "系统繁忙,请稍后再试")
	}
	require.Empty(t, listPolicies(t, s.Env, s.r, id))
}

func TestAnOperationOnAServerTheProviderLostEndsAtOnce(t *testing.T) {
	t.Parallel()
	s := newFaultShop(t)
	id := s.bought(t, "LOST-1", true)
	vms, err := mofangyun.Open(json.RawMessage(s.object), provider.Deps{})
	require.NoError(t, err)
	require.NoError(t, vms.DeleteVM(context.Background(), providerRef(t, s.DB, id)))

	s.Env.Call(t, s.r, "server_restart", id).OK(t)
	err = s.attempt(id, jobs.KindRestart, 1)
	apitest.RequireGivenUp(t, err)
	require.ErrorIs(t, err, provider.ErrNotFound)
	require.EqualValues(t, 0, getServer(t, s.Env, s.r, id)["actStatus"])
	require.Contains(t, statusReason(t, s.Env, id), "restart failed")
}

func TestAnOperationOnAnOrderRefundedMeanwhileDoesNothing(t *testing.T) {
	t.Parallel()
	s := newFaultShop(t)
	id := s.bought(t, "GONE-1", true)
	ref := providerRef(t, s.DB, id)
	s.Env.Call(t, s.r, "server_stop", id).OK(t)
	s.Env.Call(t, s.r, "server_refund", id).OK(t)
	require.NoError(t, s.attempt(id, jobs.KindStop, 1))
	order := getServer(t, s.Env, s.r, id)
	require.EqualValues(t, -2, order["orderStatus"])
	require.EqualValues(t, 0, order["actStatus"])
	require.Equal(t, "on", cloudOf(t, s.fake, ref).Status, "not switched off: its destroy job removes it")
	require.NoError(t, s.attempt(id, jobs.KindDestroy, 1))
	require.Zero(t, s.fake.CloudCount())
}
