package btpanel_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

func TestDatabaseOpsContract(t *testing.T) {
	t.Parallel()
	providertest.DatabaseOpsContract(t, func(t *testing.T) provider.PanelDriver {
		d, _ := setup(t, btpanelfake.Options{}, provider.Deps{})
		return d
	})
}

// dbOn makes database shop_ab12c on a fake panel and returns its reference.
func dbOn(t *testing.T) (*btpanel.Driver, *btpanelfake.Panel, provider.DBRef) {
	t.Helper()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	db, err := d.CreateDatabase(ctx(t), provider.DBSpec{Name: "shop_ab12c", User: "shop_ab12c", Password: "Abcd-1234-xyz",
		Code: "utf8mb4", Access: "127.0.0.1"})
	require.NoError(t, err)
	return d, p, provider.DBRef{ID: db.ID, Name: db.Name, User: "shop_ab12c"}
}

// TestEachOperationMakesTheRealPanelsCall checks the BT call of every
// operation and its parameters, as class/database.py and class/data.py
// read them.
func TestEachOperationMakesTheRealPanelsCall(t *testing.T) {
	t.Parallel()
	d, p, ref := dbOn(t)
	id := strconv.FormatInt(ref.ID, 10)
	require.NoError(t, d.BackupDatabase(ctx(t), ref))
	backups, err := d.DatabaseBackups(ctx(t), ref)
	require.NoError(t, err)
	require.Len(t, backups, 1)
	bak := strconv.FormatInt(backups[0].ID, 10)

	cases := []struct {
		name  string
		run   func() error
		calls []btpanelfake.Call
	}{
		{"access", func() error { _, err := d.DatabaseAccess(ctx(t), ref); return err }, []btpanelfake.Call{
			{Module: "database", Action: "GetDatabaseAccess", Form: url.Values{"action": {"GetDatabaseAccess"}, "name": {ref.User}}}}},
		{"set access", func() error { return d.SetDatabaseAccess(ctx(t), ref, "10.0.0.1\n10.0.0.2") }, []btpanelfake.Call{
			{Module: "database", Action: "SetDatabaseAccess", Form: url.Values{"action": {"SetDatabaseAccess"}, "name": {ref.User},
				"access": {"10.0.0.1\n10.0.0.2"}, "dataAccess": {"ip"}}},
			{Module: "database", Action: "GetDatabaseAccess", Form: url.Values{"action": {"GetDatabaseAccess"}, "name": {ref.User}}}}},
		{"password", func() error { return d.SetDatabasePassword(ctx(t), ref, "New-pass-1234") }, []btpanelfake.Call{
			{Module: "database", Action: "ResDatabasePassword", Form: url.Values{"action": {"ResDatabasePassword"}, "id": {id},
				"name": {ref.User}, "password": {"New-pass-1234"}, "data_name": {ref.Name}}}}},
		{"backups", func() error { _, err := d.DatabaseBackups(ctx(t), ref); return err }, []btpanelfake.Call{
			{Module: "data", Action: "getData", Form: url.Values{"action": {"getData"}, "table": {"backup"}, "type": {"1"},
				"search": {id}, "limit": {"100"}, "p": {"1"}}}}},
		{"backup", func() error { return d.BackupDatabase(ctx(t), ref) }, []btpanelfake.Call{
			{Module: "database", Action: "ToBackup", Form: url.Values{"action": {"ToBackup"}, "id": {id}}}}},
		{"backup progress", func() error { _, err := d.DatabaseBackupProgress(ctx(t), ref); return err }, []btpanelfake.Call{
			{Module: "database", Action: "GetBackupSize", Form: url.Values{"action": {"GetBackupSize"}, "id": {id}}}}},
		{"delete backup", func() error { return d.DeleteDatabaseBackup(ctx(t), ref, backups[0].ID) }, []btpanelfake.Call{
			{Module: "database", Action: "DelBackup", Form: url.Values{"action": {"DelBackup"}, "id": {bak}}}}},
		{"import", func() error { return d.ImportDatabase(ctx(t), ref, "/www/backup/database/mysql/x.sql") }, []btpanelfake.Call{
			{Module: "database", Action: "InputSql", Form: url.Values{"action": {"InputSql"}, "name": {ref.Name},
				"file": {"/www/backup/database/mysql/x.sql"}}}}},
		{"import progress", func() error { _, err := d.DatabaseImportProgress(ctx(t), ref); return err }, []btpanelfake.Call{
			{Module: "database", Action: "GetImportStatus", Form: url.Values{"action": {"GetImportStatus"}}}}},
	}
	p.WriteFile("/www/backup/database/mysql/x.sql", "-- dump")
	for _, c := range cases {
		before := len(p.CallLog())
		require.NoError(t, c.run(), c.name)
		require.Equal(t, c.calls, p.CallLog()[before:], c.name)
	}
}

func TestProgressIsWhatThePanelReports(t *testing.T) {
	t.Parallel()
	d, p, ref := dbOn(t)
	pr, err := d.DatabaseBackupProgress(ctx(t), ref)
	require.NoError(t, err)
	require.Equal(t, provider.DBProgress{}, pr, "no backup log: null")

	p.StartBackup(ref.ID)
	pr, err = d.DatabaseBackupProgress(ctx(t), ref)
	require.NoError(t, err)
	require.Equal(t, provider.DBProgress{Running: true, Phase: "export", Total: "4.00 KB", Speed: "2.00 KB/s"}, pr)
	require.ErrorIs(t, d.BackupDatabase(ctx(t), ref), provider.ErrUnavailable, "the panel refuses a second backup at once: wait")
	p.FinishBackup(ref.ID)
	pr, err = d.DatabaseBackupProgress(ctx(t), ref)
	require.NoError(t, err)
	require.True(t, pr.Done)
	require.False(t, pr.Running)

	p.StartImport(ref.Name)
	pr, err = d.DatabaseImportProgress(ctx(t), ref)
	require.NoError(t, err)
	require.Equal(t, provider.DBProgress{Running: true, Phase: "import", Total: "1.50 MB", Speed: "512.00 KB/s"}, pr)
	other := ref
	other.Name = "another_db"
	pr, err = d.DatabaseImportProgress(ctx(t), other)
	require.NoError(t, err)
	require.False(t, pr.Running, "the import log is the panel's one: another database's import is not ours")
	p.FinishImport(true)
	pr, err = d.DatabaseImportProgress(ctx(t), ref)
	require.NoError(t, err)
	require.False(t, pr.Running)
	require.Equal(t, 1, p.Imports(ref.Name))
}

func TestThePanelsOwnRefusalsComeBackAsRejected(t *testing.T) {
	t.Parallel()
	d, p, ref := dbOn(t)
	require.ErrorIs(t, d.SetDatabasePassword(ctx(t), ref, `has"quote`), provider.ErrRejected)
	require.ErrorIs(t, d.SetDatabasePassword(ctx(t), ref, "中文密码abc"), provider.ErrRejected)
	require.ErrorIs(t, d.ImportDatabase(ctx(t), ref, "/www/backup/nothing.sql"), provider.ErrRejected)
	p.WriteFile("/www/backup/readme.txt", "x")
	require.ErrorIs(t, d.ImportDatabase(ctx(t), ref, "/www/backup/readme.txt"), provider.ErrRejected)
	require.ErrorIs(t, d.DeleteDatabaseBackup(ctx(t), ref, 999), provider.ErrNotFound)
	comma := ref
	comma.User = "a,b"
	require.ErrorIs(t, d.SetDatabaseAccess(ctx(t), comma, "%"), provider.ErrRejected, "a comma would change two users")
	p.LoseDatabase(ref.Name)
	_, found, err := d.FindDatabase(ctx(t), ref)
	require.NoError(t, err)
	require.False(t, found)
	require.ErrorIs(t, d.BackupDatabase(ctx(t), ref), provider.ErrNotFound, "数据库不存在")
}
