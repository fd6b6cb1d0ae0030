package btpanelfake

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The hosting_operate actions of aaPanel/BaoTa (commit f9f6845c): class/
// panelSite.py, class/panelRedirect.py, class/ftp.py and the plugin entry
// of class/panelPlugin.py. A parameter the panel reads as get.<name>
// without a default fails as Python fails (AttributeError: HTTP 500);
// unknown parameters are ignored.

// Call is one request the fake served: its module, action and fields.
type Call struct {
	Module, Action string
	Form           url.Values
}

// siteState is what the fake keeps of each site beyond its table row.
type siteState struct {
	proxies    []map[string]any
	redirects  []map[string]any
	index      string
	runPath    string
	userINI    bool
	secFix     string
	secDomains string
	secOn      bool
	secRule    string
	cert, key  string
	https      bool
	waf        map[string]any
	tamper     bool
}

// backupRow is a row of the backup table.
type backupRow struct {
	ID, PID  int64
	Type     int
	Name     string
	Filename string
	Added    string
}

func (p *Panel) state(siteID int64) *siteState {
	if p.siteStates == nil {
		p.siteStates = map[int64]*siteState{}
	}
	st := p.siteStates[siteID]
	if st == nil {
		st = &siteState{index: "index.php,index.html,index.htm,default.php,default.htm,default.html",
			runPath: "/", userINI: true, secFix: "jpg,jpeg,gif,png,js,css", secRule: "404",
			waf: map[string]any{"open": true, "cc": map[string]any{"open": true, "cycle": 60, "limit": 120,
				"endtime": 300, "increase": false}, "user-agent": map[string]any{"open": true},
				"retry": 10, "retry_cycle": 60, "retry_time": 1800, "cdn": false}}
		p.siteStates[siteID] = st
	}
	return st
}

// Log returns every request the fake served, in order.
func (p *Panel) Log() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

// InstallPlugins installs panel plugins (btwaf, tamper_proof, monitor).
func (p *Panel) InstallPlugins(names ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plugins = append(p.plugins, names...)
}

// SearchHistory returns what getData recorded as the admin's searches of
// a table (public.py set_search_history L6320), newest first.
func (p *Panel) SearchHistory(table string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.searches[table])
}

// SitesPageSize returns the admin's page size of the site list
// (data.py limit1.pl), 0 when never set.
func (p *Panel) SitesPageSize() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sitesLimit
}

// AddBackupRow puts a row in the backup table (type 0 site, 1 database).
func (p *Panel) AddBackupRow(pid int64, typ int, name string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.backupSeq++
	p.backups = append(p.backups, &backupRow{ID: p.backupSeq, PID: pid, Type: typ, Name: name,
		Filename: "/www/backup/site/" + name, Added: now()})
	return p.backupSeq
}

// missing is the panel's answer to a get.<name> it reads without a default.
func missing(f form, keys ...string) any {
	for _, k := range keys {
		if !f.has(k) {
			return errInternal("AttributeError: 'dict_obj' object has no attribute '" + k + "'")
		}
	}
	return nil
}

func (p *Panel) siteByName(name string) *Site {
	for _, s := range p.sites {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// siteOps are the /site actions of this file, added to the module table.
func siteOps() map[string]handler {
	return map[string]handler{
		"SetPHPVersion": (*Panel).setPHPVersion, "GetSecurity": (*Panel).getSecurity,
		"SetSecurity": (*Panel).setSecurity, "SetIndex": (*Panel).setIndex,
		"GetSiteRunPath": (*Panel).getSiteRunPath, "SetSiteRunPath": (*Panel).setSiteRunPath,
		"GetDirUserINI": (*Panel).getDirUserINI, "SetDirUserINI": (*Panel).setDirUserINI,
		"GetDirBinding": (*Panel).getDirBinding, "GetRewriteList": (*Panel).getRewriteList,
		"GetProxyList": (*Panel).getProxyList, "CreateProxy": (*Panel).createProxy,
		"ModifyProxy": (*Panel).modifyProxy, "RemoveProxy": (*Panel).removeProxy,
		"GetProxyFile": (*Panel).getProxyFile, "GetRedirectList": (*Panel).getRedirectList,
		"CreateRedirect": (*Panel).createRedirect, "ModifyRedirect": (*Panel).modifyRedirect,
		"DeleteRedirect": (*Panel).deleteRedirect, "GetRedirectFile": (*Panel).getRedirectFile,
		"SaveRedirectFile": (*Panel).saveFileBody, "AddDomain": (*Panel).addDomain,
		"DelDomain": (*Panel).delDomain, "ToBackup": (*Panel).siteToBackup, "DelBackup": (*Panel).siteDelBackup,
		"GetSSL": (*Panel).getSSL, "SetSSL": (*Panel).setSSL, "CloseSSLConf": (*Panel).closeSSLConf,
		"HttpToHttps": (*Panel).httpToHttps, "CloseToHttps": (*Panel).closeToHttps,
	}
}

// setPHPVersion is panelSite.py L4241 SetPHPVersion (siteName, version).
func (p *Panel) setPHPVersion(_ *session, f form) any {
	if e := missing(f, "siteName", "version"); e != nil {
		return e
	}
	s := p.siteByName(f.Get("siteName"))
	if s == nil {
		return errInternal("TypeError: 'NoneType' object is not subscriptable")
	}
	if !p.hasPHP(f.Get("version")) {
		return p.msg(false, "指定PHP版本不存在!")
	}
	s.PHP = f.Get("version")
	return p.msg(true, "SITE_PHPVERSION_SUCCESS", s.Name, f.Get("version"))
}

// getSecurity is panelSite.py L6303 GetSecurity (id, name).
func (p *Panel) getSecurity(_ *session, f form) any {
	if e := missing(f, "id", "name"); e != nil {
		return e
	}
	s := p.siteByName(f.Get("name"))
	if s == nil {
		return p.msg(false, "读取配置文件失败!")
	}
	st := p.state(s.ID)
	domains := st.secDomains
	if domains == "" {
		var names []string
		for _, d := range p.domains {
			if d.PID == s.ID {
				names = append(names, d.Name)
			}
		}
		domains = strings.Join(names, ",")
	}
	return map[string]any{"fix": st.secFix, "domains": domains, "status": st.secOn, "http_status": false,
		"return_rule": st.secRule}
}

// setSecurity is panelSite.py L6345 SetSecurity.
func (p *Panel) setSecurity(_ *session, f form) any {
	if e := missing(f, "id", "name", "fix", "domains", "status", "http_status", "return_rule"); e != nil {
		return e
	}
	switch rule := strings.TrimSpace(f.Get("return_rule")); {
	case len(f.Get("fix")) < 2:
		return p.msg(false, "URL后缀不能为空!")
	case len(f.Get("domains")) < 3:
		return p.msg(false, "防盗链域名不能为空!")
	case !slices.Contains([]string{"404", "403", "200", "301", "302", "401", "201"}, rule) &&
		(rule == "" || rule[0] != '/'):
		return p.msg(false, "响应资源应使用URI路径或HTTP状态码，如：/test.png 或 404")
	}
	s := p.siteByName(f.Get("name"))
	if s == nil {
		return p.msg(false, "读取配置文件失败!")
	}
	st := p.state(s.ID)
	st.secFix, st.secDomains, st.secOn, st.secRule = f.Get("fix"), f.Get("domains"), f.Get("status") == "true",
		strings.TrimSpace(f.Get("return_rule"))
	return p.msg(true, "SET_SUCCESS")
}

// setIndex is panelSite.py L4024 SetIndex (id, Index).
func (p *Panel) setIndex(_ *session, f form) any {
	if e := missing(f, "id", "Index"); e != nil {
		return e
	}
	if !strings.Contains(f.Get("Index"), ".") {
		return p.msg(false, "SITE_INDEX_ERR_FORMAT")
	}
	s := p.site(f.int64("id"))
	if s == nil {
		return errInternal("TypeError: 'NoneType' object is not subscriptable")
	}
	p.state(s.ID).index = strings.ReplaceAll(f.Get("Index"), " ", "")
	return p.msg(true, "SET_SUCCESS")
}

func (p *Panel) siteDirs(s *Site) []string {
	dirs := []string{"/"}
	for name, n := range p.fs {
		if n.dir && strings.HasPrefix(name, s.Path+"/") && !strings.Contains(name[len(s.Path)+1:], "/") {
			dirs = append(dirs, name[len(s.Path):])
		}
	}
	slices.Sort(dirs)
	return dirs
}

// getSiteRunPath is panelSite.py L5986 GetSiteRunPath (id).
func (p *Panel) getSiteRunPath(_ *session, f form) any {
	if e := missing(f, "id"); e != nil {
		return e
	}
	s := p.site(f.int64("id"))
	if s == nil {
		return p.msg(false, "未查询到网站信息!")
	}
	return map[string]any{"runPath": p.state(s.ID).runPath, "dirs": p.siteDirs(s)}
}

// setSiteRunPath is panelSite.py L6052 SetSiteRunPath (id, runPath).
func (p *Panel) setSiteRunPath(_ *session, f form) any {
	if e := missing(f, "id", "runPath"); e != nil {
		return e
	}
	s := p.site(f.int64("id"))
	if s == nil {
		return errInternal("TypeError: 'NoneType' object is not subscriptable")
	}
	if !slices.Contains(p.siteDirs(s), f.Get("runPath")) {
		return p.msg(false, "指定目录不存在!")
	}
	p.state(s.ID).runPath = f.Get("runPath")
	return p.msg(true, "SET_SUCCESS")
}

// getDirUserINI is panelSite.py L4349 GetDirUserINI (id, path).
func (p *Panel) getDirUserINI(_ *session, f form) any {
	if e := missing(f, "id", "path"); e != nil {
		return e
	}
	s := p.site(f.int64("id"))
	if s == nil {
		return p.msg(false, "获取站点信息失败")
	}
	st := p.state(s.ID)
	return map[string]any{"sync_git": false, "userini": st.userINI, "logs": true, "pass": false,
		"runPath": map[string]any{"runPath": st.runPath, "dirs": p.siteDirs(s)}}
}

// setDirUserINI is panelSite.py L4398 SetDirUserINI (path): a toggle.
func (p *Panel) setDirUserINI(_ *session, f form) any {
	if e := missing(f, "path"); e != nil {
		return e
	}
	for _, s := range p.sites {
		if s.Path == strings.TrimRight(f.Get("path"), "/") {
			st := p.state(s.ID)
			st.userINI = !st.userINI
			if st.userINI {
				return p.msg(true, "SITE_BASEDIR_OPEN")
			}
			return p.msg(true, "SITE_BASEDIR_CLOSE")
		}
	}
	return p.msg(false, "DIR_NOT_EXISTS")
}

// getDirBinding is panelSite.py L3627 GetDirBinding (id).
func (p *Panel) getDirBinding(_ *session, f form) any {
	if !f.has("id") {
		return p.msg(false, "参数错误!")
	}
	s := p.site(f.int64("id"))
	if s == nil {
		return p.msg(false, "未查询到网站信息!")
	}
	dirs := []string{}
	for _, d := range p.siteDirs(s) {
		if d != "/" {
			dirs = append(dirs, strings.TrimPrefix(d, "/"))
		}
	}
	return map[string]any{"dirs": dirs, "binding": []any{}}
}

// getRewriteList is panelSite.py L5337 GetRewriteList (siteName) on nginx.
func (p *Panel) getRewriteList(_ *session, f form) any {
	if e := missing(f, "siteName"); e != nil {
		return e
	}
	return map[string]any{"rewrite": []string{"0.当前", "EduSoho", "discuz", "laravel", "thinkphp", "wordpress"},
		"default_list": []any{}}
}

func md5s(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }

// fileBodyPair is what GetProxyFile/GetRedirectFile answer: the file's
// GetFileBody answer and its path.
func (p *Panel) fileBodyPair(path string) any {
	return []any{p.getFileBody(nil, form{Values: url.Values{"path": {path}}}), path}
}

func jsonUnmarshalAny(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func atoi(s string) (int, error) { return strconv.Atoi(strings.TrimSpace(s)) }

var urlRe = regexp.MustCompile(`^https?://[\w\-.]+(:\d+)?(/.*)?$`)
