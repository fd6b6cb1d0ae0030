package pricing_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

// The catalogue of examples/catalog.json, hard-coded as input structs.

// d is a decimal literal.
func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// cst is the operator's zone (Asia/Shanghai has no DST; a fixed zone keeps
// the tests independent of the machine's tzdata).
var cst = time.FixedZone("CST", 8*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

const (
	catalogMonths = "1,2,3,4,5,6,7,8,9,12,24,36"
	// The 德阳电信 cloud line's discount and the one of §8's second example.
	deyangDiscount    = `[{"month":"1","discount":"1"}]`
	example2Discount  = `[{"month":"1","discount":"1"},{"month":"12","discount":"0.85"}]`
	productDiscount   = `[{"month":12,"discount":85},{"month":24,"discount":75}]`
	example3Stairs    = `[{"min":11,"max":50,"price":"9.00"},{"min":51,"max":100,"price":"12.00"}]`
	wenzhouIDCPower   = `[{"name":"0.5A/220V","price":"0.00"}]`
	catalogIPNumList  = "1,4,8,16,32,64"
	catalogDefenseNum = "100,200,300,400,500,600"
)

// deyangCloud is getlines 德阳电信 (elastic) with billing.md §8's extra
// fields cpuPrice 15.00, memoryPrice 10.00, ipPrice 20.00.
func deyangCloud() pricing.CloudLine {
	return pricing.CloudLine{
		ProductType: "1",
		CPUPrice:    d("15.00"), MemoryPrice: d("10.00"), IPPrice: d("20.00"),
		HarddiskPrice: d("0.50"), DefensePrice: d("0.00"), Bandwidth6Price: d("9.00"), Markup: d("1.00"),
		CPUMin: 1, CPUMax: 64, MemoryMin: 1, MemoryMax: 256, IPMax: 10,
		BandwidthMin: 10, BandwidthMax: 300, BandwidthFree: 10,
		HarddiskMinNum: 1, HarddiskMaxNum: 6, HarddiskMinSize: 0, HarddiskMaxSize: 1000,
		HarddiskStep: 10, HarddiskFree: 0,
		DefenseMin: 5, DefenseMax: 100, DefenseFree: 5,
		Stairs: pricing.Stairs{},
	}
}

// shaoxingCloud is getlines 绍兴BGP (package line) with its two getproduct
// packages.
func shaoxingCloud() pricing.CloudLine {
	l := deyangCloud()
	l.ProductType = "2"
	l.Packages = []pricing.CloudPackage{
		{CPU: 4, Memory: 8, SystemDisk: 40, Harddisk: 100, IPNum: 1, Bandwidth: 20, Defense: 100, Price: d("168.00")},
		{CPU: 8, Memory: 8, SystemDisk: 40, Harddisk: 100, IPNum: 1, Bandwidth: 20, Defense: 100, Price: d("208.00")},
	}
	return l
}

// win2016 is getsystems 2016 数据中心版 64位: system_harddisk 40.
const win2016SystemDisk = 40

// exampleCloudOrder is §8's cloud order: cpu 4, ram 8, bandwidth 20,
// harddisksValues "40,80", defense 5, ip_num 1.
func exampleCloudOrder() pricing.CloudOrder {
	return pricing.CloudOrder{CPU: 4, RAM: 8, Bandwidth: 20, Defense: 5, IPNum: 1,
		Disks: []int{40, 80}, SystemMinDisk: win2016SystemDisk}
}

func intList(t testing.TB, s string) []int {
	t.Helper()
	l, err := pricing.ParseIntList(s)
	require.NoError(t, err)
	return l
}

// leaseLine is lease_lines 浙江专线二区 (the line of lease product 基础型;
// 德阳电信's lease line has the same prices).
func leaseLine(t testing.TB) pricing.LeaseLine {
	return pricing.LeaseLine{
		BandwidthPrice: d("16.00"), IPPrice: d("100.00"), DefensePrice: d("0.00"),
		Stairs:       pricing.Stairs{},
		BandwidthMax: 1000, BandwidthStep: 10,
		IPMin: 1, IPMax: 100, IPFree: 1, IPNumList: intList(t, catalogIPNumList),
		DefenseMax: 600, DefenseNumList: intList(t, catalogDefenseNum),
		Discounts: pricing.Thresholds{D1: d("1.00"), D2: d("1.00"), D3: d("1.00")},
	}
}

// leaseBasic is lease_product 基础型 24核16G(ESSD).
func leaseBasic() pricing.LeaseProduct {
	return pricing.LeaseProduct{Price: d("550.00"), Bandwidth: 30, Defense: 100, IPNum: 1}
}

// wenzhouIDC is idc_lines 温州BGP.
func wenzhouIDC(t testing.TB) pricing.LeaseLine {
	return pricing.LeaseLine{
		BandwidthPrice: d("10.00"), IPPrice: d("300.00"), DefensePrice: d("0.00"),
		Stairs:       pricing.Stairs{},
		BandwidthMax: 1000, BandwidthStep: 10,
		IPMin: 1, IPMax: 100, IPFree: 1, IPNumList: intList(t, catalogIPNumList),
		DefenseMax: 600, DefenseNumList: intList(t, catalogDefenseNum),
		Discounts: pricing.Thresholds{D1: d("0.00"), D2: d("0.00"), D3: d("0.00")},
	}
}

// idc1U is idc_product 1U.
func idc1U() pricing.LeaseProduct {
	return pricing.LeaseProduct{Price: d("800.00"), Bandwidth: 50, Defense: 5, IPNum: 1}
}

// hostingA is hosting_product 防劫持IP空间-A型.
func hostingA() pricing.HostingProduct {
	return pricing.HostingProduct{Price: d("80.00"), UpFlowPrice: d("5.00"), Flow: 30, MaxFlow: 100, UpFlow: 10}
}

// sqlAPrice is the price of sql_product 云数据库1G-A型.
const sqlAPrice = "28.00"

// period checks months against the list and returns the rounded charge
// for one order, as a caller does.
func period(t testing.TB, monthly decimal.Decimal, months int, list string, factor decimal.Decimal) decimal.Decimal {
	t.Helper()
	ml, err := pricing.ParseMonths(list)
	require.NoError(t, err)
	require.NoError(t, pricing.CheckMonths(months, ml))
	return pricing.PeriodCharge(monthly, months, factor)
}

func discountFactor(t testing.TB, text string, months int) decimal.Decimal {
	t.Helper()
	l, err := pricing.ParseDiscountList(text)
	require.NoError(t, err)
	return l.Factor(months)
}

// requireMoney compares amounts by value ("270" equals "270.00").
func requireMoney(t testing.TB, want string, got decimal.Decimal) {
	t.Helper()
	require.Truef(t, d(want).Equal(got), "want %s, got %s", want, got)
}

// requireField asserts err is a *FieldError for field with reason why.
func requireField(t testing.TB, err error, field, why string) {
	t.Helper()
	var fe *pricing.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, field, fe.Field)
	require.Equal(t, why, fe.Why)
}
