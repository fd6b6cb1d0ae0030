package pricing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

func TestDiscountListFactor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		list   string
		months int
		want   string
	}{
		{"empty text means no discount", "", 12, "1"},
		{"empty list means no discount", "[]", 12, "1"},
		{"string month and factor", example2Discount, 12, "0.85"},
		{"between entries the lower entry applies", example2Discount, 11, "1"},
		{"above the last entry the last applies", example2Discount, 36, "0.85"},
		{"number month and percentage", productDiscount, 12, "0.85"},
		{"percentage of the largest reached month", productDiscount, 36, "0.75"},
		{"months below the first entry pay full price", productDiscount, 6, "1"},
		{"string percentage", `[{"month":"12","discount":"90"}]`, 12, "0.9"},
		{"number factor", `[{"month":3,"discount":0.95}]`, 3, "0.95"},
		{"factor one is no discount", `[{"month":1,"discount":"1"}]`, 1, "1"},
		{"percentage 100 is no discount", `[{"month":1,"discount":100}]`, 1, "1"},
		{"unsorted entries still pick the largest month", `[{"month":24,"discount":75},{"month":12,"discount":85}]`, 30, "0.75"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireMoney(t, tt.want, discountFactor(t, tt.list, tt.months))
		})
	}
}

func TestParseDiscountListRejectsBadEntries(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, list string }{
		{"malformed JSON", `[{"month":1,`},
		{"zero discount would be free", `[{"month":12,"discount":"0"}]`},
		{"negative discount", `[{"month":12,"discount":-5}]`},
		{"percentage above 100 would be a surcharge", `[{"month":12,"discount":120}]`},
		{"month zero", `[{"month":0,"discount":0.9}]`},
		{"month not a number", `[{"month":"a year","discount":0.9}]`},
		{"fractional month", `[{"month":1.5,"discount":0.9}]`},
		{"month listed twice", `[{"month":12,"discount":0.9},{"month":"12","discount":0.8}]`},
		{"null discount", `[{"month":12,"discount":null}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := pricing.ParseDiscountList(tt.list)
			require.Error(t, err)
		})
	}
}

func TestThresholdsFactor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		d1, d2, d3 string
		months     int
		want       string
	}{
		{"0.00 is unset, not free", "0.00", "0.00", "0.00", 12, "1"},
		{"1.00 is unset", "1.00", "1.00", "1.00", 36, "1"},
		{"below twelve months no threshold applies", "0.95", "0.9", "0.85", 9, "1"},
		{"twelve months use discount1", "0.95", "0.9", "0.85", 12, "0.95"},
		{"twenty-four months use discount2", "0.95", "0.9", "0.85", 24, "0.9"},
		{"thirty-six months use discount3", "0.95", "0.9", "0.85", 36, "0.85"},
		{"discount3 unset falls back to discount2", "0.95", "0.9", "0.00", 36, "0.9"},
		{"discount3 and discount2 unset fall back to discount1", "0.95", "1.00", "0.00", 36, "0.95"},
		{"discount2 unset at 24 falls back to discount1", "0.95", "0.00", "0.85", 24, "0.95"},
		{"above one is not a discount", "1.20", "0.00", "0.00", 12, "1"},
		{"negative is not a discount", "-0.5", "0.00", "0.00", 12, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th := pricing.Thresholds{D1: d(tt.d1), D2: d(tt.d2), D3: d(tt.d3)}
			requireMoney(t, tt.want, th.Factor(tt.months))
		})
	}
}

func TestCheckMonths(t *testing.T) {
	t.Parallel()
	list, err := pricing.ParseMonths(catalogMonths)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36}, list)
	tests := []struct {
		name   string
		months int
		list   []int
		ok     bool
	}{
		{"one month is listed", 1, list, true},
		{"the largest listed, 36", 36, list, true},
		{"ten is not listed", 10, list, false},
		{"above the largest", 48, list, false},
		{"zero", 0, list, false},
		{"negative", -12, list, false},
		{"an empty list allows nothing", 1, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := pricing.CheckMonths(tt.months, tt.list)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			requireField(t, err, "months", "不在可选范围")
		})
	}
}

func TestParseMonthsListForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []int
		bad      bool
	}{
		{"spaces are ignored", " 1, 3 ,12 ", []int{1, 3, 12}, false},
		{"empty is no months", "", nil, false},
		{"zero is rejected", "0,1", nil, true},
		{"an empty entry is rejected", "1,,3", nil, true},
		{"words are rejected", "1,two", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pricing.ParseMonths(tt.in)
			if tt.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCheckNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		number, limit int
		ok            bool
	}{
		{"one order", 1, 20, true},
		{"the line's largest number, buy_order_max_num 20", 20, 20, true},
		{"above buy_order_max_num", 21, 20, false},
		{"no limit of its own allows 100", 100, 0, true},
		{"never above 100", 101, 0, false},
		{"never above 100 even with a larger limit", 101, 500, false},
		{"zero orders", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := pricing.CheckNumber(tt.number, tt.limit)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			requireField(t, err, "number", "不在可选范围")
		})
	}
}
