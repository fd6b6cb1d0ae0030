package pricing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

func TestCloudMonthlyElasticLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		line  func(l *pricing.CloudLine)
		order func(o *pricing.CloudOrder)
		want  string
	}{
		{"billing.md example", nil, nil, "270"},
		{"ip_num 0 is the default single IP", nil, func(o *pricing.CloudOrder) { o.IPNum = 0 }, "270"},
		{"extra IPs at ipPrice each", nil, func(o *pricing.CloudOrder) { o.IPNum = 3 }, "310"},
		{"system disk above the system's minimum is priced", nil, func(o *pricing.CloudOrder) { o.Disks = []int{60, 80} }, "280"},
		{"system disk only", nil, func(o *pricing.CloudOrder) { o.Disks = []int{40} }, "230"},
		{"an existing order below its system's minimum is priced, not refused", nil,
			func(o *pricing.CloudOrder) { o.Disks, o.SystemMinDisk, o.Existing = []int{20, 80}, 50, true }, "270"},
		{"free disk size is subtracted", func(l *pricing.CloudLine) { l.HarddiskFree = 50 }, nil, "245"},
		{"free disk size above the disks costs nothing", func(l *pricing.CloudLine) { l.HarddiskFree = 500 }, nil, "230"},
		{"defense above the free size at defensePrice", func(l *pricing.CloudLine) { l.DefensePrice = d("2.00") },
			func(o *pricing.CloudOrder) { o.Defense = 25 }, "310"},
		{"bandwidth tiers replace bandwidth6Price", func(l *pricing.CloudLine) { l.Stairs = mustStairs(t, example3Stairs) },
			func(o *pricing.CloudOrder) { o.Bandwidth = 60 }, "660"},
		{"markup multiplies everything", func(l *pricing.CloudLine) { l.Markup = d("1.20") }, nil, "324"},
		{"markup 0.00 counts as unset", func(l *pricing.CloudLine) { l.Markup = d("0.00") }, nil, "270"},
		{"the largest order the line allows", nil, func(o *pricing.CloudOrder) {
			*o = pricing.CloudOrder{CPU: 64, RAM: 256, Bandwidth: 300, Defense: 100, IPNum: 10,
				Disks: []int{1000, 1000, 1000, 1000, 1000, 1000}, SystemMinDisk: 40}
		}, "9290"},
		{"the smallest order the line allows", nil, func(o *pricing.CloudOrder) {
			*o = pricing.CloudOrder{CPU: 1, RAM: 1, Bandwidth: 10, Defense: 5, IPNum: 1, Disks: []int{40}, SystemMinDisk: 40}
		}, "25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, o := deyangCloud(), exampleCloudOrder()
			if tt.line != nil {
				tt.line(&l)
			}
			if tt.order != nil {
				tt.order(&o)
			}
			got, err := pricing.CloudMonthly(l, o)
			require.NoError(t, err)
			requireMoney(t, tt.want, got)
		})
	}
}

func TestCloudMonthlyRejectsInvalidOrders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		line       func(l *pricing.CloudLine)
		order      func(o *pricing.CloudOrder)
		field, why string
	}{
		{"cpu below the line's minimum", nil, func(o *pricing.CloudOrder) { o.CPU = 0 }, "cpu", "不在可选范围"},
		{"cpu above the line's maximum", nil, func(o *pricing.CloudOrder) { o.CPU = 65 }, "cpu", "不在可选范围"},
		{"ram below the line's minimum", nil, func(o *pricing.CloudOrder) { o.RAM = 0 }, "ram", "不在可选范围"},
		{"ram above the line's maximum", nil, func(o *pricing.CloudOrder) { o.RAM = 257 }, "ram", "不在可选范围"},
		{"bandwidth below the line's minimum", nil, func(o *pricing.CloudOrder) { o.Bandwidth = 9 }, "bandwidth", "不在可选范围"},
		{"bandwidth above the line's maximum", nil, func(o *pricing.CloudOrder) { o.Bandwidth = 301 }, "bandwidth", "不在可选范围"},
		{"no disks at all", nil, func(o *pricing.CloudOrder) { o.Disks = nil }, "disks", "数量不在可选范围"},
		{"too many disks", nil, func(o *pricing.CloudOrder) { o.Disks = []int{40, 10, 10, 10, 10, 10, 10} }, "disks", "数量不在可选范围"},
		{"too few disks", func(l *pricing.CloudLine) { l.HarddiskMinNum = 2 }, func(o *pricing.CloudOrder) { o.Disks = []int{40} }, "disks", "数量不在可选范围"},
		{"data disk not a multiple of the step", nil, func(o *pricing.CloudOrder) { o.Disks = []int{40, 85} }, "disks", "须为10的倍数"},
		{"data disk above the maximum size", nil, func(o *pricing.CloudOrder) { o.Disks = []int{40, 1010} }, "disks", "不在可选范围"},
		{"data disk below the minimum size", func(l *pricing.CloudLine) { l.HarddiskMinSize = 20 }, func(o *pricing.CloudOrder) { o.Disks = []int{40, 10} }, "disks", "不在可选范围"},
		{"data disk of zero", nil, func(o *pricing.CloudOrder) { o.Disks = []int{40, 0} }, "disks", "不在可选范围"},
		{"system disk below the system's minimum", nil, func(o *pricing.CloudOrder) { o.Disks = []int{30, 80} }, "disks", "不能小于系统盘最小值"},
		{"system disk not a multiple of the step", nil, func(o *pricing.CloudOrder) { o.Disks = []int{45, 80} }, "disks", "须为10的倍数"},
		{"system disk above the maximum size", nil, func(o *pricing.CloudOrder) { o.Disks = []int{1010, 80} }, "disks", "不在可选范围"},
		{"defense below the line's minimum", nil, func(o *pricing.CloudOrder) { o.Defense = 4 }, "defense", "不在可选范围"},
		{"defense above the line's maximum", nil, func(o *pricing.CloudOrder) { o.Defense = 101 }, "defense", "不在可选范围"},
		{"ip_num above ipMaxNum", nil, func(o *pricing.CloudOrder) { o.IPNum = 11 }, "ip_num", "不在可选范围"},
		{"negative ip_num", nil, func(o *pricing.CloudOrder) { o.IPNum = -1 }, "ip_num", "不在可选范围"},
		{"ipMaxNum 0 allows a single IP only", func(l *pricing.CloudLine) { l.IPMax = 0 }, func(o *pricing.CloudOrder) { o.IPNum = 2 }, "ip_num", "不在可选范围"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, o := deyangCloud(), exampleCloudOrder()
			if tt.line != nil {
				tt.line(&l)
			}
			tt.order(&o)
			_, err := pricing.CloudMonthly(l, o)
			requireField(t, err, tt.field, tt.why)
		})
	}
}

func TestCloudMonthlySystemDiskAtOddMinimumNeedsNoStep(t *testing.T) {
	t.Parallel()
	o := exampleCloudOrder()
	o.SystemMinDisk, o.Disks = 45, []int{45, 80}
	got, err := pricing.CloudMonthly(deyangCloud(), o)
	require.NoError(t, err)
	requireMoney(t, "270", got)
}

func TestCloudMonthlyRejectsUnknownLineType(t *testing.T) {
	t.Parallel()
	l := deyangCloud()
	l.ProductType = "3"
	_, err := pricing.CloudMonthly(l, exampleCloudOrder())
	require.ErrorIs(t, err, pricing.ErrLineType)
}

func TestCloudMonthlyPackageLine(t *testing.T) {
	t.Parallel()
	pkgA := func() pricing.CloudOrder {
		return pricing.CloudOrder{CPU: 4, RAM: 8, Bandwidth: 20, Defense: 100, IPNum: 1,
			Disks: []int{40, 100}, SystemMinDisk: win2016SystemDisk}
	}
	tests := []struct {
		name  string
		line  func(l *pricing.CloudLine)
		order func(o *pricing.CloudOrder)
		want  string
	}{
		{"exactly package A costs its price", nil, nil, "168"},
		{"package B is found by cpu and memory", nil, func(o *pricing.CloudOrder) { o.CPU = 8 }, "208"},
		{"bandwidth above the package's, counted from it", nil, func(o *pricing.CloudOrder) { o.Bandwidth = 30 }, "258"},
		{"system disk above the package's system disk", nil, func(o *pricing.CloudOrder) { o.Disks = []int{60, 100} }, "178"},
		{"data disks above the package's total", nil, func(o *pricing.CloudOrder) { o.Disks = []int{40, 60, 80} }, "188"},
		{"extra IPs above the package's", nil, func(o *pricing.CloudOrder) { o.IPNum = 3 }, "208"},
		{"defense above the package's at defensePrice", func(l *pricing.CloudLine) { l.DefensePrice = d("2.00"); l.DefenseMax = 200 },
			func(o *pricing.CloudOrder) { o.Defense = 150 }, "268"},
		{"values below the package's never lower the price", nil, func(o *pricing.CloudOrder) {
			o.Bandwidth, o.Defense, o.Disks = 10, 5, []int{40}
		}, "168"},
		{"a system needing more disk than the package pays the difference", nil, func(o *pricing.CloudOrder) {
			o.SystemMinDisk, o.Disks = 50, []int{50, 100}
		}, "173"},
		{"everything above at once, then markup", func(l *pricing.CloudLine) { l.Markup = d("1.10") }, func(o *pricing.CloudOrder) {
			o.Bandwidth, o.IPNum, o.Disks = 30, 2, []int{50, 150}
		}, "338.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, o := shaoxingCloud(), pkgA()
			if tt.line != nil {
				tt.line(&l)
			}
			if tt.order != nil {
				tt.order(&o)
			}
			got, err := pricing.CloudMonthly(l, o)
			require.NoError(t, err)
			requireMoney(t, tt.want, got)
		})
	}
}

func TestCloudMonthlyPackageLineRejections(t *testing.T) {
	t.Parallel()
	o := pricing.CloudOrder{CPU: 4, RAM: 16, Bandwidth: 20, Defense: 100, IPNum: 1, Disks: []int{40, 100}, SystemMinDisk: 40}
	_, err := pricing.CloudMonthly(shaoxingCloud(), o)
	require.ErrorIs(t, err, pricing.ErrNoPackage)

	o.RAM, o.Bandwidth = 8, 301
	_, err = pricing.CloudMonthly(shaoxingCloud(), o)
	requireField(t, err, "bandwidth", "不在可选范围")

	o.Bandwidth, o.Disks = 20, []int{30, 100}
	_, err = pricing.CloudMonthly(shaoxingCloud(), o)
	requireField(t, err, "disks", "不能小于系统盘最小值")
	o.Existing = true // a renewal or an upgrade: the system was checked when chosen
	_, err = pricing.CloudMonthly(shaoxingCloud(), o)
	require.NoError(t, err)
}

func mustStairs(t *testing.T, text string) pricing.Stairs {
	t.Helper()
	s, err := pricing.ParseStairs(text)
	require.NoError(t, err)
	return s
}
