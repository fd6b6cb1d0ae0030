package manual_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

func TestDatabaseChangesBecomeTasksAndReadsAreUnsupported(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	panel := open(t, db).Panel
	ops := panel.(provider.DatabaseOps)
	ctx := context.Background()
	order := orderID()
	made, err := panel.CreateDatabase(ctx, provider.DBSpec{Ref: "zonkvmd-sql-" + itoa(order), Name: "shop_x1", User: "shop_x1",
		Password: "Db-pw-4711", Code: "utf8mb4", Access: "127.0.0.1"})
	require.NoError(t, err)
	ref := provider.DBRef{ID: made.ID, Name: "shop_x1", User: "shop_x1"}

	changes := []struct {
		kind string
		run  func() error
		want map[string]any
	}{
		{"access", func() error { return ops.SetDatabaseAccess(ctx, ref, "10.0.0.1") }, map[string]any{"access": "10.0.0.1"}},
		{"password", func() error { return ops.SetDatabasePassword(ctx, ref, "Secret-pw-99") }, map[string]any{"password_given": true}},
		{"backup", func() error { return ops.BackupDatabase(ctx, ref) }, map[string]any{}},
		{"delete_backup", func() error { return ops.DeleteDatabaseBackup(ctx, ref, 7) }, map[string]any{"backup_id": float64(7)}},
		{"import", func() error { return ops.ImportDatabase(ctx, ref, "/www/backup/x.sql") }, map[string]any{"file": "/www/backup/x.sql"}},
		{"reissue", func() error { _, _, err := ops.FindDatabase(ctx, ref); return err }, map[string]any{}},
	}
	for _, c := range changes {
		require.ErrorIs(t, c.run(), provider.ErrQueued, c.kind)
		task := lastTask(t, db, "sql", order)
		require.Equal(t, c.kind, task.Kind)
		p := payload(t, task)
		for k, v := range c.want {
			require.Equal(t, v, p[k], c.kind+" "+k)
		}
		require.Equal(t, "shop_x1", p["db_name"])
		require.NotContains(t, string(task.Payload), "Secret-pw-99")
	}
	_, err = ops.DatabaseAccess(ctx, ref)
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = ops.DatabaseBackups(ctx, ref)
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = ops.DatabaseBackupProgress(ctx, ref)
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = ops.DatabaseImportProgress(ctx, ref)
	require.ErrorIs(t, err, provider.ErrUnsupported)
}
