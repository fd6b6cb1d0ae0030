package pricing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

func TestHostingMonthly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		flow int
		want string
	}{
		{"flow 0 is the product's flow", 0, "80"},
		{"the product's flow", 30, "80"},
		{"one GB above takes a whole up_flow step", 31, "85"},
		{"exactly one step", 40, "85"},
		{"one GB into the second step", 41, "90"},
		{"billing.md example, flow 50", 50, "90"},
		{"max_flow, the most a product allows", 100, "115"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pricing.HostingMonthly(hostingA(), tt.flow)
			require.NoError(t, err)
			requireMoney(t, tt.want, got)
		})
	}
}

func TestHostingMonthlyRejectsFlow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		product func(p *pricing.HostingProduct)
		flow    int
	}{
		{"above max_flow", nil, 101},
		{"below the product's flow", nil, 20},
		{"negative", nil, -10},
		{"max_flow 0 makes the product's flow the maximum", func(p *pricing.HostingProduct) { p.MaxFlow = 0 }, 40},
		{"no up_flow step sells no extra flow", func(p *pricing.HostingProduct) { p.UpFlow = 0 }, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := hostingA()
			if tt.product != nil {
				tt.product(&p)
			}
			_, err := pricing.HostingMonthly(p, tt.flow)
			requireField(t, err, "flow", "不在可选范围")
		})
	}
}

func TestDatabaseMonthlyIsThePrice(t *testing.T) {
	t.Parallel()
	requireMoney(t, sqlAPrice, pricing.DatabaseMonthly(d(sqlAPrice)))
}
