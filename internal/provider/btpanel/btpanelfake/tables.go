package btpanelfake

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Site is a row of the panel's sites table.
type Site struct {
	ID     int64
	Name   string
	Path   string
	Status string // "1" running, "0" stopped
	PS     string
	PHP    string
	Added  string
}

// Domain is a row of the domain table (a site's domains).
type Domain struct {
	ID, PID int64
	Name    string
	Port    int
	Added   string
}

// FTP is a row of the ftps table.
type FTP struct {
	ID, PID  int64 // PID: the site's id, 0 for none
	Name     string
	Password string
	Path     string
	PS       string
	Added    string
}

// Database is a row of the databases table.
type Database struct {
	ID, PID  int64
	Name     string
	Username string
	Password string
	Accept   string
	Charset  string
	PS       string
	Added    string
}

// tables are the panel's SQLite tables.
type tables struct {
	sites   []*Site
	domains []*Domain
	ftps    []*FTP
	dbs     []*Database
	seq     [4]int64
}

const (
	seqSite = iota
	seqDomain
	seqFTP
	seqDB
)

func (t *tables) next(table int) int64 {
	t.seq[table]++
	return t.seq[table]
}

// Sites returns a copy of the sites table.
func (p *Panel) Sites() []Site {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Site, 0, len(p.sites))
	for _, s := range p.sites {
		out = append(out, *s)
	}
	return out
}

// FTPs returns a copy of the ftps table.
func (p *Panel) FTPs() []FTP {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]FTP, 0, len(p.ftps))
	for _, f := range p.ftps {
		out = append(out, *f)
	}
	return out
}

// Databases returns a copy of the databases table.
func (p *Panel) Databases() []Database {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Database, 0, len(p.dbs))
	for _, d := range p.dbs {
		out = append(out, *d)
	}
	return out
}

func (p *Panel) site(id int64) *Site {
	for _, s := range p.sites {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func now() string { return time.Now().Format("2006-01-02 15:04:05") }

func (f form) int64(k string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(f.Get(k)), 10, 64)
	return n
}

// searchWord is data.py GetWhere's `re.search(r"[\w\x80-\xff\.\_\-]+", search)`.
var searchWord = regexp.MustCompile(`[\p{L}\p{N}_.\-\x{80}-\x{ff}]+`)

func like(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }

// rows returns the rows of table matching search, as getData shows them,
// newest first; ok is false for a table the fake does not have.
func (p *Panel) rows(table, search string) (rows []map[string]any, ok bool) {
	word := searchWord.FindString(search)
	switch table {
	case "sites":
		var pid int64
		for _, d := range p.domains {
			if word != "" && like(d.Name, word) {
				pid = d.PID
				break
			}
		}
		for _, s := range p.sites {
			if word == "" || like(s.Name, word) || like(s.PS, word) || s.ID == pid {
				rows = append(rows, p.siteMap(s))
			}
		}
	case "ftps":
		for _, f := range p.ftps {
			if word == "" || like(f.Name, word) || like(f.PS, word) {
				rows = append(rows, map[string]any{"id": f.ID, "pid": f.PID, "name": f.Name,
					"password": f.Password, "status": "1", "ps": f.PS, "addtime": f.Added, "path": f.Path})
			}
		}
	case "databases":
		for _, d := range p.dbs {
			if word == "" || like(d.Name, word) || like(d.PS, word) {
				rows = append(rows, map[string]any{"id": d.ID, "pid": d.PID, "sid": 0, "db_type": 0,
					"name": d.Name, "username": d.Username, "password": d.Password, "accept": d.Accept,
					"ps": d.PS, "addtime": d.Added, "type": "MySQL", "conn_config": map[string]any{},
					"backup_count": 0, "quota": map[string]any{"size": 0, "used": 0}})
			}
		}
	case "domain":
		for _, d := range p.domains {
			if search == "" || strconv.FormatInt(d.PID, 10) == search || d.Name == search {
				rows = append(rows, map[string]any{"id": d.ID, "pid": d.PID, "name": d.Name,
					"port": d.Port, "addtime": d.Added})
			}
		}
	case "backup":
		rows = []map[string]any{}
		for _, b := range p.backups {
			if search == "" || strconv.FormatInt(b.PID, 10) == word {
				rows = append(rows, map[string]any{"id": b.ID, "pid": b.PID, "type": b.Type, "name": b.Name,
					"filename": b.Filename, "size": 0, "addtime": b.Added, "ps": "手动备份"})
			}
		}
	default:
		return nil, false
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i]["id"].(int64) > rows[j]["id"].(int64) })
	return rows, true
}

func (p *Panel) siteMap(s *Site) map[string]any {
	n := 0
	for _, d := range p.domains {
		if d.PID == s.ID {
			n++
		}
	}
	return map[string]any{"id": s.ID, "name": s.Name, "path": s.Path, "status": s.Status, "ps": s.PS,
		"addtime": s.Added, "edate": "0000-00-00", "type_id": 0, "project_type": "PHP", "rname": s.Name,
		"backup_count": 0, "domain": n, "ssl": -1, "php_version": s.PHP[:1] + "." + s.PHP[1:]}
}

// getData is data.py getData: a page object, or with list=true the bare
// list of rows (which fails on sites and databases, whose rows getData
// post-processes as a page).
func (p *Panel) getData(_ *session, f form) any {
	table := f.Get("table")
	if table == "backup" && f.has("search") && !f.has("type") { // GetSql L770: int(get.type)
		return errInternal("AttributeError: 'dict_obj' object has no attribute 'type'")
	}
	if n := int(f.int64("limit")); table == "sites" && n >= 1 { // GetSql L742-744 writes limit1.pl
		p.sitesLimit = n
	}
	if q := strings.TrimSpace(f.Get("search")); q != "" { // GetSql L825 set_search_history
		if p.searches == nil {
			p.searches = map[string][]string{}
		}
		p.searches[table] = append([]string{q}, p.searches[table]...)
	}
	rows, ok := p.rows(table, f.Get("search"))
	if !ok {
		return traceback("KeyError: '" + table + "'")
	}
	if f.has("list") {
		if table == "sites" || table == "databases" {
			return traceback("TypeError: list indices must be integers or slices, not str")
		}
		if rows == nil {
			rows = []map[string]any{}
		}
		return rows
	}
	limit := int(f.int64("limit"))
	if limit <= 0 {
		limit = 20
		if table == "sites" && p.sitesLimit > 0 { // getData L429-434: the admin's page size
			limit = p.sitesLimit
		}
	}
	page := max(int(f.int64("p")), 1)
	lo := min((page-1)*limit, len(rows))
	hi := min(lo+limit, len(rows))
	return map[string]any{
		"where":          "name LIKE ? OR ps LIKE ?",
		"page":           "<div><span class='Pcount'>共" + strconv.Itoa(len(rows)) + "条</span></div>",
		"data":           append([]map[string]any{}, rows[lo:hi]...),
		"search_history": []string{},
	}
}

// traceback is public.get_error_info(): a bare string.
func traceback(last string) string {
	return "Traceback (most recent call last):\n  File \"class/data.py\", line 455, in getData\n" + last
}

// getKey is data.py getKey: the bare value of one field of one row.
func (p *Panel) getKey(_ *session, f form) any {
	for _, k := range []string{"table", "key", "id"} {
		if !f.has(k) {
			return p.msg(false, "缺少参数! "+k)
		}
	}
	rows, _ := p.rows(f.Get("table"), "")
	for _, r := range rows {
		if strconv.FormatInt(r["id"].(int64), 10) == f.Get("id") {
			if v, ok := r[f.Get("key")]; ok && v != "" && v != nil {
				return v
			}
		}
	}
	return p.msg(false, "未获取到数据!")
}

var domainLabel = regexp.MustCompile(`^[\w\-*]+$`)

// validDomain is AddSite's `^([\w\-\*]{1,100}\.){1,24}([\w\-]{1,24}|...)$`
// (too many repeats for RE2): 2 to 26 labels, the last without '*' and at
// most 24 chars.
func validDomain(name string) bool {
	labels := strings.Split(name, ".")
	if len(labels) < 2 || len(labels) > 26 {
		return false
	}
	for i, l := range labels {
		if l == "" || len(l) > 100 || !domainLabel.MatchString(l) ||
			(i == len(labels)-1 && (len(l) > 24 || strings.Contains(l, "*"))) {
			return false
		}
	}
	return true
}

// addSite is panelSite.py AddSite.
func (p *Panel) addSite(s *session, f form) any {
	var menu struct {
		Domain     string   `json:"domain"`
		DomainList []string `json:"domainlist"`
	}
	if err := jsonUnmarshal(f.Get("webname"), &menu); err != nil {
		return p.msg(false, "webname参数格式不正确，应该是可被解析的JSON字符串")
	}
	dir := strings.TrimSuffix(strings.ReplaceAll(f.Get("path"), "//", "/"), "/")
	if strings.ContainsAny(dir, " \n") || !strings.HasPrefix(dir, "/") {
		return p.msg(false, "目录中不能包含空格或换行符，请重新选择！")
	}
	name := strings.ToLower(strings.TrimSpace(strings.Split(menu.Domain, ":")[0]))
	port := strings.TrimSpace(f.Get("port"))
	if port == "" {
		port = "80"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return p.msg(false, "SITE_ADD_ERR_PORT")
	}
	php := strings.ReplaceAll(f.Get("version"), " ", "")
	if php == "" {
		php = "00"
	}
	if !p.hasPHP(php) {
		return p.msg(false, "指定PHP版本不存在!")
	}
	if dir == "/www/wwwroot" || dir == "/www/backup" {
		return p.msg(false, "PATH_ERROR")
	}
	if !validDomain(name) {
		return p.msg(false, "SITE_ADD_ERR_DOMAIN")
	}
	if strings.Contains(name, "*") {
		return p.msg(false, "SITE_ADD_ERR_DOMAIN_TOW")
	}
	portN, _ := strconv.Atoi(port)
	for _, d := range p.domains {
		if d.Name == name && d.Port == portN && p.site(d.PID) != nil {
			return p.msg(false, "SITE_ADD_ERR_DOMAIN_EXISTS")
		}
	}
	siteName := name
	for _, x := range p.sites {
		if x.Name == siteName {
			siteName += "_" + port
		}
	}
	site := &Site{ID: p.next(seqSite), Name: siteName, Path: dir, Status: "1", PS: f.Get("ps"), PHP: php, Added: now()}
	p.sites = append(p.sites, site)
	p.mkdirAll(dir)
	p.writeFile(dir+"/index.html", []byte("<h1>恭喜, 站点创建成功!</h1>"))
	p.writeFile(dir+"/404.html", []byte("<h1>404</h1>"))
	p.writeFile(dir+"/.user.ini", []byte("open_basedir="+dir+"/:/tmp/"))
	for _, d := range menu.DomainList {
		host, dport, _ := strings.Cut(d, ":")
		n, _ := strconv.Atoi(dport)
		if n == 0 {
			n = 80
		}
		p.domains = append(p.domains, &Domain{ID: p.next(seqDomain), PID: site.ID, Name: host, Port: n, Added: now()})
	}
	p.domains = append(p.domains, &Domain{ID: p.next(seqDomain), PID: site.ID, Name: name, Port: portN, Added: now()})
	return p.addSiteExtras(site, f)
}

// addSiteExtras makes AddSite's FTP account and database and builds its
// answer, which carries no FTP or database id.
func (p *Panel) addSiteExtras(site *Site, f form) map[string]any {
	pid := strconv.FormatInt(site.ID, 10)
	data := map[string]any{"siteStatus": true, "siteId": site.ID, "ftpStatus": false, "databaseStatus": false}
	if f.Get("ftp") == "true" {
		g := form{Values: url.Values{"ftp_username": {f.Get("ftp_username")}, "ftp_password": {f.Get("ftp_password")},
			"path": {site.Path}, "ps": {f.Get("ps")}, "pid": {pid}}}
		if r := p.ftpAddUser(nil, g); r["status"] == true {
			data["ftpStatus"] = true
			data["ftpUser"] = f.Get("ftp_username")
			data["ftpPass"] = f.Get("ftp_password")
		}
	}
	if sql := f.Get("sql"); sql == "true" || sql == "MySQL" {
		user := f.Get("datauser")
		if len(user) > 16 {
			user = user[:16]
		}
		g := form{Values: url.Values{"name": {user}, "db_user": {user}, "password": {f.Get("datapassword")},
			"address": {"127.0.0.1"}, "codeing": {f.Get("codeing")}, "ps": {f.Get("ps")}, "pid": {pid}}}
		r := p.addDatabase(nil, g)
		data["databaseUser"] = user
		data["databasePass"] = f.Get("datapassword")
		if m, ok := r.(map[string]any); ok && m["status"] == true {
			data["databaseStatus"] = true
			data["databaseName"] = user
		}
	}
	data["gitStatus"] = false
	if p.opts.NoSiteID {
		delete(data, "siteId")
	}
	return data
}

func (p *Panel) hasPHP(v string) bool {
	if v == "00" {
		return true
	}
	for _, x := range p.opts.PHPVersions {
		if x == v {
			return true
		}
	}
	return false
}

// deleteSite is panelSite.py DeleteSite with its ftp, database and path
// flags.
func (p *Panel) deleteSite(_ *session, f form) any {
	id := f.int64("id")
	site := p.site(id)
	if site == nil {
		return p.msg(false, "指定站点不存在!")
	}
	if f.Get("path") == "1" {
		p.removeAll(site.Path)
	}
	p.sites = without(p.sites, func(s *Site) bool { return s.ID == id })
	p.domains = without(p.domains, func(d *Domain) bool { return d.PID == id })
	if f.Get("database") == "1" {
		for _, d := range p.dbs {
			if d.PID == id {
				p.dbs = without(p.dbs, func(x *Database) bool { return x.ID == d.ID })
				break
			}
		}
	}
	if f.Get("ftp") == "1" {
		for _, x := range p.ftps {
			if x.PID == id {
				p.ftps = without(p.ftps, func(y *FTP) bool { return y.ID == x.ID })
				break
			}
		}
	}
	return p.msg(true, "SITE_DEL_SUCCESS")
}

func without[T any](list []T, drop func(T) bool) []T {
	out := list[:0:0]
	for _, x := range list {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}

// errInternal is what an action that raises answers: the fake's stand-in
// for the panel's error page.
type errInternal string

// siteStop is panelSite.py SiteStop: a stopped site answers success again.
func (p *Panel) siteStop(_ *session, f form) any {
	site := p.site(f.int64("id"))
	if site == nil {
		return errInternal("TypeError: 'NoneType' object is not subscriptable")
	}
	site.Status = "0"
	return p.msg(true, "SITE_STOP_SUCCESS")
}

// siteStart is panelSite.py SiteStart.
func (p *Panel) siteStart(_ *session, f form) any {
	if _, err := strconv.Atoi(f.Get("id")); err != nil {
		return p.msg(false, "参数错误!")
	}
	site := p.site(f.int64("id"))
	if site == nil {
		return errInternal("TypeError: 'NoneType' object is not subscriptable")
	}
	site.Status = "1"
	return p.msg(true, "SITE_START_SUCCESS")
}

// getPHPVersion is panelSite.py GetPHPVersion: a bare list.
func (p *Panel) getPHPVersion(_ *session, _ form) any {
	out := []map[string]any{{"version": "00", "name": "纯静态", "status": true}}
	for _, v := range p.opts.PHPVersions {
		out = append(out, map[string]any{"version": v, "name": "PHP-" + v, "status": true})
	}
	return out
}

// getIndex is panelSite.py GetIndex (L3995: id): a bare string.
func (p *Panel) getIndex(_ *session, f form) any {
	if e := missing(f, "id"); e != nil {
		return e
	}
	return p.state(f.int64("id")).index
}

// getSoftFind is panelPlugin.py get_soft_find: the software's entry, with
// ext.url for phpMyAdmin, or false.
func (p *Panel) getSoftFind(_ *session, f form) any {
	host := strings.TrimPrefix(p.URL, "http://")
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	if v, ok := p.pluginSoftFind(f.Get("sName")); ok {
		return v
	}
	switch f.Get("sName") {
	case "phpmyadmin":
		return map[string]any{"name": "phpmyadmin", "title": "phpMyAdmin", "setup": true, "status": true,
			"version": "5.2", "ext": map[string]any{"version": "5.2", "status": true, "run": true,
				"phpversion": "74", "port": "888", "auth": false,
				"url": "http://" + host + ":888/phpmyadmin_" + md5hex(p.opts.Key)[:16]}}
	case "nginx":
		return map[string]any{"name": "nginx", "title": "Nginx", "setup": true, "status": true,
			"version": "1.24", "ext": ""}
	}
	return false
}
