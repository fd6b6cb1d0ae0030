package btpanel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The hosting_operate calls (providers.md §1.3, corrected by §1.4). Each
// call names the line of aaPanel/BaoTa (commit f9f6845c) it follows; the
// panel's /site actions are whitelisted in BTPanel/__init__.py L651-693.

var _ provider.SiteOps = (*Driver)(nil)

// webserver is the panel's web server: the proxy and redirect files live
// under /www/server/panel/vhost/<webserver>/. zonkvmd's lines run nginx.
const webserver = "nginx"

// SiteOp runs op on site s; see provider.SiteOps. It checks first that
// the panel's site s.ID is still s (getKey, data.py), so no call ever
// reaches a site the id was given again to.
func (d *Driver) SiteOp(ctx context.Context, s provider.Site, op provider.SiteOp, a provider.SiteArgs) (any, error) {
	name, err := d.siteName(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("btpanel %s %d: %w", op, s.ID, err)
	}
	x := siteCall{d: d, id: strconv.FormatInt(s.ID, 10), name: name, path: s.Path, a: a}
	v, err := x.run(ctx, op)
	if err != nil {
		return nil, fmt.Errorf("btpanel %s %s: %w", op, name, err)
	}
	return v, nil
}

// siteCall is one operation on one site.
type siteCall struct {
	d        *Driver
	id, name string
	path     string
	a        provider.SiteArgs
}

func (x siteCall) call(ctx context.Context, module, action string, p url.Values) (json.RawMessage, error) {
	return x.d.c.Call(ctx, module, action, p)
}

// site calls a /site action and ignores its answer. A refusal stays
// ErrRejected even when it says 不存在 (指定PHP版本不存在): the site itself
// was found by SiteOp.
func (x siteCall) site(ctx context.Context, action string, p url.Values) error {
	_, err := x.call(ctx, "site", action, p)
	return err
}

func (x siteCall) run(ctx context.Context, op provider.SiteOp) (any, error) {
	switch op {
	case provider.OpFTPPassword:
		// ftp.py L195 SetUserPassword reads id, ftp_username, new_password.
		return nil, x.ftpPassword(ctx)
	case provider.OpSetPHP:
		// panelSite.py L4241 SetPHPVersion: siteName, version.
		return nil, x.site(ctx, "SetPHPVersion", url.Values{"siteName": {x.name}, "version": {x.a["version"]}})
	case provider.OpGetSecurity:
		return x.security(ctx)
	case provider.OpSetSecurity:
		return nil, x.setSecurity(ctx)
	case provider.OpGetIndex:
		return x.index(ctx)
	case provider.OpSetIndex:
		// panelSite.py L4024 SetIndex: id, Index (capital I).
		return nil, x.site(ctx, "SetIndex", url.Values{"id": {x.id}, "Index": {x.a["index"]}})
	case provider.OpGetRunPath:
		return x.runPath(ctx)
	case provider.OpSetRunPath:
		// panelSite.py L6052 SetSiteRunPath: id, runPath.
		return nil, x.site(ctx, "SetSiteRunPath", url.Values{"id": {x.id}, "runPath": {x.a["run_path"]}})
	case provider.OpGetUserINI:
		return x.userINI(ctx)
	case provider.OpSetUserINI:
		return nil, x.setUserINI(ctx)
	case provider.OpDirBinding:
		return x.dirBinding(ctx)
	case provider.OpRewriteList:
		return x.rewriteList(ctx)
	}
	if v, ok, err := x.runItems(ctx, op); ok {
		return v, err
	}
	return x.runPlugin(ctx, op)
}

func (x siteCall) ftpPassword(ctx context.Context) error {
	ftpID := x.a["ftp_id"]
	if ftpID == "" || ftpID == "0" {
		return fmt.Errorf("%w: the order has no FTP account id", provider.ErrRejected)
	}
	_, err := x.call(ctx, "ftp", "SetUserPassword", url.Values{
		"id": {ftpID}, "ftp_username": {x.a["user"]}, "new_password": {x.a["password"]},
	})
	return err
}

// security reads GetSecurity (panelSite.py L6303: id, name), whose fix and
// domains are comma lists.
func (x siteCall) security(ctx context.Context) (provider.Security, error) {
	raw, err := x.call(ctx, "site", "GetSecurity", url.Values{"id": {x.id}, "name": {x.name}})
	if err != nil {
		return provider.Security{}, err
	}
	var ans struct {
		Fix        string `json:"fix"`
		Domains    string `json:"domains"`
		Status     any    `json:"status"`
		ReturnRule string `json:"return_rule"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return provider.Security{}, unexpected("GetSecurity", raw, err)
	}
	return provider.Security{Fix: commaList(ans.Fix), Domains: commaList(ans.Domains),
		On: ans.Status == true || ans.Status == "true", ReturnRule: ans.ReturnRule}, nil
}

// setSecurity is SetSecurity (panelSite.py L6345: id, name, fix ≥ 2 chars,
// domains ≥ 3 chars, status and http_status as "true"/"false",
// return_rule). http_status (allow an empty referer) keeps what it was.
func (x siteCall) setSecurity(ctx context.Context) error {
	raw, err := x.call(ctx, "site", "GetSecurity", url.Values{"id": {x.id}, "name": {x.name}})
	if err != nil {
		return err
	}
	var cur struct {
		HTTPStatus any `json:"http_status"`
	}
	_ = json.Unmarshal(raw, &cur)
	status := "false"
	if x.a["status"] == "1" {
		status = "true"
	}
	return x.site(ctx, "SetSecurity", url.Values{
		"id": {x.id}, "name": {x.name}, "fix": {x.a["fix"]}, "domains": {x.a["domains"]},
		"status": {status}, "http_status": {fmt.Sprint(cur.HTTPStatus == true)}, "return_rule": {x.a["return_rule"]},
	})
}

// index is GetIndex (panelSite.py L3995: id), a bare string.
func (x siteCall) index(ctx context.Context) (string, error) {
	raw, err := x.call(ctx, "site", "GetIndex", url.Values{"id": {x.id}})
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", unexpected("GetIndex", raw, err)
	}
	return s, nil
}

// runPath is GetSiteRunPath (panelSite.py L5986: id).
func (x siteCall) runPath(ctx context.Context) (provider.RunPath, error) {
	var rp provider.RunPath
	raw, err := x.call(ctx, "site", "GetSiteRunPath", url.Values{"id": {x.id}})
	if err != nil {
		return rp, err
	}
	if err := json.Unmarshal(raw, &rp); err != nil {
		return rp, unexpected("GetSiteRunPath", raw, err)
	}
	if rp.Dirs == nil {
		rp.Dirs = []string{}
	}
	return rp, nil
}

// userINI is GetDirUserINI (panelSite.py L4349: id, path = the site root).
func (x siteCall) userINI(ctx context.Context) (provider.UserINI, error) {
	raw, err := x.call(ctx, "site", "GetDirUserINI", url.Values{"id": {x.id}, "path": {x.path}})
	if err != nil {
		return provider.UserINI{}, err
	}
	var ans struct {
		UserINI bool             `json:"userini"`
		Logs    bool             `json:"logs"`
		Pass    bool             `json:"pass"`
		RunPath provider.RunPath `json:"runPath"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return provider.UserINI{}, unexpected("GetDirUserINI", raw, err)
	}
	return provider.UserINI{OpenBasedir: ans.UserINI, Logs: ans.Logs, Password: ans.Pass, RunPath: ans.RunPath}, nil
}

// setUserINI sets open_basedir on or off. SetDirUserINI (panelSite.py
// L4398: path) toggles, so it is called only when the state differs: a
// retry changes nothing.
func (x siteCall) setUserINI(ctx context.Context) error {
	cur, err := x.userINI(ctx)
	if err != nil {
		return err
	}
	if cur.OpenBasedir == (x.a["status"] == "1") {
		return nil
	}
	return x.site(ctx, "SetDirUserINI", url.Values{"path": {x.path}})
}

// dirBinding is GetDirBinding (panelSite.py L3627: id).
func (x siteCall) dirBinding(ctx context.Context) (provider.DirBinding, error) {
	var b provider.DirBinding
	raw, err := x.call(ctx, "site", "GetDirBinding", url.Values{"id": {x.id}})
	if err != nil {
		return b, err
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return b, unexpected("GetDirBinding", raw, err)
	}
	if b.Dirs == nil {
		b.Dirs = []string{}
	}
	if b.Bindings == nil {
		b.Bindings = []map[string]any{}
	}
	return b, nil
}

// rewriteList is GetRewriteList (panelSite.py L5337: siteName): on nginx
// {rewrite, default_list} (§1.4); the first entry, "0.当前", is the site's
// own rules, not a template.
func (x siteCall) rewriteList(ctx context.Context) ([]string, error) {
	raw, err := x.call(ctx, "site", "GetRewriteList", url.Values{"siteName": {x.name}})
	if err != nil {
		return nil, err
	}
	var ans struct {
		Rewrite []string `json:"rewrite"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, unexpected("GetRewriteList", raw, err)
	}
	out := []string{}
	for _, r := range ans.Rewrite {
		if !strings.HasPrefix(r, "0.") {
			out = append(out, r)
		}
	}
	return out, nil
}

func commaList(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func unexpected(action string, raw []byte, err error) error {
	return &Error{Module: "site", Action: action, Err: provider.ErrUnavailable,
		Msg: "unexpected answer " + excerpt(raw), cause: err}
}

// siteByRef finds the site AddSite just made for r on a panel whose answer
// has no siteId (before 2019): by its remark, and a name that is the
// domain or the panel's renaming of it.
func (d *Driver) siteByRef(ctx context.Context, r siteRequest) (provider.Site, error) {
	row, found, err := findRow(ctx, d.c, "sites", r.domain, func(x siteRow) bool {
		return x.PS == r.ref && strings.Contains(x.Name, r.domain)
	})
	if err != nil {
		return provider.Site{}, err
	}
	if !found {
		return provider.Site{}, &Error{Module: "site", Action: "AddSite", Err: provider.ErrUnavailable,
			Msg: "AddSite answered no siteId and the site is not listed"}
	}
	return provider.Site{ID: int64(row.ID), Name: row.Name, Path: row.Path}, nil
}

// PanelMessage returns the panel's own refusal ("当前未开启SSL"), or ""
// when the panel did not refuse (a transport failure).
func (e *Error) PanelMessage() string {
	if !e.Refused {
		return ""
	}
	return e.Msg
}
