package pricing_test

import (
	"testing"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

// BenchmarkCloudMonthlyPeriodCharge prices §8's cloud order for twelve
// months on a line with bandwidth tiers, as a purchase does.
func BenchmarkCloudMonthlyPeriodCharge(b *testing.B) {
	l := deyangCloud()
	stairs, err := pricing.ParseStairs(example3Stairs)
	if err != nil {
		b.Fatal(err)
	}
	l.Stairs = stairs
	discounts, err := pricing.ParseDiscountList(example2Discount)
	if err != nil {
		b.Fatal(err)
	}
	o := exampleCloudOrder()
	factor := discounts.Factor(12)
	b.ReportAllocs()
	for b.Loop() {
		m, err := pricing.CloudMonthly(l, o)
		if err != nil {
			b.Fatal(err)
		}
		_ = pricing.PeriodCharge(m, 12, factor)
	}
}
