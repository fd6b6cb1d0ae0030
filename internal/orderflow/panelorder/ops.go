package panelorder

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Order is a panel order read under its row lock, with what the shared
// operations need; Detail is the business's own part.
type Order[D any] struct {
	orderflow.Held
	LineID    int64
	LineGUID  string
	RunStatus int
	Product   Product         // its product now
	Monthly   decimal.Decimal // its monthly price as it is now (M of billing.md §2)
	Detail    D
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

// Renew serves hosting_renew / sql_renew (billing.md §4,
// orderflow.Engine.Renew): the period that newEndTimeStr (and
// renewLength) name, from the current end_time, expired or not, at the
// product's discount. The line's renew switch must be on. It answers,
// besides the skeleton's answers, 参数错误: guid 该线路暂停续费 and those of
// RenewTo.
func (b Business[D]) Renew(ctx context.Context, req *dispatch.Request) (any, error) {
	return b.Engine.Renew(ctx, req, b.Business, func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (orderflow.Renewal, error) {
		o, err := b.Lock(ctx, tx, resellerID, id)
		if err != nil {
			return orderflow.Renewal{}, err
		}
		return orderflow.Renewal{Held: o.Held, Unlock: b.UnlockOnRenew, Price: func() (time.Time, decimal.Decimal, error) {
			l, err := LoadLine(ctx, tx, "", o.LineID)
			if err != nil {
				return time.Time{}, decimal.Zero, err
			}
			if l.Renew != 1 {
				return time.Time{}, decimal.Zero, dispatch.ParamError("guid", "该线路暂停续费")
			}
			months, end, err := RenewTo(req.Params, o.BuyTime, o.EndTime, o.Product)
			if err != nil {
				return time.Time{}, decimal.Zero, err
			}
			factor, err := o.Product.Factor(months)
			if err != nil {
				return time.Time{}, decimal.Zero, err
			}
			return end, pricing.PeriodCharge(o.Monthly, months, factor), nil
		}}, nil
	})
}

// Change is an upgrade that a business has read and checked.
type Change struct {
	Monthly decimal.Decimal // the order's monthly price after it
	// Apply records it on the order inside tx (product, flow, renew_price).
	Apply func(ctx context.Context, tx pgx.Tx) error
}

// Upgrade serves hosting_upgrade / sql_upgrade (billing.md §5,
// orderflow.Engine.Upgrade): change reads the business's parameters for the
// locked order. It answers, besides the skeleton's answers, 参数错误: guid
// 该产品不支持升级 when the product's upgradation is off, and change's
// errors.
func (b Business[D]) Upgrade(ctx context.Context, req *dispatch.Request,
	change func(ctx context.Context, tx pgx.Tx, o Order[D]) (Change, error)) (any, error) {
	return b.Engine.Upgrade(ctx, req, b.Business, func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (orderflow.Upgrade, error) {
		o, err := b.Lock(ctx, tx, resellerID, id)
		if err != nil {
			return orderflow.Upgrade{}, err
		}
		return orderflow.Upgrade{Held: o.Held, Price: func() (decimal.Decimal, decimal.Decimal, func(context.Context, pgx.Tx) error, error) {
			if o.Product.Upgradation != 1 {
				return decimal.Zero, decimal.Zero, nil, dispatch.ParamError("guid", "该产品不支持升级")
			}
			c, err := change(ctx, tx, o)
			if err != nil {
				return decimal.Zero, decimal.Zero, nil, err
			}
			return o.Monthly, c.Monthly, c.Apply, nil
		}}, nil
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

// Refund serves hosting_refund / sql_refund (billing.md §6,
// orderflow.Engine.Refund) within the product's refund_days.
func (b Business[D]) Refund(ctx context.Context, req *dispatch.Request) (any, error) {
	return b.Engine.Refund(ctx, req, b.Business, func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (orderflow.Refund, error) {
		o, err := b.Lock(ctx, tx, resellerID, id)
		if err != nil {
			return orderflow.Refund{}, err
		}
		return orderflow.Refund{Held: o.Held, RefundDays: o.Product.RefundDays}, nil
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
