package sim

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The sql_operate operations on simulated databases: access, password,
// backups (files under /www/backup/database/mysql/<name>/) and imports,
// kept beside the store of the driver's configuration.

var _ provider.DatabaseOps = (*Driver)(nil)

// dbExtra is the simulated panel's state of its databases' operations.
type dbExtra struct {
	users   map[int64]string // database id → user, as first seen
	access  map[int64]string
	backups map[int64][]provider.DBBackup // newest first
	imports map[int64]int
	seq     int64
}

var extras = struct {
	sync.Mutex
	m map[*store]*dbExtra
}{m: map[*store]*dbExtra{}}

// ops runs f on the database ref under the store's lock, after the call's
// delay. It returns ErrNotFound when the store has no database ref.ID of
// that name.
func (d *Driver) ops(ctx context.Context, op string, ref provider.DBRef, f func(x *dbExtra) error) error {
	if err := d.wait(ctx, op); err != nil {
		return err
	}
	extras.Lock()
	x := extras.m[d.st]
	if x == nil {
		x = &dbExtra{users: map[int64]string{}, access: map[int64]string{}, backups: map[int64][]provider.DBBackup{},
			imports: map[int64]int{}}
		extras.m[d.st] = x
	}
	extras.Unlock()
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	db := d.st.dbs[ref.ID]
	if db == nil || db.Name != ref.Name {
		return fmt.Errorf("sim %s %s: %w", op, ref.Name, provider.ErrNotFound)
	}
	if u, ok := x.users[ref.ID]; ok && u != ref.User {
		return fmt.Errorf("sim %s %s: %w: user %q, not %q", op, ref.Name, provider.ErrRejected, u, ref.User)
	}
	x.users[ref.ID] = ref.User
	return f(x)
}

// FindDatabase finds the database by name; one first seen with another
// user is ErrRejected.
func (d *Driver) FindDatabase(ctx context.Context, ref provider.DBRef) (provider.Database, bool, error) {
	d.st.mu.Lock()
	id, ok := d.st.dbNames[ref.Name]
	d.st.mu.Unlock()
	if !ok {
		return provider.Database{}, false, d.wait(ctx, "FindDatabase")
	}
	ref.ID = id
	err := d.ops(ctx, "FindDatabase", ref, func(*dbExtra) error { return nil })
	if err != nil {
		return provider.Database{}, true, err
	}
	return provider.Database{ID: id, Name: ref.Name}, true, nil
}

// DatabaseAccess returns the hosts, 127.0.0.1 until they are set.
func (d *Driver) DatabaseAccess(ctx context.Context, ref provider.DBRef) (string, error) {
	access := ""
	err := d.ops(ctx, "DatabaseAccess", ref, func(x *dbExtra) error {
		access = x.access[ref.ID]
		if access == "" {
			access = "127.0.0.1"
		}
		return nil
	})
	return access, err
}

// SetDatabaseAccess keeps the hosts one a line, sorted.
func (d *Driver) SetDatabaseAccess(ctx context.Context, ref provider.DBRef, access string) error {
	hosts := strings.Fields(access)
	if len(hosts) == 0 {
		return fmt.Errorf("sim SetDatabaseAccess: %w: no hosts", provider.ErrRejected)
	}
	slices.Sort(hosts)
	return d.ops(ctx, "SetDatabaseAccess", ref, func(x *dbExtra) error {
		x.access[ref.ID] = strings.Join(slices.Compact(hosts), "\n")
		return nil
	})
}

// SetDatabasePassword accepts any password without quotes.
func (d *Driver) SetDatabasePassword(ctx context.Context, ref provider.DBRef, password string) error {
	if password == "" || strings.ContainsAny(password, `'"`) {
		return fmt.Errorf("sim SetDatabasePassword: %w: empty or quoted password", provider.ErrRejected)
	}
	return d.ops(ctx, "SetDatabasePassword", ref, func(*dbExtra) error { return nil })
}

// DatabaseBackups lists the backups, newest first.
func (d *Driver) DatabaseBackups(ctx context.Context, ref provider.DBRef) ([]provider.DBBackup, error) {
	var out []provider.DBBackup
	err := d.ops(ctx, "DatabaseBackups", ref, func(x *dbExtra) error {
		out = slices.Clone(x.backups[ref.ID])
		return nil
	})
	return out, err
}

// BackupDatabase adds a backup file.
func (d *Driver) BackupDatabase(ctx context.Context, ref provider.DBRef) error {
	return d.ops(ctx, "BackupDatabase", ref, func(x *dbExtra) error {
		x.seq++
		now := d.now()
		name := fmt.Sprintf("%s_%s_mysql_data_%05d.sql.zip", ref.Name, now.Format("2006-01-02_15-04-05"), x.seq)
		b := provider.DBBackup{ID: x.seq, DBID: ref.ID, Name: name, File: path.Join("/www/backup/database/mysql", ref.Name, name),
			Size: 4096, Added: now.Format("2006-01-02 15:04:05")}
		x.backups[ref.ID] = append([]provider.DBBackup{b}, x.backups[ref.ID]...)
		return nil
	})
}

// DatabaseBackupProgress reports the last backup done (backups are
// instant here).
func (d *Driver) DatabaseBackupProgress(ctx context.Context, ref provider.DBRef) (provider.DBProgress, error) {
	var p provider.DBProgress
	err := d.ops(ctx, "DatabaseBackupProgress", ref, func(x *dbExtra) error {
		if len(x.backups[ref.ID]) > 0 {
			p = provider.DBProgress{Done: true, Phase: "compress", Total: "4.00 KB"}
		}
		return nil
	})
	return p, err
}

// DeleteDatabaseBackup deletes backup id; ErrNotFound when it is not
// there.
func (d *Driver) DeleteDatabaseBackup(ctx context.Context, ref provider.DBRef, id int64) error {
	return d.ops(ctx, "DeleteDatabaseBackup", ref, func(x *dbExtra) error {
		list := x.backups[ref.ID]
		i := slices.IndexFunc(list, func(b provider.DBBackup) bool { return b.ID == id })
		if i < 0 {
			return fmt.Errorf("sim DeleteDatabaseBackup %d: %w", id, provider.ErrNotFound)
		}
		x.backups[ref.ID] = slices.Delete(list, i, i+1)
		return nil
	})
}

// ImportDatabase imports a backup of any database of the panel or a .sql,
// .gz or .zip file under /www/wwwroot; anything else is ErrRejected
// (导入路径不存在).
func (d *Driver) ImportDatabase(ctx context.Context, ref provider.DBRef, file string) error {
	return d.ops(ctx, "ImportDatabase", ref, func(x *dbExtra) error {
		ok := strings.HasPrefix(file, "/www/wwwroot/") && strings.HasSuffix(file, ".sql")
		for _, list := range x.backups {
			ok = ok || slices.ContainsFunc(list, func(b provider.DBBackup) bool { return b.File == file })
		}
		if !ok {
			return fmt.Errorf("sim ImportDatabase %s: %w: 导入路径不存在", file, provider.ErrRejected)
		}
		x.imports[ref.ID]++
		return nil
	})
}

// DatabaseImportProgress reports no import running (imports are instant
// here).
func (d *Driver) DatabaseImportProgress(ctx context.Context, ref provider.DBRef) (provider.DBProgress, error) {
	return provider.DBProgress{}, d.ops(ctx, "DatabaseImportProgress", ref, func(*dbExtra) error { return nil })
}
