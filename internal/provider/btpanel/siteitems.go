package btpanel

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// runItems runs the operations on a site's proxies, redirects, domains,
// backups and certificate; ok is false for any other op.
func (x siteCall) runItems(ctx context.Context, op provider.SiteOp) (v any, ok bool, err error) {
	ok = true
	switch op {
	case provider.OpProxyList:
		v, err = x.proxies(ctx)
	case provider.OpProxyCreate:
		// panelSite.py L4855 CreateProxy: sitename, proxyname, proxydir,
		// proxysite, todomain, type, cache, subfilter, advanced, cachetime.
		err = x.site(ctx, "CreateProxy", x.proxyForm())
	case provider.OpProxyModify:
		// panelSite.py L4933 ModifyProxy: the same, found by sitename+proxyname.
		err = x.site(ctx, "ModifyProxy", x.proxyForm())
	case provider.OpProxyDelete:
		// panelSite.py L4562 RemoveProxy: sitename, proxyname (null when absent).
		err = x.site(ctx, "RemoveProxy", url.Values{"sitename": {x.name}, "proxyname": {x.a["proxyname"]}})
	case provider.OpProxyFile:
		// panelSite.py L4898 GetProxyFile: sitename, proxyname, webserver →
		// [GetFileBody answer, path].
		v, err = x.fileOf(ctx, "GetProxyFile", url.Values{"sitename": {x.name},
			"proxyname": {x.a["proxyname"]}, "webserver": {webserver}})
	case provider.OpRedirectList:
		v, err = x.redirects(ctx)
	case provider.OpRedirectAdd:
		// panelRedirect.py L231 CreateRedirect (reached as /site, __init__.py L658).
		err = x.site(ctx, "CreateRedirect", x.redirectForm())
	case provider.OpRedirectMod:
		// panelRedirect.py L255 ModifyRedirect: the same params.
		err = x.site(ctx, "ModifyRedirect", x.redirectForm())
	case provider.OpRedirectDel:
		// panelRedirect.py L593 DeleteRedirect: sitename, redirectname.
		err = x.site(ctx, "DeleteRedirect", url.Values{"sitename": {x.name}, "redirectname": {x.a["redirectname"]}})
	case provider.OpRedirectFile:
		// panelRedirect.py L647 GetRedirectFile: sitename, redirectname, webserver.
		v, err = x.fileOf(ctx, "GetRedirectFile", url.Values{"sitename": {x.name},
			"redirectname": {x.a["redirectname"]}, "webserver": {webserver}})
	case provider.OpRedirectSave:
		// panelRedirect.py L663 SaveRedirectFile is files.SaveFileBody: path,
		// data, encoding. The path is the rule's own file, computed here as
		// GetRedirectFile computes it (L655), never taken from the reseller.
		err = x.site(ctx, "SaveRedirectFile", url.Values{"path": {x.redirectPath(x.a["redirectname"])},
			"data": {x.a["text"]}, "encoding": {"utf-8"}})
	case provider.OpDomainList:
		v, err = x.domains(ctx)
	case provider.OpDomainAdd:
		err = x.addDomains(ctx)
	case provider.OpDomainDel:
		// panelSite.py L1535 DelDomain: id, webname, domain, port.
		err = x.site(ctx, "DelDomain", url.Values{"id": {x.id}, "webname": {x.name},
			"domain": {x.a["name"]}, "port": {x.a["port"]}})
	case provider.OpBackupList:
		v, err = x.backups(ctx)
	case provider.OpBackupCreate:
		// panelSite.py L5484 ToBackup: id.
		err = x.site(ctx, "ToBackup", url.Values{"id": {x.id}})
	case provider.OpBackupDelete:
		// panelSite.py L5541 DelBackup: id (any row: the caller checks it is
		// this site's, §1.4).
		err = x.site(ctx, "DelBackup", url.Values{"id": {x.a["id"]}})
	case provider.OpGetSSL:
		v, err = x.ssl(ctx)
	case provider.OpSetSSL:
		// panelSite.py L1670 SetSSL: siteName, key, csr (the certificate).
		err = x.site(ctx, "SetSSL", url.Values{"siteName": {x.name}, "key": {x.a["key"]}, "csr": {x.a["cert"]}})
	case provider.OpCloseSSL:
		// panelSite.py L2593 CloseSSLConf: siteName.
		err = x.site(ctx, "CloseSSLConf", url.Values{"siteName": {x.name}})
	case provider.OpHTTPSOn:
		// panelSite.py L2443 HttpToHttps: siteName.
		err = x.site(ctx, "HttpToHttps", url.Values{"siteName": {x.name}})
	case provider.OpHTTPSOff:
		// panelSite.py L2520 CloseToHttps: siteName.
		err = x.site(ctx, "CloseToHttps", url.Values{"siteName": {x.name}})
	default:
		ok = false
	}
	return v, ok, err
}

func (x siteCall) proxyForm() url.Values {
	p := url.Values{"sitename": {x.name}}
	for _, k := range []string{"proxyname", "proxydir", "proxysite", "todomain", "type", "cache",
		"subfilter", "advanced", "cachetime"} {
		p.Set(k, x.a[k])
	}
	return p
}

func (x siteCall) redirectForm() url.Values {
	p := url.Values{"sitename": {x.name}}
	for _, k := range []string{"redirectname", "tourl", "redirectdomain", "redirectpath", "redirecttype",
		"domainorpath", "type", "holdpath"} {
		p.Set(k, x.a[k])
	}
	return p
}

// redirectPath is where the panel keeps a redirect's rules
// (panelRedirect.py L655).
func (x siteCall) redirectPath(name string) string {
	sum := md5.Sum([]byte(name))
	return fmt.Sprintf("/www/server/panel/vhost/%s/redirect/%s/%s_%s.conf", webserver, x.name,
		hex.EncodeToString(sum[:]), x.name)
}

// proxies is GetProxyList (panelSite.py L4486: sitename), a bare list whose
// subfilter is a list (CreateProxy stores json.loads(subfilter)).
func (x siteCall) proxies(ctx context.Context) ([]provider.Proxy, error) {
	raw, err := x.call(ctx, "site", "GetProxyList", url.Values{"sitename": {x.name}})
	if err != nil {
		return nil, err
	}
	var rows []struct {
		provider.Proxy
		SubFilter json.RawMessage `json:"subfilter"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, unexpected("GetProxyList", raw, err)
	}
	out := make([]provider.Proxy, 0, len(rows))
	for _, r := range rows {
		p := r.Proxy
		p.SubFilter = string(r.SubFilter)
		if p.SubFilter == "" || p.SubFilter == "null" {
			p.SubFilter = "[]"
		}
		out = append(out, p)
	}
	return out, nil
}

// redirects is GetRedirectList (panelRedirect.py L614: sitename).
func (x siteCall) redirects(ctx context.Context) ([]provider.Redirect, error) {
	raw, err := x.call(ctx, "site", "GetRedirectList", url.Values{"sitename": {x.name}})
	if err != nil {
		return nil, err
	}
	out := []provider.Redirect{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, unexpected("GetRedirectList", raw, err)
	}
	return out, nil
}

// fileOf reads a [GetFileBody answer, path] pair (GetProxyFile,
// GetRedirectFile) and returns the file's text. A paused item answers
// {"status":false,"msg":"代理已暂停"}, a refusal; so does a missing file
// (GetFileBody's status false inside the pair).
func (x siteCall) fileOf(ctx context.Context, action string, p url.Values) (string, error) {
	raw, err := x.call(ctx, "site", action, p)
	if err != nil {
		return "", err
	}
	var pair []json.RawMessage
	if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
		return "", unexpected(action, raw, err)
	}
	var body struct {
		Status bool   `json:"status"`
		Data   string `json:"data"`
		Msg    string `json:"msg"`
	}
	if err := json.Unmarshal(pair[0], &body); err != nil {
		return "", unexpected(action, raw, err)
	}
	if !body.Status {
		if body.Msg == "" {
			body.Msg = "配置文件不存在"
		}
		return "", &Error{Module: "site", Action: action, Err: provider.ErrRejected, Refused: true, Msg: body.Msg}
	}
	return body.Data, nil
}

// domains lists the site's domains: getData table=domain with list (the
// bare rows, data.py GetSql L827-829) and no search, so the panel's search
// history (public.py set_search_history L6320) is not touched; the rows are
// filtered by pid here.
func (x siteCall) domains(ctx context.Context) ([]provider.Domain, error) {
	raw, err := x.call(ctx, "data", "getData", url.Values{"table": {"domain"}, "list": {"true"}})
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID    flexInt `json:"id"`
		PID   flexInt `json:"pid"`
		Name  string  `json:"name"`
		Port  flexInt `json:"port"`
		Added string  `json:"addtime"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, unexpected("getData", raw, err)
	}
	out := []provider.Domain{}
	for _, r := range rows {
		if strconv.FormatInt(int64(r.PID), 10) == x.id {
			out = append(out, provider.Domain{ID: int64(r.ID), Name: r.Name, Port: int(r.Port), Added: r.Added})
		}
	}
	return out, nil
}

// addDomains is AddDomain (panelSite.py L1169: id, webname, domain as a
// comma list, §1.4). Its answer {"domains":[{name,status,msg}]} has no
// top-level status: a refused domain is an ErrRejected error naming it.
func (x siteCall) addDomains(ctx context.Context) error {
	raw, err := x.call(ctx, "site", "AddDomain", url.Values{"id": {x.id}, "webname": {x.name},
		"domain": {x.a["domains"]}})
	if err != nil {
		return err
	}
	var ans struct {
		Domains []struct {
			Name   string `json:"name"`
			Status bool   `json:"status"`
			Msg    string `json:"msg"`
		} `json:"domains"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return unexpected("AddDomain", raw, err)
	}
	for _, d := range ans.Domains {
		if !d.Status {
			return &Error{Module: "site", Action: "AddDomain", Err: provider.ErrRejected, Refused: true,
				Msg: d.Name + ": " + d.Msg}
		}
	}
	return nil
}

// backups pages through getData table=backup without search (data.py
// GetSql L725: limit is stored only for table sites, L742-744) and keeps
// the site's (pid, type 0) rows.
func (x siteCall) backups(ctx context.Context) ([]provider.Backup, error) {
	out := []provider.Backup{}
	for p := 1; p <= maxPages; p++ {
		raw, err := x.call(ctx, "data", "getData", url.Values{"table": {"backup"},
			"limit": {strconv.Itoa(pageSize)}, "p": {strconv.Itoa(p)}})
		if err != nil {
			return nil, err
		}
		var page struct {
			Data []struct {
				ID       flexInt `json:"id"`
				PID      flexInt `json:"pid"`
				Type     flexInt `json:"type"`
				Name     string  `json:"name"`
				Filename string  `json:"filename"`
				Size     flexInt `json:"size"`
				Added    string  `json:"addtime"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, unexpected("getData", raw, err)
		}
		for _, r := range page.Data {
			if strconv.FormatInt(int64(r.PID), 10) == x.id && r.Type == 0 {
				out = append(out, provider.Backup{ID: int64(r.ID), Name: r.Name, Filename: r.Filename,
					Size: int64(r.Size), Added: r.Added})
			}
		}
		if len(page.Data) < pageSize {
			break
		}
	}
	return out, nil
}

// ssl is GetSSL (panelSite.py L2743: siteName): status, httpTohttps and
// cert_data {issuer, notBefore, notAfter, dns} (L2871).
func (x siteCall) ssl(ctx context.Context) (provider.SSL, error) {
	raw, err := x.call(ctx, "site", "GetSSL", url.Values{"siteName": {x.name}})
	if err != nil {
		return provider.SSL{}, err
	}
	var ans struct {
		Status   bool `json:"status"`
		HTTPS    bool `json:"httpTohttps"`
		CertData struct {
			Issuer    string   `json:"issuer"`
			NotBefore string   `json:"notBefore"`
			NotAfter  string   `json:"notAfter"`
			DNS       []string `json:"dns"`
		} `json:"cert_data"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		// cert_data is "" or {} without a certificate.
		var bare struct {
			Status bool `json:"status"`
		}
		if json.Unmarshal(raw, &bare) != nil {
			return provider.SSL{}, unexpected("GetSSL", raw, err)
		}
		ans.Status = bare.Status
	}
	s := provider.SSL{Status: ans.Status, HTTPS: ans.HTTPS, Issuer: ans.CertData.Issuer,
		StartDate: ans.CertData.NotBefore, EndDate: ans.CertData.NotAfter, DNS: ans.CertData.DNS}
	if s.DNS == nil {
		s.DNS = []string{}
	}
	return s, nil
}
