package orderflow

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// OnceClient runs fn in a transaction, once per client_order_id when the
// reseller gives one (semantics.md §4): a repeat with the same parameters
// answers the first answer and charges nothing; with other parameters,
// 订单号已存在.
func (e *Engine) OnceClient(ctx context.Context, req *dispatch.Request, clientOrderID string,
	fn func(tx pgx.Tx) (any, error)) (json.RawMessage, error) {
	hash, err := billing.RequestHash(req.Params.Map())
	if err != nil {
		return nil, err
	}
	answer, err := billing.Once(ctx, e.DB, req.Reseller.ID, billing.ScopeClientOrder, clientOrderID, hash,
		fn)
	return answer, APIError(err)
}

// ChargeOne charges one order (a renewal or an upgrade) inside tx, taking
// the coupon when couponID is not 0, and returns the account after and the
// amount charged.
func (e *Engine) ChargeOne(ctx context.Context, tx pgx.Tx, resellerID int64, entry billing.Entry, couponID int64) (billing.Account, decimal.Decimal, error) {
	discount := decimal.Zero
	if couponID != 0 {
		var err error
		if discount, err = billing.TakeCoupon(ctx, tx, resellerID, couponID, entry.Business, entry.Amount, e.Now()); err != nil {
			return billing.Account{}, decimal.Zero, APIError(err)
		}
		entry.Amount = entry.Amount.Sub(discount)
		entry.CouponID = couponID
	}
	var coupon *billing.CouponUse
	if couponID != 0 {
		coupon = &billing.CouponUse{ID: couponID, Discount: discount}
	}
	acct, err := billing.Charge(ctx, tx, resellerID, []billing.Entry{entry}, nil, coupon)
	if err != nil {
		return billing.Account{}, decimal.Zero, APIError(err)
	}
	return acct, entry.Amount, nil
}

// ChargeAnswer is the answer of a renewal or an upgrade.
type ChargeAnswer struct {
	ID      int64            `json:"id"`
	EndTime apitype.DateTime `json:"end_time"`
	Amount  apitype.Money    `json:"amount"`
	Balance apitype.Money    `json:"balance"`
}

// NewChargeAnswer builds the answer after a charge.
func NewChargeAnswer(id int64, end time.Time, amount decimal.Decimal, acct billing.Account) ChargeAnswer {
	return ChargeAnswer{ID: id, EndTime: apitype.At(end), Amount: apitype.Money{Decimal: amount}, Balance: acct.Balance}
}

// RenewMonths reads a renewal's month count from name (renewLength or
// months, default 1) and checks it against the line's or product's list.
func RenewMonths(p dispatch.Params, name string, allowed string) (int, error) {
	n, err := p.IntIn(name, 1, 1, 120)
	if err != nil {
		return 0, err
	}
	list, err := pricing.ParseMonths(allowed)
	if err != nil {
		return 0, err
	}
	if err := pricing.CheckMonths(int(n), list); err != nil {
		return 0, dispatch.ParamError(name, "不在可选范围")
	}
	return int(n), nil
}

// AnchorDay is the day of the month of an order's first purchase, in the
// operator's zone: every period of the order ends on it (billing.md §4).
func AnchorDay(buyTime time.Time) int { return buyTime.In(apitype.Location()).Day() }

// Extend returns the end of n more months after end for an order bought at
// buyTime.
func Extend(buyTime, end time.Time, n int) time.Time {
	loc := apitype.Location()
	return pricing.AddMonths(end.In(loc), n, AnchorDay(buyTime))
}

// ClientUserID reads client_user_id: -1 when absent (keep the order's).
func ClientUserID(p dispatch.Params) (int64, error) {
	if !p.Has("client_user_id") || p.String("client_user_id") == "" {
		return -1, nil
	}
	return p.IntIn("client_user_id", 0, 0, 1<<53)
}

// Change is what a renewal or an upgrade names: its order (guid), the
// reseller's client_order_id ("" for none) and client_user_id (-1: keep
// the order's).
type Change struct {
	OrderID     int64
	ClientOrder string
	ClientUser  int64
}

// ParseChange reads a Change's parameters, answering as OrderID,
// ClientUserID and Params.Text do.
func ParseChange(p dispatch.Params) (Change, error) {
	var c Change
	var err error
	if c.OrderID, err = p.OrderID(); err != nil {
		return c, err
	}
	if c.ClientUser, err = ClientUserID(p); err != nil {
		return c, err
	}
	c.ClientOrder, err = p.Text("client_order_id")
	return c, err
}
