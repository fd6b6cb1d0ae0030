package hosting

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Proxies and redirects: each create looks at the site's list first, so a
// retried request finds what the first one made instead of making a
// second; modify, delete and the file reads act only on a name in the
// site's own list.

var (
	proxyNameRe = regexp.MustCompile(`^[\p{L}\p{N}_.-]{3,40}$`)
	proxyDirRe  = regexp.MustCompile(`^/[A-Za-z0-9_./-]{0,200}$`)
	targetURLRe = regexp.MustCompile(`^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9_./-]*)?$`)
	toDomainRe  = regexp.MustCompile(`^(\$host|[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?)$`)
	hostRe      = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,23}$`)
	redirNameRe = regexp.MustCompile(`^[A-Za-z0-9_]{3,15}$`)
)

// maxListed bounds every list answer.
const maxListed = 200

// ProxyList serves hosting_get_proxy_list: the site's proxies, each with
// its position as id and subfilter as JSON text (document 七.8).
func ProxyList(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	list, err := readAs[[]provider.Proxy](ctx, o, provider.OpProxyList, nil)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for i, p := range list[:min(len(list), maxListed)] {
		out = append(out, map[string]any{"id": strconv.Itoa(i + 1), "sitename": o.domain,
			"proxyname": p.Name, "cache": p.Cache, "cachetime": p.CacheTime, "proxydir": p.Dir,
			"proxysite": p.Target, "todomain": p.ToDomain, "advanced": p.Advanced, "type": p.Type,
			"subfilter": p.SubFilter})
	}
	return out, nil
}

// proxyArgs reads and checks proxyData.
func proxyArgs(req *dispatch.Request) (provider.SiteArgs, error) {
	d, err := req.Params.Object("proxyData")
	if err != nil {
		return nil, err
	}
	if d.Len() == 0 {
		return nil, dispatch.MissingParam("proxyData")
	}
	a := provider.SiteArgs{}
	for _, f := range []struct {
		key string
		re  *regexp.Regexp
	}{{"proxyname", proxyNameRe}, {"proxydir", proxyDirRe}, {"proxysite", targetURLRe}} {
		v, err := d.RequiredText(f.key)
		if err != nil {
			return nil, err
		}
		if !f.re.MatchString(v) {
			return nil, dispatch.ParamError(d.Name(f.key), "格式错误")
		}
		a[f.key] = v
	}
	if a["todomain"], err = d.Text("todomain"); err != nil {
		return nil, err
	}
	if a["todomain"] == "" {
		a["todomain"] = "$host"
	}
	if !toDomainRe.MatchString(a["todomain"]) {
		return nil, dispatch.ParamError(d.Name("todomain"), "格式错误")
	}
	for _, f := range []struct {
		key           string
		def, min, max int64
	}{{"type", 1, 0, 1}, {"cache", 0, 0, 1}, {"advanced", 0, 0, 1}, {"cachetime", 1, 1, 8760}} {
		n, err := d.IntIn(f.key, f.def, f.min, f.max)
		if err != nil {
			return nil, err
		}
		a[f.key] = strconv.FormatInt(n, 10)
	}
	sub, err := d.Text("subfilter")
	if err != nil {
		return nil, err
	}
	a["subfilter"], err = subFilter(sub)
	if err != nil {
		return nil, dispatch.ParamError(d.Name("subfilter"), err.Error())
	}
	return a, nil
}

// subFilter checks a text-replacement list: [{"sub1":"","sub2":""}], at
// most 10 rules of 200 characters.
func subFilter(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "[]", nil
	}
	var rules []struct {
		Sub1 string `json:"sub1"`
		Sub2 string `json:"sub2"`
	}
	if err := json.Unmarshal([]byte(s), &rules); err != nil || len(rules) > 10 {
		return "", fmt.Errorf("应为至多10条[{\"sub1\":\"\",\"sub2\":\"\"}]")
	}
	for _, r := range rules {
		if len(r.Sub1) > 200 || len(r.Sub2) > 200 {
			return "", fmt.Errorf("每条至多200字符")
		}
	}
	b, _ := json.Marshal(rules)
	return string(b), nil
}

// findProxy returns the site's proxy of that name; known is false when
// the driver cannot list them (checkList).
func findProxy(ctx context.Context, o siteOrder, name string) (p provider.Proxy, found, known bool, err error) {
	list, known, err := checkList[provider.Proxy](ctx, o, provider.OpProxyList)
	if err != nil || !known {
		return p, false, known, err
	}
	i := slices.IndexFunc(list, func(p provider.Proxy) bool { return p.Name == name })
	if i < 0 {
		return p, false, true, nil
	}
	return list[i], true, true, nil
}

// CreateProxy serves hosting_create_proxy. A proxy of the same name that
// is already the one asked for is the retried request's: success again.
func CreateProxy(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	a, err := proxyArgs(req)
	if err != nil {
		return nil, err
	}
	cur, found, _, err := findProxy(ctx, o, a["proxyname"])
	if err != nil {
		return nil, err
	}
	if found {
		if cur.Dir == a["proxydir"] && cur.Target == a["proxysite"] {
			return nil, nil
		}
		return nil, dispatch.ParamError("proxyData.proxyname", "已存在")
	}
	_, err = o.do(ctx, provider.OpProxyCreate, a)
	return nil, err
}

// ModifyProxy serves hosting_modify_proxy: proxyData.proxyname must be one
// of the site's proxies.
func ModifyProxy(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	a, err := proxyArgs(req)
	if err != nil {
		return nil, err
	}
	if _, found, known, err := findProxy(ctx, o, a["proxyname"]); err != nil || (known && !found) {
		return nil, orMissing(err, "proxyData.proxyname")
	}
	_, err = o.do(ctx, provider.OpProxyModify, a)
	return nil, err
}

// namedProxy reads proxyname and checks it is one of the site's proxies.
func namedProxy(ctx context.Context, req *dispatch.Request, o siteOrder) (string, error) {
	name, err := req.Params.RequiredText("proxyname")
	if err != nil {
		return "", err
	}
	if !proxyNameRe.MatchString(name) {
		return "", dispatch.ParamError("proxyname", "不存在")
	}
	if _, found, known, err := findProxy(ctx, o, name); err != nil || (known && !found) {
		return "", orMissing(err, "proxyname")
	}
	return name, nil
}

func orMissing(err error, name string) error {
	if err != nil {
		return err
	}
	return dispatch.ParamError(name, "不存在")
}

func DeleteProxy(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	name, err := namedProxy(ctx, req, o)
	if err != nil {
		return nil, err
	}
	_, err = o.do(ctx, provider.OpProxyDelete, provider.SiteArgs{"proxyname": name})
	return nil, err
}

// ProxyFile serves hosting_get_proxy_file: {"content": ..., "status": true}.
func ProxyFile(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	name, err := namedProxy(ctx, req, o)
	if err != nil {
		return nil, err
	}
	text, err := readAs[string](ctx, o, provider.OpProxyFile, provider.SiteArgs{"proxyname": name})
	if err != nil {
		return nil, err
	}
	return map[string]any{"content": text, "status": true}, nil
}

// RedirectList serves hosting_get_redirect_list.
func RedirectList(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	list, err := readAs[[]provider.Redirect](ctx, o, provider.OpRedirectList, nil)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for i, r := range list[:min(len(list), maxListed)] {
		domains := r.Domains
		if domains == nil {
			domains = []string{}
		}
		kind, _ := strconv.Atoi(r.Kind)
		out = append(out, map[string]any{"id": strconv.Itoa(i + 1), "sitename": o.domain,
			"redirectname": r.Name, "redirectdomain": domains, "redirectpath": r.Path, "redirecttype": kind,
			"type": r.Type, "domainorpath": r.DomainOrPath, "holdpath": r.HoldPath, "tourl": r.ToURL})
	}
	return out, nil
}

// redirectArgs reads and checks post: the matched domains must be the
// site's own.
func redirectArgs(ctx context.Context, req *dispatch.Request, o siteOrder) (provider.SiteArgs, dispatch.Params, error) {
	p, err := req.Params.Object("post")
	if err != nil {
		return nil, p, err
	}
	if p.Len() == 0 {
		return nil, p, dispatch.MissingParam("post")
	}
	a := provider.SiteArgs{"redirectpath": "", "redirectdomain": "[]"}
	if a["tourl"], err = p.RequiredText("tourl"); err != nil {
		return nil, p, err
	}
	if !targetURLRe.MatchString(a["tourl"]) {
		return nil, p, dispatch.ParamError(p.Name("tourl"), "格式错误")
	}
	kind, err := p.Int("redirecttype", 301)
	if err != nil || (kind != 301 && kind != 302) {
		return nil, p, dispatch.ParamError(p.Name("redirecttype"), "应为301或302")
	}
	a["redirecttype"] = strconv.FormatInt(kind, 10)
	for _, f := range []struct {
		key string
		def int64
	}{{"type", 1}, {"holdpath", 1}} {
		n, err := p.IntIn(f.key, f.def, 0, 1)
		if err != nil {
			return nil, p, err
		}
		a[f.key] = strconv.FormatInt(n, 10)
	}
	switch a["domainorpath"], _ = p.Text("domainorpath"); a["domainorpath"] {
	case "domain":
		if err := redirectDomains(ctx, p, o, a); err != nil {
			return nil, p, err
		}
	case "path":
		path, _ := p.Text("redirectpath")
		if !proxyDirRe.MatchString(path) || path == "/" {
			return nil, p, dispatch.ParamError(p.Name("redirectpath"), "格式错误")
		}
		a["redirectpath"] = path
	default:
		return nil, p, dispatch.ParamError(p.Name("domainorpath"), "应为domain或path")
	}
	return a, p, nil
}

// redirectDomains checks post.redirectdomain (comma list) against the
// site's domains.
func redirectDomains(ctx context.Context, p dispatch.Params, o siteOrder, a provider.SiteArgs) error {
	text, err := p.RequiredText("redirectdomain")
	if err != nil {
		return err
	}
	own, known, err := checkList[provider.Domain](ctx, o, provider.OpDomainList)
	if err != nil {
		return err
	}
	var names []string
	for _, d := range strings.Split(text, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" {
			continue
		}
		if known && !slices.ContainsFunc(own, func(x provider.Domain) bool { return x.Name == d }) {
			return dispatch.ParamError(p.Name("redirectdomain"), d+" 不是本站点的域名")
		}
		names = append(names, d)
	}
	if len(names) == 0 {
		return dispatch.MissingParam(p.Name("redirectdomain"))
	}
	b, _ := json.Marshal(names)
	a["redirectdomain"] = string(b)
	return nil
}

// redirectName names a redirect after what it matches, so a retried create
// finds the first one's rule: "r" and 10 hex digits (the panel takes 3-15
// bytes, panelRedirect.py L161).
func redirectName(a provider.SiteArgs) string {
	sum := sha1.Sum([]byte(a["domainorpath"] + "\x00" + a["redirectdomain"] + "\x00" + a["redirectpath"]))
	return "r" + hex.EncodeToString(sum[:])[:10]
}

// findRedirect returns the site's redirect of that name; known as in
// findProxy.
func findRedirect(ctx context.Context, o siteOrder, name string) (r provider.Redirect, found, known bool, err error) {
	list, known, err := checkList[provider.Redirect](ctx, o, provider.OpRedirectList)
	if err != nil || !known {
		return r, false, known, err
	}
	i := slices.IndexFunc(list, func(r provider.Redirect) bool { return r.Name == name })
	if i < 0 {
		return r, false, true, nil
	}
	return list[i], true, true, nil
}

// CreateRedirect serves hosting_create_redirect: one rule per matched
// domains or path; a retry finds the rule already there.
func CreateRedirect(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	a, _, err := redirectArgs(ctx, req, o)
	if err != nil {
		return nil, err
	}
	a["redirectname"] = redirectName(a)
	cur, found, _, err := findRedirect(ctx, o, a["redirectname"])
	if err != nil {
		return nil, err
	}
	if found {
		if cur.ToURL == strings.TrimSuffix(a["tourl"], "/") {
			return map[string]any{"redirectname": a["redirectname"]}, nil
		}
		return nil, dispatch.ParamError("post", "该域名或路径已有重定向规则")
	}
	if _, err := o.do(ctx, provider.OpRedirectAdd, a); err != nil {
		return nil, err
	}
	return map[string]any{"redirectname": a["redirectname"]}, nil
}

// ModifyRedirect serves hosting_modify_redirect: post.redirectname must be
// one of the site's rules.
func ModifyRedirect(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	a, p, err := redirectArgs(ctx, req, o)
	if err != nil {
		return nil, err
	}
	name, err := p.RequiredText("redirectname")
	if err != nil {
		return nil, err
	}
	if !redirNameRe.MatchString(name) {
		return nil, dispatch.ParamError(p.Name("redirectname"), "不存在")
	}
	if _, found, known, err := findRedirect(ctx, o, name); err != nil || (known && !found) {
		return nil, orMissing(err, p.Name("redirectname"))
	}
	a["redirectname"] = name
	_, err = o.do(ctx, provider.OpRedirectMod, a)
	return nil, err
}

// namedRedirect reads the redirect name in key and checks it is the
// site's.
func namedRedirect(ctx context.Context, req *dispatch.Request, o siteOrder, key string) (string, error) {
	name, err := req.Params.RequiredText(key)
	if err != nil {
		return "", err
	}
	if !redirNameRe.MatchString(name) {
		return "", dispatch.ParamError(key, "不存在")
	}
	if _, found, known, err := findRedirect(ctx, o, name); err != nil || (known && !found) {
		return "", orMissing(err, key)
	}
	return name, nil
}

func DeleteRedirect(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	name, err := namedRedirect(ctx, req, o, "redirectname")
	if err != nil {
		return nil, err
	}
	_, err = o.do(ctx, provider.OpRedirectDel, provider.SiteArgs{"redirectname": name})
	return nil, err
}

func RedirectFile(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	name, err := namedRedirect(ctx, req, o, "redirectname")
	if err != nil {
		return nil, err
	}
	text, err := readAs[string](ctx, o, provider.OpRedirectFile, provider.SiteArgs{"redirectname": name})
	if err != nil {
		return nil, err
	}
	return map[string]any{"content": text, "status": true}, nil
}

// maxRuleFile bounds a saved rules file.
const maxRuleFile = 64 << 10

// SaveRedirectFile serves hosting_save_redirect_file: path is the name of
// one of the site's rules (never a path on the host), text its new rules.
func SaveRedirectFile(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	name, err := namedRedirect(ctx, req, o, "path")
	if err != nil {
		return nil, err
	}
	text, err := req.Params.RequiredText("text")
	if err != nil {
		return nil, err
	}
	if len(text) > maxRuleFile {
		return nil, dispatch.ParamError("text", "超过64KB")
	}
	_, err = o.do(ctx, provider.OpRedirectSave, provider.SiteArgs{"redirectname": name, "text": text})
	return nil, err
}
