package idc_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// orderState is everything an operation may change on a colocation order.
type orderState struct {
	Status, Run, Act int
	System           *int64
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
		       (SELECT count(*) FROM river_job j WHERE j.args->>'business' = 'idc'
		          AND (j.args->>'order_id')::bigint = o.id)
		FROM idc_orders o WHERE o.id = $1`, id).Scan(&st.Status, &st.Run, &st.Act, &st.System, &st.LoginName,
		&st.Port, &st.Password, &st.Reason, &st.Jobs))
	return st
}

// boughtOrder buys the example product for a new reseller and returns both.
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
	{"idc_start", nil},
	{"idc_stop", nil},
	{"idc_restart", nil},
	{"idc_install", []string{"systemID", centOS, "password", "Reinstall#2026"}},
	{"idc_setpsw", []string{"password", "Changed#2026"}},
	{"idc_getvncurl", nil},
	{"get_idc_chart", nil},
}

func TestColocationOperationsOnAnOrderThatIsNotActiveAreRefusedAndChangeNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.installable(t)
	r, id := s.boughtOrder(t, "NOT-YET")
	for _, state := range []struct{ name, sql string }{
		{"开通中 (not racked yet)", ``},
		{"已过期 and locked", `UPDATE idc_orders SET order_status = 3, run_status = -2 WHERE id = $1`},
		{"已删除", `UPDATE idc_orders SET order_status = -2 WHERE id = $1`},
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

func TestASecondColocationOperationWhileOneRunsIsRefused(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.installable(t)
	r, id := s.boughtOrder(t, "BUSY")
	s.Activate(t, "idc", id)
	s.Call(t, r, "idc_stop", id).OK(t)
	running := s.state(t, id)
	require.Equal(t, 5, running.Act)
	for _, op := range everyOperation[:5] {
		s.Call(t, r, op.action, id, op.kv...).Fails(t, "有操作正在进行中")
	}
	require.Equal(t, running, s.state(t, id))
}

func TestAnotherResellersColocationOrderIsNotFound(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.installable(t)
	_, id := s.boughtOrder(t, "MINE")
	s.Activate(t, "idc", id)
	other := s.NewReseller(t, "1000")
	before := s.state(t, id)
	for _, op := range everyOperation {
		s.Call(t, other, op.action, id, op.kv...).Fails(t, "未找到产品记录")
		s.Post(t, other.Form(op.action, append([]string{"guid", "idc_x1"}, op.kv...)...)).Fails(t, "未找到产品记录")
		s.Post(t, other.Form(op.action, op.kv...)).Fails(t, "缺少必要参数: guid")
	}
	require.Equal(t, before, s.state(t, id))
}

func TestColocationReinstallChecksTheSystemAgainstTheLine(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r, id := s.boughtOrder(t, "INSTALL")
	s.Activate(t, "idc", id)
	before := s.state(t, id)
	good := []string{"systemID", centOS, "password", "Reinstall#2026"}
	s.Call(t, r, "idc_install", id, good...).Fails(t, "参数错误: systemID 不支持该线路")
	s.installable(t)
	s.Exec(t, `UPDATE systems SET support = 'server,lease' WHERE guid = $1`, centOS)
	s.Call(t, r, "idc_install", id, good...).Fails(t, "参数错误: systemID 不支持该业务")
	s.Exec(t, `UPDATE systems SET support = 'server,lease,idc', cpu_limit = 64 WHERE guid = $1`, centOS)
	s.Call(t, r, "idc_install", id, append(good, "port", "99999")...).Fails(t, "参数错误: port 应为1-65535的端口")
	s.Call(t, r, "idc_setpsw", id, "password", "weak").Fails(t, "参数错误: password 长度须为8到32位")
	require.Equal(t, before, s.state(t, id))

	// A colocated machine is the customer's: its cores are nobody's to check.
	s.Call(t, r, "idc_install", id, good...).OK(t)
	require.Equal(t, 2, s.state(t, id).Act)
	var args string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT args::text FROM river_job
		WHERE kind = 'install' AND (args->>'order_id')::bigint = $1`, id).Scan(&args))
	require.NotContains(t, args, "Reinstall#2026")
}
