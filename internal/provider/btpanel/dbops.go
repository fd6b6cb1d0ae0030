package btpanel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The sql_operate operations on a panel database (provider.DatabaseOps).
// Each call names the line of aaPanel/BaoTa (commit f9f6845c) it follows:
// class/database.py for /database, class/data.py for /data.

var _ provider.DatabaseOps = (*Driver)(nil)

// checkRef refuses a reference the panel would misread: SetDatabaseAccess
// splits name on commas (database.py L2272), so a user with a comma would
// change several users at once.
func checkRef(op string, d provider.DBRef) error {
	if d.ID <= 0 || d.Name == "" || d.User == "" || strings.ContainsAny(d.User+d.Name, ",\n") {
		return fmt.Errorf("btpanel %s: %w: database reference %+v is incomplete or has , or newline", op,
			provider.ErrRejected, d)
	}
	return nil
}

// FindDatabase pages through /data?action=getData&table=databases&search=<name>
// (data.py getData L414, GetSql L725, GetWhere L896: name LIKE or ps LIKE)
// and returns the database of that exact name. It reports found=false when
// there is none, and returns an ErrRejected error when its user is not
// d.User.
func (d *Driver) FindDatabase(ctx context.Context, ref provider.DBRef) (provider.Database, bool, error) {
	name := strings.ToLower(strings.TrimSpace(ref.Name)) // AddDatabase lowercases it (database.py L685)
	row, found, err := findRow(ctx, d.c, "databases", name, func(x dbRow) bool { return strings.EqualFold(x.Name, name) })
	if err != nil || !found {
		return provider.Database{}, false, wrapOp("FindDatabase", name, err)
	}
	if row.Username != ref.User {
		return provider.Database{}, true, fmt.Errorf("btpanel FindDatabase %s: %w: the database has user %q, not %q",
			name, provider.ErrRejected, row.Username, ref.User)
	}
	return provider.Database{ID: int64(row.ID), Name: row.Name}, true, nil
}

func wrapOp(op, name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("btpanel %s %s: %w", op, name, err)
}

// DatabaseAccess asks /database?action=GetDatabaseAccess with name = the
// user (database.py L2248-2268): {"status":true,"msg":"127.0.0.1"} when the
// user has no host but localhost, else the hosts joined by commas. It
// returns them one a line.
func (d *Driver) DatabaseAccess(ctx context.Context, ref provider.DBRef) (string, error) {
	if err := checkRef("DatabaseAccess", ref); err != nil {
		return "", err
	}
	raw, err := d.c.Call(ctx, "database", "GetDatabaseAccess", url.Values{"name": {ref.User}})
	if err != nil {
		return "", wrapOp("DatabaseAccess", ref.Name, err)
	}
	var m struct {
		Msg string `json:"msg"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || m.Msg == "" {
		return "", fmt.Errorf("btpanel DatabaseAccess %s: %w: unexpected answer %s", ref.Name, provider.ErrUnavailable, excerpt(raw))
	}
	hosts := strings.Split(m.Msg, ",")
	slices.Sort(hosts)
	return strings.Join(hosts, "\n"), nil
}

// SetDatabaseAccess calls /database?action=SetDatabaseAccess with name =
// the user and access = the hosts one a line (database.py L2271-2303: it
// drops every host but localhost and creates the user again on each line
// of access, L794-810). The panel swallows every error and answers
// SET_SUCCESS, so the hosts are read back: a difference is an
// ErrUnavailable error (the panel did not apply them).
func (d *Driver) SetDatabaseAccess(ctx context.Context, ref provider.DBRef, access string) error {
	if err := checkRef("SetDatabaseAccess", ref); err != nil {
		return err
	}
	want := hostSet(access)
	if len(want) == 0 {
		return fmt.Errorf("btpanel SetDatabaseAccess %s: %w: no hosts", ref.Name, provider.ErrRejected)
	}
	mode := want[0] // the UI's dataAccess, which the panel does not read
	if len(want) > 1 || (mode != "%" && mode != "127.0.0.1") {
		mode = "ip"
	}
	_, err := d.c.Call(ctx, "database", "SetDatabaseAccess", url.Values{
		"name": {ref.User}, "access": {strings.Join(want, "\n")}, "dataAccess": {mode},
	})
	if err != nil {
		return wrapOp("SetDatabaseAccess", ref.Name, err)
	}
	got, err := d.DatabaseAccess(ctx, ref)
	if err != nil {
		return err
	}
	if !slices.Equal(hostSet(got), want) {
		return fmt.Errorf("btpanel SetDatabaseAccess %s: %w: the panel answered success but has %q, not %q",
			ref.Name, provider.ErrUnavailable, got, strings.Join(want, "\n"))
	}
	return nil
}

// hostSet is a host list's distinct non-empty lines, sorted.
func hostSet(s string) []string {
	var out []string
	for _, h := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		if h = strings.TrimSpace(h); h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out
}

// SetDatabasePassword calls /database?action=ResDatabasePassword with id,
// name = the user, password and data_name (database.py L1310-1371; it
// refuses quotes and Chinese punctuation and &, L1318, L1326).
func (d *Driver) SetDatabasePassword(ctx context.Context, ref provider.DBRef, password string) error {
	if err := checkRef("SetDatabasePassword", ref); err != nil {
		return err
	}
	_, err := d.c.Call(ctx, "database", "ResDatabasePassword", url.Values{
		"id": {strconv.FormatInt(ref.ID, 10)}, "name": {ref.User}, "password": {password}, "data_name": {ref.Name},
	})
	return wrapOp("SetDatabasePassword", ref.Name, notFound(err))
}

// backupRow is a row of getData table=backup (data.py GetField L913: id,
// pid, name, filename, addtime, size, ps, cron_id).
type backupRow struct {
	ID       flexInt `json:"id"`
	PID      flexInt `json:"pid"`
	Name     string  `json:"name"`
	Filename string  `json:"filename"`
	Size     flexInt `json:"size"`
	Added    string  `json:"addtime"`
}

// DatabaseBackups pages through
// /data?action=getData&table=backup&type=1&search=<db id> (data.py GetWhere
// L896 `pid=?`, GetSql L769-770 adds `type=<int(type)>`: type is required
// with search), newest first.
func (d *Driver) DatabaseBackups(ctx context.Context, ref provider.DBRef) ([]provider.DBBackup, error) {
	if err := checkRef("DatabaseBackups", ref); err != nil {
		return nil, err
	}
	var out []provider.DBBackup
	for p := 1; p <= maxPages; p++ {
		raw, err := d.c.Call(ctx, "data", "getData", url.Values{
			"table": {"backup"}, "type": {"1"}, "search": {strconv.FormatInt(ref.ID, 10)},
			"limit": {strconv.Itoa(pageSize)}, "p": {strconv.Itoa(p)},
		})
		if err != nil {
			return nil, wrapOp("DatabaseBackups", ref.Name, err)
		}
		var page struct {
			Data []backupRow `json:"data"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, fmt.Errorf("btpanel DatabaseBackups %s: %w: unexpected answer %s", ref.Name, provider.ErrUnavailable, excerpt(raw))
		}
		for _, r := range page.Data {
			if int64(r.PID) == ref.ID { // the search is pid=?; a row of another pid is not ours
				out = append(out, provider.DBBackup{ID: int64(r.ID), DBID: int64(r.PID), Name: r.Name,
					File: r.Filename, Size: int64(r.Size), Added: r.Added})
			}
		}
		if len(page.Data) < pageSize {
			break
		}
	}
	return out, nil
}

// BackupDatabase calls /database?action=ToBackup with id (database.py
// L1381-1596): the panel dumps and zips the database before it answers
// BACKUP_SUCCESS, and refuses while a backup of it runs (L1406-1408).
func (d *Driver) BackupDatabase(ctx context.Context, ref provider.DBRef) error {
	if err := checkRef("BackupDatabase", ref); err != nil {
		return err
	}
	_, err := d.c.Call(ctx, "database", "ToBackup", url.Values{"id": {strconv.FormatInt(ref.ID, 10)}})
	var e *Error
	if errors.As(err, &e) && e.Refused && strings.Contains(e.Msg, "正在备份") {
		return fmt.Errorf("btpanel BackupDatabase %s: %w: %s", ref.Name, provider.ErrUnavailable, e.Msg) // wait for it
	}
	return wrapOp("BackupDatabase", ref.Name, notFound(err))
}

// progressAnswer is what GetBackupSize and GetImportSize answer while they
// run (database.py L1681-1687, L1980-1984).
type progressAnswer struct {
	Status *bool  `json:"status"`
	Total  any    `json:"total"`
	Speed  string `json:"speed"`
	Msg    string `json:"msg"`
	Type   string `json:"type"`
}

// DatabaseBackupProgress asks /database?action=GetBackupSize with id
// (database.py L1619-1689), which reads /tmp/backup_sql_<id>.log: nothing
// (null, or {} on an error) when no backup ran, else the phase (type export
// or compress), the size so far and the log's last lines, which end with
// "Database Backup successful!" once it is done (L1591).
func (d *Driver) DatabaseBackupProgress(ctx context.Context, ref provider.DBRef) (provider.DBProgress, error) {
	if err := checkRef("DatabaseBackupProgress", ref); err != nil {
		return provider.DBProgress{}, err
	}
	raw, err := d.c.Call(ctx, "database", "GetBackupSize", url.Values{"id": {strconv.FormatInt(ref.ID, 10)}})
	if err != nil {
		return provider.DBProgress{}, wrapOp("DatabaseBackupProgress", ref.Name, err)
	}
	var a progressAnswer
	if string(raw) == "null" {
		return provider.DBProgress{}, nil
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return provider.DBProgress{}, fmt.Errorf("btpanel DatabaseBackupProgress %s: %w: unexpected answer %s",
			ref.Name, provider.ErrUnavailable, excerpt(raw))
	}
	p := provider.DBProgress{Phase: a.Type, Total: text(a.Total), Speed: a.Speed}
	switch {
	case a.Status == nil:
		return provider.DBProgress{}, nil
	case strings.Contains(a.Msg, "Database Backup successful"):
		p.Done = true
	case a.Type != "":
		p.Running = true
	}
	return p, nil
}

// errBackupGone is DelBackup's answer for a row that does not exist
// (database.py L2086).
const errBackupGone = "备份已删除"

// DeleteDatabaseBackup calls /database?action=DelBackup with id, the
// backup row (database.py L2079-2106). The panel deletes any backup row of
// any site or database by id: the caller must have checked it is ref's. It
// returns an ErrNotFound error when the row is gone.
func (d *Driver) DeleteDatabaseBackup(ctx context.Context, ref provider.DBRef, id int64) error {
	if err := checkRef("DeleteDatabaseBackup", ref); err != nil {
		return err
	}
	_, err := d.c.Call(ctx, "database", "DelBackup", url.Values{"id": {strconv.FormatInt(id, 10)}})
	var e *Error
	if errors.As(err, &e) && e.Refused && strings.HasPrefix(e.Msg, errBackupGone) {
		return fmt.Errorf("btpanel DeleteDatabaseBackup %d: %w: %s", id, provider.ErrNotFound, e.Msg)
	}
	return wrapOp("DeleteDatabaseBackup", ref.Name, err)
}

// ImportDatabase calls /database?action=InputSql with name = the database
// and file (database.py L1720-1940): the panel imports any .sql, .gz,
// .tar.gz, .tgz or .zip file on its host before it answers, so the caller
// must have confined file.
func (d *Driver) ImportDatabase(ctx context.Context, ref provider.DBRef, file string) error {
	if err := checkRef("ImportDatabase", ref); err != nil {
		return err
	}
	_, err := d.c.Call(ctx, "database", "InputSql", url.Values{"name": {ref.Name}, "file": {file}})
	return wrapOp("ImportDatabase", ref.Name, err)
}

// DatabaseImportProgress asks /database?action=GetImportStatus (database.py
// L1988-2007: the database being imported now, from the one import log of
// the panel) and, when it is this one, /database?action=GetImportSize with
// name (L1947-1986) for the size so far. The import log is shared by every
// database, so whether this database's last import finished is known to
// the caller, not the panel.
func (d *Driver) DatabaseImportProgress(ctx context.Context, ref provider.DBRef) (provider.DBProgress, error) {
	if err := checkRef("DatabaseImportProgress", ref); err != nil {
		return provider.DBProgress{}, err
	}
	raw, err := d.c.Call(ctx, "database", "GetImportStatus", nil)
	if err != nil {
		return provider.DBProgress{}, wrapOp("DatabaseImportProgress", ref.Name, err)
	}
	var st struct {
		DBName string `json:"db_name"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return provider.DBProgress{}, fmt.Errorf("btpanel DatabaseImportProgress %s: %w: unexpected answer %s",
			ref.Name, provider.ErrUnavailable, excerpt(raw))
	}
	if st.DBName != ref.Name {
		return provider.DBProgress{}, nil
	}
	raw, err = d.c.Call(ctx, "database", "GetImportSize", url.Values{"name": {ref.Name}})
	if err != nil {
		return provider.DBProgress{Running: true, Phase: "import"}, nil // it runs; the panel could not size it
	}
	var a progressAnswer
	_ = json.Unmarshal(raw, &a)
	return provider.DBProgress{Running: true, Phase: "import", Total: text(a.Total), Speed: a.Speed}, nil
}

// text is a JSON scalar as text ("" for null).
func text(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
