package machine

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
)

// Held is a lease or idc order read under its row lock, for a change of
// money: its state, its configuration and what prices it.
type Held struct {
	ID, LineID        int64
	OrderNo           string
	Status, Act       int
	BuyTime, EndTime  time.Time
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

func (m Money) now() time.Time { return m.Engine.Now().In(apitype.Location()) }

// Renew serves lease_renew and idc_renew: months (default 1, one of the
// line's months) more from the current end_time, expired or not, priced
// on the order's current configuration with the line's 12/24/36-month
// discount; an expired order is reinstated to 1 and its unlock job
// written. Idempotent on client_order_id. It answers 业务状态异常 unless
// the order is 正常 or 已过期, 参数错误: guid 该线路暂停续费 when the line
// renews no more, 参数错误: months ... and 余额不足 as their names say.
func (m Money) Renew(ctx context.Context, req *dispatch.Request) (any, error) {
	ch, err := orderflow.ParseChange(req.Params)
	if err != nil {
		return nil, err
	}
	id, clientUser, clientOrder := ch.OrderID, ch.ClientUser, ch.ClientOrder
	return m.Engine.OnceClient(ctx, req, clientOrder, func(tx pgx.Tx) (any, error) {
		o, l, err := m.lockWithLine(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		if o.Status != orderflow.OrderActive && o.Status != orderflow.OrderExpired {
			return nil, dispatch.ErrStatusAbnormal
		}
		if l.RenewStatus != 1 {
			return nil, dispatch.ParamError("guid", "该线路暂停续费")
		}
		months, err := orderflow.RenewMonths(req.Params, "months", l.Months)
		if err != nil {
			return nil, err
		}
		monthly, err := o.Monthly(l, o.Cfg)
		if err != nil {
			return nil, orderflow.APIError(err)
		}
		end := orderflow.Extend(o.BuyTime, o.EndTime, months)
		acct, amount, err := m.Engine.ChargeOne(ctx, tx, req.Reseller.ID, billing.Entry{Kind: "renew",
			Amount:   pricing.PeriodCharge(monthly, months, l.Pricing.Discounts.Factor(months)),
			Business: m.Business.Name, OrderID: o.ID, Reference: clientOrder, From: o.EndTime, To: end}, 0)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+m.Business.Orders+` SET end_time = $2, order_status = 1,
				client_user_id = CASE WHEN $3::bigint >= 0 THEN $3 ELSE client_user_id END, updated_at = now()
			WHERE id = $1`, o.ID, end, clientUser); err != nil {
			return nil, fmt.Errorf("%s renew %d: %w", m.Business.Name, o.ID, err)
		}
		if o.Status == orderflow.OrderExpired { // reinstated: its job starts the machine again
			if err := m.Engine.Jobs.Insert(ctx, tx, jobs.Unlock{Order: jobs.Order{Business: m.Business.Name, OrderID: o.ID}}); err != nil {
				return nil, err
			}
		}
		return orderflow.NewChargeAnswer(o.ID, end, amount, acct), nil
	})
}

// Upgrade serves lease_upgrade and idc_upgrade (billing.md §5): ipnumAdd,
// bandwidthAdd and defenseAdd (>= 0) are added to the configuration, which
// the line must sell; the difference of the monthly prices is charged for
// [now, end_time), and the change itself is a resize job. Idempotent on
// client_order_id. It answers 业务状态异常 unless the order is 正常 and
// not past its end, 有操作正在进行中 while another operation runs, 参数错误:
// guid ... when the line or the model upgrades no more, 参数错误:
// ipnumAdd|bandwidthAdd|defenseAdd ... for a value the line does not sell,
// and 余额不足.
func (m Money) Upgrade(ctx context.Context, req *dispatch.Request) (any, error) {
	ch, err := orderflow.ParseChange(req.Params)
	if err != nil {
		return nil, err
	}
	id, clientUser, clientOrder := ch.OrderID, ch.ClientUser, ch.ClientOrder
	return m.Engine.OnceClient(ctx, req, clientOrder, func(tx pgx.Tx) (any, error) {
		o, l, err := m.lockWithLine(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		if o.Status != orderflow.OrderActive {
			return nil, dispatch.ErrStatusAbnormal
		}
		if o.Act != orderflow.ActNone {
			return nil, dispatch.ErrOperationRunning
		}
		if l.UpgradeStatus != 1 {
			return nil, dispatch.ParamError("guid", "该线路暂停升级")
		}
		if o.ProductUpgrade != 1 {
			return nil, dispatch.ParamError("guid", "该机型不支持升级")
		}
		next, err := upgraded(req.Params, o.Cfg)
		if err != nil {
			return nil, err
		}
		oldM, err := o.Monthly(l, o.Cfg)
		if err != nil {
			return nil, orderflow.APIError(err)
		}
		newM, err := o.Monthly(l, next)
		if err != nil {
			return nil, orderflow.Named(err, upgradeNames)
		}
		now := m.now()
		if !now.Before(o.EndTime) {
			return nil, dispatch.ErrStatusAbnormal
		}
		acct, amount, err := m.Engine.ChargeOne(ctx, tx, req.Reseller.ID, billing.Entry{Kind: "upgrade",
			Amount: pricing.UpgradeCharge(oldM, newM, now, o.EndTime), Business: m.Business.Name,
			OrderID: o.ID, Reference: clientOrder, From: now, To: o.EndTime}, 0)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+m.Business.Orders+` SET bandwidth = $2, defense = $3, ipnum = $4,
				monthly_price = $5, client_user_id = CASE WHEN $6::bigint >= 0 THEN $6 ELSE client_user_id END,
				updated_at = now()
			WHERE id = $1`, o.ID, next.Bandwidth, next.Defense, next.IPNum, pricing.RoundCharge(newM), clientUser); err != nil {
			return nil, fmt.Errorf("%s upgrade %d: %w", m.Business.Name, o.ID, err)
		}
		if err := m.Engine.Jobs.Insert(ctx, tx, jobs.Resize{Order: jobs.Order{Business: m.Business.Name, OrderID: o.ID}}); err != nil {
			return nil, err
		}
		return orderflow.NewChargeAnswer(o.ID, o.EndTime, amount, acct), nil
	})
}

// Refund serves lease_refund and idc_refund (billing.md §6) through
// orderflow's Engine.Refund: the unused part of every charge is paid back,
// the order becomes -2, Refunded runs and the destroy job is written. It
// answers 业务状态异常 for an order deleted or recycled already and
// 产品超出可退款时间 past the refund window.
func (m Money) Refund(ctx context.Context, req *dispatch.Request) (any, error) {
	id, err := req.Params.OrderID()
	if err != nil {
		return nil, err
	}
	return m.Engine.OnceClient(ctx, req, "", func(tx pgx.Tx) (any, error) {
		o, l, err := m.lockWithLine(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		// The refund window is the product's refund_days when the operator
		// set one (> 0): a product is the more specific setting, like a
		// machine model that is never refundable early. Otherwise the
		// line's applies; 0 on both means no limit.
		days := l.RefundDays
		if o.ProductRefundDays > 0 {
			days = o.ProductRefundDays
		}
		answer, err := m.Engine.Refund(ctx, tx, orderflow.Refundable{Business: m.Business.Name, OrderID: o.ID,
			ResellerID: req.Reseller.ID, OrderStatus: o.Status, BuyTime: o.BuyTime, RefundDays: days,
			Reference: o.OrderNo}, m.now())
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+m.Business.Orders+` SET order_status = -2,
				status_reason = 'refunded', updated_at = now()
			WHERE id = $1`, o.ID); err != nil {
			return nil, fmt.Errorf("%s refund %d: %w", m.Business.Name, o.ID, err)
		}
		if m.Refunded != nil {
			if err := m.Refunded(ctx, tx, o.ID); err != nil {
				return nil, err
			}
		}
		return answer, nil
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
