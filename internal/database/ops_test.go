package database_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/database"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

// btShop is a shop whose example line runs on a fake BT panel, with one
// reseller and one database order provisioned on it.
type btShop struct {
	*apitest.Shop
	panel *btpanelfake.Panel
	svc   *database.Service
	r     apitest.Reseller
	id    int64
	guid  string
}

func newBTShop(t *testing.T) *btShop {
	t.Helper()
	s := apitest.NewShop(t)
	p := btpanelfake.New(t, btpanelfake.Options{})
	object, err := json.Marshal(map[string]string{"driver": "btpanel", "url": p.URL, "key": p.Key()})
	require.NoError(t, err)
	s.Exec(t, `UPDATE hosting_lines SET provider_config = $2, provider_driver = 'btpanel' WHERE guid = $1`,
		lineGUID, s.App.Box.Seal(object))
	b := &btShop{Shop: s, panel: p, svc: &database.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine},
		r: s.NewReseller(t, "1000")}
	b.id, b.guid = b.buy(t, b.r, "BT-1")
	return b
}

// buy buys a database for r and runs its provisioning job on the panel.
func (b *btShop) buy(t *testing.T, r apitest.Reseller, orderNo string) (int64, string) {
	t.Helper()
	id, guid := buyOne(t, b.Shop, r, orderNo, `{}`)
	require.NoError(t, b.run(id, jobs.KindProvision))
	require.EqualValues(t, 1, order(t, b.Shop, r, guid)["order_status"])
	return id, guid
}

// run runs the newest job op of order id once.
func (b *btShop) run(id int64, op string) error {
	return apitest.Attempt(b.DB, b.svc.Jobs(), "sql", id, op, 1)
}

func (b *btShop) op(t *testing.T, op string, kv ...string) apitest.Response {
	t.Helper()
	return operate(b.Shop, t, b.r, op, b.guid, kv...)
}

// dbName is the order's database name.
func (b *btShop) dbName(t *testing.T) string {
	t.Helper()
	return order(t, b.Shop, b.r, b.guid)["db_name"].(string)
}

// calls returns the panel calls made since n calls, as "module/action".
func (b *btShop) calls(n int) []string {
	var out []string
	for _, c := range b.panel.CallLog()[n:] {
		out = append(out, c.Module+"/"+c.Action)
	}
	return out
}

// callsWithParams returns the panel calls made since n calls, as
// "module/action k=v&..." (the parameters sorted, action left out).
func (b *btShop) callsWithParams(n int) []string {
	var out []string
	for _, c := range b.panel.CallLog()[n:] {
		c.Form.Del("action")
		out = append(out, c.Module+"/"+c.Action+" "+c.Form.Encode())
	}
	return out
}

// call is one entry of callsWithParams.
func call(moduleAction string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return moduleAction + " " + v.Encode()
}

func (b *btShop) backups(t *testing.T) []map[string]string {
	t.Helper()
	var list []map[string]string
	b.op(t, "sql_backup_list").Into(t, &list)
	return list
}

type statusMsg struct {
	Status bool   `json:"status"`
	Msg    string `json:"msg"`
	Total  string `json:"total"`
}

// TestEverySubOperationMakesItsPanelCallAndAnswersTheDocumentsShape is the
// table of the sql_operate operations: the panel calls one request makes
// (backups and imports make theirs in their job) and the answer.
func TestEverySubOperationMakesItsPanelCallAndAnswersTheDocumentsShape(t *testing.T) {
	t.Parallel()
	b := newBTShop(t)
	name := b.dbName(t)
	var panelID int64
	require.NoError(t, b.DB.QueryRow(t.Context(), `SELECT panel_db_id FROM sql_orders WHERE id = $1`, b.id).Scan(&panelID))
	pid := fmt.Sprint(panelID)
	getAccess := call("database/GetDatabaseAccess", "name", name)
	listBackups := call("data/getData", "table", "backup", "type", "1", "search", pid, "limit", "100", "p", "1")
	cases := []struct {
		op     string
		kv     []string
		calls  []string
		answer string
	}{
		{"sql_get_access", nil, []string{getAccess}, `{"status":true,"msg":"127.0.0.1"}`},
		{"sql_set_access", []string{"dataAccess", "%"}, []string{
			call("database/SetDatabaseAccess", "name", name, "access", "%", "dataAccess", "%"), getAccess},
			`{"status":true,"msg":"设置成功"}`},
		{"sql_reset_password", []string{"password", "New-Pass-2026"}, []string{call("database/ResDatabasePassword",
			"id", pid, "name", name, "password", "New-Pass-2026", "data_name", name)}, `{"status":true,"msg":"密码已重置"}`},
		{"sql_backup_list", nil, []string{listBackups}, `[]`},
		{"sql_to_backup", nil, []string{listBackups}, `{"status":true,"msg":"备份中"}`},
		{"sql_get_backup_size", nil, []string{call("database/GetBackupSize", "id", pid)}, `{"status":true,"msg":"0%"}`},
		{"sql_reissue", nil, []string{call("data/getData", "table", "databases", "limit", "100", "p", "1")},
			`{"status":true,"msg":"数据库运行正常,无需重新创建"}`},
	}
	for _, c := range cases {
		n := len(b.panel.CallLog())
		got := b.op(t, c.op, c.kv...).OK(t)
		require.JSONEq(t, c.answer, string(got), c.op)
		require.Equal(t, c.calls, b.callsWithParams(n), c.op)
	}
	n := len(b.panel.CallLog())
	require.NoError(t, b.run(b.id, "db_backup"))
	require.Equal(t, []string{listBackups, call("database/GetBackupSize", "id", pid), call("database/ToBackup", "id", pid)},
		b.callsWithParams(n), "the backup job")
	list := b.backups(t)
	require.Len(t, list, 1)
	require.Equal(t, []string{"addtime", "filename", "id", "name", "pid", "size", "type"}, keys(list[0]))
	require.Equal(t, "1", list[0]["type"])
	require.Regexp(t, `^/www/backup/database/mysql/`+name+`/`+name+`_.*\.sql\.zip$`, list[0]["filename"])

	for _, c := range []struct {
		op     string
		kv     []string
		calls  []string
		answer string
	}{
		{"sql_get_backup_size", nil, nil, `{"status":true,"msg":"100%"}`},
		{"sql_input_backup", []string{"file", list[0]["filename"]}, []string{listBackups}, `{"status":true,"msg":"导入中"}`},
		{"sql_get_import_size", nil, []string{call("database/GetImportStatus")}, `{"status":true,"msg":"0%"}`},
		{"sql_del_backup", []string{"bak_guid", list[0]["id"]}, []string{listBackups,
			call("database/DelBackup", "id", list[0]["id"])}, `{"status":true,"msg":"删除成功"}`},
	} {
		if c.op == "sql_del_backup" {
			n := len(b.panel.CallLog())
			require.NoError(t, b.run(b.id, "db_import"))
			require.Equal(t, []string{call("database/GetImportStatus"),
				call("database/InputSql", "name", name, "file", list[0]["filename"])}, b.callsWithParams(n), "the import job")
		}
		n := len(b.panel.CallLog())
		got := b.op(t, c.op, c.kv...).OK(t)
		require.JSONEq(t, c.answer, string(got), c.op)
		require.Equal(t, c.calls, b.callsWithParams(n), c.op)
	}
	require.JSONEq(t, `{"status":true,"msg":"100%"}`, string(b.op(t, "sql_get_import_size").OK(t)))
	require.Equal(t, 1, b.panel.Imports(name))
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestPasswordAccessBackupsImportAndReissueEndToEnd(t *testing.T) {
	t.Parallel()
	b := newBTShop(t)
	name := b.dbName(t)

	b.op(t, "sql_reset_password", "password", "Fresh-Pass-77").OK(t)
	require.Equal(t, "Fresh-Pass-77", order(t, b.Shop, b.r, b.guid)["db_password"], "getsql shows the new password")
	require.Equal(t, "Fresh-Pass-77", panelDB(t, b.panel, name).Password)
	var sealed []byte
	require.NoError(t, b.DB.QueryRow(t.Context(), `SELECT db_password_enc FROM sql_orders WHERE id = $1`, b.id).Scan(&sealed))
	require.NotContains(t, string(sealed), "Fresh-Pass-77", "kept sealed")

	b.op(t, "sql_set_access", "dataAccess", "ip", "access", "10.0.0.7\n192.168.1.0/24", "address", "10.0.0.8").OK(t)
	var got statusMsg
	b.op(t, "sql_get_access").Into(t, &got)
	require.Equal(t, statusMsg{Status: true, Msg: "10.0.0.7\n10.0.0.8\n192.168.1.0/24"}, got)

	for i := range 3 {
		b.op(t, "sql_to_backup").OK(t)
		b.op(t, "sql_to_backup").Fails(t, "有操作正在进行中")
		require.NoError(t, b.run(b.id, "db_backup"))
		require.Len(t, b.backups(t), i+1)
	}
	b.op(t, "sql_to_backup").Fails(t, "备份数量已达上限(最多3个),请先删除旧备份")
	list := b.backups(t)
	b.op(t, "sql_del_backup", "bak_guid", list[2]["id"]).OK(t)
	require.Len(t, b.backups(t), 2)
	b.op(t, "sql_input_backup", "file", list[0]["filename"]).OK(t)
	require.NoError(t, b.run(b.id, "db_import"))
	require.Equal(t, 1, b.panel.Imports(name))
	b.op(t, "sql_to_backup").OK(t) // room for a third again
	require.NoError(t, b.run(b.id, "db_backup"))
	require.Len(t, b.backups(t), 3)

	b.panel.LoseDatabase(name)
	b.op(t, "sql_reissue").Into(t, &got)
	require.Equal(t, statusMsg{Status: true, Msg: "数据库已重新创建"}, got)
	again := panelDB(t, b.panel, name)
	require.Equal(t, "Fresh-Pass-77", again.Password, "recreated with the password stored sealed")
	require.Equal(t, "utf8mb4", again.Charset)
	b.op(t, "sql_get_access").Into(t, &got)
	require.Equal(t, "10.0.0.7\n10.0.0.8\n192.168.1.0/24", got.Msg, "and with the access last set")
	var panelID int64
	require.NoError(t, b.DB.QueryRow(t.Context(), `SELECT panel_db_id FROM sql_orders WHERE id = $1`, b.id).Scan(&panelID))
	require.Equal(t, again.ID, panelID)

	n := len(b.panel.CallLog())
	b.op(t, "sql_reissue").Into(t, &got)
	require.Equal(t, statusMsg{Status: true, Msg: "数据库运行正常,无需重新创建"}, got)
	require.NotContains(t, b.calls(n), "database/AddDatabase", "a healthy database is left alone")
	count := 0
	for _, d := range b.panel.Databases() {
		if d.Name == name {
			count++
		}
	}
	require.Equal(t, 1, count, "never a second database")
	b.Verify(t)
}

func panelDB(t *testing.T, p *btpanelfake.Panel, name string) btpanelfake.Database {
	t.Helper()
	for _, d := range p.Databases() {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("the panel has no database %s", name)
	return btpanelfake.Database{}
}

func TestARetriedBackupJobNeverMakesTwo(t *testing.T) {
	t.Parallel()
	b := newBTShop(t)
	var panelID int64
	require.NoError(t, b.DB.QueryRow(t.Context(), `SELECT panel_db_id FROM sql_orders WHERE id = $1`, b.id).Scan(&panelID))
	b.op(t, "sql_to_backup").OK(t)

	b.panel.StartBackup(panelID) // an earlier attempt's ToBackup still runs at the panel
	var p statusMsg
	b.op(t, "sql_get_backup_size").Into(t, &p)
	require.Equal(t, statusMsg{Status: true, Msg: "50%", Total: "4.00 KB"}, p, "as the panel reports it")
	apitest.RequireRetried(t, b.run(b.id, "db_backup"))
	b.panel.FinishBackup(panelID) // its answer was lost, but the backup is there
	n := len(b.panel.CallLog())
	require.NoError(t, b.run(b.id, "db_backup"))
	require.NotContains(t, b.calls(n), "database/ToBackup")
	require.Len(t, b.panel.Backups(), 1)
	b.op(t, "sql_get_backup_size").Into(t, &p)
	require.Equal(t, "100%", p.Msg)
	require.NoError(t, b.run(b.id, "db_backup"), "a job run again after it is done does nothing")
	require.Len(t, b.panel.Backups(), 1)
}

func TestHostileParametersAreRefusedWithoutAPanelCall(t *testing.T) {
	t.Parallel()
	b := newBTShop(t)
	other := b.NewReseller(t, "1000")
	otherID, otherGUID := b.buy(t, other, "BT-OTHER")
	_, mineTooGUID := b.buy(t, b.r, "BT-2")
	// the other order gets a backup the first order must not touch
	operate(b.Shop, t, b.r, "sql_to_backup", mineTooGUID).OK(t)
	var secondID int64
	require.NoError(t, b.DB.QueryRow(t.Context(), `SELECT id FROM sql_orders WHERE order_no = 'BT-2'`).Scan(&secondID))
	require.NoError(t, b.run(secondID, "db_backup"))
	var foreign []map[string]string
	operate(b.Shop, t, b.r, "sql_backup_list", mineTooGUID).Into(t, &foreign)
	require.Len(t, foreign, 1)
	name := b.dbName(t)

	noCall := []struct {
		guid, op string
		kv       []string
		msg      string
	}{
		{otherGUID, "sql_get_access", nil, "未找到产品记录"},
		{otherGUID, "sql_reset_password", []string{"password", "Their-Pass-99"}, "未找到产品记录"},
		{fmt.Sprint(otherID), "sql_del_backup", []string{"bak_guid", "1"}, "未找到产品记录"},
		{b.guid, "sql_set_access", []string{"dataAccess", "ip", "access", "10.0.0.1\n300.1.1.1"}, "参数错误: access 300.1.1.1 须为IP地址或a.b.c.d/8、/16、/24、/32网段"},
		{b.guid, "sql_set_access", []string{"dataAccess", "ip", "access", "10.0.0.1/20"}, "参数错误: access 10.0.0.1/20 须为IP地址或a.b.c.d/8、/16、/24、/32网段"},
		{b.guid, "sql_set_access", []string{"dataAccess", "ip", "access", "10.0.0.1/24"}, "参数错误: access 10.0.0.1/24 须为网段的起始地址"},
		{b.guid, "sql_set_access", []string{"dataAccess", "ip", "access", "10.0.0.1`; DROP"}, "参数错误: access 10.0.0.1`; DROP 须为IP地址或a.b.c.d/8、/16、/24、/32网段"},
		{b.guid, "sql_set_access", []string{"dataAccess", "any"}, "参数错误: dataAccess 须为%、127.0.0.1或ip"},
		{b.guid, "sql_set_access", []string{"dataAccess", "ip"}, "缺少必要参数: access"},
		{b.guid, "sql_set_access", []string{"dataAccess", "%", "address", "1.2.3.4"}, "参数错误: address 仅在dataAccess为ip时可用"},
		{b.guid, "sql_reset_password", []string{"password", "weak"}, "参数错误: password 长度须为8到32位"},
		{b.guid, "sql_reset_password", []string{"password", `Quo'te-Pass-1`}, "参数错误: password 不能包含引号、&、\\或`"},
		{b.guid, "sql_del_backup", []string{"bak_guid", "x"}, "参数错误: bak_guid 应为整数"},
		{b.guid, "sql_input_backup", []string{"file", "/etc/passwd"}, "参数错误: file 超出备份目录"},
		{b.guid, "sql_input_backup", []string{"file", "/www/backup/database/mysql/" + name + "/../../../../../etc/x.sql"}, "参数错误: file 超出备份目录"},
		{b.guid, "sql_input_backup", []string{"file", "/www/backup/database/mysql/" + name + "/" + name + "_%2e%2e.sql"}, "参数错误: file 超出备份目录"},
		{b.guid, "sql_input_backup", []string{"file", foreign[0]["filename"]}, "参数错误: file 超出备份目录"},
		{b.guid, "sql_input_backup", []string{"file", "/www/wwwroot/site/db.sql"}, "参数错误: file 超出备份目录"},
		{b.guid, "sql_input_backup", []string{"file", "/a|cloud|x.sql"}, "参数错误: file 超出备份目录"},
	}
	for _, c := range noCall {
		n := len(b.panel.CallLog())
		operate(b.Shop, t, b.r, c.op, c.guid, c.kv...).Fails(t, c.msg)
		require.Empty(t, b.calls(n), "%s %v", c.op, c.kv)
	}

	// Another order's backup id: only this database's list is read, never DelBackup.
	n := len(b.panel.CallLog())
	b.op(t, "sql_del_backup", "bak_guid", foreign[0]["id"]).Fails(t, "参数错误: bak_guid 不是该数据库的备份")
	require.Equal(t, []string{"data/getData"}, b.calls(n))
	require.Len(t, b.panel.Backups(), 1, "the other order's backup is still there")

	b.Exec(t, `UPDATE sql_orders SET order_status = 3 WHERE id = $1`, b.id)
	n = len(b.panel.CallLog())
	b.op(t, "sql_get_access").Fails(t, "业务状态异常")
	b.op(t, "sql_to_backup").Fails(t, "业务状态异常")
	require.Empty(t, b.calls(n))
}
