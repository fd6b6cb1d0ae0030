package manual

import (
	"context"
	"fmt"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The sql_operate operations: each change is an operator task for the
// order whose provisioning task made the database (ref.ID) and answers
// provider.ErrQueued; staff see the order's access and password through
// the order, never in a task. Reads are provider.ErrUnsupported: no one
// can answer them at once.

var _ provider.DatabaseOps = (*Driver)(nil)

func (d *Driver) queue(ctx context.Context, ref provider.DBRef, kind string, payload map[string]any) error {
	payload["db_name"], payload["db_user"] = ref.Name, ref.User
	if err := d.recordTask(ctx, ref.ID, kind, payload); err != nil {
		return err
	}
	return fmt.Errorf("manual %s %s: %w", kind, ref.Name, provider.ErrQueued)
}

// FindDatabase records a "reissue" task: staff check the database and make
// it again from the order when it is missing.
func (d *Driver) FindDatabase(ctx context.Context, ref provider.DBRef) (provider.Database, bool, error) {
	return provider.Database{}, false, d.queue(ctx, ref, "reissue", map[string]any{})
}

// DatabaseAccess returns provider.ErrUnsupported.
func (d *Driver) DatabaseAccess(context.Context, provider.DBRef) (string, error) {
	return "", unsupported("database access")
}

// SetDatabaseAccess records an "access" task with the hosts.
func (d *Driver) SetDatabaseAccess(ctx context.Context, ref provider.DBRef, access string) error {
	return d.queue(ctx, ref, "access", map[string]any{"access": access})
}

// SetDatabasePassword records a "password" task (the password stays in the
// order, sealed).
func (d *Driver) SetDatabasePassword(ctx context.Context, ref provider.DBRef, _ string) error {
	return d.queue(ctx, ref, "password", map[string]any{"password_given": true})
}

// DatabaseBackups returns provider.ErrUnsupported.
func (d *Driver) DatabaseBackups(context.Context, provider.DBRef) ([]provider.DBBackup, error) {
	return nil, unsupported("database backups")
}

// BackupDatabase records a "backup" task.
func (d *Driver) BackupDatabase(ctx context.Context, ref provider.DBRef) error {
	return d.queue(ctx, ref, "backup", map[string]any{})
}

// DatabaseBackupProgress returns provider.ErrUnsupported.
func (d *Driver) DatabaseBackupProgress(context.Context, provider.DBRef) (provider.DBProgress, error) {
	return provider.DBProgress{}, unsupported("backup progress")
}

// DeleteDatabaseBackup records a "delete_backup" task for backup id.
func (d *Driver) DeleteDatabaseBackup(ctx context.Context, ref provider.DBRef, id int64) error {
	return d.queue(ctx, ref, "delete_backup", map[string]any{"backup_id": id})
}

// ImportDatabase records an "import" task for file.
func (d *Driver) ImportDatabase(ctx context.Context, ref provider.DBRef, file string) error {
	return d.queue(ctx, ref, "import", map[string]any{"file": file})
}

// DatabaseImportProgress returns provider.ErrUnsupported.
func (d *Driver) DatabaseImportProgress(context.Context, provider.DBRef) (provider.DBProgress, error) {
	return provider.DBProgress{}, unsupported("import progress")
}
