package database

import (
	"context"
	"errors"
	"fmt"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The jobs of database orders, each with the panel of the order's line. A
// provisioning that the panel rejects, or that fails on its last attempt,
// ends the purchase: refunded in full and deleted, with the reason kept
// (orderflow.Engine.ProvisionOutcome). Each returns nil on success,
// jobs.Permanent(err) when no retry can help, and err to be retried.

// ProvisionJob creates the order's database.
func (s *Service) ProvisionJob(ctx context.Context, a jobs.Provision, final bool) error {
	return s.Engine.ProvisionOutcome(ctx, business, a.OrderID, final, s.withPanel(ctx, a.OrderID, s.provision), nil)
}

// DestroyJob removes the database of a refunded or recycled order.
func (s *Service) DestroyJob(ctx context.Context, a jobs.Destroy, _ bool) error {
	return orderflow.Outcome(s.withPanel(ctx, a.OrderID, func(ctx context.Context, panel provider.PanelDriver, id int64, j job) error {
		if j.panelID == 0 {
			return nil
		}
		err := panel.DeleteDatabase(ctx, provider.Database{ID: j.panelID, Name: j.name})
		if err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
		return nil
	}))
}

// LockJob marks the database of an expired order 已停止 (PanelDriver cannot
// stop one database); one renewed (or refunded) before the job ran is left
// alone.
func (s *Service) LockJob(ctx context.Context, a jobs.Lock, _ bool) error {
	if lock, err := s.Engine.ShouldLock(ctx, business, a.OrderID); err != nil || !lock {
		return orderflow.Outcome(err)
	}
	return orderflow.Outcome(s.setRun(ctx, a.OrderID, orderflow.RunStopped))
}

// UnlockJob marks the database of an order reinstated by a renewal running.
func (s *Service) UnlockJob(ctx context.Context, a jobs.Unlock, _ bool) error {
	if unlock, err := s.Engine.ShouldUnlock(ctx, business, a.OrderID); err != nil || !unlock {
		return orderflow.Outcome(err)
	}
	return orderflow.Outcome(s.setRun(ctx, a.OrderID, orderflow.RunRunning))
}

// ResizeJob applies an upgrade: PanelDriver sets no quotas, and the order
// already records its product.
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

// access is where a new database may be reached from: the panel's own
// host (its sites), until the reseller opens it with sql_set_access.
const access = "127.0.0.1"

// Jobs are the cloud database business's job handlers, for the job runner.
func (s *Service) Jobs() jobs.Handlers {
	b := business.Name
	return jobs.Handlers{
		Provision: map[string]jobs.Func[jobs.Provision]{b: s.ProvisionJob},
		Destroy:   map[string]jobs.Func[jobs.Destroy]{b: s.DestroyJob},
		Resize:    map[string]jobs.Func[jobs.Resize]{b: s.ResizeJob},
		Lock:      map[string]jobs.Func[jobs.Lock]{b: s.LockJob},
		Unlock:    map[string]jobs.Func[jobs.Unlock]{b: s.UnlockJob},
		DBBackup:  map[string]jobs.Func[jobs.DBBackup]{b: s.DBBackupJob},
		DBImport:  map[string]jobs.Func[jobs.DBImport]{b: s.DBImportJob},
	}
}

// job is what a database job needs of its order.
type job struct {
	status           int
	lineID, panelID  int64
	name, user, code string
	password         []byte
}

func (s *Service) loadJob(ctx context.Context, id int64) (job, error) {
	var j job
	err := s.DB.QueryRow(ctx, `
		SELECT order_status, line_id, panel_db_id, db_name, db_user, db_code, db_password_enc
		FROM sql_orders WHERE id = $1`, id).Scan(&j.status, &j.lineID, &j.panelID, &j.name, &j.user, &j.code,
		&j.password)
	if err != nil {
		return j, fmt.Errorf("sql job: order %d: %w", id, err)
	}
	return j, nil
}

// provision creates the database (the panel finds the one a retried
// attempt made by its name) and marks the order 正常; a database refunded
// meanwhile is removed again.
func (s *Service) provision(ctx context.Context, panel provider.PanelDriver, id int64, j job) error {
	if j.status != orderflow.OrderProvisioning {
		return nil
	}
	password, err := s.Box.OpenString(j.password)
	if err != nil {
		return fmt.Errorf("sql order %d: password: %w: %w", id, orderflow.ErrBroken, err)
	}
	db, err := panel.CreateDatabase(ctx, provider.DBSpec{Ref: orderflow.Ref(business, id), Name: j.name, User: j.user, Password: password,
		Code: j.code, Access: access})
	if err != nil {
		return err
	}
	tag, err := s.DB.Exec(ctx, `
		UPDATE sql_orders SET panel_db_id = $2, order_status = 1, run_status = 1, act_status = 0, updated_at = now()
		WHERE id = $1 AND order_status = 0`, id, db.ID)
	if err != nil {
		return fmt.Errorf("sql order %d: record database %d: %w", id, db.ID, err)
	}
	if tag.RowsAffected() == 0 { // refunded while we created it
		if err := panel.DeleteDatabase(ctx, db); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
	}
	return nil
}

// setRun records the run status.
func (s *Service) setRun(ctx context.Context, id int64, run int) error {
	_, err := s.DB.Exec(ctx, `UPDATE sql_orders SET run_status = $2, updated_at = now() WHERE id = $1`, id, run)
	if err != nil {
		return fmt.Errorf("sql order %d: run status: %w", id, err)
	}
	return nil
}
