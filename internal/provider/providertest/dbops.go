package providertest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// DatabaseOpsContract checks a panel's provider.DatabaseOps on a database
// it creates: it is found by name (and not under another user), its access
// is 127.0.0.1 at first and reads back as set (%, an address list), its
// password changes, backups are listed newest first and each is deleted
// once (a second delete answers ErrNotFound), a backup's file imports, the
// progress reads work, and a database gone from the panel is not found.
// open returns a driver on a panel the test has made ready.
func DatabaseOpsContract(t *testing.T, open func(t *testing.T) provider.PanelDriver) {
	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		d := open(t)
		ops, ok := d.(provider.DatabaseOps)
		require.True(t, ok, "the panel driver has no DatabaseOps")
		_, _, _, name := panelNames()
		created, err := d.CreateDatabase(panelCtx(t), provider.DBSpec{Ref: "zonkvmd-ct-" + name, Name: name, User: name,
			Password: "Db-contract-8421", Code: "utf8mb4", Access: "127.0.0.1"})
		require.NoError(t, err)
		t.Cleanup(func() { _ = d.DeleteDatabase(panelCtx(t), created) })
		ref := provider.DBRef{ID: created.ID, Name: name, User: name}

		found, ok, err := ops.FindDatabase(panelCtx(t), ref)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, created.ID, found.ID)
		_, _, err = ops.FindDatabase(panelCtx(t), provider.DBRef{ID: ref.ID, Name: name, User: "someone_else"})
		require.ErrorIs(t, err, provider.ErrRejected, "a database of another user is not ours")

		access, err := ops.DatabaseAccess(panelCtx(t), ref)
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1", access)
		for _, want := range []string{"%", "10.0.0.7\n192.168.1.0/255.255.255.0", "127.0.0.1"} {
			require.NoError(t, ops.SetDatabaseAccess(panelCtx(t), ref, want))
			got, err := ops.DatabaseAccess(panelCtx(t), ref)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		require.NoError(t, ops.SetDatabasePassword(panelCtx(t), ref, "New-contract-9931"))

		backupsAndImport(t, ops, ref)

		require.NoError(t, d.DeleteDatabase(panelCtx(t), created))
		_, ok, err = ops.FindDatabase(panelCtx(t), ref)
		require.NoError(t, err)
		require.False(t, ok, "a deleted database is not found")
	})
}

func backupsAndImport(t *testing.T, ops provider.DatabaseOps, ref provider.DBRef) {
	list, err := ops.DatabaseBackups(panelCtx(t), ref)
	require.NoError(t, err)
	require.Empty(t, list)
	require.NoError(t, ops.BackupDatabase(panelCtx(t), ref))
	require.NoError(t, ops.BackupDatabase(panelCtx(t), ref))
	list, err = ops.DatabaseBackups(panelCtx(t), ref)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Greater(t, list[0].ID, list[1].ID, "newest first")
	for _, b := range list {
		require.Equal(t, ref.ID, b.DBID)
		require.NotEmpty(t, b.File)
		require.NotEmpty(t, b.Name)
	}
	p, err := ops.DatabaseBackupProgress(panelCtx(t), ref)
	require.NoError(t, err)
	require.False(t, p.Running, "no backup runs")

	require.NoError(t, ops.ImportDatabase(panelCtx(t), ref, list[1].File))
	p, err = ops.DatabaseImportProgress(panelCtx(t), ref)
	require.NoError(t, err)
	require.False(t, p.Running, "the import has finished")

	require.NoError(t, ops.DeleteDatabaseBackup(panelCtx(t), ref, list[1].ID))
	err = ops.DeleteDatabaseBackup(panelCtx(t), ref, list[1].ID)
	require.True(t, errors.Is(err, provider.ErrNotFound), "a second delete: %v", err)
	left, err := ops.DatabaseBackups(panelCtx(t), ref)
	require.NoError(t, err)
	require.Equal(t, []provider.DBBackup{list[0]}, left)
	require.NoError(t, ops.DeleteDatabaseBackup(panelCtx(t), ref, list[0].ID))
}
