package lease_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// orderState is everything an operation may change on a lease order.
type orderState struct {
	Status, Run, Act int
	System           int64
	LoginName, Port  string
	Password         []byte
	Reason           string
	Jobs             int
}

func (s *shop) state(t *testing.T, id int64) orderState {
	t.Helper()
	var st orderState
	require.NoError(t, s.DB.QueryRow(context.Background(), `
		SELECT o.order_status, o.run_status, o.act_status, o.system_id, o.login_name, o.system_port,
		       o.login_password_enc, o.status_reason,
		       (SELECT count(*) FROM river_job j WHERE j.args->>'business' = 'lease'
		          AND (j.args->>'order_id')::bigint = o.id)
		FROM lease_orders o WHERE o.id = $1`, id).Scan(&st.Status, &st.Run, &st.Act, &st.System, &st.LoginName,
		&st.Port, &st.Password, &st.Reason, &st.Jobs))
	return st
}

// boughtOrder buys the example machine for a new reseller and returns both.
func (s *shop) boughtOrder(t *testing.T, orderNo string) (apitest.Reseller, int64) {
	t.Helper()
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, orderNo, `{}`).Into(t, &c)
	return r, c.IDs[0]
}

// everyOperation is every operation action with valid parameters.
var everyOperation = []struct {
	action string
	kv     []string
}{
	{"lease_start", nil},
	{"lease_stop", nil},
	{"lease_restart", nil},
	{"lease_install", []string{"systemID", systemGUID, "password", "Reinstall#2026"}},
	{"lease_setpsw", []string{"password", "Changed#2026"}},
	{"lease_getvncurl", nil},
	{"get_lease_chart", nil},
}

// jobOperations are the actions that run as jobs.
var jobOperations = everyOperation[:5]

func TestLeaseOperationsOnAnOrderThatIsNotActiveAreRefusedAndChangeNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "NOT-YET")
	for _, state := range []struct{ name, sql string }{
		{"开通中", ``},
		{"已过期 and locked", `UPDATE lease_orders SET order_status = 3, run_status = -2 WHERE id = $1`},
		{"已回收", `UPDATE lease_orders SET order_status = -1, run_status = -2 WHERE id = $1`},
		{"已删除", `UPDATE lease_orders SET order_status = -2 WHERE id = $1`},
	} {
		if state.sql != "" {
			s.Exec(t, state.sql, id)
		}
		before := s.state(t, id)
		for _, op := range everyOperation {
			s.Call(t, r, op.action, id, op.kv...).Fails(t, "业务状态异常")
		}
		require.Equal(t, before, s.state(t, id), state.name)
	}
}

func TestASecondLeaseOperationWhileOneRunsIsRefused(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "BUSY")
	s.Activate(t, "lease", id)
	s.Call(t, r, "lease_restart", id).OK(t)
	running := s.state(t, id)
	require.Equal(t, 1, running.Act)
	require.Equal(t, 2, running.Jobs, "provision and restart")
	for _, op := range jobOperations {
		s.Call(t, r, op.action, id, op.kv...).Fails(t, "有操作正在进行中")
	}
	require.Equal(t, running, s.state(t, id))
}

func TestAnotherResellersLeaseIsNotFound(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	_, id := s.boughtOrder(t, "MINE")
	s.Activate(t, "lease", id)
	other := s.NewReseller(t, "1000")
	before := s.state(t, id)
	for _, op := range everyOperation {
		s.Call(t, other, op.action, id, op.kv...).Fails(t, "未找到产品记录")
		s.Post(t, other.Form(op.action, append([]string{"guid", "lease_abc"}, op.kv...)...)).Fails(t, "未找到产品记录")
		s.Post(t, other.Form(op.action, op.kv...)).Fails(t, "缺少必要参数: guid")
	}
	require.Equal(t, before, s.state(t, id))
}

func TestLeaseJobParametersCarryNoClearPassword(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "SEALED")
	s.Activate(t, "lease", id)
	before := s.state(t, id)
	s.Call(t, r, "lease_install", id, "systemID", systemGUID, "password", "Reinstall#2026",
		"install_reason", "客户要求重装").OK(t)
	var args map[string]any
	var text string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT args, args::text FROM river_job
		WHERE kind = 'install' AND (args->>'order_id')::bigint = $1`, id).Scan(&args, &text))
	require.NotContains(t, text, "Reinstall#2026")
	require.Equal(t, "客户要求重装", args["reason"], "the reason is kept for the operator")
	require.EqualValues(t, 23543, args["port"], "the system's port by default")
	require.Equal(t, "all", args["partition"])
	after := s.state(t, id)
	require.Equal(t, 2, after.Act)
	require.Equal(t, before.Password, after.Password, "the order keeps its password until the job has set the new one")
	require.Equal(t, before.System, after.System)
}

func TestLeaseReinstallRefusesWhatCannotServe(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "INSTALL")
	s.Activate(t, "lease", id)
	before := s.state(t, id)
	good := []string{"systemID", systemGUID, "password", "Reinstall#2026"}
	with := func(kv ...string) []string { return append(append([]string(nil), good...), kv...) }
	for _, c := range []struct {
		change, undo string // SQL on the CentOS system
		kv           []string
		msg          string
	}{
		{"", "", []string{"password", "Reinstall#2026"}, "缺少必要参数: systemID"},
		{"", "", []string{"systemID", "999", "password", "Reinstall#2026"}, "参数错误: systemID 不存在"},
		{"", "", []string{"systemID", systemGUID}, "缺少必要参数: password"},
		{"", "", []string{"systemID", systemGUID, "password", "short1A"}, "参数错误: password 长度须为8到32位"},
		{"", "", []string{"systemID", systemGUID, "password", "alllowercase"}, "参数错误: password 须包含大写字母、小写字母、数字、符号中的至少三种"},
		{"", "", []string{"systemID", winGUID, "password", "Reinstall#2026"}, "参数错误: systemID 不支持该线路"},
		{"", "", with("port", "0"), "参数错误: port 应为1-65535的端口"},
		{"", "", with("port", "65536"), "参数错误: port 应为1-65535的端口"},
		{"", "", with("port", "ssh"), "参数错误: port 应为整数"},
		{"", "", with("system_partition", "raid0"), "参数错误: system_partition 应为all(全盘)或first(第一分区)"},
		{"", "", with("system_partition_size", "39"), "参数错误: system_partition_size 不能小于系统要求的40GB"},
		{"", "", with("system_partition_size", "-1"), "参数错误: system_partition_size 不在可选范围"},
		{"", "", with("system_partition_size", "big"), "参数错误: system_partition_size 应为整数"},
		{"", "", with("install_reason", strings.Repeat("重", 256)), "参数错误: install_reason 长度不能超过255个字符"},
		{`type = 'create'`, `type = 'create,install'`, nil, "参数错误: systemID 不支持该操作"},
		{`support = 'server,idc'`, `support = 'server,lease,idc'`, nil, "参数错误: systemID 不支持该业务"},
		{`cpu_limit = 64`, `cpu_limit = 0`, nil, "参数错误: systemID 配置低于系统要求"},
		{`status = 0`, `status = 1`, nil, "参数错误: systemID 已停用"},
	} {
		kv := c.kv
		if kv == nil {
			kv = good
		}
		if c.change != "" {
			s.Exec(t, `UPDATE systems SET `+c.change+` WHERE guid = $1`, systemGUID)
		}
		s.Call(t, r, "lease_install", id, kv...).Fails(t, c.msg)
		if c.undo != "" {
			s.Exec(t, `UPDATE systems SET `+c.undo+` WHERE guid = $1`, systemGUID)
		}
	}
	require.Equal(t, before, s.state(t, id))
	s.Call(t, r, "lease_install", id, with("system_partition", "FIRST", "system_partition_size", "40",
		"install_reason", strings.Repeat("重", 255))...).OK(t)
}

func TestLeasePasswordChangesRefuseWeakPasswords(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "PASSWORDS")
	s.Activate(t, "lease", id)
	before := s.state(t, id)
	s.Call(t, r, "lease_setpsw", id).Fails(t, "缺少必要参数: password")
	s.Call(t, r, "lease_setpsw", id, "password", "password").Fails(t, "参数错误: password 须包含大写字母、小写字母、数字、符号中的至少三种")
	s.Call(t, r, "lease_setpsw", id, "password", "Aa1!").Fails(t, "参数错误: password 长度须为8到32位")
	s.Call(t, r, "lease_setpsw", id, "password", "Has Space1!").Fails(t, "参数错误: password 含有不允许的字符")
	require.Equal(t, before, s.state(t, id))
}

func TestLeaseChartWindowsAreChecked(t *testing.T) {
	t.Parallel()
	s := newShop(t) // its clock: 2026-01-01 00:00:00 +08:00
	r, id := s.boughtOrder(t, "CHART")
	s.Activate(t, "lease", id)
	now := apitest.At("2026-01-01 00:00:00").UnixMilli()
	const day = int64(24 * 3600 * 1000)
	ms := func(v int64) string { return fmt.Sprint(v) }
	s.Call(t, r, "get_lease_chart", id, "start_time", "yesterday").Fails(t, "参数错误: start_time 应为整数")
	s.Call(t, r, "get_lease_chart", id, "start_time", ms(now/1000)).Fails(t, "参数错误: start_time 应为毫秒级时间戳")
	s.Call(t, r, "get_lease_chart", id, "start_time", ms(now), "end_time", ms(now-day)).Fails(t, "参数错误: end_time 须晚于start_time")
	s.Call(t, r, "get_lease_chart", id, "start_time", ms(now-32*day), "end_time", ms(now)).Fails(t, "参数错误: end_time 与start_time相差不能超过31天")
}
