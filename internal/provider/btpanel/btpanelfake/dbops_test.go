package btpanelfake_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// TestTheDatabaseActionsAreAsStrictAsThePanel checks the fake's database
// actions against what database.py and data.py do with raw requests.
func TestTheDatabaseActionsAreAsStrictAsThePanel(t *testing.T) {
	t.Parallel()
	c, p, ctx := setup(t)
	for _, n := range []string{"a_db", "b_db"} {
		_, err := c.Call(ctx, "database", "AddDatabase", url.Values{"name": {n}, "db_user": {n}, "password": {"pw-12345"},
			"codeing": {"utf8mb4"}, "address": {"127.0.0.1"}, "ps": {""}})
		require.NoError(t, err)
	}
	refused := func(module, action string, v url.Values, msg string) {
		t.Helper()
		_, err := c.Call(ctx, module, action, v)
		require.ErrorIs(t, err, provider.ErrRejected, action)
		require.ErrorContains(t, err, msg, action)
	}
	refused("database", "ToBackup", url.Values{}, "缺少参数！id")
	refused("database", "ToBackup", url.Values{"id": {"99"}}, "数据库不存在！99")
	refused("database", "InputSql", url.Values{"file": {"/x.sql"}}, "缺少参数！name")
	refused("database", "InputSql", url.Values{"name": {"a_db"}, "file": {"/nope.sql"}}, "导入路径不存在!")
	refused("database", "ResDatabasePassword", url.Values{"id": {"1"}, "name": {"a_db"}, "data_name": {"a_db"},
		"password": {`x'y`}}, "数据库密码不能包含引号")
	refused("database", "DelBackup", url.Values{"id": {"5"}}, "备份已删除！")
	_, err := c.Call(ctx, "database", "GetDatabaseAccess", url.Values{})
	require.ErrorIs(t, err, provider.ErrUnavailable, "a missing name raises: HTTP 500")

	// SetDatabaseAccess splits name on commas and changes every user named.
	_, err = c.Call(ctx, "database", "SetDatabaseAccess", url.Values{"name": {"a_db,b_db"}, "access": {"%"}})
	require.NoError(t, err)
	for _, n := range []string{"a_db", "b_db"} {
		raw, err := c.Call(ctx, "database", "GetDatabaseAccess", url.Values{"name": {n}})
		require.NoError(t, err)
		require.JSONEq(t, `{"status":true,"msg":"%"}`, string(raw))
	}

	// A backup row is deleted by id whoever's it is: the panel checks no owner.
	_, err = c.Call(ctx, "database", "ToBackup", url.Values{"id": {"1"}})
	require.NoError(t, err)
	_, err = c.Call(ctx, "data", "getData", url.Values{"table": {"backup"}, "search": {"1"}})
	require.ErrorContains(t, err, "AttributeError", "search without type raises")
	_, err = c.Call(ctx, "database", "DelBackup", url.Values{"id": {"1"}})
	require.NoError(t, err)
	require.Empty(t, p.Backups())
	require.Equal(t, "DelBackup", p.CallLog()[len(p.CallLog())-1].Action)
}
