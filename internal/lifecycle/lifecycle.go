// Package lifecycle is the sweep of semantics.md §5: at an order's
// end_time it is renewed for a month when it renews automatically and the
// money allows, else it expires (3 已过期) and is stopped and locked;
// retention_days after its end_time an expired order is recycled (-1
// 已回收) and its resource destroyed. The daemon sweeps periodically, one
// daemon at a time; the operator can sweep by hand for any instant, or
// rehearse with a dry run. Sweeping one instant twice changes nothing more.
// A sweep also gives new orders their list positions (migration 12).
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Sweeper runs the lifecycle.
type Sweeper struct {
	DB   *postgres.DB
	Jobs *jobs.Client
	Log  *zap.Logger
}

// Action is one thing a sweep did (or, in a dry run, would do).
type Action struct {
	Business string         `json:"business"`
	OrderID  int64          `json:"order_id"`
	Action   string         `json:"action"` // auto_renew, expire, recycle
	Amount   *apitype.Money `json:"amount,omitempty"`
	EndTime  string         `json:"end_time,omitempty"`
}

// errRollback ends a dry run's transaction without keeping anything.
var errRollback = errors.New("dry run")

// sweepLock keeps two daemons from sweeping at once.
const sweepLock int64 = 0x7a6b7377656570 // "zksweep"

// ErrBusy is returned when another process is sweeping.
var ErrBusy = errors.New("another sweep is running")

// Sweep runs the lifecycle for the instant at and returns what it did.
// With dryRun it does everything inside transactions that it rolls back,
// so the report shows what a real sweep would do and nothing changes. It
// returns ErrBusy when another sweep holds the lock.
func (s *Sweeper) Sweep(ctx context.Context, at time.Time, dryRun bool) ([]Action, error) {
	conn, err := s.DB.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lifecycle.Sweep: %w", err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, sweepLock).Scan(&got); err != nil {
		return nil, fmt.Errorf("lifecycle.Sweep: %w", err)
	}
	if !got {
		return nil, ErrBusy
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, sweepLock) }()
	var actions []Action
	for _, b := range orderflow.Businesses {
		done, err := s.sweepBusiness(ctx, b, at, dryRun)
		actions = append(actions, done...)
		if err != nil {
			return actions, err
		}
		if !dryRun {
			if err := s.number(ctx, b); err != nil {
				return actions, err
			}
		}
	}
	return actions, nil
}

// number gives every reseller's orders of b bought since its last list
// their list positions (migration 12), as the reseller's next list would:
// a reseller that buys without listing then never leaves its next list
// more than one sweep interval of purchases to number.
// It runs without the API's statement timeout: a backlog (100,000 orders
// take about a second here) must not be left for ever to lists that time
// out on it.
func (s *Sweeper) number(ctx context.Context, b orderflow.Business) error {
	err := postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT zonkvmd_number_orders(id, $1) FROM resellers`, b.Name)
		return err
	})
	if err != nil {
		return fmt.Errorf("lifecycle: number %s orders: %w", b.Name, err)
	}
	return nil
}

// sweepBusiness ends the period of every live order of b due at at, then
// recycles what has been expired beyond its line's retention.
func (s *Sweeper) sweepBusiness(ctx context.Context, b orderflow.Business, at time.Time, dryRun bool) ([]Action, error) {
	var actions []Action
	due, err := s.ids(ctx, `SELECT id FROM `+b.Orders+` WHERE order_status = 1 AND end_time <= $1 ORDER BY id`, at)
	if err != nil {
		return nil, err
	}
	for _, id := range due {
		done, err := s.inTx(ctx, dryRun, func(tx pgx.Tx) ([]Action, error) { return s.endPeriod(ctx, tx, b, id, at) })
		if err != nil {
			return actions, err
		}
		actions = append(actions, done...)
	}
	old, err := s.ids(ctx, `SELECT o.id FROM `+b.Orders+` o JOIN `+b.Lines+` l ON l.id = o.line_id
		WHERE o.order_status = 3 AND o.end_time + make_interval(days => l.retention_days) <= $1 ORDER BY o.id`, at)
	if err != nil {
		return actions, err
	}
	for _, id := range old {
		done, err := s.inTx(ctx, dryRun, func(tx pgx.Tx) ([]Action, error) { return s.recycle(ctx, tx, b, id, at) })
		if err != nil {
			return actions, err
		}
		actions = append(actions, done...)
	}
	return actions, nil
}

func (s *Sweeper) ids(ctx context.Context, sql string, at time.Time) ([]int64, error) {
	rows, err := s.DB.Query(ctx, sql, at)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("lifecycle: %w", err)
	}
	return ids, nil
}

// inTx runs fn in a transaction of its own (one order's change), rolled
// back in a dry run.
func (s *Sweeper) inTx(ctx context.Context, dryRun bool, fn func(pgx.Tx) ([]Action, error)) ([]Action, error) {
	var out []Action
	err := postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		if out, err = fn(tx); err != nil {
			return err
		}
		if dryRun {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return out, err
}

// due is an order whose period has ended, read under its row lock.
type due struct {
	resellerID        int64
	status, renewAuto int
	buyTime, endTime  time.Time
	monthly           decimal.Decimal
}

// endPeriod renews order id month by month while it renews automatically
// and the money allows, until its end is past at; otherwise it expires.
func (s *Sweeper) endPeriod(ctx context.Context, tx pgx.Tx, b orderflow.Business, id int64, at time.Time) ([]Action, error) {
	var o due
	err := tx.QueryRow(ctx, `SELECT reseller_id, order_status, renew_auto, buy_time, end_time, `+b.PriceColumn+`
		FROM `+b.Orders+` WHERE id = $1 FOR UPDATE`, id).Scan(&o.resellerID, &o.status, &o.renewAuto,
		&o.buyTime, &o.endTime, &o.monthly)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: %s order %d: %w", b.Name, id, err)
	}
	if o.status != orderflow.OrderActive || o.endTime.After(at) { // changed since we listed it
		return nil, nil
	}
	var actions []Action
	loc := apitype.Location()
	for o.renewAuto == 1 && !o.endTime.After(at) && o.monthly.IsPositive() {
		next := pricing.AddMonths(o.endTime.In(loc), 1, o.buyTime.In(loc).Day())
		amount := pricing.RoundCharge(o.monthly)
		paid, err := chargeIfAffordable(ctx, tx, o.resellerID, billing.Entry{Kind: "auto_renew", Amount: amount,
			Business: b.Name, OrderID: id, From: o.endTime, To: next, Note: "auto-renew"})
		if err != nil {
			return nil, err
		}
		if !paid {
			break
		}
		o.endTime = next
		actions = append(actions, Action{Business: b.Name, OrderID: id, Action: "auto_renew",
			Amount: &apitype.Money{Decimal: amount}, EndTime: apitype.FormatDateTime(next)})
	}
	if o.endTime.After(at) {
		_, err := tx.Exec(ctx, `UPDATE `+b.Orders+` SET end_time = $2, updated_at = now() WHERE id = $1`, id, o.endTime)
		return actions, err
	}
	if _, err := tx.Exec(ctx, `UPDATE `+b.Orders+` SET end_time = $2, order_status = 3, run_status = -2,
		updated_at = now() WHERE id = $1`, id, o.endTime); err != nil {
		return nil, fmt.Errorf("lifecycle: expire %s order %d: %w", b.Name, id, err)
	}
	if err := s.Jobs.Insert(ctx, tx, jobs.Lock{Order: jobs.Order{Business: b.Name, OrderID: id}}); err != nil {
		return nil, err
	}
	return append(actions, Action{Business: b.Name, OrderID: id, Action: "expire"}), nil
}

// chargeIfAffordable charges e in a savepoint of tx and reports whether
// the money allowed it; a refused charge (billing.ErrInsufficient) is
// rolled back to the savepoint, so tx goes on.
func chargeIfAffordable(ctx context.Context, tx pgx.Tx, resellerID int64, e billing.Entry) (bool, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("lifecycle: savepoint: %w", err)
	}
	if _, err := billing.Charge(ctx, sp, resellerID, []billing.Entry{e}, nil, nil); err != nil {
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return false, fmt.Errorf("lifecycle: %w (rollback: %v)", err, rbErr)
		}
		if errors.Is(err, billing.ErrInsufficient) {
			return false, nil
		}
		return false, err
	}
	return true, sp.Commit(ctx)
}

// recycle marks an order expired past its retention as recycled and
// writes its destroy job.
func (s *Sweeper) recycle(ctx context.Context, tx pgx.Tx, b orderflow.Business, id int64, at time.Time) ([]Action, error) {
	tag, err := tx.Exec(ctx, `UPDATE `+b.Orders+` SET order_status = -1, status_reason = 'recycled',
		updated_at = now() WHERE id = $1 AND order_status = 3`, id)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: recycle %s order %d: %w", b.Name, id, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, nil
	}
	if err := s.Jobs.Insert(ctx, tx, jobs.Destroy{Order: jobs.Order{Business: b.Name, OrderID: id}}); err != nil {
		return nil, err
	}
	return []Action{{Business: b.Name, OrderID: id, Action: "recycle"}}, nil
}

// Run sweeps every interval until ctx ends, logging what it did. A sweep
// that finds another daemon sweeping skips its turn.
func (s *Sweeper) Run(ctx context.Context, every time.Duration, now func() time.Time) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		actions, err := s.Sweep(ctx, now(), false)
		switch {
		case errors.Is(err, ErrBusy), ctx.Err() != nil:
		case err != nil:
			s.Log.Error("sweep failed", zap.Error(err))
		case len(actions) > 0:
			s.Log.Info("sweep", zap.Int("actions", len(actions)), zap.Any("done", actions))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
