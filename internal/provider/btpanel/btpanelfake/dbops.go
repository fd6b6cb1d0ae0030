package btpanelfake

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// The database operations of sql_operate, from aaPanel/BaoTa (f9f6845c)
// class/database.py and class/data.py; each handler names its lines.

// Backup is a row of the panel's backup table (type 1: a database's).
type Backup struct {
	ID, PID  int64
	Type     int
	Name     string // file name
	Filename string // absolute path
	Size     int64
	Added    string
	PS       string
}

// dbState is what the fake keeps for the database operations: the backup
// table, each database's backup log (/tmp/backup_sql_<id>.log), the one
// import log (/tmp/import_sql.log), MySQL's user hosts, and every call.
type dbState struct {
	backups   []*Backup
	backupSeq int64
	running   map[int64]string   // database id → the file an unfinished backup exports
	logged    map[int64]bool     // database ids with a backup log
	imports   map[string]int     // database name → imports done
	importing string             // the database an unfinished import runs on
	importLog string             // "", "running", "done" or "error"
	hosts     map[int64][]string // database id → MySQL hosts of its user
	calls     []Call
}

// backupDir is the panel's _MYSQL_BACKUP_DIR with the default backup_path
// /www/backup (database.py L32, L45).
const backupDir = "/www/backup/database/mysql"

// addDBOps registers the database actions and wraps every action so that
// the fake records the calls that reach one.
func addDBOps() {
	db := modules["database"]
	db["GetDatabaseAccess"] = (*Panel).getDatabaseAccess
	db["SetDatabaseAccess"] = (*Panel).setDatabaseAccess
	db["ResDatabasePassword"] = (*Panel).resDatabasePassword
	db["ToBackup"] = (*Panel).toBackup
	db["GetBackupSize"] = (*Panel).getBackupSize
	db["DelBackup"] = (*Panel).delBackup
	db["InputSql"] = (*Panel).inputSQL
	db["GetImportSize"] = (*Panel).getImportSize
	db["GetImportStatus"] = (*Panel).getImportStatus
	getData := modules["data"]["getData"]
	modules["data"]["getData"] = func(p *Panel, s *session, f form) any {
		if f.Get("table") == "backup" && f.Get("type") == "1" { // database backups; sites' are type 0 (tables.go)
			return p.getBackupData(f)
		}
		return getData(p, s, f)
	}
	for module, acts := range modules {
		for action, h := range acts {
			acts[action] = recorded(module, action, h)
		}
	}
}

func recorded(module, action string, h handler) handler {
	return func(p *Panel, s *session, f form) any {
		form := cloneValues(f.Values)
		form.Del("request_time")
		form.Del("request_token")
		p.db.calls = append(p.db.calls, Call{Module: module, Action: action, Form: form})
		return h(p, s, f)
	}
}

// Calls made so far, oldest first.
func (p *Panel) CallLog() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.db.calls...)
}

// Backups returns a copy of the backup table.
func (p *Panel) Backups() []Backup {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Backup, 0, len(p.db.backups))
	for _, b := range p.db.backups {
		out = append(out, *b)
	}
	return out
}

// Imports returns how many imports of database name finished.
func (p *Panel) Imports(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.db.imports[name]
}

// LoseDatabase drops database name from the panel behind zonkvmd's back
// (the panel's table, MySQL and its users), as an operator might.
func (p *Panel) LoseDatabase(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dbs = without(p.dbs, func(d *Database) bool { return d.Name == name })
}

// StartBackup makes a backup of database id run until FinishBackup, as a
// slow ToBackup does: GetBackupSize reports it and ToBackup refuses.
func (p *Panel) StartBackup(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.initDB()
	p.db.running[id] = fmt.Sprintf("%s/db%d/running.sql", backupDir, id)
	p.db.logged[id] = true
}

// FinishBackup ends the backup StartBackup began, making its file and row.
func (p *Panel) FinishBackup(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.db.running, id)
	if d := p.dbByID(id); d != nil {
		p.makeBackup(d)
	}
}

// StartImport makes an import into database name run until FinishImport.
func (p *Panel) StartImport(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.db.importing, p.db.importLog = name, "running"
}

// FinishImport ends the import StartImport began, successfully or not.
func (p *Panel) FinishImport(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.initDB()
	if ok {
		p.db.imports[p.db.importing]++
		p.db.importLog = "done"
	} else {
		p.db.importLog = "error"
	}
	p.db.importing = ""
}

func (p *Panel) initDB() {
	if p.db.running == nil {
		p.db.running, p.db.logged = map[int64]string{}, map[int64]bool{}
		p.db.imports, p.db.hosts = map[string]int{}, map[int64][]string{}
	}
}

func (p *Panel) dbByID(id int64) *Database {
	for _, d := range p.dbs {
		if d.ID == id {
			return d
		}
	}
	return nil
}

func (p *Panel) dbByUser(user string) *Database {
	for _, d := range p.dbs {
		if d.Username == user {
			return d
		}
	}
	return nil
}

// userHosts are MySQL's hosts of user other than localhost: those AddDatabase
// made from address (database.py L761-763, L794-810) until
// SetDatabaseAccess replaces them.
func (p *Panel) userHosts(d *Database) []string {
	p.initDB()
	if h, ok := p.db.hosts[d.ID]; ok {
		return h
	}
	return splitHosts(strings.ReplaceAll(d.Accept, ",", "\n"))
}

// splitHosts is __CreateUsers' `address.strip("\n").split('\n')` without
// the empty lines (database.py L802-803).
func splitHosts(s string) []string {
	var out []string
	for _, h := range strings.Split(strings.Trim(s, "\n"), "\n") {
		if h != "" {
			out = append(out, h)
		}
	}
	return out
}

// getDatabaseAccess is database.py GetDatabaseAccess (L2248-2268): name is
// the user; the hosts but localhost joined by commas, or 127.0.0.1 when
// there are none. A missing name raises (get['name']).
func (p *Panel) getDatabaseAccess(_ *session, f form) any {
	if !f.has("name") {
		return errInternal("KeyError: 'name'")
	}
	d := p.dbByUser(f.Get("name"))
	if d == nil {
		return p.msg(false, "连接数据库失败") // get_mysql_obj(None) is False (L2251)
	}
	hosts := p.userHosts(d)
	if len(hosts) == 0 {
		return p.msg(true, "127.0.0.1")
	}
	return map[string]any{"status": true, "msg": strings.Join(hosts, ",")}
}

// setDatabaseAccess is database.py SetDatabaseAccess (L2271-2303): name is
// split on commas, access must not be blank, every error is swallowed and
// the answer is SET_SUCCESS (L2294-2296).
func (p *Panel) setDatabaseAccess(_ *session, f form) any {
	names := strings.Split(f.Get("name"), ",")
	for _, name := range names {
		d := p.dbByUser(name)
		access := strings.TrimSpace(f.Get("access"))
		if d != nil && access == "" {
			return p.msg(false, "IP地址不能为空!")
		}
		if d == nil || !f.has("access") {
			continue // the exception is swallowed (L2294-2296)
		}
		p.initDB()
		p.db.hosts[d.ID] = splitHosts(access)
	}
	if len(names) > 1 {
		return map[string]any{"status": true, "msg": "设置[ " + f.Get("name") + " ]数据库权限成功"}
	}
	return p.msg(true, "设置成功!")
}

// hasBadPasswordChars is ResDatabasePassword's
// `[，。？！；：“”‘’（）【】《》￥&\u4e00-\u9fa5]` (database.py L1318).
func hasBadPasswordChars(s string) bool {
	for _, r := range s {
		if strings.ContainsRune("，。？！；：“”‘’（）【】《》￥&", r) || (r >= 0x4e00 && r <= 0x9fa5) {
			return true
		}
	}
	return false
}

// resDatabasePassword is database.py ResDatabasePassword (L1310-1371).
func (p *Panel) resDatabasePassword(_ *session, f form) any {
	for _, k := range []string{"password", "name", "data_name", "id"} {
		if !f.has(k) {
			return errInternal("KeyError: '" + k + "'")
		}
	}
	pw, user := f.Get("password"), f.Get("name")
	switch {
	case pw == "":
		return p.msg(false, "数据库["+user+"]密码不能为空")
	case hasBadPasswordChars(pw):
		return p.msg(false, "数据库密码不能包含中文字符")
	}
	d := p.dbByID(f.int64("id"))
	if d == nil {
		return p.msg(false, fmt.Sprintf("查询不到数据库%s的信息，请刷新页面查看数据库%s是否存在", f.Get("data_name"), f.Get("data_name")))
	}
	if strings.ContainsAny(pw, `'"`) { // L1326
		return p.msg(false, "数据库密码不能包含引号")
	}
	if p.dbByUser(user) == nil {
		return p.msg(false, "数据库用户不存在，请同步此数据库后再重新设置密码！")
	}
	d.Password = pw // the panel sets the field of row id, whatever user it changed (L1365)
	return p.msg(true, "修改数据库["+d.Name+"]密码成功!")
}

// toBackup is database.py ToBackup (L1381-1596) with storage_type db: it
// refuses while a backup of the database runs, writes
// <backupDir>/<name>/<name>_<time>_mysql_data_<5>.sql.zip and its type-1
// backup row.
func (p *Panel) toBackup(_ *session, f form) any {
	if !f.has("id") {
		return p.msg(false, "缺少参数！id")
	}
	p.initDB()
	id := f.int64("id")
	if _, ok := p.db.running[id]; ok {
		return p.msg(false, "注意：当前正在备份数据库，请勿同时重复执行备份！")
	}
	d := p.dbByID(id)
	if d == nil {
		return p.msg(false, "数据库不存在！"+f.Get("id"))
	}
	p.db.logged[id] = true
	p.makeBackup(d)
	return p.msg(true, "备份成功!")
}

func (p *Panel) makeBackup(d *Database) {
	p.db.backupSeq++
	name := fmt.Sprintf("%s_%s_mysql_data_%s.sql.zip", d.Name, time.Now().Format("2006-01-02_15-04-05"),
		randomHex(3)[:5])
	file := path.Join(backupDir, d.Name, name)
	body := []byte("-- MySQL dump of " + d.Name + "\n")
	p.mkdirAll(path.Dir(file))
	p.writeFile(file, body)
	p.db.backups = append(p.db.backups, &Backup{ID: p.db.backupSeq, PID: d.ID, Type: 1, Name: name, Filename: file,
		Size: int64(len(body)), Added: now(), PS: "手动备份"})
}

// getBackupSize is database.py GetBackupSize (L1619-1689): null without a
// log, the export phase while a backup runs, and after one the compress
// phase with the log ending in "Database Backup successful!".
func (p *Panel) getBackupSize(_ *session, f form) any {
	if !f.has("id") {
		return p.msg(false, "缺少参数！id")
	}
	p.initDB()
	id := f.int64("id")
	if !p.db.logged[id] {
		return nil
	}
	if file, ok := p.db.running[id]; ok {
		return map[string]any{"total": "4.00 KB", "speed": "2.00 KB/s", "type": "export", "status": true,
			"msg": "Starting to backup the database!\n|-开始导出sql文件：" + file + " \n"}
	}
	return map[string]any{"total": "4.00 KB", "speed": "0kb/s", "type": "compress", "status": true,
		"msg": "|-开始压缩sql文件：x.zip \n|-备份结束时间：" + now() + " \n=====\nDatabase Backup successful!\n"}
}

// delBackup is database.py DelBackup (L2079-2106): any row of the backup
// table by id, whoever's it is.
func (p *Panel) delBackup(_ *session, f form) any {
	if !f.has("id") {
		return p.msg(false, "缺少参数！id")
	}
	id := f.int64("id")
	for _, b := range p.db.backups {
		if b.ID == id {
			p.removeAll(b.Filename)
			p.db.backups = without(p.db.backups, func(x *Backup) bool { return x.ID == id })
			return p.msg(true, "DEL_SUCCESS")
		}
	}
	return p.msg(false, "备份已删除！")
}

// getBackupData is data.py getData for table=backup (GetSql L769-770,
// GetWhere L896, GetField L913, getData L460-501): search is the pid and
// type is then required (int(get.type) raises without it); each row gains
// local, localexist and backup_status.
func (p *Panel) getBackupData(f form) any {
	var rows []map[string]any
	search, typ := f.has("search"), 0
	if search {
		if !f.has("type") {
			return traceback("AttributeError: 'dict_obj' object has no attribute 'type'")
		}
		var err error
		if typ, err = strconv.Atoi(f.Get("type")); err != nil {
			return traceback("ValueError: invalid literal for int() with base 10")
		}
	}
	for i := len(p.db.backups) - 1; i >= 0; i-- { // order id desc; without search, every row of every type
		b := p.db.backups[i]
		if !search || (strconv.FormatInt(b.PID, 10) == searchWord.FindString(f.Get("search")) && b.Type == typ) {
			_, exists := p.fs[b.Filename]
			rows = append(rows, map[string]any{"id": b.ID, "pid": b.PID, "name": b.Name, "filename": b.Filename,
				"addtime": b.Added, "size": b.Size, "ps": b.PS, "cron_id": nil, "local": b.Filename,
				"localexist": boolInt(exists), "backup_status": 0})
		}
	}
	limit := max(int(f.int64("limit")), 1)
	if !f.has("limit") {
		limit = 20
	}
	page := max(int(f.int64("p")), 1)
	lo := min((page-1)*limit, len(rows))
	hi := min(lo+limit, len(rows))
	return map[string]any{"where": "pid=? and type='" + f.Get("type") + "'",
		"page": "<div><span class='Pcount'>共" + strconv.Itoa(len(rows)) + "条</span></div>",
		"data": append([]map[string]any{}, rows[lo:hi]...), "search_history": []string{}}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// inputSQL is database.py InputSql (L1720-1940): name and file are
// required, file must exist, be a file and end in .sql, .tar.gz, .gz,
// .zip or .tgz; the import runs before the answer.
func (p *Panel) inputSQL(_ *session, f form) any {
	p.initDB()
	switch {
	case !f.has("name"):
		return p.msg(false, "缺少参数！name")
	case !f.has("file"):
		return p.msg(false, "缺少参数！file")
	}
	file := f.Get("file")
	n := p.fs[file]
	switch {
	case n == nil:
		return p.msg(false, "导入路径不存在!")
	case n.dir:
		return p.msg(false, "仅支持导入压缩文件!")
	}
	ok := false
	for _, ext := range []string{".sql", ".tar.gz", ".gz", ".zip", ".tgz"} {
		ok = ok || strings.HasSuffix(file, ext)
	}
	if !ok {
		return p.msg(false, "请选择sql、tar.gz、gz、zip文件格式!")
	}
	var d *Database
	for _, x := range p.dbs {
		if x.Name == f.Get("name") {
			d = x
		}
	}
	if d == nil {
		return errInternal("TypeError: 'NoneType' object is not subscriptable") // db_find["sid"] (L1776)
	}
	p.db.imports[d.Name]++
	p.db.importing, p.db.importLog = "", "done"
	return p.msg(true, "导入数据库成功!")
}

// getImportSize is database.py GetImportSize (L1947-1986): the one import
// log's outcome, or the size so far while it runs; a database without a
// data directory gets the remote-database message.
func (p *Panel) getImportSize(_ *session, f form) any {
	if !f.has("name") {
		return errInternal("AttributeError: 'dict_obj' object has no attribute 'name'")
	}
	found := false
	for _, x := range p.dbs {
		found = found || x.Name == f.Get("name")
	}
	if !found {
		return map[string]any{"msg": "当前导入的数据库为远程数据库，无法获取数据库大小，请等待导入完成，如页面卡死可在显示日志中查看导入状态！"}
	}
	switch p.db.importLog {
	case "done":
		return p.msg(true, "导入数据库成功!")
	case "error":
		return p.msg(false, "数据库导入失败！详情请点击导入日志查看错误日志！")
	case "running":
		return map[string]any{"total": "1.50 MB", "speed": "512.00 KB/s", "status": true,
			"msg": "|-导入数据库名称：" + p.db.importing + " \n|-开始导入恢复数据...\n"}
	}
	return map[string]any{}
}

// getImportStatus is database.py GetImportStatus (L1988-2007): the
// database an unfinished import runs on, or "".
func (p *Panel) getImportStatus(_ *session, _ form) any {
	return map[string]any{"db_name": p.db.importing}
}
