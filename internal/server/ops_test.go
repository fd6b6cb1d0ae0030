package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/sim"
)

// centOS is the example catalogue's other system: it may be installed on
// the example line, with root as its login.
const centOS = "1659170791658716"

// catalogDB is a fresh database with the example catalogue whose example
// server line runs the provider object given.
func catalogDB(t *testing.T, object string) *postgres.DB {
	t.Helper()
	db := apitest.CatalogDB(t)
	_, err := db.Exec(context.Background(), `UPDATE server_lines SET provider_config = $2 WHERE guid = $1`,
		lineGUID, apitest.NewBox(t).Seal([]byte(object)))
	require.NoError(t, err)
	return db
}

func getServer(t *testing.T, env *apitest.Env, r apitest.Reseller, id int64) map[string]any {
	t.Helper()
	var order map[string]any
	env.Call(t, r, "getserver", id).Into(t, &order)
	return order
}

// waitForOperation waits until order id has no operation running and the
// run status run.
func waitForOperation(t *testing.T, env *apitest.Env, r apitest.Reseller, id int64, run float64) map[string]any {
	t.Helper()
	var order map[string]any
	require.Eventually(t, func() bool {
		order = getServer(t, env, r, id)
		return order["actStatus"] == float64(0) && order["runStatus"] == run
	}, 30*time.Second, 20*time.Millisecond, "order %d never finished its operation with runStatus %v: %v", id, run, order)
	return order
}

// providerRef is the provider's id of order id's server.
func providerRef(t *testing.T, db *postgres.DB, id int64) string {
	t.Helper()
	var ref string
	require.NoError(t, db.QueryRow(context.Background(), `SELECT provider_ref FROM server_orders WHERE id = $1`, id).Scan(&ref))
	return ref
}

// lastHour asks for the chart of the hour before now and checks it.
func lastHour(t *testing.T, env *apitest.Env, r apitest.Reseller, id int64) apitest.Chart {
	t.Helper()
	end := time.Now()
	start := end.Add(-time.Hour)
	resp := env.Call(t, r, "get_server_chart", id, "start_time", fmt.Sprint(start.UnixMilli()),
		"end_time", fmt.Sprint(end.UnixMilli()))
	require.Equal(t, "获取成功", resp.Msg)
	var c apitest.Chart
	resp.Into(t, &c)
	apitest.RequireChart(t, c)
	require.Equal(t, start.In(apitype.Location()).Format("2006-01-02 15:04"), c.StartTime)
	require.Equal(t, end.In(apitype.Location()).Format("2006-01-02 15:04"), c.EndTime)
	return c
}

// policy is a row of get_security_policy.
type policy struct {
	ID          int64  `json:"id"`
	ProductID   int64  `json:"product_id"`
	GUID        string `json:"guid"`
	Name        string `json:"name"`
	Weight      int    `json:"weight"`
	Direction   string `json:"direction"`
	Protocol    string `json:"protocol"`
	Action      string `json:"action"`
	RemoteIP    string `json:"remote_ip"`
	LocalPort   string `json:"local_port"`
	ServiceType string `json:"service_type"`
	Status      int    `json:"status"`
	CreateTime  string `json:"create_time"`
}

func listPolicies(t *testing.T, env *apitest.Env, r apitest.Reseller, id int64) []policy {
	t.Helper()
	resp := env.Call(t, r, "get_security_policy", id)
	require.Equal(t, "获取成功", resp.Msg)
	require.NotEqual(t, "null", string(resp.OK(t)))
	var list []policy
	resp.Into(t, &list)
	return list
}

// httpRule is the rule every flow adds: HTTP from anywhere.
var httpRule = []string{"name", "允许HTTP访问", "weight", "100", "direction", "Inbound", "operation", "allow",
	"protocol", "tcp", "remote_ip", "0.0.0.0/0", "local_port", "80"}

// requirePolicyRoundTrip adds httpRule, sees it listed here and at the
// provider (through vms), deletes it and sees it gone from both.
func requirePolicyRoundTrip(t *testing.T, env *apitest.Env, r apitest.Reseller, id int64, vms provider.VMDriver, ref string) {
	t.Helper()
	ctx := context.Background()
	require.Empty(t, listPolicies(t, env, r, id))
	var added policy
	env.Call(t, r, "server_add_hardpolicy", id, httpRule...).Into(t, &added)
	require.Regexp(t, `^SP\d{16}$`, added.GUID)
	require.Equal(t, policy{ID: added.ID, ProductID: id, GUID: added.GUID, Name: "允许HTTP访问", Weight: 100,
		Direction: "Inbound", Protocol: "tcp", Action: "allow", RemoteIP: "0.0.0.0/0", LocalPort: "80",
		ServiceType: "server", Status: 1, CreateTime: added.CreateTime}, added)
	require.Equal(t, []policy{added}, listPolicies(t, env, r, id))
	require.Contains(t, getServer(t, env, r, id)["securityPolicyList"], added.GUID)
	rules, err := vms.ListRules(ctx, ref)
	require.NoError(t, err)
	require.Len(t, rules, 1)
	require.Equal(t, "80", rules[0].LocalPort)

	env.Call(t, r, "server_del_hardpolicy", id, "policy_guid", added.GUID).OK(t)
	require.Empty(t, listPolicies(t, env, r, id))
	require.Equal(t, "[]", getServer(t, env, r, id)["securityPolicyList"])
	rules, err = vms.ListRules(ctx, ref)
	require.NoError(t, err)
	require.Empty(t, rules)
	env.Call(t, r, "server_del_hardpolicy", id, "policy_guid", added.GUID).Fails(t, "参数错误: policy_guid 不存在")
}

func TestAServerIsOperatedEndToEndOnTheSimulator(t *testing.T) {
	t.Parallel()
	// Every simulated call takes 400 ms, so an operation is seen under way.
	const object = `{"driver":"sim","delay_ms":400,"name":"operations end to end"}`
	env := apitest.New(t, catalogDB(t, object))
	vms, err := sim.Open(json.RawMessage(object), provider.Deps{})
	require.NoError(t, err)
	ctx := context.Background()
	r := env.NewReseller(t, "1000")
	var c apitest.Created
	env.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "OPS-1", "line_guid", lineGUID,
		"system_guid", systemGUID, "content", example)).Into(t, &c)
	id := c.IDs[0]
	order := waitForStatus(t, env, r, id, 1)
	require.NotEmpty(t, order["ip"])
	require.NotEmpty(t, order["loginPassword"])
	ref := providerRef(t, env.DB, id)
	requireState := func(want provider.PowerState) {
		t.Helper()
		state, err := vms.VMState(ctx, ref)
		require.NoError(t, err)
		require.Equal(t, want, state)
	}

	for _, step := range []struct {
		action    string
		act       float64
		run       float64
		simulated provider.PowerState
	}{
		{"server_stop", 4, -1, provider.StateOff},
		{"server_start", 3, 1, provider.StateOn},
		{"server_restart", 5, 1, provider.StateOn},
	} {
		env.Call(t, r, step.action, id).OK(t)
		require.Equal(t, step.act, getServer(t, env, r, id)["actStatus"], step.action)
		waitForOperation(t, env, r, id, step.run)
		requireState(step.simulated)
	}

	env.Call(t, r, "server_install", id, "systemID", centOS, "password", "Reinstall#2026").OK(t)
	require.EqualValues(t, 6, getServer(t, env, r, id)["actStatus"])
	order = waitForOperation(t, env, r, id, 1)
	require.Equal(t, centOS, order["system_guid"])
	require.Equal(t, "root", order["loginName"])
	require.Equal(t, "Reinstall#2026", order["loginPassword"])

	env.Call(t, r, "server_setpsw", id, "password", "Changed#2026").OK(t)
	require.EqualValues(t, 7, getServer(t, env, r, id)["actStatus"])
	order = waitForOperation(t, env, r, id, 1)
	require.Equal(t, "Changed#2026", order["loginPassword"])

	env.Call(t, r, "server_setvnc", id, "password", "Console#2026").OK(t)
	require.EqualValues(t, 8, getServer(t, env, r, id)["actStatus"])
	order = waitForOperation(t, env, r, id, 1)
	require.EqualValues(t, 0, order["need_reset_vnc"])
	require.Equal(t, "Console#2026", vncPassword(t, env.DB, id))

	var console struct {
		URL        string `json:"url"`
		ExpireTime string `json:"expire_time"`
	}
	env.Call(t, r, "server_getvncurl", id).Into(t, &console)
	require.Regexp(t, `^https://console\.sim\.invalid/vnc/[0-9a-f]{32}$`, console.URL)
	expires, err := apitype.ParseDateTime(console.ExpireTime)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(5*time.Minute), expires, time.Minute)

	var day apitest.Chart
	env.Call(t, r, "get_server_chart", id).Into(t, &day)
	apitest.RequireChart(t, day)
	require.InDelta(t, 288, len(day.Date), 1, "the last 24 hours by default")
	require.Contains(t, []int{12, 13}, len(lastHour(t, env, r, id).Date))

	requirePolicyRoundTrip(t, env, r, id, vms, ref)

	env.Call(t, r, "server_refund", id).OK(t)
	waitForStatus(t, env, r, id, -2)
	require.Eventually(t, func() bool {
		_, err := vms.VMState(ctx, ref)
		return err != nil && errors.Is(err, provider.ErrNotFound)
	}, 30*time.Second, 50*time.Millisecond, "the destroy job removes the VM")
}

// vncPassword opens the console password kept for order id ("" for none).
func vncPassword(t *testing.T, db *postgres.DB, id int64) string {
	t.Helper()
	var sealed []byte
	require.NoError(t, db.QueryRow(context.Background(), `SELECT vnc_password_enc FROM server_orders WHERE id = $1`, id).Scan(&sealed))
	if sealed == nil {
		return ""
	}
	pw, err := apitest.NewBox(t).OpenString(sealed)
	require.NoError(t, err)
	return pw
}
