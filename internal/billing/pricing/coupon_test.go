package pricing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

func TestCouponDiscount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		amount       string
		coupon       pricing.Coupon
		want         string
		wantUnusable bool
	}{
		{"percent of the amount", "270.00", pricing.Coupon{Kind: "percent", Value: d("10"), MinAmount: d("0.00")}, "27.00", false},
		{"percent rounds half-up", "0.05", pricing.Coupon{Kind: "percent", Value: d("10")}, "0.01", false},
		{"percent above 100 never takes more than the amount", "100.00", pricing.Coupon{Kind: "percent", Value: d("150")}, "100.00", false},
		{"amount coupon subtracts its value", "270.00", pricing.Coupon{Kind: "amount", Value: d("50.00")}, "50.00", false},
		{"amount coupon never goes below 0.00", "30.00", pricing.Coupon{Kind: "amount", Value: d("50.00")}, "30.00", false},
		{"amount equal to the minimum is usable", "100.00", pricing.Coupon{Kind: "amount", Value: d("5"), MinAmount: d("100.00")}, "5.00", false},
		{"amount below the minimum is unusable", "99.99", pricing.Coupon{Kind: "amount", Value: d("5"), MinAmount: d("100.00")}, "0", true},
		{"a free order gets no discount", "0.00", pricing.Coupon{Kind: "amount", Value: d("5")}, "0.00", false},
		{"unknown kind is unusable", "100.00", pricing.Coupon{Kind: "gift", Value: d("5")}, "0", true},
		{"negative value is unusable", "100.00", pricing.Coupon{Kind: "amount", Value: d("-5")}, "0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pricing.CouponDiscount(d(tt.amount), tt.coupon)
			if tt.wantUnusable {
				require.ErrorIs(t, err, pricing.ErrCouponUnusable)
				return
			}
			require.NoError(t, err)
			requireMoney(t, tt.want, got)
			require.False(t, d(tt.amount).Sub(got).IsNegative())
		})
	}
}
