package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/secret"
	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

// getserverKinds is the shape of getserver's example in the document
// (五.3): every field it shows and the JSON kind of its value.
var getserverKinds = map[string]string{
	"id": "number", "client_user_id": "number", "need_reset_vnc": "number",
	"line_guid": "string", "lineID": "number", "system_guid": "string",
	"ip": "string", "localIP": "string", "cpu": "number", "memory": "number",
	"harddisks": "string", "bandwidth": "number", "in_bandwidth": "string",
	"defense": "number", "loginName": "string", "loginPassword": "string",
	"buyTime": "string", "endTime": "string", "orderStatus": "number",
	"runStatus": "number", "actStatus": "number", "snapStatus": "number",
	"vnc_port": "number", "share_type": "number", "login_port": "number",
	"share_ip": "string", "append_ip": "string", "securityPolicyList": "string",
	"port": "string", "api_type": "string",
}

// securityPolicyKinds is the shape of get_security_policy's example (五.16),
// which securityPolicyList repeats as JSON text.
var securityPolicyKinds = map[string]string{
	"id": "number", "product_id": "number", "guid": "string", "name": "string",
	"weight": "number", "direction": "string", "protocol": "string",
	"action": "string", "remote_ip": "string", "local_port": "string",
	"service_type": "string", "status": "number", "create_time": "string",
}

func TestGetServerAnswersEveryDocumentedFieldWithItsType(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	line := testfactory.ServerLine(t, f.DB, nil)
	system := testfactory.System(t, f.DB, nil)
	o := testfactory.ServerOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.ServerOrderRow) {
		o.LineID, o.SystemID = line.ID, system.ID
		o.ClientUserID, o.NeedResetVNC, o.SnapStatus = 77, 1, 0
		o.AppendIP = `["192.168.1.101"]`
		o.PortForwards = `[{"port":8080,"to":80}]`
	})

	data, err := c.Call(t, "getserver", map[string]any{"guid": strconv.FormatInt(o.ID, 10)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)

	require.Equal(t, getserverKinds, testfactory.Kinds(got))
	require.Equal(t, map[string]any{
		"id": testfactory.Number(o.ID), "client_user_id": testfactory.Number(77), "need_reset_vnc": testfactory.Number(1),
		"line_guid": line.GUID, "lineID": testfactory.Number(line.ID), "system_guid": system.GUID,
		"ip": "192.168.1.100", "localIP": "10.0.0.1", "cpu": testfactory.Number(4), "memory": testfactory.Number(8),
		"harddisks": "40", "bandwidth": testfactory.Number(20), "in_bandwidth": "10", "defense": testfactory.Number(10),
		"loginName": "root", "loginPassword": "Srv-Passw0rd!",
		"buyTime": "2025-01-01 10:00:00", "endTime": "2025-02-01 10:00:00",
		"orderStatus": testfactory.Number(1), "runStatus": testfactory.Number(1), "actStatus": testfactory.Number(0), "snapStatus": testfactory.Number(0),
		"vnc_port": testfactory.Number(5900), "share_type": testfactory.Number(0), "login_port": testfactory.Number(23543),
		"share_ip": "", "append_ip": `["192.168.1.101"]`, "securityPolicyList": "[]",
		"port": `[{"port":8080,"to":80}]`, "api_type": "mofangyun",
	}, got)
}

func TestGetServerListsSecurityPoliciesAsJSONText(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	o := testfactory.ServerOrder(t, f.DB, f.Box, c.Reseller.ID, nil)
	first := testfactory.SecurityPolicy(t, f.DB, o.ID, nil)
	second := testfactory.SecurityPolicy(t, f.DB, o.ID, func(p *testfactory.SecurityPolicyRow) {
		p.Name, p.Direction, p.Protocol, p.Action, p.LocalPort = "禁止出站", "Outbound", "all", "deny", ""
	})

	data, err := c.Call(t, "getserver", map[string]any{"guid": strconv.FormatInt(o.ID, 10)})
	require.NoError(t, err)
	text, ok := testfactory.Object(t, data)["securityPolicyList"].(string)
	require.True(t, ok, "securityPolicyList is JSON text")

	var policies []map[string]any
	require.NoError(t, json.Unmarshal([]byte(text), &policies))
	require.Len(t, policies, 2)
	for _, p := range policies {
		require.Equal(t, securityPolicyKinds, testfactory.Kinds(p))
	}
	require.Equal(t, map[string]any{
		"id": float64(first.ID), "product_id": float64(o.ID), "guid": first.GUID,
		"name": "允许HTTP访问", "weight": float64(100), "direction": "Inbound",
		"protocol": "tcp", "action": "allow", "remote_ip": "0.0.0.0/0", "local_port": "80",
		"service_type": "server", "status": float64(1), "create_time": "2026-05-25 10:00:00",
	}, policies[0])
	require.Equal(t, float64(second.ID), policies[1]["id"])
	require.Equal(t, "Outbound", policies[1]["direction"])
}

// TestGetServerFollowsItsLineSystemAndPoliciesWhenTheyChange: getserver
// reads the line's and system's guids, the driver and the policies from
// the order's row (migration 13); each change of what they copy shows at
// once, whoever writes it.
func TestGetServerFollowsItsLineSystemAndPoliciesWhenTheyChange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	ctx := context.Background()
	line := testfactory.ServerLine(t, f.DB, nil)
	system, other := testfactory.System(t, f.DB, nil), testfactory.System(t, f.DB, nil)
	o := testfactory.ServerOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.ServerOrderRow) {
		o.LineID, o.SystemID = line.ID, system.ID
	})
	get := func() map[string]any {
		t.Helper()
		data, err := c.Call(t, "getserver", map[string]any{"guid": strconv.FormatInt(o.ID, 10)})
		require.NoError(t, err)
		got := testfactory.Object(t, data)
		return map[string]any{"line_guid": got["line_guid"], "system_guid": got["system_guid"],
			"api_type": got["api_type"], "securityPolicyList": got["securityPolicyList"]}
	}
	require.Equal(t, map[string]any{"line_guid": line.GUID, "system_guid": system.GUID, "api_type": "mofangyun",
		"securityPolicyList": "[]"}, get())

	_, err := f.DB.Exec(ctx, `UPDATE server_lines SET guid = 'L-RENAMED', provider_driver = 'sim' WHERE id = $1`, line.ID)
	require.NoError(t, err)
	_, err = f.DB.Exec(ctx, `UPDATE systems SET guid = 'S-RENAMED' WHERE id = $1`, system.ID)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"line_guid": "L-RENAMED", "system_guid": "S-RENAMED", "api_type": "sim",
		"securityPolicyList": "[]"}, get())

	// A reinstall moves the order to another system.
	_, err = f.DB.Exec(ctx, `UPDATE server_orders SET system_id = $2 WHERE id = $1`, o.ID, other.ID)
	require.NoError(t, err)
	require.Equal(t, other.GUID, get()["system_guid"])

	p := testfactory.SecurityPolicy(t, f.DB, o.ID, nil)
	require.Contains(t, get()["securityPolicyList"], `"status":1`)
	_, err = f.DB.Exec(ctx, `UPDATE server_security_policies SET status = 0 WHERE id = $1`, p.ID)
	require.NoError(t, err)
	require.Contains(t, get()["securityPolicyList"], `"status":0`)
	_, err = f.DB.Exec(ctx, `DELETE FROM server_security_policies WHERE id = $1`, p.ID)
	require.NoError(t, err)
	require.Equal(t, "[]", get()["securityPolicyList"])
}

func TestGetServerAnswersEmptyPasswordWhenNoneIsSet(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	o := testfactory.ServerOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.ServerOrderRow) { o.LoginPassword = "" })

	data, err := c.Call(t, "getserver", map[string]any{"guid": strconv.FormatInt(o.ID, 10)})
	require.NoError(t, err)
	require.Equal(t, "", testfactory.Object(t, data)["loginPassword"])
}

func TestGetServerHidesAPasswordItCannotOpenBehindAnInternalError(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	otherKey, err := secret.New(bytes.Repeat([]byte{9}, secret.KeySize))
	require.NoError(t, err)
	o := testfactory.ServerOrder(t, f.DB, otherKey, c.Reseller.ID, nil)

	_, err = c.Call(t, "getserver", map[string]any{"guid": strconv.FormatInt(o.ID, 10)})
	require.ErrorIs(t, err, secret.ErrOpen)
	var apiErr *dispatch.Error
	require.False(t, errors.As(err, &apiErr), "an internal error, answered as 系统繁忙")
}

func TestGetServerFindsAPrefixedGUID(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	o := testfactory.ServerOrder(t, f.DB, f.Box, c.Reseller.ID, nil)

	data, err := c.Call(t, "getserver", map[string]any{"guid": "srv_" + strconv.FormatInt(o.ID, 10)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Number(o.ID), testfactory.Object(t, data)["id"])
}

func TestGetServerHidesAnotherResellersOrder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	owner, other := f.Caller(t), f.Caller(t)
	o := testfactory.ServerOrder(t, f.DB, f.Box, owner.Reseller.ID, nil)

	_, err := other.Call(t, "getserver", map[string]any{"guid": strconv.FormatInt(o.ID, 10)})
	require.ErrorIs(t, err, dispatch.ErrOrderNotFound)
	require.EqualError(t, err, "未找到产品记录")
}

func TestGetServerAnswersNotFoundForUnknownOrMalformedIDs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	testfactory.ServerOrder(t, f.DB, f.Box, c.Reseller.ID, nil)

	for _, guid := range []string{"9000000000", "abc", "0", "-5", "srv_", "1.5"} {
		_, err := c.Call(t, "getserver", map[string]any{"guid": guid})
		require.ErrorIs(t, err, dispatch.ErrOrderNotFound, "guid %q", guid)
	}
}

func TestGetServerWithoutGUIDAsksForIt(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)

	_, err := c.Call(t, "getserver", nil)
	require.EqualError(t, err, "缺少必要参数: guid")
	_, err = c.Call(t, "getserver", map[string]any{"guid": ""})
	require.EqualError(t, err, "缺少必要参数: guid")
}
