package database

import (
	"context"
	"errors"
	"fmt"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

var _ jobs.Handler = (*Service)(nil)

// Do carries out one job on a database order (jobs.Handler) with the panel
// of the order's line. A provisioning that the panel rejects, or that fails
// on its last attempt, ends the purchase: refunded in full and deleted,
// with the reason kept (orderflow.Engine.JobOutcome). It returns nil on
// success, jobs.Permanent(err) when no retry can help, and err to be
// retried.
func (s *Service) Do(ctx context.Context, a jobs.Args, attempt int, final bool) error {
	if isPanelWork(a.Op) { // a backup or an import (opsjobs.go)
		return s.doWork(ctx, a, final)
	}
	return s.Engine.JobOutcome(ctx, business, a, final, s.do(ctx, a), nil)
}

// access is where a new database may be reached from: the panel's own
// host (its sites), until the reseller opens it with sql_set_access.
const access = "127.0.0.1"

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
		if j.panelID == 0 {
			return nil
		}
		err := panel.DeleteDatabase(ctx, provider.Database{ID: j.panelID, Name: j.name})
		if err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
		return nil
	case jobs.OpLock, jobs.OpStop:
		// PanelDriver cannot stop one database: the order is marked 已停止.
		return s.setRun(ctx, a.OrderID, -1)
	case jobs.OpUnlock, jobs.OpStart:
		return s.setRun(ctx, a.OrderID, 1)
	case jobs.OpResize:
		// PanelDriver sets no quotas: the order already records its product.
		return nil
	}
	return fmt.Errorf("sql job: unknown operation %q: %w", a.Op, orderflow.ErrBroken)
}

// provision creates the database (the panel finds the one a retried
// attempt made by its name) and marks the order 正常; a database refunded
// meanwhile is removed again.
func (s *Service) provision(ctx context.Context, panel provider.PanelDriver, id int64, j job) error {
	if j.status != 0 {
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
