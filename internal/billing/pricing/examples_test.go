package pricing_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

// TestWorkedExamples holds every worked example of billing.md §8, priced
// from the catalogue of examples/catalog.json.
func TestWorkedExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		price func(t *testing.T) decimal.Decimal
		want  string
	}{
		{"cloud 德阳电信 4C8G 20M 40+80G one month", func(t *testing.T) decimal.Decimal {
			m, err := pricing.CloudMonthly(deyangCloud(), exampleCloudOrder())
			require.NoError(t, err)
			requireMoney(t, "270.00", m)
			return period(t, m, 1, catalogMonths, discountFactor(t, deyangDiscount, 1))
		}, "270.00"},
		{"cloud same order twelve months at the 0.85 discount", func(t *testing.T) decimal.Decimal {
			m, err := pricing.CloudMonthly(deyangCloud(), exampleCloudOrder())
			require.NoError(t, err)
			return period(t, m, 12, catalogMonths, discountFactor(t, example2Discount, 12))
		}, "2754.00"},
		{"bandwidth tiers from free 10 to 60 Mbps", func(t *testing.T) decimal.Decimal {
			stairs, err := pricing.ParseStairs(example3Stairs)
			require.NoError(t, err)
			return pricing.Bandwidth(60, 10, stairs, d("9.00"))
		}, "480.00"},
		{"lease 基础型 50M 4 IPs twelve months discount1 1.00", func(t *testing.T) decimal.Decimal {
			l := leaseLine(t)
			m, err := pricing.LeaseMonthly(l, leaseBasic(), pricing.LeaseOrder{Bandwidth: 50, Defense: 100, IPNum: 4})
			require.NoError(t, err)
			return period(t, m, 12, catalogMonths, l.Discounts.Factor(12))
		}, "14040.00"},
		{"lease same order with discount1 0.95", func(t *testing.T) decimal.Decimal {
			l := leaseLine(t)
			l.Discounts.D1 = d("0.95")
			m, err := pricing.LeaseMonthly(l, leaseBasic(), pricing.LeaseOrder{Bandwidth: 50, Defense: 100, IPNum: 4})
			require.NoError(t, err)
			return period(t, m, 12, catalogMonths, l.Discounts.Factor(12))
		}, "13338.00"},
		{"idc 1U 温州BGP 100M 2 IPs twelve months discount1 0.00", func(t *testing.T) decimal.Decimal {
			l := wenzhouIDC(t)
			// §8 orders ipnum 2, which the catalogue's ip_num_list
			// (1,4,8,16,32,64) does not offer; §8 names only the line's
			// prices and discount1, so the example is priced without
			// the list (see TestIDCCatalogueListRejectsTwoIPs).
			l.IPNumList = nil
			powers, err := pricing.ParsePower(wenzhouIDCPower)
			require.NoError(t, err)
			power, err := pricing.PickPower(powers, "")
			require.NoError(t, err)
			m, err := pricing.IDCMonthly(l, idc1U(), power, pricing.LeaseOrder{Bandwidth: 100, IPNum: 2})
			require.NoError(t, err)
			return period(t, m, 12, catalogMonths, l.Discounts.Factor(12))
		}, "19200.00"},
		{"hosting A型 flow 50 twelve months", hosting(50, 12), "918.00"},
		{"hosting A型 flow 50 twenty-four months", hosting(50, 24), "1620.00"},
		{"hosting A型 flow 50 six months", hosting(50, 6), "540.00"},
		{"database 1G-A型 twenty-four months", func(t *testing.T) decimal.Decimal {
			m := pricing.DatabaseMonthly(d(sqlAPrice))
			return period(t, m, 24, catalogMonths, discountFactor(t, productDiscount, 24))
		}, "504.00"},
		{"upgrade 270 to 330 half way through January", func(t *testing.T) decimal.Decimal {
			buy := at("2026-01-01 00:00")
			end := pricing.AddMonths(buy, 1, buy.Day())
			return pricing.UpgradeCharge(d("270.00"), d("330.00"), at("2026-01-16 00:00"), end)
		}, "32.00"},
		{"refund on 2026-01-21 after that upgrade", func(t *testing.T) decimal.Decimal {
			buy := at("2026-01-01 00:00")
			end := pricing.AddMonths(buy, 1, buy.Day())
			up := at("2026-01-16 00:00")
			charges := []pricing.Charge{
				{Amount: d("270.00"), From: buy, To: end},
				{Amount: pricing.UpgradeCharge(d("270.00"), d("330.00"), up, end), From: up, To: end},
			}
			return pricing.Refund(charges, at("2026-01-21 00:00"))
		}, "117.80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.price(t)
			requireMoney(t, tt.want, got)
			require.Equal(t, tt.want, got.StringFixed(2))
		})
	}
}

func hosting(flow, months int) func(t *testing.T) decimal.Decimal {
	return func(t *testing.T) decimal.Decimal {
		m, err := pricing.HostingMonthly(hostingA(), flow)
		require.NoError(t, err)
		requireMoney(t, "90.00", m)
		return period(t, m, months, catalogMonths, discountFactor(t, productDiscount, months))
	}
}

func TestIDCCatalogueListRejectsTwoIPs(t *testing.T) {
	t.Parallel()
	_, err := pricing.IDCMonthly(wenzhouIDC(t), idc1U(), pricing.Power{Price: d("0.00")},
		pricing.LeaseOrder{Bandwidth: 100, IPNum: 2})
	requireField(t, err, "ip_num", "不在可选范围")
}
