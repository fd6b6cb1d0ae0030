package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

var _ provider.SiteOps = (*Driver)(nil)

// siteOps is what the simulated panel keeps of a site beyond its row.
type siteOps struct {
	proxies   []provider.Proxy
	redirects []provider.Redirect
	domains   []provider.Domain
	backups   []provider.Backup
	security  provider.Security
	index     string
	runPath   string
	basedir   bool
	cert      bool
	https     bool
	waf       map[string]bool
	tamper    bool
}

// refusal is the simulated panel refusing the values it was given.
type refusal string

func (r refusal) Error() string        { return "sim: the panel refused: " + string(r) }
func (r refusal) Unwrap() error        { return provider.ErrRejected }
func (r refusal) PanelMessage() string { return string(r) }

func (d *Driver) opsOf(st *site) *siteOps {
	if d.st.siteOps == nil {
		d.st.siteOps = map[int64]*siteOps{}
	}
	o := d.st.siteOps[st.ID]
	if o == nil {
		o = &siteOps{index: "index.php,index.html", runPath: "/", basedir: true,
			security: provider.Security{Fix: []string{"jpg", "jpeg", "gif", "png", "js", "css"},
				Domains: []string{st.Name}, ReturnRule: "404"},
			domains: []provider.Domain{{ID: d.st.next(), Name: st.Name, Port: 80, Added: stamp()}},
			waf:     map[string]bool{"open": true, "cc": true}}
		d.st.siteOps[st.ID] = o
	}
	return o
}

func stamp() string { return time.Now().Format(time.DateTime) }

// SiteOp runs op on the simulated site s with state, as the BT panel
// would; see provider.SiteOps. The plugins (WAF, tamper-proofing,
// monitoring) are always installed. It returns ErrNotFound for an unknown
// site and a refusal (ErrRejected) where the panel refuses.
func (d *Driver) SiteOp(ctx context.Context, s provider.Site, op provider.SiteOp, a provider.SiteArgs) (any, error) {
	var v any
	var err error
	werr := d.withSite(ctx, "SiteOp "+string(op), s, func(st *site) { v, err = d.siteOp(st, d.opsOf(st), op, a) })
	if werr != nil {
		return nil, werr
	}
	if err != nil {
		return nil, fmt.Errorf("sim %s %d: %w", op, s.ID, err)
	}
	return v, nil
}

func (d *Driver) siteOp(st *site, o *siteOps, op provider.SiteOp, a provider.SiteArgs) (any, error) {
	switch op {
	case provider.OpFTPPassword, provider.OpWAFCC, provider.OpWAFRetry:
		return nil, nil
	case provider.OpSetPHP:
		if !slices.ContainsFunc(phpVersions, func(v provider.PHPVersion) bool { return v.Version == a["version"] }) {
			return nil, refusal("指定PHP版本不存在!")
		}
		return nil, nil
	case provider.OpGetSecurity:
		return o.security, nil
	case provider.OpSetSecurity:
		o.security = provider.Security{Fix: strings.Split(a["fix"], ","), Domains: strings.Split(a["domains"], ","),
			On: a["status"] == "1", ReturnRule: a["return_rule"]}
		return nil, nil
	case provider.OpGetIndex:
		return o.index, nil
	case provider.OpSetIndex:
		o.index = a["index"]
		return nil, nil
	case provider.OpGetRunPath:
		return provider.RunPath{Path: o.runPath, Dirs: []string{"/", "/public"}}, nil
	case provider.OpSetRunPath:
		o.runPath = a["run_path"]
		return nil, nil
	case provider.OpGetUserINI:
		return provider.UserINI{OpenBasedir: o.basedir, Logs: true,
			RunPath: provider.RunPath{Path: o.runPath, Dirs: []string{"/", "/public"}}}, nil
	case provider.OpSetUserINI:
		o.basedir = a["status"] == "1"
		return nil, nil
	case provider.OpDirBinding:
		return provider.DirBinding{Dirs: []string{"public"}, Bindings: []map[string]any{}}, nil
	case provider.OpRewriteList:
		return []string{"discuz", "laravel", "thinkphp", "wordpress"}, nil
	}
	if v, ok, err := d.siteItems(st, o, op, a); ok {
		return v, err
	}
	return d.sitePlugins(o, op, a)
}

func (d *Driver) siteItems(st *site, o *siteOps, op provider.SiteOp, a provider.SiteArgs) (any, bool, error) {
	switch op {
	case provider.OpProxyList:
		return slices.Clone(o.proxies), true, nil
	case provider.OpProxyCreate, provider.OpProxyModify:
		p := provider.Proxy{Name: a["proxyname"], Dir: a["proxydir"], Target: a["proxysite"], ToDomain: a["todomain"],
			SubFilter: a["subfilter"]}
		p.Type, _ = strconv.Atoi(a["type"])
		p.Cache, _ = strconv.Atoi(a["cache"])
		p.CacheTime, _ = strconv.Atoi(a["cachetime"])
		p.Advanced, _ = strconv.Atoi(a["advanced"])
		i := slices.IndexFunc(o.proxies, func(x provider.Proxy) bool { return x.Name == p.Name })
		switch {
		case op == provider.OpProxyCreate && (i >= 0 || slices.ContainsFunc(o.proxies, func(x provider.Proxy) bool { return x.Dir == p.Dir })):
			return nil, true, refusal("指定反向代理名称或代理文件夹已存在")
		case op == provider.OpProxyCreate:
			o.proxies = append(o.proxies, p)
		case i < 0:
			return nil, true, fmt.Errorf("proxy %s: %w", p.Name, provider.ErrNotFound)
		default:
			o.proxies[i] = p
		}
		return nil, true, nil
	case provider.OpProxyDelete:
		o.proxies = slices.DeleteFunc(o.proxies, func(x provider.Proxy) bool { return x.Name == a["proxyname"] })
		return nil, true, nil
	case provider.OpProxyFile:
		for _, p := range o.proxies {
			if p.Name == a["proxyname"] {
				return fmt.Sprintf("#PROXY-START%s\nlocation %s {\n    proxy_pass %s;\n}\n#PROXY-END%s", p.Dir, p.Dir, p.Target, p.Dir), true, nil
			}
		}
		return nil, true, fmt.Errorf("proxy: %w", provider.ErrNotFound)
	case provider.OpRedirectList:
		return slices.Clone(o.redirects), true, nil
	case provider.OpRedirectAdd, provider.OpRedirectMod:
		r := provider.Redirect{Name: a["redirectname"], ToURL: strings.TrimSuffix(a["tourl"], "/"), Path: a["redirectpath"],
			Kind: a["redirecttype"], DomainOrPath: a["domainorpath"]}
		_ = json.Unmarshal([]byte(a["redirectdomain"]), &r.Domains)
		r.Type, _ = strconv.Atoi(a["type"])
		r.HoldPath, _ = strconv.Atoi(a["holdpath"])
		i := slices.IndexFunc(o.redirects, func(x provider.Redirect) bool { return x.Name == r.Name })
		switch {
		case op == provider.OpRedirectAdd && i >= 0:
			return nil, true, refusal("指定重定向名称已存在")
		case op == provider.OpRedirectAdd:
			o.redirects = append(o.redirects, r)
		case i >= 0:
			o.redirects[i] = r
		}
		return nil, true, nil
	case provider.OpRedirectDel:
		o.redirects = slices.DeleteFunc(o.redirects, func(x provider.Redirect) bool { return x.Name == a["redirectname"] })
		return nil, true, nil
	case provider.OpRedirectFile:
		for _, r := range o.redirects {
			if r.Name == a["redirectname"] {
				return fmt.Sprintf("#REWRITE-START\nreturn %s %s;\n#REWRITE-END", r.Kind, r.ToURL), true, nil
			}
		}
		return nil, true, fmt.Errorf("redirect: %w", provider.ErrNotFound)
	case provider.OpRedirectSave:
		return nil, true, nil
	}
	return d.siteMore(st, o, op, a)
}

func (d *Driver) siteMore(st *site, o *siteOps, op provider.SiteOp, a provider.SiteArgs) (any, bool, error) {
	switch op {
	case provider.OpDomainList:
		return slices.Clone(o.domains), true, nil
	case provider.OpDomainAdd:
		for _, hp := range strings.Split(a["domains"], ",") {
			host, port, _ := strings.Cut(hp, ":")
			n, _ := strconv.Atoi(port)
			if n == 0 {
				n = 80
			}
			if d.domainTaken(host, n) {
				return nil, true, refusal("指定域名[" + host + "]已被其他网站绑定过了")
			}
			o.domains = append(o.domains, provider.Domain{ID: d.st.next(), Name: host, Port: n, Added: stamp()})
		}
		return nil, true, nil
	case provider.OpDomainDel:
		o.domains = slices.DeleteFunc(o.domains, func(x provider.Domain) bool {
			return x.Name == a["name"] && strconv.Itoa(x.Port) == a["port"]
		})
		return nil, true, nil
	case provider.OpBackupList:
		return slices.Clone(o.backups), true, nil
	case provider.OpBackupCreate:
		name := st.Name + "_" + time.Now().Format("20060102_150405") + ".tar.gz"
		o.backups = append(o.backups, provider.Backup{ID: d.st.next(), Name: name,
			Filename: "/www/backup/site/" + st.Name + "/" + name, Size: 1 << 20, Added: stamp()})
		return nil, true, nil
	case provider.OpBackupDelete:
		o.backups = slices.DeleteFunc(o.backups, func(x provider.Backup) bool { return strconv.FormatInt(x.ID, 10) == a["id"] })
		return nil, true, nil
	case provider.OpGetSSL:
		ssl := provider.SSL{Status: o.cert, HTTPS: o.https, DNS: []string{}}
		if o.cert {
			ssl.StartDate, ssl.EndDate, ssl.Issuer, ssl.DNS = "2026-01-01", "2027-01-01", "Sim CA", []string{st.Name}
		}
		return ssl, true, nil
	case provider.OpSetSSL:
		o.cert = true
		return nil, true, nil
	case provider.OpCloseSSL:
		o.cert, o.https = false, false
		return nil, true, nil
	case provider.OpHTTPSOn:
		if !o.cert {
			return nil, true, refusal("当前未开启SSL")
		}
		o.https = true
		return nil, true, nil
	case provider.OpHTTPSOff:
		o.https = false
		return nil, true, nil
	}
	return nil, false, nil
}

// domainTaken reports whether another simulated site has host:port; the
// caller holds mu.
func (d *Driver) domainTaken(host string, port int) bool {
	for _, o := range d.st.siteOps {
		if slices.ContainsFunc(o.domains, func(x provider.Domain) bool { return x.Name == host && x.Port == port }) {
			return true
		}
	}
	return false
}

func (d *Driver) sitePlugins(o *siteOps, op provider.SiteOp, a provider.SiteArgs) (any, error) {
	switch op {
	case provider.OpWAFConfig:
		return map[string]any{"open": o.waf["open"], "cc": map[string]any{"open": o.waf["cc"], "cycle": 60, "limit": 120},
			"user_agent": map[string]any{"open": true}, "retry": map[string]any{"retry": 10, "retry_cycle": 60,
				"retry_time": 1800}}, nil
	case provider.OpWAFSwitch:
		o.waf[a["obj"]] = a["status"] == "1"
		return nil, nil
	case provider.OpTamperSwitch:
		o.tamper = a["status"] == "1"
		return nil, nil
	case provider.OpSiteTotals:
		from, _ := time.Parse(time.DateOnly, a["start_date"])
		to, _ := time.Parse(time.DateOnly, a["end_date"])
		list := []map[string]any{}
		for t := from; !t.After(to); t = t.AddDate(0, 0, 1) {
			list = append(list, map[string]any{"date": t.Format(time.DateOnly), "request": 100 + t.Day()})
		}
		return provider.Totals{List: list, Total: int64(len(list))}, nil
	}
	return nil, fmt.Errorf("%w: %s", provider.ErrUnsupported, op)
}
