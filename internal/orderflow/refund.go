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

// Refundable is an order's state as a refund needs it, read under the
// order's row lock.
type Refundable struct {
	Business    string
	OrderID     int64
	ResellerID  int64
	OrderStatus int
	BuyTime     time.Time
	RefundDays  int // the line's or product's setting; 0 = no limit
	Reference   string
}

// Refund pays back the unused part of every charge of an order (billing.md
// §6) inside tx, and writes its destroy job. The caller has locked the
// order row and marks it -2 after. An expired order is deleted with
// nothing paid back. It answers 业务状态异常 for an order already deleted
// or recycled, and 产品超出可退款时间 past the refund window.
func (e *Engine) Refund(ctx context.Context, tx pgx.Tx, r Refundable, now time.Time) (RefundAnswer, error) {
	if r.OrderStatus == OrderDeleted || r.OrderStatus == OrderRecycled {
		return RefundAnswer{}, dispatch.ErrStatusAbnormal
	}
	amount := decimal.Zero
	if r.OrderStatus != OrderExpired {
		if r.RefundDays > 0 && now.After(r.BuyTime.Add(time.Duration(r.RefundDays)*24*time.Hour)) {
			return RefundAnswer{}, dispatch.ErrRefundExpired
		}
		charges, refunded, err := billing.Paid(ctx, tx, r.Business, r.OrderID)
		if err != nil {
			return RefundAnswer{}, err
		}
		amount = pricing.Refund(charges, now)
		if paid := sum(charges); amount.Add(refunded).GreaterThan(paid) { // never more than was paid
			amount = decimal.Max(paid.Sub(refunded), decimal.Zero)
		}
	}
	acct, err := billing.Credit(ctx, tx, r.ResellerID, billing.Entry{Kind: "refund", Amount: amount,
		Business: r.Business, OrderID: r.OrderID, Reference: r.Reference})
	if err != nil {
		return RefundAnswer{}, err
	}
	if err := e.Jobs.Insert(ctx, tx, jobs.Destroy{Order: jobs.Order{Business: r.Business, OrderID: r.OrderID}}); err != nil {
		return RefundAnswer{}, err
	}
	return RefundAnswer{ID: r.OrderID, Amount: apitype.Money{Decimal: amount}, Balance: acct.Balance}, nil
}

func sum(cs []pricing.Charge) decimal.Decimal {
	s := decimal.Zero
	for _, c := range cs {
		s = s.Add(c.Amount)
	}
	return s
}
