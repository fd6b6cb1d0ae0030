package machine

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
)

// Held is a lease or idc order read under its row lock, for a change of
// money: its state, its configuration and what prices it.
type Held struct {
	orderflow.Held
	LineID            int64
	Cfg               pricing.LeaseOrder
	Product           pricing.LeaseProduct
	Power             *PowerChoice // colocation: the order's power; nil for a lease
	ProductRefundDays int
	ProductUpgrade    int // the product's upgrade_status (colocation products have none: 1)
}

// PowerChoice is a colocation order's power: the product's power JSON and
// the name of the entry the order chose. It is priced when the order is,
// so a refund never depends on it.
type PowerChoice struct{ List, Name string }

// Monthly prices cfg for the held order on l: pricing.LeaseMonthly, plus
// the chosen power's price for colocation. It fails as they do, with an
// error naming the product's power list when that cannot be read.
func (h Held) Monthly(l Line, cfg pricing.LeaseOrder) (decimal.Decimal, error) {
	if h.Power == nil {
		return pricing.LeaseMonthly(l.Pricing, h.Product, cfg)
	}
	list, err := pricing.ParsePower(h.Power.List)
	if err != nil {
		return decimal.Zero, fmt.Errorf("order %d: product power: %w", h.ID, err)
	}
	power, err := pricing.PickPower(list, h.Power.Name)
	if err != nil {
		return decimal.Zero, err
	}
	return pricing.IDCMonthly(l.Pricing, h.Product, power, cfg)
}

// Money serves the renewal, upgrade and refund of one of the two
// businesses (lease_renew/idc_renew, lease_upgrade/idc_upgrade,
// lease_refund/idc_refund), which differ only in their tables, how an
// order is read and what a refund leaves behind.
type Money struct {
	Business Business
	Engine   *orderflow.Engine
	// Lock reads the caller's order id FOR UPDATE inside tx; another
	// reseller's or an unknown order answers dispatch.ErrOrderNotFound.
	Lock func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (Held, error)
	// Refunded runs inside a refund's transaction after the order became
	// -2 (a lease frees its machine); nil when there is nothing to do.
	Refunded func(ctx context.Context, tx pgx.Tx, orderID int64) error
}

// Renew serves lease_renew and idc_renew: months (default 1, one of the
// line's months) more from the current end_time, expired or not, priced
// on the order's current configuration with the line's 12/24/36-month
// discount; an expired order is reinstated and its unlock job written
// (orderflow.Engine.Renew). It answers, besides the skeleton's answers,
// 参数错误: guid 该线路暂停续费 when the line renews no more and 参数错误:
// months ... for a month count the line does not sell.
func (m Money) Renew(ctx context.Context, req *dispatch.Request) (any, error) {
	return m.Engine.Renew(ctx, req, m.Business, func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (orderflow.Renewal, error) {
		o, l, err := m.lockWithLine(ctx, tx, resellerID, id)
		if err != nil {
			return orderflow.Renewal{}, err
		}
		return orderflow.Renewal{Held: o.Held, Unlock: true, Price: func() (time.Time, decimal.Decimal, error) {
			if l.RenewStatus != 1 {
				return time.Time{}, decimal.Zero, dispatch.ParamError("guid", "该线路暂停续费")
			}
			months, err := orderflow.RenewMonths(req.Params, "months", l.Months)
			if err != nil {
				return time.Time{}, decimal.Zero, err
			}
			monthly, err := o.Monthly(l, o.Cfg)
			if err != nil {
				return time.Time{}, decimal.Zero, orderflow.HeldPriceError(err)
			}
			return orderflow.Extend(o.BuyTime, o.EndTime, months),
				pricing.PeriodCharge(monthly, months, l.Pricing.Discounts.Factor(months)), nil
		}}, nil
	})
}

// Upgrade serves lease_upgrade and idc_upgrade (billing.md §5): ipnumAdd,
// bandwidthAdd and defenseAdd (>= 0) are added to the configuration, which
// the line must sell (orderflow.Engine.Upgrade). It answers, besides the
// skeleton's answers, 参数错误: guid ... when the line or the model upgrades
// no more, 升级后的配置与当前配置相同 when every addition is 0, and 参数错误: ipnumAdd|bandwidthAdd|defenseAdd ... for a value the
// line does not sell.
func (m Money) Upgrade(ctx context.Context, req *dispatch.Request) (any, error) {
	return m.Engine.Upgrade(ctx, req, m.Business, func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (orderflow.Upgrade, error) {
		o, l, err := m.lockWithLine(ctx, tx, resellerID, id)
		if err != nil {
			return orderflow.Upgrade{}, err
		}
		return orderflow.Upgrade{Held: o.Held, Price: func() (decimal.Decimal, decimal.Decimal, func(context.Context, pgx.Tx) error, error) {
			if l.UpgradeStatus != 1 {
				return decimal.Zero, decimal.Zero, nil, dispatch.ParamError("guid", "该线路暂停升级")
			}
			if o.ProductUpgrade != 1 {
				return decimal.Zero, decimal.Zero, nil, dispatch.ParamError("guid", "该机型不支持升级")
			}
			next, err := upgraded(req.Params, o.Cfg)
			if err != nil {
				return decimal.Zero, decimal.Zero, nil, err
			}
			if next == o.Cfg {
				return decimal.Zero, decimal.Zero, nil, dispatch.ErrUpgradeNoChange
			}
			before, err := o.Monthly(l, o.Cfg)
			if err != nil {
				return decimal.Zero, decimal.Zero, nil, orderflow.HeldPriceError(err)
			}
			after, err := o.Monthly(l, next)
			if err != nil {
				return decimal.Zero, decimal.Zero, nil, orderflow.Named(err, upgradeNames)
			}
			return before, after, func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE `+m.Business.Orders+` SET bandwidth = $2, defense = $3, ipnum = $4,
						monthly_price = $5, updated_at = now()
					WHERE id = $1`, o.ID, next.Bandwidth, next.Defense, next.IPNum, pricing.RoundCharge(after))
				return err
			}, nil
		}}, nil
	})
}

// Refund serves lease_refund and idc_refund (billing.md §6,
// orderflow.Engine.Refund); Refunded runs in its transaction. The window is
// the product's refund_days when the operator set one (> 0): a product is
// the more specific setting, like a machine model that is never refundable
// early. Otherwise the line's applies; 0 on both means no limit.
func (m Money) Refund(ctx context.Context, req *dispatch.Request) (any, error) {
	return m.Engine.Refund(ctx, req, m.Business, func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (orderflow.Refund, error) {
		o, l, err := m.lockWithLine(ctx, tx, resellerID, id)
		if err != nil {
			return orderflow.Refund{}, err
		}
		days := l.RefundDays
		if o.ProductRefundDays > 0 {
			days = o.ProductRefundDays
		}
		r := orderflow.Refund{Held: o.Held, RefundDays: days}
		if m.Refunded != nil {
			r.Refunded = func(ctx context.Context, tx pgx.Tx) error { return m.Refunded(ctx, tx, o.ID) }
		}
		return r, nil
	})
}

// lockWithLine locks the caller's order and reads its line.
func (m Money) lockWithLine(ctx context.Context, tx pgx.Tx, resellerID, id int64) (Held, Line, error) {
	o, err := m.Lock(ctx, tx, resellerID, id)
	if err != nil {
		return Held{}, Line{}, err
	}
	l, err := LoadLine(ctx, tx, m.Business, "", o.LineID)
	if err != nil {
		return Held{}, Line{}, err
	}
	return o, l, nil
}
