package billing

import (
	"context"
	"errors"
	"fmt"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

// ErrCouponUnusable: no such coupon for this reseller and business, outside
// its validity, used up, or the amount is below its minimum (优惠券不可用).
var ErrCouponUnusable = errors.New("coupon not usable")

// TakeCoupon applies coupon id to amount for the reseller and business at
// now, using one of its uses, inside tx (the row is locked, so concurrent
// uses of the last one cannot both succeed). It returns the discount, at
// most amount. The charge records the use (Charge's coupon).
func TakeCoupon(ctx context.Context, tx pgx.Tx, resellerID, id int64, business string,
	amount decimal.Decimal, now time.Time) (decimal.Decimal, error) {
	var (
		owner             *int64
		businesses        []string
		kind              string
		value, minAmount  decimal.Decimal
		validFrom, expiry time.Time
		uses              int
	)
	err := postgres.QueryRow(ctx, tx, `
		SELECT reseller_id, businesses, kind, value, min_amount, valid_from, valid_until, uses
		FROM coupons WHERE id = $1 FOR UPDATE`, id).
		Scan(&owner, &businesses, &kind, &value, &minAmount, &validFrom, &expiry, &uses)
	if errors.Is(err, postgres.ErrNotFound) {
		return decimal.Zero, ErrCouponUnusable
	}
	if err != nil {
		return decimal.Zero, fmt.Errorf("billing.TakeCoupon: %w", err)
	}
	if (owner != nil && *owner != resellerID) || !contains(businesses, business) ||
		now.Before(validFrom) || !now.Before(expiry) || uses <= 0 {
		return decimal.Zero, ErrCouponUnusable
	}
	discount, err := pricing.CouponDiscount(amount, pricing.Coupon{Kind: kind, Value: value, MinAmount: minAmount})
	if err != nil {
		return decimal.Zero, ErrCouponUnusable
	}
	if _, err := tx.Exec(ctx, `UPDATE coupons SET uses = uses - 1 WHERE id = $1`, id); err != nil {
		return decimal.Zero, fmt.Errorf("billing.TakeCoupon: %w", err)
	}
	return discount, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
