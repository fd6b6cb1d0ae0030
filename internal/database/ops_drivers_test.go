package database_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/database"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	_ "github.com/zonkvm/zonkvmd/internal/provider/manual"
	_ "github.com/zonkvm/zonkvmd/internal/provider/sim"
)

func TestConcurrentBackupRequestsStartOneJob(t *testing.T) {
	t.Parallel()
	b := newBTShop(t)
	answers := apitest.RaceN(8, func(int) apitest.Response { return b.op(t, "sql_to_backup") })
	ok := 0
	for _, a := range answers {
		if a.Code == 1 {
			ok++
		} else {
			require.Equal(t, "有操作正在进行中", a.Msg)
		}
	}
	require.Equal(t, 1, ok)
	require.Equal(t, 1, b.Jobs(t, "sql", b.id, "db_backup"))
}

func TestConcurrentReissuesMakeOneDatabase(t *testing.T) {
	t.Parallel()
	b := newBTShop(t)
	name := b.dbName(t)
	b.panel.LoseDatabase(name)
	answers := apitest.RaceN(5, func(int) apitest.Response { return b.op(t, "sql_reissue") })
	recreated := 0
	for _, a := range answers {
		var got statusMsg
		a.Into(t, &got)
		if got.Msg == "数据库已重新创建" {
			recreated++
		}
	}
	require.Equal(t, 1, recreated, "the others find it healthy")
	n := 0
	for _, d := range b.panel.Databases() {
		if d.Name == name {
			n++
		}
	}
	require.Equal(t, 1, n)
}

// lineShop is a shop whose example line runs on the provider object, with
// one provisioned database order.
func lineShop(t *testing.T, object string) (*apitest.Shop, *database.Service, apitest.Reseller, int64, string) {
	t.Helper()
	s := apitest.NewShop(t)
	s.Exec(t, `UPDATE hosting_lines SET provider_config = $2, provider_driver = $3::jsonb->>'driver' WHERE guid = $1`,
		lineGUID, s.App.Box.Seal([]byte(object)), object)
	svc := &database.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "L-1", `{}`)
	require.NoError(t, apitest.Attempt(s.DB, svc.Jobs(), "sql", id, jobs.KindProvision, 1))
	return s, svc, r, id, guid
}

func TestTheOperationsWorkOnASimulatedLine(t *testing.T) {
	t.Parallel()
	s, svc, r, id, guid := lineShop(t, `{"driver":"sim","delay_ms":0,"name":"`+t.Name()+`"}`)
	var got statusMsg
	operate(s, t, r, "sql_set_access", guid, "dataAccess", "ip", "access", "10.1.2.0/24").OK(t)
	operate(s, t, r, "sql_get_access", guid).Into(t, &got)
	require.Equal(t, "10.1.2.0/24", got.Msg)
	operate(s, t, r, "sql_reset_password", guid, "password", "Sim-Pass-1234").OK(t)
	require.Equal(t, "Sim-Pass-1234", order(t, s, r, guid)["db_password"])
	operate(s, t, r, "sql_to_backup", guid).OK(t)
	require.NoError(t, apitest.Attempt(s.DB, svc.Jobs(), "sql", id, "db_backup", 1))
	var list []map[string]string
	operate(s, t, r, "sql_backup_list", guid).Into(t, &list)
	require.Len(t, list, 1)
	operate(s, t, r, "sql_input_backup", guid, "file", list[0]["filename"]).OK(t)
	require.NoError(t, apitest.Attempt(s.DB, svc.Jobs(), "sql", id, "db_import", 1))
	operate(s, t, r, "sql_get_import_size", guid).Into(t, &got)
	require.Equal(t, statusMsg{Status: true, Msg: "100%"}, got)
	operate(s, t, r, "sql_del_backup", guid, "bak_guid", list[0]["id"]).OK(t)
	operate(s, t, r, "sql_reissue", guid).Into(t, &got)
	require.Equal(t, "数据库运行正常,无需重新创建", got.Msg)
}

func TestOnAManualLineChangesBecomeTasksForStaff(t *testing.T) {
	t.Parallel()
	s, svc, r, id, guid := lineShop(t, `{"driver":"manual"}`)
	var got statusMsg
	operate(s, t, r, "sql_set_access", guid, "dataAccess", "%").Into(t, &got)
	require.Equal(t, statusMsg{Status: true, Msg: "已提交人工处理"}, got)
	operate(s, t, r, "sql_get_access", guid).Into(t, &got)
	require.Equal(t, "%", got.Msg, "the access last set")
	operate(s, t, r, "sql_reset_password", guid, "password", "Manual-Pass-12").Into(t, &got)
	require.Equal(t, "已提交人工处理", got.Msg)
	require.Equal(t, "Manual-Pass-12", order(t, s, r, guid)["db_password"], "staff read it from the order")
	operate(s, t, r, "sql_backup_list", guid).Fails(t, "该线路由人工处理,暂不支持在线查询")
	operate(s, t, r, "sql_to_backup", guid).OK(t)
	require.NoError(t, apitest.Attempt(s.DB, svc.Jobs(), "sql", id, "db_backup", 1))
	operate(s, t, r, "sql_reissue", guid).Into(t, &got)
	require.Equal(t, "已提交人工处理", got.Msg)
	require.Equal(t, 4, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'sql' AND order_id = $1
		AND kind IN ('access', 'password', 'backup', 'reissue')`, id))
	require.Zero(t, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE payload::text LIKE '%Manual-Pass-12%'`))
}
