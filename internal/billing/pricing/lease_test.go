package pricing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

func TestLeaseMonthly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		line  func(l *pricing.LeaseLine)
		order pricing.LeaseOrder
		want  string
	}{
		{"zero values are the product's own", nil, pricing.LeaseOrder{}, "550"},
		{"the product's values spelled out", nil, pricing.LeaseOrder{Bandwidth: 30, Defense: 100, IPNum: 1}, "550"},
		{"billing.md example: 50M and 4 IPs", nil, pricing.LeaseOrder{Bandwidth: 50, Defense: 100, IPNum: 4}, "1170"},
		{"free IPs above the product's are not charged", func(l *pricing.LeaseLine) { l.IPFree = 4 },
			pricing.LeaseOrder{IPNum: 8}, "950"},
		{"defense above the product's at defense_price", func(l *pricing.LeaseLine) { l.DefensePrice = d("1.00") },
			pricing.LeaseOrder{Defense: 300}, "750"},
		{"bandwidth tiers replace bandwidth_price", func(l *pricing.LeaseLine) { l.Stairs = mustStairs(t, example3Stairs) },
			pricing.LeaseOrder{Bandwidth: 60}, "850"},
		{"ip_num_list empty allows any count in range", func(l *pricing.LeaseLine) { l.IPNumList = nil },
			pricing.LeaseOrder{IPNum: 2}, "650"},
		{"defense_num_list empty allows any defense above the product's", func(l *pricing.LeaseLine) { l.DefenseNumList = nil },
			pricing.LeaseOrder{Defense: 150}, "550"},
		{"the largest order the line allows", nil, pricing.LeaseOrder{Bandwidth: 1000, Defense: 600, IPNum: 64}, "22370"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := leaseLine(t)
			if tt.line != nil {
				tt.line(&l)
			}
			got, err := pricing.LeaseMonthly(l, leaseBasic(), tt.order)
			require.NoError(t, err)
			requireMoney(t, tt.want, got)
		})
	}
}

func TestLeaseLongestPeriodWithDiscount3(t *testing.T) {
	t.Parallel()
	l := leaseLine(t)
	l.Discounts = pricing.Thresholds{D1: d("0.95"), D2: d("0.90"), D3: d("0.85")}
	m, err := pricing.LeaseMonthly(l, leaseBasic(), pricing.LeaseOrder{Bandwidth: 1000, Defense: 600, IPNum: 64})
	require.NoError(t, err)
	got := period(t, m, 36, catalogMonths, l.Discounts.Factor(36))
	require.Equal(t, "684522.00", got.StringFixed(2))
	require.NoError(t, pricing.CheckNumber(20, 20)) // buy_order_max_num 20
}

func TestLeaseMonthlyRejectsInvalidOrders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		line       func(l *pricing.LeaseLine)
		order      pricing.LeaseOrder
		field, why string
	}{
		{"bandwidth above the product's not a multiple of bandwidth_step", nil, pricing.LeaseOrder{Bandwidth: 55}, "bandwidth", "须为10的倍数"},
		{"bandwidth above bandwidth_max_size", nil, pricing.LeaseOrder{Bandwidth: 1010}, "bandwidth", "不在可选范围"},
		{"bandwidth below the product's", nil, pricing.LeaseOrder{Bandwidth: 20}, "bandwidth", "不在可选范围"},
		{"bandwidth_max_size 0 sells nothing above the product's", func(l *pricing.LeaseLine) { l.BandwidthMax = 0 },
			pricing.LeaseOrder{Bandwidth: 40}, "bandwidth", "不在可选范围"},
		{"ip_num not in ip_num_list", nil, pricing.LeaseOrder{IPNum: 2}, "ip_num", "不在可选范围"},
		{"ip_num above ip_max_size", func(l *pricing.LeaseLine) { l.IPNumList = nil }, pricing.LeaseOrder{IPNum: 101}, "ip_num", "不在可选范围"},
		{"ip_num listed but above ip_max_size", nil, pricing.LeaseOrder{IPNum: 128}, "ip_num", "不在可选范围"},
		{"ip_num below ip_min_size", func(l *pricing.LeaseLine) { l.IPMin = 4; l.IPNumList = nil }, pricing.LeaseOrder{IPNum: 2}, "ip_num", "不在可选范围"},
		{"negative ip_num", nil, pricing.LeaseOrder{IPNum: -1}, "ip_num", "不在可选范围"},
		{"defense not in defense_num_list", nil, pricing.LeaseOrder{Defense: 150}, "defense", "不在可选范围"},
		{"defense listed but above defense_max_size", func(l *pricing.LeaseLine) { l.DefenseNumList = append(l.DefenseNumList, 700) },
			pricing.LeaseOrder{Defense: 700}, "defense", "不在可选范围"},
		{"defense below the product's without a list", func(l *pricing.LeaseLine) { l.DefenseNumList = nil },
			pricing.LeaseOrder{Defense: 50}, "defense", "不在可选范围"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := leaseLine(t)
			if tt.line != nil {
				tt.line(&l)
			}
			_, err := pricing.LeaseMonthly(l, leaseBasic(), tt.order)
			requireField(t, err, tt.field, tt.why)
		})
	}
}

func TestIDCMonthlyAddsThePower(t *testing.T) {
	t.Parallel()
	powers, err := pricing.ParsePower(`[{"name":"0.5A/220V","price":"0.00"},{"name":"1A/220V","price":50}]`)
	require.NoError(t, err)
	tests := []struct {
		name, power, want string
	}{
		{"no name picks the first entry", "", "800"},
		{"a named entry adds its price", "1A/220V", "850"},
		{"names are trimmed", " 1A/220V ", "850"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := pricing.PickPower(powers, tt.power)
			require.NoError(t, err)
			got, err := pricing.IDCMonthly(wenzhouIDC(t), idc1U(), p, pricing.LeaseOrder{})
			require.NoError(t, err)
			requireMoney(t, tt.want, got)
		})
	}
}

func TestIDCMonthlyRejectsAsLease(t *testing.T) {
	t.Parallel()
	_, err := pricing.IDCMonthly(wenzhouIDC(t), idc1U(), pricing.Power{Price: d("0")}, pricing.LeaseOrder{Bandwidth: 65})
	requireField(t, err, "bandwidth", "须为10的倍数")
}

func TestPickPower(t *testing.T) {
	t.Parallel()
	powers, err := pricing.ParsePower(wenzhouIDCPower)
	require.NoError(t, err)

	_, err = pricing.PickPower(powers, "2A/380V")
	requireField(t, err, "power", "不存在")

	_, err = pricing.PickPower(nil, "0.5A/220V")
	requireField(t, err, "power", "不存在")

	p, err := pricing.PickPower(nil, "")
	require.NoError(t, err)
	requireMoney(t, "0", p.Price)

	p, err = pricing.PickPower(powers, "0.5A/220V")
	require.NoError(t, err)
	require.Equal(t, "0.5A/220V", p.Name)
}

func TestParsePowerRejectsBadEntries(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, text string }{
		{"malformed JSON", `[{"name":`},
		{"empty name", `[{"name":" ","price":"1"}]`},
		{"repeated name", `[{"name":"1A","price":"1"},{"name":"1A","price":"2"}]`},
		{"negative price", `[{"name":"1A","price":"-1"}]`},
		{"missing price", `[{"name":"1A"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := pricing.ParsePower(tt.text)
			require.Error(t, err)
		})
	}
}
