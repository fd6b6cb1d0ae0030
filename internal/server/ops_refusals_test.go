package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// orderState is everything an operation may change on an order.
type orderState struct {
	Status, Run, Act int
	System           int64
	LoginName        string
	Password, VNC    []byte
	Reason           string
	Jobs, Policies   int
}

func (s *shop) state(t *testing.T, id int64) orderState {
	t.Helper()
	var st orderState
	require.NoError(t, s.DB.QueryRow(context.Background(), `
		SELECT o.order_status, o.run_status, o.act_status, o.system_id, o.login_name, o.login_password_enc,
		       o.vnc_password_enc, o.status_reason,
		       (SELECT count(*) FROM river_job j WHERE j.args->>'business' = 'server'
		          AND (j.args->>'order_id')::bigint = o.id),
		       (SELECT count(*) FROM server_security_policies p WHERE p.order_id = o.id)
		FROM server_orders o WHERE o.id = $1`, id).Scan(&st.Status, &st.Run, &st.Act, &st.System, &st.LoginName,
		&st.Password, &st.VNC, &st.Reason, &st.Jobs, &st.Policies))
	return st
}

// boughtOrder buys the worked example for a new reseller and returns both.
func (s *shop) boughtOrder(t *testing.T, orderNo string) (apitest.Reseller, int64) {
	t.Helper()
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, orderNo, example).Into(t, &c)
	return r, c.IDs[0]
}

// everyOperation is every action of this feature with valid parameters.
var everyOperation = []struct {
	action string
	kv     []string
}{
	{"server_start", nil},
	{"server_stop", nil},
	{"server_restart", nil},
	{"server_install", []string{"systemID", centOS, "password", "Reinstall#2026"}},
	{"server_setpsw", []string{"password", "Changed#2026"}},
	{"server_setvnc", []string{"password", "Console#2026"}},
	{"server_getvncurl", nil},
	{"get_server_chart", nil},
	{"get_security_policy", nil},
	{"server_add_hardpolicy", httpRule},
	{"server_del_hardpolicy", []string{"policy_guid", "SP1767225600000000"}},
}

// jobOperations are the actions that run as jobs, with valid parameters.
var jobOperations = everyOperation[:6]

func TestOperationsOnAnOrderThatIsNotActiveAreRefusedAndChangeNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "NOT-YET")
	for _, state := range []struct {
		name string
		sql  string
	}{
		{"开通中", ``},
		{"已过期 and locked", `UPDATE server_orders SET order_status = 3, run_status = -2 WHERE id = $1`},
		{"已删除", `UPDATE server_orders SET order_status = -2, run_status = -2 WHERE id = $1`},
	} {
		if state.sql != "" {
			_, err := s.DB.Exec(context.Background(), state.sql, id)
			require.NoError(t, err)
		}
		before := s.state(t, id)
		for _, op := range everyOperation {
			s.Env.Call(t, r, op.action, id, op.kv...).Fails(t, "业务状态异常")
		}
		require.Equal(t, before, s.state(t, id), state.name)
	}
}

func TestASecondOperationWhileOneRunsIsRefused(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "BUSY")
	s.Activate(t, "server", id)
	s.Env.Call(t, r, "server_stop", id).OK(t)
	running := s.state(t, id)
	require.Equal(t, 4, running.Act)
	require.Equal(t, 2, running.Jobs, "provision and stop")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM river_job WHERE kind = 'stop'
		AND (args->>'order_id')::bigint = $1 AND args - 'business' - 'order_id' = '{}'`, id))
	for _, op := range jobOperations {
		s.Env.Call(t, r, op.action, id, op.kv...).Fails(t, "有操作正在进行中")
	}
	require.Equal(t, running, s.state(t, id))
}

func TestJobParametersCarryNoClearPassword(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "SEALED")
	s.Activate(t, "server", id)
	before := s.state(t, id)
	s.Env.Call(t, r, "server_install", id, "systemID", centOS, "password", "Reinstall#2026").OK(t)
	var args string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT args::text FROM river_job
		WHERE kind = 'install' AND (args->>'order_id')::bigint = $1`, id).Scan(&args))
	require.NotContains(t, args, "Reinstall#2026")
	after := s.state(t, id)
	require.Equal(t, 6, after.Act)
	require.Equal(t, before.Password, after.Password, "the order keeps its password until the job has set the new one")
	require.Equal(t, before.System, after.System)
}

func TestAnotherResellersOrderIsNotFound(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	_, id := s.boughtOrder(t, "MINE")
	s.Activate(t, "server", id)
	other := s.NewReseller(t, "1000")
	before := s.state(t, id)
	for _, op := range everyOperation {
		s.Env.Call(t, other, op.action, id, op.kv...).Fails(t, "未找到产品记录")
		s.Post(t, other.Form(op.action, append([]string{"guid", "srv_abc"}, op.kv...)...)).Fails(t, "未找到产品记录")
		s.Post(t, other.Form(op.action, op.kv...)).Fails(t, "缺少必要参数: guid")
	}
	require.Equal(t, before, s.state(t, id))
}

func TestReinstallRefusesSystemsThatCannotServeAndWeakPasswords(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "INSTALL")
	s.Activate(t, "server", id)
	before := s.state(t, id)
	ctx := context.Background()
	for _, c := range []struct {
		change, undo string // SQL on the CentOS system
		kv           []string
		msg          string
	}{
		{"", "", []string{"password", "Reinstall#2026"}, "缺少必要参数: systemID"},
		{"", "", []string{"systemID", "999", "password", "Reinstall#2026"}, "参数错误: systemID 不存在"},
		{"", "", []string{"systemID", centOS}, "缺少必要参数: password"},
		{"", "", []string{"systemID", centOS, "password", "short1A"}, "参数错误: password 长度须为8到32位"},
		{"", "", []string{"systemID", centOS, "password", "alllowercase"}, "参数错误: password 须包含大写字母、小写字母、数字、符号中的至少三种"},
		{`type = 'create'`, `type = 'create,install'`, nil, "参数错误: systemID 不支持该操作"},
		{`support = 'lease,idc'`, `support = 'server,lease,idc'`, nil, "参数错误: systemID 不支持该业务"},
		{`zone_guids = '{20250407014442321988}'`, `zone_guids = '{1696639073705350}'`, nil, "参数错误: systemID 不支持该线路"},
		{`cpu_limit = 8`, `cpu_limit = 0`, nil, "参数错误: systemID 配置低于系统要求"},
		{`status = 0`, `status = 1`, nil, "参数错误: systemID 已停用"},
	} {
		kv := c.kv
		if kv == nil {
			kv = []string{"systemID", centOS, "password", "Reinstall#2026"}
		}
		if c.change != "" {
			_, err := s.DB.Exec(ctx, `UPDATE systems SET `+c.change+` WHERE guid = $1`, centOS)
			require.NoError(t, err)
		}
		s.Env.Call(t, r, "server_install", id, kv...).Fails(t, c.msg)
		if c.undo != "" {
			_, err := s.DB.Exec(ctx, `UPDATE systems SET `+c.undo+` WHERE guid = $1`, centOS)
			require.NoError(t, err)
		}
	}
	require.Equal(t, before, s.state(t, id))
	s.Env.Call(t, r, "server_install", id, "systemID", centOS, "password", "Reinstall#2026").OK(t)
}

func TestPasswordChangesRefuseWeakPasswords(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "PASSWORDS")
	s.Activate(t, "server", id)
	before := s.state(t, id)
	for _, action := range []string{"server_setpsw", "server_setvnc"} {
		s.Env.Call(t, r, action, id).Fails(t, "缺少必要参数: password")
		s.Env.Call(t, r, action, id, "password", "password").Fails(t, "参数错误: password 须包含大写字母、小写字母、数字、符号中的至少三种")
		s.Env.Call(t, r, action, id, "password", "Aa1!").Fails(t, "参数错误: password 长度须为8到32位")
		s.Env.Call(t, r, action, id, "password", "Has Space1!").Fails(t, "参数错误: password 含有不允许的字符")
	}
	require.Equal(t, before, s.state(t, id))
}

func TestChartWindowsAreChecked(t *testing.T) {
	t.Parallel()
	s := newShop(t) // its clock: 2026-01-01 00:00:00 +08:00
	r, id := s.boughtOrder(t, "CHART")
	s.Activate(t, "server", id)
	now := apitest.At("2026-01-01 00:00:00").UnixMilli()
	const day = int64(24 * 3600 * 1000)
	ms := func(v int64) string { return fmt.Sprint(v) }
	for _, c := range []struct {
		kv  []string
		msg string
	}{
		{[]string{"start_time", "yesterday"}, "参数错误: start_time 应为整数"},
		{[]string{"end_time", "1.5"}, "参数错误: end_time 应为整数"},
		{[]string{"start_time", ms(now / 1000)}, "参数错误: start_time 应为毫秒级时间戳"},
		{[]string{"start_time", "-1"}, "参数错误: start_time 应为毫秒级时间戳"},
		{[]string{"start_time", ms(now - day), "end_time", ms(now - day)}, "参数错误: end_time 须晚于start_time"},
		{[]string{"start_time", ms(now), "end_time", ms(now - day)}, "参数错误: end_time 须晚于start_time"},
		{[]string{"start_time", ms(now - 32*day), "end_time", ms(now)}, "参数错误: end_time 与start_time相差不能超过31天"},
		{[]string{"start_time", ms(now + day)}, "参数错误: start_time 须早于当前时间"},
		{[]string{"start_time", ms(now - 32*day)}, "参数错误: start_time 距当前时间不能超过31天"},
	} {
		s.Env.Call(t, r, "get_server_chart", id, c.kv...).Fails(t, c.msg)
	}
}

func TestInvalidSecurityPoliciesAreRefusedAndChangeNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "RULES")
	s.Activate(t, "server", id)
	before := s.state(t, id)
	with := func(key, value string) []string {
		kv := append([]string(nil), httpRule...)
		for i := 0; i < len(kv); i += 2 {
			if kv[i] == key {
				kv[i+1] = value
			}
		}
		return kv
	}
	without := func(key string) []string {
		var kv []string
		for i := 0; i < len(httpRule); i += 2 {
			if httpRule[i] != key {
				kv = append(kv, httpRule[i], httpRule[i+1])
			}
		}
		return kv
	}
	for _, c := range []struct {
		kv  []string
		msg string
	}{
		{without("name"), "缺少必要参数: name"},
		{with("name", "  "), "缺少必要参数: name"},
		{with("name", strings.Repeat("名", 65)), "参数错误: name 长度应为1到64个字符"},
		{with("weight", "0"), "参数错误: weight 不在可选范围"},
		{with("weight", "1001"), "参数错误: weight 不在可选范围"},
		{with("weight", "high"), "参数错误: weight 应为整数"},
		{without("direction"), "缺少必要参数: direction"},
		{with("direction", "Sideways"), "参数错误: direction 应为Inbound或Outbound"},
		{without("operation"), "缺少必要参数: operation"},
		{with("operation", "drop"), "参数错误: operation 应为allow或deny"},
		{without("protocol"), "缺少必要参数: protocol"},
		{with("protocol", "sctp"), "参数错误: protocol 应为tcp、udp、icmp或all"},
		{without("remote_ip"), "缺少必要参数: remote_ip"},
		{with("remote_ip", "300.1.1.1"), "参数错误: remote_ip 应为IP地址或CIDR网段"},
		{with("remote_ip", "10.0.0.0/33"), "参数错误: remote_ip 应为IP地址或CIDR网段"},
		{with("remote_ip", "fe80::1%eth0"), "参数错误: remote_ip 应为IP地址或CIDR网段"},
		{with("remote_ip", "example.com"), "参数错误: remote_ip 应为IP地址或CIDR网段"},
		{without("local_port"), "缺少必要参数: local_port"},
		{with("local_port", "0"), "参数错误: local_port 应为1-65535的端口或起止端口范围"},
		{with("local_port", "65536"), "参数错误: local_port 应为1-65535的端口或起止端口范围"},
		{with("local_port", "90-80"), "参数错误: local_port 应为1-65535的端口或起止端口范围"},
		{with("local_port", "80,443"), "参数错误: local_port 应为1-65535的端口或起止端口范围"},
		{with("local_port", "http"), "参数错误: local_port 应为1-65535的端口或起止端口范围"},
		{with("protocol", "icmp"), "参数错误: local_port icmp和all协议不能指定端口"},
		{with("protocol", "all"), "参数错误: local_port icmp和all协议不能指定端口"},
	} {
		s.Env.Call(t, r, "server_add_hardpolicy", id, c.kv...).Fails(t, c.msg)
	}
	s.Env.Call(t, r, "server_del_hardpolicy", id).Fails(t, "缺少必要参数: policy_guid")
	s.Env.Call(t, r, "server_del_hardpolicy", id, "policy_guid", "SP0000000000000001").Fails(t, "参数错误: policy_guid 不存在")
	require.Equal(t, before, s.state(t, id))
}

func TestTheFiftyFirstRuleIsRefused(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "FIFTY")
	s.Activate(t, "server", id)
	_, err := s.DB.Exec(context.Background(), `
		INSERT INTO server_security_policies (order_id, guid, name, weight, direction, protocol, action, remote_ip, local_port)
		SELECT $1, 'SP' || lpad(n::text, 16, '0'), 'rule ' || n, 100, 'Inbound', 'tcp', 'allow', '0.0.0.0/0', n::text
		FROM generate_series(1, 50) AS n`, id)
	require.NoError(t, err)
	require.Len(t, listPolicies(t, s.Env, r, id), 50)
	s.Env.Call(t, r, "server_add_hardpolicy", id, httpRule...).Fails(t, "参数错误: guid 安全组规则已达上限50条")
	require.Len(t, listPolicies(t, s.Env, r, id), 50)
}

func TestARuleOfAnotherOrderCannotBeDeleted(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "OWNER")
	var c apitest.Created
	s.buy(t, r, "NEIGHBOUR", example).Into(t, &c)
	s.Activate(t, "server", id, c.IDs[0])
	_, err := s.DB.Exec(context.Background(), `INSERT INTO server_security_policies (order_id, guid, name, weight,
		direction, protocol, action, remote_ip, local_port) VALUES ($1, 'SP0000000000000042', 'ssh', 1, 'Inbound',
		'tcp', 'allow', '0.0.0.0/0', '22')`, c.IDs[0])
	require.NoError(t, err)
	s.Env.Call(t, r, "server_del_hardpolicy", id, "policy_guid", "SP0000000000000042").Fails(t, "参数错误: policy_guid 不存在")
	require.Len(t, listPolicies(t, s.Env, r, c.IDs[0]), 1)
}

func TestActionsTheDriverCannotDoAreNotOpen(t *testing.T) {
	t.Parallel()
	env := apitest.NewWithoutWorkers(t, catalogDB(t, `{"driver":"manual"}`))
	r := env.NewReseller(t, "1000")
	var c apitest.Created
	env.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "MANUAL", "line_guid", lineGUID,
		"system_guid", systemGUID, "content", example)).Into(t, &c)
	_, err := env.DB.Exec(context.Background(), `UPDATE server_orders SET order_status = 1, provider_ref = 'vm-1' WHERE id = $1`, c.IDs[0])
	require.NoError(t, err)
	env.Call(t, r, "server_getvncurl", c.IDs[0]).Fails(t, "暂未开放")
	env.Call(t, r, "get_server_chart", c.IDs[0]).Fails(t, "暂未开放")
}
