package orderflow

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
)

// RefundAnswer is the answer of a refund.
type RefundAnswer struct {
	ID      int64         `json:"id"`
	Amount  apitype.Money `json:"amount"`
	Balance apitype.Money `json:"balance"`
}

// refund pays back the unused part of every charge of order r of b
// (billing.md §6) inside tx, and writes its destroy job. Refund has locked
// the order row and marks it -2 after. An expired order is deleted with
// nothing paid back. It answers 业务状态异常 for an order already deleted
// or recycled, and 产品超出可退款时间 past the refund window.
func (e *Engine) refund(ctx context.Context, tx pgx.Tx, b Business, resellerID int64, r Refund) (RefundAnswer, error) {
	now := e.Now()
	if r.Status == OrderDeleted || r.Status == OrderRecycled {
		return RefundAnswer{}, dispatch.ErrStatusAbnormal
	}
	amount := decimal.Zero
	if r.Status != OrderExpired {
		if r.RefundDays > 0 && now.After(r.BuyTime.Add(time.Duration(r.RefundDays)*24*time.Hour)) {
			return RefundAnswer{}, dispatch.ErrRefundExpired
		}
		charges, refunded, err := billing.Paid(ctx, tx, b.Name, r.ID)
		if err != nil {
			return RefundAnswer{}, err
		}
		amount = pricing.Refund(charges, now)
		if paid := sum(charges); amount.Add(refunded).GreaterThan(paid) { // never more than was paid
			amount = decimal.Max(paid.Sub(refunded), decimal.Zero)
		}
	}
	acct, err := billing.Credit(ctx, tx, resellerID, billing.Entry{Kind: "refund", Amount: amount,
		Business: b.Name, OrderID: r.ID, Reference: r.OrderNo})
	if err != nil {
		return RefundAnswer{}, err
	}
	if err := e.Jobs.Insert(ctx, tx, jobs.Destroy{Order: jobs.Order{Business: b.Name, OrderID: r.ID}}); err != nil {
		return RefundAnswer{}, err
	}
	return RefundAnswer{ID: r.ID, Amount: apitype.Money{Decimal: amount}, Balance: acct.Balance}, nil
}

func sum(cs []pricing.Charge) decimal.Decimal {
	s := decimal.Zero
	for _, c := range cs {
		s = s.Add(c.Amount)
	}
	return s
}
