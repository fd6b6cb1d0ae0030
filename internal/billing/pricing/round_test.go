package pricing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

func TestRoundChargeIsHalfUpToCents(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"exactly half a cent goes up", "0.005", "0.01"},
		{"just under half a cent goes down", "0.0049", "0.00"},
		{"just over half a cent goes up", "1.0051", "1.01"},
		{"half a cent on a large amount goes up", "2753.995", "2754.00"},
		{"two decimals stay", "270.00", "270.00"},
		{"whole numbers gain cents", "918", "918.00"},
		{"negative half a cent goes away from zero", "-0.005", "-0.01"},
		{"negative just under half a cent goes toward zero", "-0.0049", "0.00"},
		{"long fractions round once", "95.80645161290322580645", "95.81"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, pricing.RoundCharge(d(tt.in)).StringFixed(2))
		})
	}
}

func TestRoundRefundNeverRoundsUp(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"half a cent is dropped", "0.005", "0.00"},
		{"almost a cent is dropped", "0.0099999", "0.00"},
		{"fractions above cents are dropped", "117.806451", "117.80"},
		{"two decimals stay", "117.80", "117.80"},
		{"negative amounts go toward zero", "-1.239", "-1.23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pricing.RoundRefund(d(tt.in))
			require.Equal(t, tt.want, got.StringFixed(2))
			require.True(t, got.Abs().LessThanOrEqual(d(tt.in).Abs()))
		})
	}
}

func TestPeriodChargeRoundsOnceAtTheEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		monthly      string
		months       int
		factor, want string
	}{
		{"one month at factor 1", "270", 1, "1", "270.00"},
		{"the longest period, 36 months", "1170", 36, "1", "42120.00"},
		{"36 months with a factor", "1170", 36, "0.9", "37908.00"},
		{"unrounded monthly price rounds only once", "0.3333", 3, "1", "1.00"},
		{"half a cent in the product goes up", "0.335", 1, "0.5", "0.17"},
		{"percentage factor already divided", "90", 12, "0.85", "918.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pricing.PeriodCharge(d(tt.monthly), tt.months, d(tt.factor))
			require.Equal(t, tt.want, got.StringFixed(2))
		})
	}
}

func TestFieldErrorNamesFieldAndReason(t *testing.T) {
	t.Parallel()
	err := error(&pricing.FieldError{Field: "months", Why: "不在可选范围"})
	require.EqualError(t, err, "months 不在可选范围")
}
