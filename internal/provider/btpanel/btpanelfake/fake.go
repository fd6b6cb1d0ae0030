// Package btpanelfake is an in-memory 宝塔 (BT) panel behind an httptest
// server, for the btpanel driver's tests. It reproduces what the driver
// meets on a real panel (aaPanel/BaoTa, BTPanel/__init__.py and
// class/common.py get_sk): the request_token = md5(request_time + md5(key))
// check with its 密钥校验失败 answer, the redirect to /login when the
// signature is missing, the API IP whitelist, the lockout after 20 failed
// checks, ARGS_ERR for an action outside a module's list, bare-value answers
// (lists, strings, integers) where the panel gives them, a cookie-bound
// session (SetBatchData then BatchPaste), sites, domains, FTP accounts,
// databases and files kept in memory with ids, and injected faults (HTTP
// 500, a garbage body, a delay).
package btpanelfake

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

// Options configure a fake panel.
type Options struct {
	// Key is the panel's API key (api_sk); "" is "fake-api-sk".
	Key string
	// AllowIPs is the API whitelist (limit_addr): single IPs, ranges
	// "a.b.c.d-e.f.g.h", or "*". nil is "*" (every IP); an empty list
	// refuses every address, as public.py is_api_limit_ip (L2749) does.
	AllowIPs []string
	// Now is the clock of the lockout; nil is time.Now.
	Now func() time.Time
	// LoginNotFound answers a request without request_time/request_token
	// with the panel's 404 page instead of a 302 to /login (what a panel
	// answers a client that does not look like a browser).
	LoginNotFound bool
	// RawMessages answers language keys untranslated ("ARGS_ERR"), as a
	// panel without its language file does; by default they are in
	// Simplified Chinese ("指定参数无效!").
	RawMessages bool
	// PHPVersions are the installed PHP versions; nil is 56 74 80 81 82.
	PHPVersions []string
	// Certificate, when set, makes the panel serve HTTPS with it.
	Certificate *tls.Certificate
	// NoSiteID answers AddSite without siteId, as panels before 2019 do.
	NoSiteID bool
}

// Panel is a running fake panel. Its methods are safe for concurrent use.
type Panel struct {
	URL string // http://127.0.0.1:port

	srv        *httptest.Server
	opts       Options
	token      string // md5(key), as api.json stores it
	cookieName string

	mu       sync.Mutex
	allow    []string
	faults   []fault
	failures map[string]*failCount
	sessions map[string]*session
	last     url.Values
	calls    int
	tables
	fs map[string]*node

	// hosting_operate state (siteops.go)
	log        []Call
	plugins    []string
	siteStates map[int64]*siteState
	searches   map[string][]string
	sitesLimit int
	backups    []*backupRow
	backupSeq  int64
	db         dbState // dbops.go
	journal    []Call  // every request served (fileops.go)
}

type fault struct {
	status  int           // answer this HTTP status
	garbage bool          // answer a body that is not JSON
	delay   time.Duration // wait before answering
}

type failCount struct {
	n     int
	until time.Time
}

// session is the panel's Flask session of one cookie.
type session struct {
	selected url.Values // SetBatchData type 1/2
}

// New starts a fake panel and closes it when the test ends.
func New(t testing.TB, opts Options) *Panel {
	t.Helper()
	if opts.Key == "" {
		opts.Key = "fake-api-sk"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PHPVersions == nil {
		opts.PHPVersions = []string{"56", "74", "80", "81", "82"}
	}
	p := &Panel{
		opts:       opts,
		token:      md5hex(opts.Key),
		cookieName: md5hex(randomHex(16)), // md5(app.secret_key)
		allow:      append([]string{}, opts.AllowIPs...),
		failures:   map[string]*failCount{},
		sessions:   map[string]*session{},
		fs:         map[string]*node{},
	}
	if opts.AllowIPs == nil {
		p.allow = []string{"*"}
	}
	p.mkdirAll("/www/wwwroot")
	p.srv = providertest.Serve(p, opts.Certificate)
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// Key returns the panel's API key.
func (p *Panel) Key() string { return p.opts.Key }

// SetAllowIPs replaces the API whitelist; no ips refuses every address.
func (p *Panel) SetAllowIPs(ips ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allow = append([]string(nil), ips...)
}

// FailNext makes the next n requests answer HTTP 500.
func (p *Panel) FailNext(n int) { p.addFaults(n, fault{status: http.StatusInternalServerError}) }

// GarbageNext makes the next n requests answer 200 with a body that is not
// JSON.
func (p *Panel) GarbageNext(n int) { p.addFaults(n, fault{garbage: true}) }

// DelayNext makes the next n requests wait d (or until the client gives up)
// before they are served.
func (p *Panel) DelayNext(n int, d time.Duration) { p.addFaults(n, fault{delay: d}) }

func (p *Panel) addFaults(n int, f fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range n {
		p.faults = append(p.faults, f)
	}
}

// LastForm returns the query and form fields of the last request that got
// past the faults, signature included.
func (p *Panel) LastForm() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return cloneValues(p.last)
}

// Calls returns how many requests got past the faults.
func (p *Panel) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// ServeHTTP answers one API request like the panel.
func (p *Panel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.fault(w, r) {
		return
	}
	module, action := route(r.URL.Path)
	acts, ok := modules[module]
	if !ok {
		notFoundPage(w)
		return
	}
	if err := parseForm(r); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	p.last = r.Form
	if p.refuse(w, r) {
		return
	}
	sess := p.session(w, r)
	if action == "" {
		action = r.Form.Get("action")
	}
	p.record(module, action, r.Form)
	if path := r.Form.Get("path"); strings.Contains(path, "./") {
		p.reply(w, p.msg(false, "INIT_PATH_NOT_SAFE"))
		return
	}
	p.log = append(p.log, Call{Module: module, Action: action, Form: cloneValues(r.Form)})
	h, ok := acts[action]
	if !ok {
		p.reply(w, p.msg(false, "ARGS_ERR"))
		return
	}
	f := form{Values: r.Form}
	if r.MultipartForm != nil {
		f.files = r.MultipartForm.File
	}
	v := h(p, sess, f)
	if e, ok := v.(errInternal); ok {
		http.Error(w, "Internal Server Error\n"+string(e), http.StatusInternalServerError)
		return
	}
	p.reply(w, v)
}

// route splits /<module> and /<module>/<action> (the panel accepts both
// for site and database).
func route(path string) (module, action string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 1:
		return parts[0], ""
	case len(parts) == 2 && (parts[0] == "site" || parts[0] == "database"):
		return parts[0], parts[1]
	}
	return "", ""
}

func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(32 << 20)
	}
	return r.ParseForm()
}

// fault serves the next injected fault, if any; it reports whether the
// request was answered.
func (p *Panel) fault(w http.ResponseWriter, r *http.Request) bool {
	p.mu.Lock()
	if len(p.faults) == 0 {
		p.mu.Unlock()
		return false
	}
	f := p.faults[0]
	p.faults = p.faults[1:]
	p.mu.Unlock()
	switch {
	case f.delay > 0:
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return true
		}
		return false
	case f.garbage:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("\x00\x17garbage {\"status\": tr"))
	default:
		http.Error(w, "Internal Server Error", f.status)
	}
	return true
}

// refuse runs the panel's API check (common.py get_sk); it reports whether
// the request was answered. Its JSON answers come back as text/html, as the
// panel's before-request hook returns a plain string.
func (p *Panel) refuse(w http.ResponseWriter, r *http.Request) bool {
	if !r.Form.Has("request_time") || !r.Form.Has("request_token") {
		if p.opts.LoginNotFound {
			notFoundPage(w)
		} else {
			http.Redirect(w, r, "/login", http.StatusFound)
		}
		return true
	}
	rt, tok := r.Form.Get("request_time"), r.Form.Get("request_token")
	ip := clientIP(r)
	now := p.opts.Now()
	fc := p.failures[ip]
	if fc != nil && now.After(fc.until) {
		delete(p.failures, ip)
		fc = nil
	}
	refuse := func(msg string) bool {
		if fc == nil {
			fc = &failCount{}
			p.failures[ip] = fc
		}
		fc.n++
		fc.until = now.Add(time.Hour)
		p.replyText(w, map[string]any{"status": false, "msg": msg})
		return true
	}
	switch {
	case fc != nil && fc.n >= 20:
		p.replyText(w, map[string]any{"status": false, "msg": "连续20次验证失败,禁止1小时"})
		return true
	case !ipAllowed(p.allow, ip):
		return refuse("IP校验失败,您的访问IP为[" + ip + "]")
	case md5hex(rt+p.token) != tok:
		return refuse("密钥校验失败")
	}
	delete(p.failures, ip)
	return false
}

// session returns the request's session, making one (and setting its
// cookie) when the request has none the panel knows.
func (p *Panel) session(w http.ResponseWriter, r *http.Request) *session {
	if c, err := r.Cookie(p.cookieName); err == nil {
		if s, ok := p.sessions[c.Value]; ok {
			return s
		}
	}
	id := randomHex(16)
	s := &session{}
	p.sessions[id] = s
	http.SetCookie(w, &http.Cookie{Name: p.cookieName, Value: id, Path: "/", HttpOnly: true})
	return s
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ipAllowed is public.py is_api_limit_ip (L2749): an empty list allows
// no address.
func ipAllowed(list []string, ip string) bool {
	c := net.ParseIP(ip).To4()
	for _, e := range list {
		switch e {
		case "*", "all", "0.0.0.0", "0.0.0.0/0":
			return true
		}
		lo, hi, _ := strings.Cut(e, "-")
		if hi == "" {
			hi = lo
		}
		l, h := net.ParseIP(lo).To4(), net.ParseIP(hi).To4()
		if c != nil && l != nil && h != nil && bytes.Compare(c, l) >= 0 && bytes.Compare(c, h) <= 0 {
			return true
		}
	}
	return false
}

// reply writes v as the panel does: application/json, non-ASCII escaped
// (Python's json.dumps).
func (p *Panel) reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(pyJSON(v))
}

func (p *Panel) replyText(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(pyJSON(v))
}

func notFoundPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("<html>\n<head><title>404 Not Found</title></head>\n<body>\n" +
		"<center><h1>404 Not Found</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>"))
}

// pyJSON encodes v like json.dumps with ensure_ascii.
func pyJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{"status": false, "msg": "fake: cannot encode the answer"}`)
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	var out bytes.Buffer
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r < utf8.RuneSelf:
			out.WriteByte(b[0])
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		b = b[n:]
	}
	return out.Bytes()
}

// msg is public.returnMsg: {"status":..,"msg":..} with the language key
// translated and {1}, {2}... replaced by args.
func (p *Panel) msg(status bool, key string, args ...string) map[string]any {
	text := key
	if t, ok := chinese[key]; ok && !p.opts.RawMessages {
		text = t
		for i, a := range args {
			text = strings.ReplaceAll(text, fmt.Sprintf("{%d}", i+1), a)
		}
	}
	return map[string]any{"status": status, "msg": text}
}

// chinese is the part of BTPanel/static/language/Simplified_Chinese/public.json
// the fake answers.
var chinese = map[string]string{
	"ARGS_ERR":                   "指定参数无效!",
	"INIT_PATH_NOT_SAFE":         "不安全的路径",
	"SITE_STOP_SUCCESS":          "站点已停用",
	"SITE_START_SUCCESS":         "站点已启用",
	"SITE_DEL_SUCCESS":           "站点删除成功!",
	"SITE_ADD_ERR_DOMAIN":        "主域名格式不正确",
	"SITE_ADD_ERR_DOMAIN_EXISTS": "您添加的域名已存在",
	"SITE_ADD_ERR_PORT":          "端口范围不合法",
	"DEL_SUCCESS":                "删除成功",
	"ADD_SUCCESS":                "添加成功",
	"FTP_USERNAME_ERR_T":         "用户名不合法,不能带有特殊符号!",
	"FTP_USERNAME_ERR_LEN":       "用户名不合法,不能少于3个字符!",
	"FTP_USERNAME_ERR_EXISTS":    "用户[{1}]已存在!",
	"DATABASE_NAME_ERR_T":        "数据库名称不能带有特殊符号!",
	"FILE_ALL_TIPS":              "标记成功,请在目标目录点击粘贴所有按钮!",
	"FILE_ALL":                   "批量操作成功[{1}],失败[{2}]",
	"FILE_SAVE_SUCCESS":          "文件已保存!",
	"FILE_NOT_EXISTS":            "指定文件不存在!",
	"DIR_NOT_EXISTS":             "指定目录不存在!",
	"DIR_EXISTS":                 "指定目录已存在!",
	"DIR_CREATE_SUCCESS":         "目录创建成功!",
	"INPUT_PS":                   "填写备注",
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// form reads the request's fields as the panel's get object does.
type form struct {
	url.Values
	files map[string][]*multipart.FileHeader
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	return out
}

func (f form) has(k string) bool { _, ok := f.Values[k]; return ok }

// handler serves one action; its result is encoded as the answer.
type handler func(p *Panel, s *session, f form) any

// modules lists each module's actions (the panel's defs whitelists, cut to
// what the fake implements); any other action answers ARGS_ERR.
var modules map[string]map[string]handler

func init() {
	modules = map[string]map[string]handler{
		"data": {"getData": (*Panel).getData, "getKey": (*Panel).getKey},
		"site": {
			"AddSite": (*Panel).addSite, "DeleteSite": (*Panel).deleteSite,
			"SiteStop": (*Panel).siteStop, "SiteStart": (*Panel).siteStart,
			"GetPHPVersion": (*Panel).getPHPVersion, "GetIndex": (*Panel).getIndex,
		},
		"ftp": {
			"AddUser":    func(p *Panel, s *session, f form) any { return p.ftpAddUser(s, f) },
			"DeleteUser": (*Panel).ftpDeleteUser, "SetUserPassword": (*Panel).ftpSetUserPassword,
		},
		"database": {"AddDatabase": (*Panel).addDatabase, "DeleteDatabase": (*Panel).deleteDatabase},
		"plugin":   {"get_soft_find": (*Panel).getSoftFind, "a": (*Panel).pluginA},
		"files": {
			"GetDir": (*Panel).getDir, "GetDirSize": (*Panel).getDirSize, "CreateDir": (*Panel).createDir,
			"GetFileBody": (*Panel).getFileBody, "SaveFileBody": (*Panel).saveFileBody,
			"SetBatchData": (*Panel).setBatchData, "BatchPaste": (*Panel).batchPaste,
			"upload": (*Panel).upload,
		},
	}
	for k, h := range siteOps() {
		modules["site"][k] = h
	}
	addFileOps(modules["files"])
	addDBOps() // dbops.go: the database actions, and the call log (it wraps every action: last)
}
