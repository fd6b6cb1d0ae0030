package hosting

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The hosting_operate sub-operations that act on the order's site on its
// line's panel (document 七.8) are functions of (ctx, req, siteOrder), put
// into the route table through OnSite. Every one acts on that order's own
// site only, and names every item a reseller gives (proxy, redirect,
// domain, backup, run directory) only after finding it on that site.

// The switches and reads that need no parameter of their own.
var (
	UnsetSSL      = write(provider.OpCloseSSL)
	HTTPToHTTPS   = write(provider.OpHTTPSOn)
	CloseToHTTPS  = write(provider.OpHTTPSOff)
	CloseSSLConf  = write(provider.OpCloseSSL)
	GetDirBinding = read(provider.OpDirBinding)
)

// errNoSite answers for an order with no site on its panel (yet).
var errNoSite = dispatch.ErrStatusAbnormal

// siteOrder is the order a site operation acts on, with its site and the
// line's panel.
type siteOrder struct {
	id        int64
	site      provider.Site
	ftpName   string
	domain    string // the order's main domain
	maxDomain int    // the product's domain and domainsub (0: no limit)
	maxSub    int
	panel     provider.PanelDriver
	ops       provider.SiteOps
}

// OnSite wraps h, a site operation, into a handler: the order must be the caller's and 正常 (ActiveOrder),
// have its site on the panel, and its line's driver must run site
// operations (暂未开放 otherwise). Errors of the driver become answers
// (siteError).
func (s *Service) OnSite(h func(context.Context, *dispatch.Request, siteOrder) (any, error)) dispatch.HandlerFunc {
	return func(ctx context.Context, req *dispatch.Request) (any, error) {
		o, err := s.Engine.ActiveOrder(ctx, req, business)
		if err != nil {
			return nil, err
		}
		so := siteOrder{id: o.ID}
		err = s.DB.QueryRow(ctx, `
			SELECT o.site_id, o.domain, o.path, o.ftp_id, o.ftp_name, p.domain, p.domainsub
			FROM hosting_orders o JOIN hosting_products p ON p.id = o.product_id
			WHERE o.id = $1`, o.ID).Scan(&so.site.ID, &so.domain, &so.site.Path, &so.site.FTPID, &so.ftpName,
			&so.maxDomain, &so.maxSub)
		if err != nil {
			return nil, fmt.Errorf("hosting order %d: site: %w", o.ID, err)
		}
		if so.site.ID == 0 {
			return nil, errNoSite
		}
		so.site.Name = so.domain
		if so.panel, err = s.Engine.Panel(ctx, s.Engine.DB, business, o.LineID); err != nil {
			return nil, orderflow.ProviderAnswer(business, o.ID, req.Sub, err)
		}
		var ok bool
		if so.ops, ok = so.panel.(provider.SiteOps); !ok {
			return nil, dispatch.ErrNotOpen
		}
		v, err := h(ctx, req, so)
		if err != nil {
			return nil, siteError(so.id, req.Sub, err)
		}
		return v, nil
	}
}

var bracketed = regexp.MustCompile(`\[[^\]]*\]|<[^>]*>`)

// panelMessage is a driver error that carries the panel's own refusal.
type panelMessage interface{ PanelMessage() string }

// siteError turns a driver's failure into the answer: a missing plugin
// names it; the panel's refusal of the reseller's values is shown (it
// explains them: "当前未开启SSL"); 暂未开放 for what the driver cannot do;
// anything else is internal (系统繁忙, logged).
func siteError(id int64, sub string, err error) error {
	var de *dispatch.Error
	var pm *provider.PluginMissingError
	var msg panelMessage
	switch {
	case errors.As(err, &de):
		return err
	case errors.As(err, &pm):
		return dispatch.PluginMissing(pm.Plugin, pm.Title)
	case errors.Is(err, provider.ErrRejected) && errors.As(err, &msg) && msg.PanelMessage() != "":
		// Bracketed parts name other sites ("已被网站[x.com]绑定过了"): cut.
		return dispatch.PanelRefused(bracketed.ReplaceAllString(msg.PanelMessage(), ""))
	case errors.Is(err, provider.ErrNotFound):
		return dispatch.ErrPanelNotFound
	}
	return orderflow.ProviderAnswer(business, id, sub, err)
}

// do runs op on the order's site.
func (o siteOrder) do(ctx context.Context, op provider.SiteOp, args provider.SiteArgs) (any, error) {
	return o.ops.SiteOp(ctx, o.site, op, args)
}

// write is a sub-operation that runs op without parameters.
func write(op provider.SiteOp) func(context.Context, *dispatch.Request, siteOrder) (any, error) {
	return func(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
		_, err := o.do(ctx, op, nil)
		return nil, err
	}
}

// read is a sub-operation that answers what op reads.
func read(op provider.SiteOp) func(context.Context, *dispatch.Request, siteOrder) (any, error) {
	return func(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
		return o.do(ctx, op, nil)
	}
}

// readAs reads op and returns its value as T.
func readAs[T any](ctx context.Context, o siteOrder, op provider.SiteOp, args provider.SiteArgs) (T, error) {
	var zero T
	v, err := o.do(ctx, op, args)
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("hosting %s: the driver answered %T: %w", op, v, provider.ErrUnavailable)
	}
	return t, nil
}

// checkList reads a list of the site's for a check before a write. known
// is false when the driver cannot read it (manual: the write becomes a
// task, and staff make the check on the order's site).
func checkList[T any](ctx context.Context, o siteOrder, op provider.SiteOp) (list []T, known bool, err error) {
	list, err = readAs[[]T](ctx, o, op, nil)
	if errors.Is(err, provider.ErrUnsupported) {
		return nil, false, nil
	}
	return list, err == nil, err
}

func IISOnly(context.Context, *dispatch.Request, siteOrder) (any, error) {
	return nil, dispatch.ErrIISOnly
}

// SiteStop serves hosting_stop: the panel stops the site (a stopped site
// stops again without complaint) and the order shows 已关机.
func (s *Service) SiteStop(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	return nil, s.power(ctx, o.panel.StopSite, o.id, job{siteID: o.site.ID, domain: o.domain, path: o.site.Path}, -1)
}

// SiteStart serves hosting_start.
func (s *Service) SiteStart(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	return nil, s.power(ctx, o.panel.StartSite, o.id, job{siteID: o.site.ID, domain: o.domain, path: o.site.Path}, 1)
}

// EditPassword serves hosting_edit_pwd: the FTP account's password
// (ftp_password, a strong one) on the panel, then on the order (gethosting
// shows it). The site's database keeps its own password.
func (s *Service) EditPassword(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	pw, err := orderflow.Password(req.Params, "ftp_password", false)
	if err != nil {
		return nil, err
	}
	if _, err := o.do(ctx, provider.OpFTPPassword, provider.SiteArgs{
		"ftp_id": fmt.Sprint(o.site.FTPID), "user": o.ftpName, "password": pw}); err != nil {
		return nil, err
	}
	_, err = s.DB.Exec(ctx, `UPDATE hosting_orders SET ftp_password_enc = $2, updated_at = now() WHERE id = $1`,
		o.id, s.Box.SealString(pw))
	return nil, err
}

// SetPHPVersion serves hosting_set_php_version: version ("php81" or "81")
// must be one the line's panel has; the order records it.
func (s *Service) SetPHPVersion(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	v, err := req.Params.RequiredText("version")
	if err != nil {
		return nil, err
	}
	v, ok := phpDigits(strings.ToLower(strings.TrimSpace(v)))
	if !ok {
		return nil, dispatch.ParamError("version", "格式错误")
	}
	versions, err := o.panel.PHPVersions(ctx)
	known := errors.Is(err, provider.ErrUnsupported) // manual: staff check it
	if err != nil && !known {
		return nil, err
	}
	for _, x := range versions {
		known = known || x.Version == v
	}
	if !known || v == "00" {
		return nil, dispatch.ParamError("version", "线路面板没有该PHP版本")
	}
	if _, err := o.do(ctx, provider.OpSetPHP, provider.SiteArgs{"version": v}); err != nil {
		return nil, err
	}
	_, err = s.DB.Exec(ctx, `UPDATE hosting_orders SET program_version = $2, updated_at = now() WHERE id = $1`,
		o.id, "php"+v)
	return nil, err
}
