// Package orderflow is the order engine the five businesses share: the
// common parameters of create_order, renewals and upgrades; idempotency on
// the reseller's order_id and client_order_id; charging number orders with
// one conditional balance update and one ledger entry each; coupons;
// renewal, upgrade and refund mechanics; and the jobs written in the same
// transaction. Each business keeps its own SQL and pricing inputs and calls
// in here, so the money rules live in one place.
package orderflow

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Engine carries what every order operation needs.
type Engine struct {
	DB        *postgres.DB
	Jobs      *jobs.Client
	Now       func() time.Time // the clock, injected; one reading per operation
	Box       *secret.Box      // opens the lines' provider objects
	Providers provider.Deps    // what drivers get
}

// APIError turns the errors of billing and pricing into the API's
// messages; anything else passes through (and becomes 系统繁忙).
func APIError(err error) error {
	var fe *pricing.FieldError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, billing.ErrReplay): // OnceLate answers the first call instead
		return err
	case errors.Is(err, billing.ErrInsufficient):
		return dispatch.ErrNoBalance
	case errors.Is(err, billing.ErrKeyReused):
		return dispatch.ErrOrderExists
	case errors.Is(err, billing.ErrCouponUnusable):
		return dispatch.ErrCouponUnusable
	case errors.Is(err, pricing.ErrNoPackage):
		return dispatch.ErrPackageNotFound
	case errors.As(err, &fe):
		return dispatch.ParamError(fe.Field, fe.Why)
	}
	return err
}

// HeldPriceError is APIError for the pricing of an order's own
// configuration (a renewal, the price before an upgrade): a *pricing.
// FieldError means the operator has narrowed the line since, no parameter
// of the request is at fault, so the answer names none
// (dispatch.ErrConfigOffLine).
func HeldPriceError(err error) error {
	var fe *pricing.FieldError
	if errors.As(err, &fe) {
		return dispatch.ErrConfigOffLine
	}
	return APIError(err)
}

// CreateAnswer is create_order's answer (semantics.md §4).
type CreateAnswer struct {
	OrderID string        `json:"order_id"`
	IDs     []int64       `json:"ids"`
	Amount  apitype.Money `json:"amount"`
	Balance apitype.Money `json:"balance"`
}

// Purchase is what create_order says besides the business's own fields.
type Purchase struct {
	OrderNo   string // the reseller's order_id
	UserID    int64
	Months    int
	Number    int
	RenewAuto int
	CouponID  int64
	Content   dispatch.Params
}

// maxNumber is the most orders one create_order makes.
const maxNumber = 100

// ParsePurchase reads create_order's common parameters: order_id (required,
// at most 64 characters), user_id, content.months (default 1),
// content.number (1 to 100), content.renew_auto (0 or 1), coupon_id (or
// content.coupon_id).
func ParsePurchase(p dispatch.Params) (Purchase, error) {
	var pu Purchase
	var err error
	if pu.OrderNo, err = p.RequiredText("order_id"); err != nil {
		return pu, err
	}
	if len(pu.OrderNo) > 64 {
		return pu, dispatch.ParamError("order_id", "过长")
	}
	if pu.UserID, err = p.IntIn("user_id", 0, 0, 1<<53); err != nil {
		return pu, err
	}
	if pu.Content, err = p.Object("content"); err != nil {
		return pu, err
	}
	months, err := pu.Content.IntIn("months", 1, 1, 120)
	if err != nil {
		return pu, err
	}
	number, err := pu.Content.IntIn("number", 1, 1, maxNumber)
	if err != nil {
		return pu, err
	}
	renew, err := pu.Content.IntIn("renew_auto", 0, 0, 1)
	if err != nil {
		return pu, err
	}
	pu.Months, pu.Number, pu.RenewAuto = int(months), int(number), int(renew)
	coupon, err := p.IntIn("coupon_id", 0, 0, 1<<53)
	if err != nil {
		return pu, err
	}
	if coupon == 0 {
		if coupon, err = pu.Content.IntIn("coupon_id", 0, 0, 1<<53); err != nil {
			return pu, err
		}
	}
	pu.CouponID = coupon
	return pu, nil
}

// BuyPlan is one business's purchase, priced and checked.
type BuyPlan struct {
	Business Business
	PerOrder decimal.Decimal // one order's charge, rounded
	From, To time.Time       // the service window bought
	// Insert creates order i (0-based) of the purchase in tx, in state
	// 开通中, and returns its id.
	Insert func(ctx context.Context, tx pgx.Tx, i int) (int64, error)
}

// Buy runs a purchase once per (reseller, order_id): it inserts the
// orders, writes each order's provisioning job, takes the coupon and
// charges every order with one balance update that also records the
// order_id, all in one transaction. A repeat with the same parameters
// answers the first answer and charges nothing (Replayable answers a
// sequential repeat before any check; a concurrent one is rolled back);
// with other parameters, 订单号已存在.
func (e *Engine) Buy(ctx context.Context, req *dispatch.Request, pu Purchase, plan BuyPlan) (json.RawMessage, error) {
	hash, err := billing.RequestHash(req.Params.Map())
	if err != nil {
		return nil, err
	}
	answer, err := billing.OnceLate(ctx, e.DB, req.Reseller.ID, billing.ScopePurchase, pu.OrderNo, hash,
		func(tx pgx.Tx, rec *billing.Record) (any, error) {
			ids := make([]int64, pu.Number)
			for i := range ids {
				id, err := plan.Insert(ctx, tx, i)
				if err != nil {
					return nil, err
				}
				ids[i] = id
			}
			// Jobs go in before the charge: the charge locks the account
			// row until the commit, so it comes last.
			for _, id := range ids {
				if err := e.Jobs.Insert(ctx, tx, jobs.Provision{Order: jobs.Order{Business: plan.Business.Name, OrderID: id}}); err != nil {
					return nil, err
				}
			}
			amounts, couponDiscount, err := e.discounted(ctx, tx, req.Reseller.ID, pu.CouponID, plan, pu.Number)
			if err != nil {
				return nil, err
			}
			entries := make([]billing.Entry, len(ids))
			total := decimal.Zero
			for i, id := range ids {
				entries[i] = billing.Entry{Kind: "purchase", Amount: amounts[i], Business: plan.Business.Name, OrderID: id,
					Reference: pu.OrderNo, From: plan.From, To: plan.To, CouponID: pu.CouponID}
				total = total.Add(amounts[i])
			}
			answer := CreateAnswer{OrderID: pu.OrderNo, IDs: ids, Amount: apitype.Money{Decimal: total}}
			if rec.Answer, err = json.Marshal(answer); err != nil {
				return nil, err
			}
			var coupon *billing.CouponUse
			if pu.CouponID != 0 {
				coupon = &billing.CouponUse{ID: pu.CouponID, Discount: couponDiscount}
			}
			// The charge commits the purchase (billing.Charge).
			acct, err := billing.Charge(ctx, tx, req.Reseller.ID, entries, rec, coupon)
			if err != nil {
				return nil, err
			}
			answer.Balance = acct.Balance
			return answer, nil
		})
	return answer, APIError(err)
}

// discounted returns each order's charge after the coupon (the discount
// on the whole purchase, split in whole cents, the remainder on the first
// order) and the discount.
func (e *Engine) discounted(ctx context.Context, tx pgx.Tx, resellerID, couponID int64, plan BuyPlan, n int) ([]decimal.Decimal, decimal.Decimal, error) {
	amounts := make([]decimal.Decimal, n)
	for i := range amounts {
		amounts[i] = plan.PerOrder
	}
	if couponID == 0 {
		return amounts, decimal.Zero, nil
	}
	total := plan.PerOrder.Mul(decimal.NewFromInt(int64(n)))
	discount, err := billing.TakeCoupon(ctx, tx, resellerID, couponID, plan.Business.Name, total, e.Now())
	if err != nil {
		return nil, decimal.Zero, err
	}
	return splitDiscount(plan.PerOrder, discount, n), discount, nil
}

// splitDiscount returns the charges of n orders of perOrder each, less
// their shares of discount: whole cents each, the remainder on the first,
// so that the shares add up to discount exactly.
func splitDiscount(perOrder, discount decimal.Decimal, n int) []decimal.Decimal {
	share := discount.Div(decimal.NewFromInt(int64(n))).RoundDown(2)
	first := discount.Sub(share.Mul(decimal.NewFromInt(int64(n - 1))))
	amounts := make([]decimal.Decimal, n)
	for i := range amounts {
		d := share
		if i == 0 {
			d = first
		}
		amounts[i] = perOrder.Sub(d)
	}
	return amounts
}

// Named maps a pricing error's canonical field key to the parameter name
// the API uses in this action (names["cpu"] = "content.cpu"), then to the
// API's message like APIError.
func Named(err error, names map[string]string) error {
	var fe *pricing.FieldError
	if errors.As(err, &fe) {
		name := fe.Field
		if n, ok := names[name]; ok {
			name = n
		}
		return dispatch.ParamError(name, fe.Why)
	}
	return APIError(err)
}

// Replayable wraps a create_order handler: a reseller's order_id that has
// an answer already gets that answer before anything else is checked, so a
// retry of a purchase whose answer was lost gets it even if the catalogue
// has changed since (a closed line, a price); the same order_id with other
// parameters answers 订单号已存在.
func (e *Engine) Replayable(h dispatch.HandlerFunc) dispatch.HandlerFunc {
	return func(ctx context.Context, req *dispatch.Request) (any, error) {
		orderNo := req.Params.String("order_id")
		if orderNo != "" {
			hash, err := billing.RequestHash(req.Params.Map())
			if err != nil {
				return nil, err
			}
			answer, err := billing.Replay(ctx, e.DB, req.Reseller.ID, billing.ScopePurchase, orderNo, hash)
			if err != nil || answer != nil {
				return answer, APIError(err)
			}
		}
		return h(ctx, req)
	}
}
