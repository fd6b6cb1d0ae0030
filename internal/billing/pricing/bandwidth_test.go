package pricing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

func TestBandwidthPrice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stairs  string
		b, from int
		flat    string
		want    string
	}{
		{"no tiers: each Mbps at the flat price", "[]", 20, 10, "9.00", "90.00"},
		{"no tiers and empty text", "", 20, 10, "9.00", "90.00"},
		{"billing.md example: 11-50 at 9, 51-60 at 12", example3Stairs, 60, 10, "0", "480.00"},
		{"within the first tier only", example3Stairs, 30, 10, "0", "180.00"},
		{"above the last tier at the last tier's price", example3Stairs, 120, 10, "0", "1200.00"},
		{"tiers that start inside the free allowance", `[{"min":5,"max":50,"price":"9.00"},{"min":51,"max":100,"price":"12.00"}]`, 30, 10, "0", "180.00"},
		{"free allowance above the first tier skips it", example3Stairs, 70, 55, "0", "180.00"},
		{"Mbps below the first tier at the first tier's price", example3Stairs, 20, 0, "0", "180.00"},
		{"Mbps in a gap at the lower tier's price", `[{"min":11,"max":50,"price":"9.00"},{"min":61,"max":100,"price":"12.00"}]`, 70, 10, "0", "570.00"},
		{"tiers given as numbers and out of order", `[{"min":"51","max":"100","price":12},{"min":11,"max":50,"price":9}]`, 60, 10, "0", "480.00"},
		{"bandwidth equal to the free allowance costs nothing", example3Stairs, 10, 10, "9.00", "0"},
		{"bandwidth below the free allowance costs nothing", "[]", 5, 10, "9.00", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stairs, err := pricing.ParseStairs(tt.stairs)
			require.NoError(t, err)
			requireMoney(t, tt.want, pricing.Bandwidth(tt.b, tt.from, stairs, d(tt.flat)))
		})
	}
}

func TestParseStairsRejectsBadTiers(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, text string }{
		{"malformed JSON", `[{"min":11`},
		{"overlapping tiers", `[{"min":11,"max":50,"price":"9"},{"min":50,"max":100,"price":"12"}]`},
		{"max below min", `[{"min":50,"max":11,"price":"9"}]`},
		{"negative price", `[{"min":11,"max":50,"price":"-9"}]`},
		{"negative min", `[{"min":-1,"max":50,"price":"9"}]`},
		{"price not a number", `[{"min":11,"max":50,"price":"nine"}]`},
		{"missing price", `[{"min":11,"max":50}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := pricing.ParseStairs(tt.text)
			require.Error(t, err)
		})
	}
}
