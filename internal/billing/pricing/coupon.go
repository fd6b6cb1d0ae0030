package pricing

import "github.com/shopspring/decimal"

// Coupon kinds.
const (
	CouponAmount  = "amount"
	CouponPercent = "percent"
)

// Coupon is what pricing needs of a coupon (billing.md §7).
type Coupon struct {
	Kind             string // "amount" | "percent"
	Value, MinAmount decimal.Decimal
}

// CouponDiscount returns how much c takes off amount (after discounts):
// Value for an amount coupon, RoundCharge(amount * Value / 100) for a
// percent coupon, never more than amount, so the charge never goes below
// 0.00. It returns ErrCouponUnusable when amount is below MinAmount, the
// value is negative or the kind is unknown.
func CouponDiscount(amount decimal.Decimal, c Coupon) (decimal.Decimal, error) {
	if amount.LessThan(c.MinAmount) || c.Value.IsNegative() {
		return decimal.Zero, ErrCouponUnusable
	}
	var d decimal.Decimal
	switch c.Kind {
	case CouponAmount:
		d = c.Value
	case CouponPercent:
		d = RoundCharge(amount.Mul(c.Value).Shift(-2))
	default:
		return decimal.Zero, ErrCouponUnusable
	}
	if amount.Sign() <= 0 {
		return decimal.Zero, nil
	}
	if d.GreaterThan(amount) {
		d = amount
	}
	return d, nil
}
