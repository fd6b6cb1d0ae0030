package hosting

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

var _ jobs.Handler = (*Service)(nil)

// Do carries out one job on a hosting order (jobs.Handler) with the panel
// of the order's line. A provisioning that the panel rejects, or that fails
// on its last attempt, ends the purchase: refunded in full and deleted,
// with the reason kept (orderflow.Engine.JobOutcome). It returns nil on
// success, jobs.Permanent(err) when no retry can help, and err to be
// retried.
func (s *Service) Do(ctx context.Context, a jobs.Args, attempt int, final bool) error {
	return s.Engine.JobOutcome(ctx, business, a, final, s.do(ctx, a), nil)
}

// job is what a hosting job needs of its order.
type job struct {
	status                         int
	lineID, siteID, ftpID          int64
	ftpName, domain, path, version string
	dbType, dbCode                 string
	password                       []byte
}

func (s *Service) loadJob(ctx context.Context, id int64) (job, error) {
	var j job
	err := s.DB.QueryRow(ctx, `
		SELECT order_status, line_id, site_id, ftp_id, ftp_name, domain, path, program_version, db_type, db_code,
		       ftp_password_enc
		FROM hosting_orders WHERE id = $1`, id).Scan(&j.status, &j.lineID, &j.siteID, &j.ftpID, &j.ftpName,
		&j.domain, &j.path, &j.version, &j.dbType, &j.dbCode, &j.password)
	if err != nil {
		return j, fmt.Errorf("hosting job: order %d: %w", id, err)
	}
	return j, nil
}

// site is the order's site as the panel knows it.
func (j job) site() provider.Site {
	return provider.Site{ID: j.siteID, Name: j.domain, Path: j.path, FTPID: j.ftpID}
}

// spec is the site as ordered: the FTP account and, when the order has
// one, its database share the FTP name and password.
func (j job) spec(id int64, password string) provider.SiteSpec {
	spec := provider.SiteSpec{Ref: orderflow.Ref(business, id), Domain: j.domain, Path: j.path,
		PHPVersion: strings.TrimPrefix(j.version, "php"), FTPUser: j.ftpName, FTPPassword: password}
	if j.dbType == "mysql" {
		spec.DBName, spec.DBUser, spec.DBPassword, spec.DBCode = j.ftpName, j.ftpName, password, j.dbCode
	}
	return spec
}

func (s *Service) do(ctx context.Context, a jobs.Args) error {
	j, err := s.loadJob(ctx, a.OrderID)
	if err != nil {
		return err
	}
	panel, err := s.Engine.Panel(ctx, business, j.lineID)
	if err != nil {
		return err // an unopenable provider is retried: the operator may still fix it
	}
	switch a.Op {
	case jobs.OpProvision:
		return s.provision(ctx, panel, a.OrderID, j)
	case jobs.OpDestroy:
		if j.siteID == 0 {
			return nil
		}
		if err := panel.DeleteSite(ctx, j.site()); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
		return nil
	case jobs.OpLock, jobs.OpStop:
		return s.power(ctx, panel.StopSite, a.OrderID, j, orderflow.RunStopped)
	case jobs.OpUnlock, jobs.OpStart:
		return s.power(ctx, panel.StartSite, a.OrderID, j, orderflow.RunRunning)
	case jobs.OpResize:
		// PanelDriver sets no quotas: the panel's own limits apply, and the
		// order already records its new product and flow.
		return nil
	}
	return fmt.Errorf("hosting job: unknown operation %q: %w", a.Op, orderflow.ErrBroken)
}

// provision creates the site with its FTP account (and database) — the
// panel finds the one a retried attempt made by its Ref — and marks the
// order 正常; a site refunded meanwhile is removed again.
func (s *Service) provision(ctx context.Context, panel provider.PanelDriver, id int64, j job) error {
	if j.status != orderflow.OrderProvisioning {
		return nil
	}
	password, err := s.Box.OpenString(j.password)
	if err != nil {
		return fmt.Errorf("hosting order %d: password: %w: %w", id, orderflow.ErrBroken, err)
	}
	site, err := panel.CreateSite(ctx, j.spec(id, password))
	if err != nil {
		return err
	}
	tag, err := s.DB.Exec(ctx, `
		UPDATE hosting_orders SET site_id = $2, ftp_id = $3, order_status = 1, run_status = 1, act_status = 0,
			updated_at = now()
		WHERE id = $1 AND order_status = 0`, id, site.ID, site.FTPID)
	if err != nil {
		return fmt.Errorf("hosting order %d: record site %d: %w", id, site.ID, err)
	}
	if tag.RowsAffected() == 0 { // refunded while we created it
		if err := panel.DeleteSite(ctx, site); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
	}
	return nil
}

// power stops or starts the site and records the run status.
func (s *Service) power(ctx context.Context, op func(context.Context, provider.Site) error, id int64, j job, run int) error {
	if j.siteID != 0 {
		if err := op(ctx, j.site()); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
	}
	_, err := s.DB.Exec(ctx, `UPDATE hosting_orders SET run_status = $2, updated_at = now() WHERE id = $1`, id, run)
	return err
}
