package provider

import (
	"context"
	"errors"
)

// DBRef names one panel database for the sql_operate operations: the
// panel's id and the names zonkvmd stored at purchase.
type DBRef struct {
	ID   int64  // the panel's database id
	Name string // db_name
	User string // db_user
}

// DBBackup is one backup of a panel database.
type DBBackup struct {
	ID    int64  // the panel's backup row id (bak_guid)
	DBID  int64  // the database it belongs to
	Name  string // file name
	File  string // absolute path on the panel host
	Size  int64  // bytes
	Added string // "2006-01-02 15:04:05", the panel's clock
}

// DBProgress is how a backup or an import runs on the panel, as the panel
// reports it.
type DBProgress struct {
	Running bool   // the panel is working on it now
	Done    bool   // the last one finished successfully
	Failed  bool   // the last one failed
	Phase   string // "export", "compress", "import" or ""
	Total   string // the panel's size so far, e.g. "12 MB"
	Speed   string // e.g. "1 MB/s"
}

// DatabaseOps are the sql_operate operations on one panel database
// (providers.md §1.2, §1.4). A PanelDriver has them when it also
// implements this interface (btpanel, sim and manual do). The panel checks
// no ownership: callers pass only backups and files they have checked.
type DatabaseOps interface {
	// FindDatabase looks the database up by name. It reports found=false
	// when the panel has no database of that name, and returns an
	// ErrRejected error when the name belongs to another user.
	FindDatabase(ctx context.Context, d DBRef) (Database, bool, error)
	// DatabaseAccess returns the hosts the user may connect from: "%",
	// "127.0.0.1", or addresses separated by newlines.
	DatabaseAccess(ctx context.Context, d DBRef) (string, error)
	// SetDatabaseAccess replaces them ("%", "127.0.0.1", or a newline
	// separated list) and checks that the panel applied them.
	SetDatabaseAccess(ctx context.Context, d DBRef, access string) error
	// SetDatabasePassword changes the user's password.
	SetDatabasePassword(ctx context.Context, d DBRef, password string) error
	// DatabaseBackups lists the database's backups, newest first.
	DatabaseBackups(ctx context.Context, d DBRef) ([]DBBackup, error)
	// BackupDatabase takes one backup and returns when the panel is done
	// (slow: callers run it as a job).
	BackupDatabase(ctx context.Context, d DBRef) error
	// DatabaseBackupProgress reports the database's backup.
	DatabaseBackupProgress(ctx context.Context, d DBRef) (DBProgress, error)
	// DeleteDatabaseBackup deletes backup id, which the caller has checked
	// is d's. It returns an ErrNotFound error when it is gone already.
	DeleteDatabaseBackup(ctx context.Context, d DBRef, id int64) error
	// ImportDatabase imports file (a path on the panel host the caller has
	// checked) into the database and returns when the panel is done (slow).
	ImportDatabase(ctx context.Context, d DBRef, file string) error
	// DatabaseImportProgress reports the database's import.
	DatabaseImportProgress(ctx context.Context, d DBRef) (DBProgress, error)
}

// ErrQueued is what a driver that hands work to staff (manual) answers for
// a change it has recorded as an operator task: accepted, not yet done.
var ErrQueued = errors.New("provider: recorded as a task for staff")
