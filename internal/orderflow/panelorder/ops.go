package panelorder

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Order is a panel order read under its row lock, with what the shared
// operations need; Detail is the business's own part.
type Order[D any] struct {
	ID, LineID             int64
	LineGUID, OrderNo      string
	Status, RunStatus, Act int
	BuyTime, EndTime       time.Time
	Product                Product         // its product now
	Monthly                decimal.Decimal // its monthly price as it is now (M of billing.md §2)
	Detail                 D
}

// LockFunc reads the reseller's order id FOR UPDATE inside tx. It returns
// dispatch.ErrOrderNotFound for another reseller's or an unknown order.
type LockFunc[D any] func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (Order[D], error)

// Business is one panel business as the shared operations see it.
type Business[D any] struct {
	orderflow.Business // orderflow.Hosting or orderflow.SQL
	Engine             *orderflow.Engine
	Lock               LockFunc[D]
	// UnlockOnRenew makes the renewal of an expired order write an unlock
	// job that starts it again (databases). Without it the order is
	// reinstated to 正常 but stays stopped until the reseller resumes it
	// (hosting_resume_after_renew).
	UnlockOnRenew bool
}

// Renew serves hosting_renew / sql_renew (billing.md §4): the period that
// newEndTimeStr (and renewLength) name, from the current end_time, expired
// or not, at the product's discount, less the coupon_id, is charged; the
// order is reinstated to 正常. The line's renew switch must be on.
// Idempotent on client_order_id when one is given. It answers the API's
// errors: 业务状态异常 for an order neither 正常 nor 已过期, 参数错误: guid
// 该线路暂停续费, those of RenewTo, 余额不足, 优惠券不可用.
func (b Business[D]) Renew(ctx context.Context, req *dispatch.Request) (any, error) {
	id, clientOrder, coupon, err := chargeParams(req.Params)
	if err != nil {
		return nil, err
	}
	return b.Engine.OnceClient(ctx, req, clientOrder, func(tx pgx.Tx) (any, error) {
		o, err := b.Lock(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		if o.Status != orderflow.OrderActive && o.Status != orderflow.OrderExpired {
			return nil, dispatch.ErrStatusAbnormal
		}
		l, err := LoadLine(ctx, tx, "", o.LineID)
		if err != nil {
			return nil, err
		}
		if l.Renew != 1 {
			return nil, dispatch.ParamError("guid", "该线路暂停续费")
		}
		months, end, err := RenewTo(req.Params, o.BuyTime, o.EndTime, o.Product)
		if err != nil {
			return nil, err
		}
		factor, err := o.Product.Factor(months)
		if err != nil {
			return nil, err
		}
		acct, amount, err := b.Engine.ChargeOne(ctx, tx, req.Reseller.ID, billing.Entry{Kind: "renew",
			Amount: pricing.PeriodCharge(o.Monthly, months, factor), Business: b.Name, OrderID: o.ID,
			Reference: clientOrder, From: o.EndTime, To: end}, coupon)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+b.Orders+` SET end_time = $2, order_status = 1, updated_at = now()
			WHERE id = $1`, o.ID, end); err != nil {
			return nil, fmt.Errorf("%s renew %d: %w", b.Name, o.ID, err)
		}
		if b.UnlockOnRenew && o.Status == orderflow.OrderExpired {
			if err := b.Engine.Jobs.Insert(ctx, tx, jobs.Unlock{Order: jobs.Order{Business: b.Name, OrderID: o.ID}}); err != nil {
				return nil, err
			}
		}
		return orderflow.NewChargeAnswer(o.ID, end, amount, acct), nil
	})
}

// chargeParams reads guid, client_order_id and coupon_id.
func chargeParams(p dispatch.Params) (id int64, clientOrder string, coupon int64, err error) {
	if id, err = p.OrderID(); err != nil {
		return
	}
	if clientOrder, err = p.Text("client_order_id"); err != nil {
		return
	}
	coupon, err = p.IntIn("coupon_id", 0, 0, 1<<53)
	return
}

// Change is an upgrade that a business has read and checked.
type Change struct {
	Monthly decimal.Decimal // the order's monthly price after it
	// Apply records it on the order inside tx (product, flow, renew_price).
	Apply func(ctx context.Context, tx pgx.Tx) error
}

// Upgrade serves hosting_upgrade / sql_upgrade (billing.md §5): change
// reads the business's parameters for the locked order; the difference of
// the monthly prices for what is left of the period, less the coupon_id, is
// charged, the change applied and a resize job written. Idempotent on
// client_order_id. It answers 业务状态异常 for an order that is not 正常 or
// has no time left, 有操作正在进行中, 参数错误: guid 该产品不支持升级 when
// the product's upgradation is off, change's errors, 余额不足, 优惠券不可用.
func (b Business[D]) Upgrade(ctx context.Context, req *dispatch.Request,
	change func(ctx context.Context, tx pgx.Tx, o Order[D]) (Change, error)) (any, error) {
	id, clientOrder, coupon, err := chargeParams(req.Params)
	if err != nil {
		return nil, err
	}
	return b.Engine.OnceClient(ctx, req, clientOrder, func(tx pgx.Tx) (any, error) {
		o, err := b.Lock(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		now := Now(b.Engine)
		switch {
		case o.Status != orderflow.OrderActive || !now.Before(o.EndTime):
			return nil, dispatch.ErrStatusAbnormal
		case o.Act != orderflow.ActNone:
			return nil, dispatch.ErrOperationRunning
		case o.Product.Upgradation != 1:
			return nil, dispatch.ParamError("guid", "该产品不支持升级")
		}
		c, err := change(ctx, tx, o)
		if err != nil {
			return nil, err
		}
		acct, amount, err := b.Engine.ChargeOne(ctx, tx, req.Reseller.ID, billing.Entry{Kind: "upgrade",
			Amount: pricing.UpgradeCharge(o.Monthly, c.Monthly, now, o.EndTime), Business: b.Name,
			OrderID: o.ID, Reference: clientOrder, From: now, To: o.EndTime}, coupon)
		if err != nil {
			return nil, err
		}
		if err := c.Apply(ctx, tx); err != nil {
			return nil, fmt.Errorf("%s upgrade %d: %w", b.Name, o.ID, err)
		}
		if err := b.Engine.Jobs.Insert(ctx, tx, jobs.Resize{Order: jobs.Order{Business: b.Name, OrderID: o.ID}}); err != nil {
			return nil, err
		}
		return orderflow.NewChargeAnswer(o.ID, o.EndTime, amount, acct), nil
	})
}

// CheckUpgrade answers whether the order may move to product next (named
// field in the request) at monthly price m: a product other than its own
// must be enabled and in stock (库存不足), sold on the order's line
// (参数错误: <field> 不支持该线路) and not cheaper (只能升级到更高配置); the
// monthly price may not drop (只能升级到更高配置).
func (o Order[D]) CheckUpgrade(next Product, m decimal.Decimal, field string) error {
	if next.ID != o.Product.ID {
		switch {
		case next.Status != 1 || next.Stock != 1:
			return dispatch.ErrOutOfStock
		case !next.Serves(o.LineGUID):
			return dispatch.ParamError(field, "不支持该线路")
		case next.Price.LessThan(o.Product.Price):
			return dispatch.ErrUpgradeHigher
		}
	}
	if m.LessThan(o.Monthly) {
		return dispatch.ErrUpgradeHigher
	}
	return nil
}

// Refund serves hosting_refund / sql_refund (billing.md §6) with the
// product's refund_days: orderflow.Engine.Refund pays back the unused part
// and writes the destroy job, and the order becomes -2. It answers
// 业务状态异常 for an order already deleted or recycled and 产品超出可退款时间
// past the window.
func (b Business[D]) Refund(ctx context.Context, req *dispatch.Request) (any, error) {
	id, err := req.Params.OrderID()
	if err != nil {
		return nil, err
	}
	return b.Engine.OnceClient(ctx, req, "", func(tx pgx.Tx) (any, error) {
		o, err := b.Lock(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		answer, err := b.Engine.Refund(ctx, tx, orderflow.Refundable{Business: b.Name, OrderID: o.ID,
			ResellerID: req.Reseller.ID, OrderStatus: o.Status, BuyTime: o.BuyTime,
			RefundDays: o.Product.RefundDays, Reference: o.OrderNo}, Now(b.Engine))
		if err != nil {
			return nil, err
		}
		_, err = tx.Exec(ctx, `UPDATE `+b.Orders+` SET order_status = -2, status_reason = 'refunded',
			updated_at = now() WHERE id = $1`, o.ID)
		return answer, err
	})
}

// maxNameRunes bounds the name of hosting_edit_name / sql_edit_name.
const maxNameRunes = 64

// EditName serves hosting_edit_name / sql_edit_name: the order's local
// name becomes name (required, 1 to 64 characters); nothing is sent to the
// panel. It answers data {}, or 参数错误: name 长度须为1到64位, 未找到产品记录,
// or 业务状态异常 for a deleted or recycled order.
func (b Business[D]) EditName(ctx context.Context, req *dispatch.Request) (any, error) {
	id, err := req.Params.OrderID()
	if err != nil {
		return nil, err
	}
	name, err := req.Params.RequiredText("name")
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(name); n > maxNameRunes || !utf8.ValidString(name) {
		return nil, dispatch.ParamError("name", "长度须为1到64位")
	}
	err = postgres.Tx(ctx, b.Engine.DB, func(tx pgx.Tx) error {
		o, err := b.Lock(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return err
		}
		if o.Status == orderflow.OrderDeleted || o.Status == orderflow.OrderRecycled {
			return dispatch.ErrStatusAbnormal
		}
		_, err = tx.Exec(ctx, `UPDATE `+b.Orders+` SET name = $2, updated_at = now() WHERE id = $1`, o.ID, name)
		return err
	})
	return nil, err
}
