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

// The jobs of hosting orders, each with the panel of the order's line. A
// provisioning that the panel rejects, or that fails on its last attempt,
// ends the purchase: refunded in full and deleted, with the reason kept
// (orderflow.Engine.ProvisionOutcome). Each returns nil on success,
// jobs.Permanent(err) when no retry can help, and err to be retried.

// ProvisionJob creates the order's site.
func (s *Service) ProvisionJob(ctx context.Context, a jobs.Provision, final bool) error {
	return s.Engine.ProvisionOutcome(ctx, business, a.OrderID, final, s.withPanel(ctx, a.OrderID, s.provision), nil)
}

// DestroyJob removes the site of a refunded or recycled order.
func (s *Service) DestroyJob(ctx context.Context, a jobs.Destroy, _ bool) error {
	return orderflow.Outcome(s.withPanel(ctx, a.OrderID, func(ctx context.Context, panel provider.PanelDriver, id int64, j job) error {
		if j.siteID == 0 {
			return nil
		}
		if err := panel.DeleteSite(ctx, j.site()); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
		return nil
	}))
}

// LockJob stops the site of an order that expired; one renewed (or refunded)
// before the job ran is left alone.
func (s *Service) LockJob(ctx context.Context, a jobs.Lock, _ bool) error {
	return orderflow.Outcome(s.withPanel(ctx, a.OrderID, func(ctx context.Context, panel provider.PanelDriver, id int64, j job) error {
		if lock, err := s.Engine.ShouldLock(ctx, business, id); err != nil || !lock {
			return err
		}
		return s.power(ctx, panel.StopSite, id, j, orderflow.RunStopped)
	}))
}

// UnlockJob starts the site of an order reinstated by a renewal.
func (s *Service) UnlockJob(ctx context.Context, a jobs.Unlock, _ bool) error {
	return orderflow.Outcome(s.withPanel(ctx, a.OrderID, func(ctx context.Context, panel provider.PanelDriver, id int64, j job) error {
		if unlock, err := s.Engine.ShouldUnlock(ctx, business, id); err != nil || !unlock {
			return err
		}
		return s.power(ctx, panel.StartSite, id, j, orderflow.RunRunning)
	}))
}

// ResizeJob applies an upgrade: PanelDriver sets no quotas, the panel's own
// limits apply, and the order already records its new product and flow.
func (s *Service) ResizeJob(context.Context, jobs.Resize, bool) error { return nil }

// withPanel reads order id's job data and opens its line's panel for do.
// An unopenable provider is retried: the operator may still fix it.
func (s *Service) withPanel(ctx context.Context, id int64,
	do func(ctx context.Context, panel provider.PanelDriver, id int64, j job) error) error {
	j, err := s.loadJob(ctx, id)
	if err != nil {
		return err
	}
	panel, err := s.Engine.Panel(ctx, s.Engine.DB, business, j.lineID)
	if err != nil {
		return err
	}
	return do(ctx, panel, id, j)
}

// Jobs are the web hosting business's job handlers, for the job runner.
func (s *Service) Jobs() jobs.Handlers {
	b := business.Name
	return jobs.Handlers{
		Provision: map[string]jobs.Func[jobs.Provision]{b: s.ProvisionJob},
		Destroy:   map[string]jobs.Func[jobs.Destroy]{b: s.DestroyJob},
		Resize:    map[string]jobs.Func[jobs.Resize]{b: s.ResizeJob},
		Lock:      map[string]jobs.Func[jobs.Lock]{b: s.LockJob},
		Unlock:    map[string]jobs.Func[jobs.Unlock]{b: s.UnlockJob},
	}
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
