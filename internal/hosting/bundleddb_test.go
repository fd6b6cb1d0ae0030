package hosting_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/hosting"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
	_ "github.com/zonkvm/zonkvmd/internal/provider/manual"
)

// btPanel points the example line at a fake BT panel.
func btPanel(t *testing.T, s *apitest.Shop) (*btpanelfake.Panel, *hosting.Service) {
	t.Helper()
	p := btpanelfake.New(t, btpanelfake.Options{})
	object, err := json.Marshal(map[string]string{"driver": "btpanel", "url": p.URL, "key": p.Key()})
	require.NoError(t, err)
	s.Exec(t, `UPDATE hosting_lines SET provider_driver = 'btpanel', provider_config = $2 WHERE guid = $1`,
		lineGUID, s.App.Box.Seal(object))
	return p, &hosting.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}
}

func sqlOp(s *apitest.Shop, t *testing.T, r apitest.Reseller, op, guid string, kv ...string) apitest.Response {
	t.Helper()
	return s.Post(t, r.Form("sql_operate", append([]string{"operate", op, "guid", guid}, kv...)...))
}

func TestTheBundledDatabaseIsMadeOnThePanelKeptAsADatabaseOrderAndNotCharged(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	p, svc := btPanel(t, s)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "B-1", `{"db":"none"}`)
	require.NoError(t, do(t, svc, id, jobs.KindProvision))
	balance := s.Balance(t, r)
	name := order(t, s, r, guid)["ftp_name"].(string)

	operate(s, t, r, "hosting_add_database", guid, "db_password", "weak").Fails(t, "参数错误: db_password 长度须为8到32位")
	operate(s, t, r, "hosting_add_database", guid, "db_password", "Bundled-Pass-1", "db_type", "pgsql").
		Fails(t, "参数错误: db_type 仅支持mysql")
	require.Empty(t, p.Databases(), "a refused request makes nothing")

	var added struct {
		Status bool   `json:"status"`
		GUID   int64  `json:"guid"`
		DBName string `json:"db_name"`
	}
	operate(s, t, r, "hosting_add_database", guid, "db_password", "Bundled-Pass-1").Into(t, &added)
	require.True(t, added.Status)
	require.Equal(t, name, added.DBName)
	dbs := p.Databases()
	require.Len(t, dbs, 1)
	require.Equal(t, name, dbs[0].Name)
	require.Equal(t, "Bundled-Pass-1", dbs[0].Password)

	sqlGUID := fmt.Sprint(added.GUID)
	o := apitest.Object(t, s.Post(t, r.Form("getsql", "guid", sqlGUID)))
	require.EqualValues(t, id, o["hosting_id"])
	require.Equal(t, "Bundled-Pass-1", o["db_password"])
	require.EqualValues(t, 1, o["order_status"])
	require.EqualValues(t, 100, o["db_size"], "the hosting product's db")
	require.Equal(t, order(t, s, r, guid)["end_time"], o["end_time"], "it lives as long as its hosting")
	require.Equal(t, balance, s.Balance(t, r), "not charged")

	var again struct {
		GUID int64 `json:"guid"`
	}
	operate(s, t, r, "hosting_add_database", guid, "db_password", "Bundled-Pass-1").Into(t, &again)
	require.Equal(t, added.GUID, again.GUID, "a second call answers the database already added")
	require.Len(t, p.Databases(), 1)

	sqlOp(s, t, r, "sql_reset_password", sqlGUID, "password", "Bundled-Pass-2").OK(t)
	require.Equal(t, "Bundled-Pass-2", p.Databases()[0].Password)
	// a file inside the reseller's own site imports; one outside it does not
	p.WriteFile("/www/wwwroot/"+name+"/dump.sql", "-- dump")
	sqlOp(s, t, r, "sql_input_backup", sqlGUID, "file", "/www/wwwroot/"+name+"/dump.sql").OK(t)
	sqlOp(s, t, r, "sql_input_backup", sqlGUID, "file", "/www/wwwroot/"+name+"x/dump.sql").Fails(t, "参数错误: file 超出备份目录")
	sqlOp(s, t, r, "sql_renew", sqlGUID, "newEndTimeStr", "2026-03-01 00:00:00").Fails(t, "未找到产品记录")
	require.EqualValues(t, state(t, s, id).SiteID, p.Databases()[0].PID, "linked to the site: DeleteSite database=1 takes it along")
	require.Positive(t, p.Databases()[0].PID)

	s.Exec(t, `UPDATE hosting_orders SET order_status = 3 WHERE id = $1`, id)
	require.EqualValues(t, 3, apitest.Object(t, s.Post(t, r.Form("getsql", "guid", sqlGUID)))["order_status"],
		"as 正常 as its hosting")
	sqlOp(s, t, r, "sql_get_access", sqlGUID).Fails(t, "业务状态异常")
	s.Verify(t)
}

func TestASiteBoughtWithItsDatabaseHasItAdoptedWithTheNewPassword(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	p, svc := btPanel(t, s)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "B-2", `{"db":"mysql"}`)
	require.NoError(t, do(t, svc, id, jobs.KindProvision))
	require.Len(t, p.Databases(), 1, "the site came with its database")
	operate(s, t, r, "hosting_add_database", guid, "db_password", "Adopted-Pass-1").OK(t)
	require.Len(t, p.Databases(), 1, "never a second database")
	require.Equal(t, "Adopted-Pass-1", p.Databases()[0].Password)

	other := s.NewReseller(t, "1000")
	operate(s, t, other, "hosting_add_database", guid, "db_password", "Adopted-Pass-1").Fails(t, "未找到产品记录")
	s.Exec(t, `UPDATE hosting_orders SET order_status = 3 WHERE id = $1`, id)
	_, guid2 := buyOne(t, s, r, "B-3", `{"db":"none"}`)
	operate(s, t, r, "hosting_add_database", guid2, "db_password", "Adopted-Pass-1").Fails(t, "业务状态异常")
}

func TestOnAManualLineTheBundledDatabaseIsATaskForStaff(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	object := `{"driver":"manual"}`
	s.Exec(t, `UPDATE hosting_lines SET provider_driver = 'manual', provider_config = $2 WHERE guid = $1`,
		lineGUID, s.App.Box.Seal([]byte(object)))
	svc := &hosting.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "M-1", `{"db":"none"}`)
	require.NoError(t, do(t, svc, id, jobs.KindProvision))
	var added struct {
		GUID int64 `json:"guid"`
	}
	operate(s, t, r, "hosting_add_database", guid, "db_password", "Manual-Bundle-1").Into(t, &added)
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'sql' AND order_id = $1
		AND kind = 'provision'`, added.GUID), "staff make it")
	require.Zero(t, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE payload::text LIKE '%Manual-Bundle-1%'`))
	require.Equal(t, "Manual-Bundle-1", apitest.Object(t, s.Post(t, r.Form("getsql", "guid", fmt.Sprint(added.GUID))))["db_password"])
}
