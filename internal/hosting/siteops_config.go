package hosting

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

var (
	extRe       = regexp.MustCompile(`^[A-Za-z0-9]{1,10}$`)
	ruleRe      = regexp.MustCompile(`^(404|403|200|301|302|401|201|/[A-Za-z0-9_./-]{1,200})$`)
	indexFileRe = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$`)
	wafObjRe    = regexp.MustCompile(`^[a-z_-]{2,32}$`)
	partTypeRe  = regexp.MustCompile(`^[A-Za-z_]{1,32}$`)
	ccTypeRe    = regexp.MustCompile(`^[A-Za-z0-9_]{1,16}$`)
)

// GetSecurity serves hosting_get_security: hotlink protection in the
// document's terms (fix ".jpg|.png", domains one a line, status 0/1,
// http_status and none the blocking answer).
func GetSecurity(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	sec, err := readAs[provider.Security](ctx, o, provider.OpGetSecurity, nil)
	if err != nil {
		return nil, err
	}
	fix := make([]string, 0, len(sec.Fix))
	for _, f := range sec.Fix {
		fix = append(fix, "."+f)
	}
	status := 0
	if sec.On {
		status = 1
	}
	return map[string]any{"domains": strings.Join(sec.Domains, "\n"), "fix": strings.Join(fix, "|"),
		"status": status, "http_status": sec.ReturnRule, "none": sec.ReturnRule}, nil
}

// SetSecurity serves hosting_set_security: fix ".jpg|.png", domains one a
// line (or comma), statusSecurity 0/1, http_status 403/404/... or a /path.
func SetSecurity(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	p := req.Params
	fixText, err := p.RequiredText("fix")
	if err != nil {
		return nil, err
	}
	var fix []string
	for _, f := range strings.FieldsFunc(fixText, func(r rune) bool { return r == '|' || r == ',' }) {
		f = strings.TrimPrefix(strings.TrimSpace(f), ".")
		if !extRe.MatchString(f) {
			return nil, dispatch.ParamError("fix", "格式应为 .jpg|.png")
		}
		fix = append(fix, f)
	}
	domText, err := p.RequiredText("domains")
	if err != nil {
		return nil, err
	}
	var domains []string
	for _, d := range strings.FieldsFunc(domText, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		d = strings.ToLower(strings.TrimSpace(d))
		if d != "" && !hostRe.MatchString(d) {
			return nil, dispatch.ParamError("domains", d+" 不是有效的域名")
		}
		if d != "" {
			domains = append(domains, d)
		}
	}
	status, err := p.IntIn("statusSecurity", 1, 0, 1)
	if err != nil {
		return nil, err
	}
	rule, err := p.Text("http_status")
	if err != nil {
		return nil, err
	}
	if rule == "" {
		rule = "404"
	}
	if !ruleRe.MatchString(rule) || strings.Contains(rule, "..") {
		return nil, dispatch.ParamError("http_status", "应为403、404等状态码或/开头的路径")
	}
	if len(fix) == 0 || len(domains) == 0 {
		return nil, dispatch.ParamError(map[bool]string{true: "fix", false: "domains"}[len(fix) == 0], "不能为空")
	}
	_, err = o.do(ctx, provider.OpSetSecurity, provider.SiteArgs{"fix": strings.Join(fix, ","),
		"domains": strings.Join(domains, ","), "status": strconv.FormatInt(status, 10), "return_rule": rule})
	return nil, err
}

// GetIndex serves hosting_get_index: s=get_index is the site's default
// page and run directory ({siteName, index, runPath}); s=
// get_site_config_byname is the site's WAF settings (plugin btwaf).
func GetIndex(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	s, err := req.Params.Text("s")
	if err != nil {
		return nil, err
	}
	switch s {
	case "", "get_index":
		index, err := readAs[string](ctx, o, provider.OpGetIndex, nil)
		if err != nil {
			return nil, err
		}
		rp, err := readAs[provider.RunPath](ctx, o, provider.OpGetRunPath, nil)
		if err != nil {
			return nil, err
		}
		return map[string]any{"siteName": o.domain, "index": index, "runPath": rp.Path}, nil
	case "get_site_config_byname":
		return o.do(ctx, provider.OpWAFConfig, nil)
	}
	return nil, dispatch.ParamError("s", "应为get_index或get_site_config_byname")
}

// SetSiteStatus serves hosting_set_site_status: name (or s)
// set_site_status turns tamper-proofing on or off, set_site_obj_open a
// WAF function (obj); status 1/0 is the state wanted, so a repeat changes
// nothing.
func SetSiteStatus(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	p := req.Params
	which, err := p.Text("s")
	if err != nil {
		return nil, err
	}
	if which == "" {
		if which, err = p.RequiredText("name"); err != nil {
			return nil, err
		}
	}
	status, err := p.IntIn("status", -1, 0, 1)
	if err != nil || status < 0 {
		return nil, orMissingParam(err, "status")
	}
	st := strconv.FormatInt(status, 10)
	switch which {
	case "set_site_status":
		_, err = o.do(ctx, provider.OpTamperSwitch, provider.SiteArgs{"status": st})
		return nil, err
	case "set_site_obj_open":
		obj, err := p.RequiredText("obj")
		if err != nil {
			return nil, err
		}
		if !wafObjRe.MatchString(obj) {
			return nil, dispatch.ParamError("obj", "格式错误")
		}
		_, err = o.do(ctx, provider.OpWAFSwitch, provider.SiteArgs{"obj": obj, "status": st})
		return nil, err
	}
	return nil, dispatch.ParamError("s", "应为set_site_status或set_site_obj_open")
}

func orMissingParam(err error, name string) error {
	if err != nil {
		return err
	}
	return dispatch.MissingParam(name)
}

type intField struct {
	key      string
	min, max int64
	required bool
}

// intArgs reads the integer fields of post into a.
func intArgs(post dispatch.Params, a provider.SiteArgs, fields ...intField) error {
	for _, f := range fields {
		if !post.Has(f.key) {
			if f.required {
				return dispatch.MissingParam(post.Name(f.key))
			}
			continue
		}
		n, err := post.IntIn(f.key, 0, f.min, f.max)
		if err != nil {
			return err
		}
		a[f.key] = strconv.FormatInt(n, 10)
	}
	return nil
}

// SetCCConf serves hosting_set_site_cc_conf (plugin btwaf).
func SetCCConf(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	post, err := req.Params.Object("post")
	if err != nil {
		return nil, err
	}
	a := provider.SiteArgs{}
	if err := intArgs(post, a, intField{"cycle", 1, 86400, true}, intField{"limit", 1, 1000000, true},
		intField{"endtime", 1, 86400 * 30, true}, intField{"increase", 0, 1, false}, intField{"cc_mode", 0, 4, false},
		intField{"is_open_global", 0, 1, false}, intField{"increase_wu_heng", 0, 1, false}); err != nil {
		return nil, err
	}
	if t, _ := post.Text("cc_increase_type"); t != "" {
		if !ccTypeRe.MatchString(t) {
			return nil, dispatch.ParamError(post.Name("cc_increase_type"), "格式错误")
		}
		a["cc_increase_type"] = t
	}
	_, err = o.do(ctx, provider.OpWAFCC, a)
	return nil, err
}

// SetRetry serves hosting_set_site_retry (plugin btwaf).
func SetRetry(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	post, err := req.Params.Object("post")
	if err != nil {
		return nil, err
	}
	a := provider.SiteArgs{}
	if err := intArgs(post, a, intField{"retry", 1, 100000, true}, intField{"retry_cycle", 1, 86400, true},
		intField{"retry_time", 1, 86400 * 30, true}); err != nil {
		return nil, err
	}
	_, err = o.do(ctx, provider.OpWAFRetry, a)
	return nil, err
}

// maxTotalsDays and maxTotalsRows bound a monitoring report.
const (
	maxTotalsDays = 31
	maxTotalsRows = 1000
)

// SiteTotals serves hosting_get_site_total_list_custom (plugin monitor):
// at most 31 days (Y-m-d, end not before start), at most 1000 rows.
func SiteTotals(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	p := req.Params
	part, err := p.Text("part_type")
	if err != nil {
		return nil, err
	}
	if part == "" {
		part = "date"
	}
	if !partTypeRe.MatchString(part) {
		return nil, dispatch.ParamError("part_type", "格式错误")
	}
	var days [2]time.Time
	for i, k := range []string{"start_date", "end_date"} {
		v, err := p.RequiredText(k)
		if err != nil {
			return nil, err
		}
		if days[i], err = time.Parse(time.DateOnly, v); err != nil {
			return nil, dispatch.ParamError(k, "格式应为Y-m-d")
		}
	}
	switch span := days[1].Sub(days[0]); {
	case span < 0:
		return nil, dispatch.ParamError("end_date", "早于start_date")
	case span > maxTotalsDays*24*time.Hour:
		return nil, dispatch.ParamError("end_date", "跨度不能超过31天")
	}
	t, err := readAs[provider.Totals](ctx, o, provider.OpSiteTotals, provider.SiteArgs{"part_type": part,
		"start_date": days[0].Format(time.DateOnly), "end_date": days[1].Format(time.DateOnly)})
	if err != nil {
		return nil, err
	}
	total := len(t.List)
	return map[string]any{"list": t.List[:min(total, maxTotalsRows)], "total": total}, nil
}

// GetSSL serves hosting_get_ssl.
func GetSSL(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	return readAs[provider.SSL](ctx, o, provider.OpGetSSL, nil)
}

// maxPEM bounds a key or a certificate chain.
const maxPEM = 64 << 10

// SetSSL serves hosting_set_ssl: key (PEM private key) and csr (PEM
// certificate chain) must be a matching pair; type is not used.
func SetSSL(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	key, err := req.Params.RequiredText("key")
	if err != nil {
		return nil, err
	}
	cert, err := req.Params.RequiredText("csr")
	if err != nil {
		return nil, err
	}
	if len(key) > maxPEM || len(cert) > maxPEM {
		return nil, dispatch.ParamError("csr", "超过64KB")
	}
	if _, err := tls.X509KeyPair([]byte(cert), []byte(key)); err != nil {
		return nil, dispatch.ParamError("key", "与证书不是有效的PEM配对")
	}
	_, err = o.do(ctx, provider.OpSetSSL, provider.SiteArgs{"key": key, "cert": cert})
	return nil, err
}

// UserINISwitch serves hosting_get_dir_user_ini_switch: {"userini": JSON
// text of the three switches}.
func UserINISwitch(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	u, err := readAs[provider.UserINI](ctx, o, provider.OpGetUserINI, nil)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(switches(u))
	return map[string]any{"userini": string(b)}, nil
}

func switches(u provider.UserINI) map[string]int {
	bit := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	return map[string]int{"open_basedir": bit(u.OpenBasedir), "log_access": bit(u.Logs),
		"password_access": bit(u.Password)}
}

// UserINI serves hosting_get_user_ini: the three switches with the run
// directory and the ones it may be.
func UserINI(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	u, err := readAs[provider.UserINI](ctx, o, provider.OpGetUserINI, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"runPath": u.RunPath.Path, "dirs": u.RunPath.Dirs}
	for k, v := range switches(u) {
		out[k] = v
	}
	if out["dirs"] == nil {
		out["dirs"] = []string{}
	}
	return out, nil
}

// SetUserINI serves hosting_set_dir_user_ini: status 1 turns open_basedir
// on, 0 off; the same again changes nothing.
func SetUserINI(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	status, err := req.Params.IntIn("status", -1, 0, 1)
	if err != nil || status < 0 {
		return nil, orMissingParam(err, "status")
	}
	_, err = o.do(ctx, provider.OpSetUserINI, provider.SiteArgs{"status": strconv.FormatInt(status, 10)})
	return nil, err
}

// SetRunPath serves hosting_set_run_path: runPath must be one of the
// site's own directories the panel offers.
func SetRunPath(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	path, err := req.Params.RequiredText("runPath")
	if err != nil {
		return nil, err
	}
	rp, err := readAs[provider.RunPath](ctx, o, provider.OpGetRunPath, nil)
	known := !errors.Is(err, provider.ErrUnsupported) // manual: staff check it
	if err != nil && known {
		return nil, err
	}
	if !proxyDirRe.MatchString(path) || strings.Contains(path, "..") || (known && !slices.Contains(rp.Dirs, path)) {
		return nil, dispatch.ParamError("runPath", "不是站点的目录")
	}
	_, err = o.do(ctx, provider.OpSetRunPath, provider.SiteArgs{"run_path": path})
	return nil, err
}

// RewriteList serves hosting_get_rewrite_list: [{name, title}].
func RewriteList(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	names, err := readAs[[]string](ctx, o, provider.OpRewriteList, nil)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]string, 0, len(names))
	for _, n := range names[:min(len(names), maxListed)] {
		out = append(out, map[string]string{"name": n, "title": n})
	}
	return out, nil
}

// WebIndex serves hosting_web_get_index: {"index": "index.html,index.php"}.
func WebIndex(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	index, err := readAs[string](ctx, o, provider.OpGetIndex, nil)
	if err != nil {
		return nil, err
	}
	return map[string]any{"index": index}, nil
}

// SetWebIndex serves hosting_web_set_index: indexText, file names by
// comma, at most 20.
func SetWebIndex(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	text, err := req.Params.RequiredText("indexText")
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range strings.Split(text, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !indexFileRe.MatchString(f) || !strings.Contains(f, ".") {
			return nil, dispatch.ParamError("indexText", f+" 不是有效的文件名")
		}
		files = append(files, f)
	}
	if len(files) == 0 || len(files) > 20 {
		return nil, dispatch.ParamError("indexText", "应为1到20个文件名")
	}
	_, err = o.do(ctx, provider.OpSetIndex, provider.SiteArgs{"index": strings.Join(files, ",")})
	return nil, err
}
