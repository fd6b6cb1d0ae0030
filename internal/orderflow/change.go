package orderflow

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
)

// The shared skeletons of the changes of money on an order (renewal,
// upgrade, refund), the same for the five businesses: each business locks
// its order and prices the change; the skeleton checks the order's state,
// takes the coupon, charges or pays back, records the change and writes its
// job, in one transaction, once per client_order_id.

// Held is an order read under its row lock for a change of money.
type Held struct {
	ID               int64
	OrderNo          string // the reseller's order_id of the purchase
	Status, Act      int    // order_status, act_status
	BuyTime, EndTime time.Time
}

// Renewal is a business's renewal of its locked order.
type Renewal struct {
	Held
	// Price checks the renewal the request asks for and returns the new
	// end_time and the period's charge before the coupon (an *Error for
	// the reseller when the renewal is refused).
	Price func() (end time.Time, amount decimal.Decimal, err error)
	// Unlock writes the job that starts an expired order again when the
	// renewal reinstates it (web hosting stays stopped until
	// hosting_resume_after_renew).
	Unlock bool
}

// Upgrade is a business's upgrade of its locked order.
type Upgrade struct {
	Held
	// Price checks the change the request asks for and returns the
	// monthly prices before and after and apply, which records the new
	// configuration on the order in tx (an *Error for the reseller when
	// the change is refused).
	Price func() (before, after decimal.Decimal, apply func(ctx context.Context, tx pgx.Tx) error, err error)
}

// Refund is a business's refund of its locked order.
type Refund struct {
	Held
	RefundDays int // the line's or product's window (0: no limit)
	// Refunded runs in the refund's transaction once the order is -2 (a
	// lease gives its machine back); nil for nothing.
	Refunded func(ctx context.Context, tx pgx.Tx) error
}

// LockFunc reads the caller's order id under its row lock inside tx, with
// what its change needs; another reseller's or an unknown order answers
// dispatch.ErrOrderNotFound.
type LockFunc[C any] func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (C, error)

// changeParams reads what every renewal and upgrade names besides its
// business's own parameters: guid, client_order_id, client_user_id and
// coupon_id.
func changeParams(p dispatch.Params) (Change, int64, error) {
	ch, err := ParseChange(p)
	if err != nil {
		return ch, 0, err
	}
	coupon, err := p.IntIn("coupon_id", 0, 0, 1<<53)
	return ch, coupon, err
}

// Renew serves a renewal (server_renew, lease_renew, idc_renew,
// hosting_renew, sql_renew; billing.md §4): the order must be 正常 or
// 已过期; the period its Price names, less the coupon_id, is charged;
// end_time moves, the order is 正常 again (its unlock job written when it
// was expired and Unlock is set) and client_user_id is kept when given.
// Idempotent on client_order_id. It answers 业务状态异常, Price's errors,
// 余额不足 and 优惠券不可用, and changes nothing then.
func (e *Engine) Renew(ctx context.Context, req *dispatch.Request, b Business, lock LockFunc[Renewal]) (any, error) {
	ch, coupon, err := changeParams(req.Params)
	if err != nil {
		return nil, err
	}
	return e.OnceClient(ctx, req, ch.ClientOrder, func(tx pgx.Tx) (any, error) {
		r, err := lock(ctx, tx, req.Reseller.ID, ch.OrderID)
		if err != nil {
			return nil, err
		}
		if r.Status != OrderActive && r.Status != OrderExpired {
			return nil, dispatch.ErrStatusAbnormal
		}
		end, amount, err := r.Price()
		if err != nil {
			return nil, err
		}
		acct, paid, err := e.ChargeOne(ctx, tx, req.Reseller.ID, billing.Entry{Kind: "renew", Amount: amount,
			Business: b.Name, OrderID: r.ID, Reference: ch.ClientOrder, From: r.EndTime, To: end}, coupon)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+b.Orders+` SET end_time = $2, order_status = 1,
				client_user_id = CASE WHEN $3::bigint >= 0 THEN $3 ELSE client_user_id END, updated_at = now()
			WHERE id = $1`, r.ID, end, ch.ClientUser); err != nil {
			return nil, fmt.Errorf("%s renew %d: %w", b.Name, r.ID, err)
		}
		if r.Unlock && r.Status == OrderExpired {
			if err := e.Jobs.Insert(ctx, tx, jobs.Unlock{Order: jobs.Order{Business: b.Name, OrderID: r.ID}}); err != nil {
				return nil, err
			}
		}
		return NewChargeAnswer(r.ID, end, paid, acct), nil
	})
}

// Upgrade serves an upgrade (server_upgrade, lease_upgrade, idc_upgrade,
// hosting_upgrade, sql_upgrade; billing.md §5): the order must be 正常 with
// time left and no operation running; the difference of the monthly prices
// for what is left of the period, less the coupon_id, is charged; the
// change is applied, client_user_id kept when given, and the resize job
// written. Idempotent on client_order_id. It answers 业务状态异常,
// 有操作正在进行中, Price's errors, 余额不足 and 优惠券不可用, and changes
// nothing then.
func (e *Engine) Upgrade(ctx context.Context, req *dispatch.Request, b Business, lock LockFunc[Upgrade]) (any, error) {
	ch, coupon, err := changeParams(req.Params)
	if err != nil {
		return nil, err
	}
	return e.OnceClient(ctx, req, ch.ClientOrder, func(tx pgx.Tx) (any, error) {
		u, err := lock(ctx, tx, req.Reseller.ID, ch.OrderID)
		if err != nil {
			return nil, err
		}
		switch {
		case u.Status != OrderActive:
			return nil, dispatch.ErrStatusAbnormal
		case u.Act != ActNone:
			return nil, dispatch.ErrOperationRunning
		}
		before, after, apply, err := u.Price()
		if err != nil {
			return nil, err
		}
		now := e.Now()
		if !now.Before(u.EndTime) {
			return nil, dispatch.ErrStatusAbnormal
		}
		acct, paid, err := e.ChargeOne(ctx, tx, req.Reseller.ID, billing.Entry{Kind: "upgrade",
			Amount: pricing.UpgradeCharge(before, after, now, u.EndTime), Business: b.Name, OrderID: u.ID,
			Reference: ch.ClientOrder, From: now, To: u.EndTime}, coupon)
		if err != nil {
			return nil, err
		}
		if err := apply(ctx, tx); err != nil {
			return nil, fmt.Errorf("%s upgrade %d: %w", b.Name, u.ID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE `+b.Orders+` SET client_user_id = $2, updated_at = now()
			WHERE id = $1 AND $2::bigint >= 0`, u.ID, ch.ClientUser); err != nil {
			return nil, fmt.Errorf("%s upgrade %d: %w", b.Name, u.ID, err)
		}
		if err := e.Jobs.Insert(ctx, tx, jobs.Resize{Order: jobs.Order{Business: b.Name, OrderID: u.ID}}); err != nil {
			return nil, err
		}
		return NewChargeAnswer(u.ID, u.EndTime, paid, acct), nil
	})
}

// Refund serves a refund (server_refund, lease_refund, idc_refund,
// hosting_refund, sql_refund; billing.md §6): the unused part of every
// charge is paid back (nothing for an expired order), the order becomes -2
// with the reason kept, Refunded runs and the destroy job is written. It
// answers 业务状态异常 for an order deleted or recycled already and
// 产品超出可退款时间 past the window, and changes nothing then.
func (e *Engine) Refund(ctx context.Context, req *dispatch.Request, b Business, lock LockFunc[Refund]) (any, error) {
	id, err := req.Params.OrderID()
	if err != nil {
		return nil, err
	}
	return e.OnceClient(ctx, req, "", func(tx pgx.Tx) (any, error) {
		r, err := lock(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		answer, err := e.refund(ctx, tx, b, req.Reseller.ID, r)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+b.Orders+` SET order_status = -2, status_reason = 'refunded',
			updated_at = now() WHERE id = $1`, r.ID); err != nil {
			return nil, fmt.Errorf("%s refund %d: %w", b.Name, r.ID, err)
		}
		if r.Refunded != nil {
			if err := r.Refunded(ctx, tx); err != nil {
				return nil, err
			}
		}
		return answer, nil
	})
}
