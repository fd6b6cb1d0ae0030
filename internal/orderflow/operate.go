package orderflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Operation is an order's state as an operation action reads it.
type Operation struct {
	ID, LineID  int64
	Status      int
	RunStatus   int
	ActStatus   int
	ProviderRef string
	Suspended   bool // by the operator (SuspendedPrefix)
}

// ActiveOrder reads the caller's order named by the guid parameter and
// checks it may be operated on: 未找到产品记录 when it is not the caller's,
// 业务状态异常 unless it is 正常. It does not lock; for reads (consoles,
// charts, rule lists) that need no job.
func (e *Engine) ActiveOrder(ctx context.Context, req *dispatch.Request, b Business) (Operation, error) {
	id, err := req.Params.OrderID()
	if err != nil {
		return Operation{}, err
	}
	o, err := readOperation(ctx, e.DB, b, req.Reseller.ID, id, false)
	if err != nil {
		return Operation{}, err
	}
	if o.Status != OrderActive || o.Suspended {
		return Operation{}, dispatch.ErrStatusAbnormal
	}
	return o, nil
}

func readOperation(ctx context.Context, q postgres.Querier, b Business, resellerID, id int64, lock bool) (Operation, error) {
	sql := `SELECT id, line_id, order_status, run_status, act_status, ` + b.RefColumn + `,
		starts_with(status_reason, '` + SuspendedPrefix + `') FROM ` + b.Orders +
		` WHERE id = $1 AND reseller_id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	var o Operation
	err := postgres.QueryRow(ctx, q, sql, id, resellerID).Scan(&o.ID, &o.LineID, &o.Status, &o.RunStatus, &o.ActStatus, &o.ProviderRef, &o.Suspended)
	if errors.Is(err, postgres.ErrNotFound) {
		return Operation{}, dispatch.ErrOrderNotFound
	}
	if err != nil {
		return Operation{}, fmt.Errorf("orderflow: read %s order %d: %w", b.Name, id, err)
	}
	return o, nil
}

// StartOperation begins a long operation (power, reinstall, password) on
// the caller's order named by guid, in one transaction: it locks the order,
// answers 业务状态异常 unless it is 正常 and 有操作正在进行中 while another
// operation runs (act_status not 0), runs check (may be nil) on the locked
// order, sets act_status to act and writes the job job makes for the order.
// The job's handler clears act_status with FinishOperation.
func (e *Engine) StartOperation(ctx context.Context, req *dispatch.Request, b Business, act int,
	job func(jobs.Order) jobs.Args, check func(ctx context.Context, tx pgx.Tx, o Operation) error) error {
	id, err := req.Params.OrderID()
	if err != nil {
		return err
	}
	return postgres.Tx(ctx, e.DB, func(tx pgx.Tx) error {
		o, err := readOperation(ctx, tx, b, req.Reseller.ID, id, true)
		if err != nil {
			return err
		}
		switch {
		case o.Status != OrderActive || o.Suspended:
			return dispatch.ErrStatusAbnormal
		case o.ActStatus != ActNone:
			return dispatch.ErrOperationRunning
		}
		if check != nil {
			if err := check(ctx, tx, o); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE `+b.Orders+` SET act_status = $2, updated_at = now()
			WHERE id = $1`, o.ID, act); err != nil {
			return fmt.Errorf("orderflow.StartOperation: %w", err)
		}
		return e.Jobs.Insert(ctx, tx, job(jobs.Order{Business: b.Name, OrderID: o.ID}))
	})
}

// FinishOperation ends an operation: act_status back to 0 and, when run
// is not 0, the run status it left the machine in.
func (e *Engine) FinishOperation(ctx context.Context, b Business, orderID int64, run int) error {
	_, err := e.DB.Exec(ctx, `UPDATE `+b.Orders+` SET act_status = 0,
		run_status = CASE WHEN $2 = 0 THEN run_status ELSE $2 END, updated_at = now() WHERE id = $1`, orderID, run)
	if err != nil {
		return fmt.Errorf("orderflow.FinishOperation: %w", err)
	}
	return nil
}

// SealForJob seals a password for a job's args: a job row never holds a
// password in clear.
func (e *Engine) SealForJob(password string) []byte { return e.Box.SealString(password) }

// JobPassword opens the password sealed a job of order id of b carries
// (SealForJob). It returns an error wrapping ErrBroken when there is none
// or it does not open.
func (e *Engine) JobPassword(b Business, id int64, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", fmt.Errorf("%s order %d: no sealed password: %w", b.Name, id, ErrBroken)
	}
	password, err := e.Box.OpenString(sealed)
	if err != nil {
		return "", fmt.Errorf("%s order %d: password: %w: %w", b.Name, id, ErrBroken, err)
	}
	return password, nil
}

// ShouldLock reports whether order id of b is to be locked when its lock
// job runs: expired, or suspended by the operator. An order renewed or
// refunded since the job was written is not, and the job leaves it alone.
func (e *Engine) ShouldLock(ctx context.Context, b Business, id int64) (bool, error) {
	status, suspended, err := e.lockState(ctx, b, id)
	lock := status == OrderExpired || (status == OrderActive && suspended)
	if err == nil && !lock {
		jobs.Note(ctx, fmt.Sprintf("order_status %d: no longer expired (renewed or refunded since): left alone", status))
	}
	return lock, err
}

// ShouldUnlock reports whether order id of b is to be started again when
// its unlock job runs: 正常 and not suspended.
func (e *Engine) ShouldUnlock(ctx context.Context, b Business, id int64) (bool, error) {
	status, suspended, err := e.lockState(ctx, b, id)
	unlock := status == OrderActive && !suspended
	if err == nil && !unlock {
		jobs.Note(ctx, fmt.Sprintf("order_status %d, suspended %t: not to be started: left alone", status, suspended))
	}
	return unlock, err
}

func (e *Engine) lockState(ctx context.Context, b Business, id int64) (status int, suspended bool, err error) {
	err = e.DB.QueryRow(ctx, `SELECT order_status, starts_with(status_reason, $2) FROM `+b.Orders+`
		WHERE id = $1`, id, SuspendedPrefix).Scan(&status, &suspended)
	if err != nil {
		return 0, false, fmt.Errorf("orderflow: %s order %d: %w", b.Name, id, err)
	}
	return status, suspended, nil
}
