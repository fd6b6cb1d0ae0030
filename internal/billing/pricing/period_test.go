package pricing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

func TestAddMonths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		from   string
		n      int
		anchor int
		want   string
	}{
		{"31 January plus one is the last day of February", "2026-01-31 10:00", 1, 31, "2026-02-28 10:00"},
		{"from the clamped day the anchor comes back", "2026-02-28 10:00", 1, 31, "2026-03-31 10:00"},
		{"31 January plus two is 31 March", "2026-01-31 10:00", 2, 31, "2026-03-31 10:00"},
		{"leap year February has 29 days", "2024-01-31 10:00", 1, 31, "2024-02-29 10:00"},
		{"anchor 30 in February clamps", "2026-01-30 09:15", 1, 30, "2026-02-28 09:15"},
		{"anchor 30 after February", "2026-02-28 09:15", 1, 30, "2026-03-30 09:15"},
		{"anchor 31 into a 30-day month", "2026-03-31 00:00", 1, 31, "2026-04-30 00:00"},
		{"December to January changes the year", "2026-12-15 08:30", 1, 15, "2027-01-15 08:30"},
		{"December 31 to January 31", "2026-12-31 23:59", 1, 31, "2027-01-31 23:59"},
		{"twelve months", "2026-02-28 10:00", 12, 28, "2027-02-28 10:00"},
		{"twelve months from a leap day", "2024-02-29 10:00", 12, 29, "2025-02-28 10:00"},
		{"forty-eight months back to a leap day", "2024-02-29 10:00", 48, 29, "2028-02-29 10:00"},
		{"thirty-six months", "2026-01-31 10:00", 36, 31, "2029-01-31 10:00"},
		{"anchor 0 uses the time's own day", "2026-05-17 12:00", 1, 0, "2026-06-17 12:00"},
		{"negative months go back", "2026-03-31 10:00", -1, 31, "2026-02-28 10:00"},
		{"negative months across the year", "2026-01-15 10:00", -13, 15, "2024-12-15 10:00"},
		{"zero months with a larger anchor restores the anchor day", "2026-02-28 10:00", 0, 31, "2026-02-28 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pricing.AddMonths(at(tt.from), tt.n, tt.anchor)
			require.Equal(t, at(tt.want), got)
		})
	}
}

func TestAddMonthsKeepsLocationAndClock(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 1, 31, 23, 59, 58, 123456789, cst)
	got := pricing.AddMonths(from, 1, 31)
	require.Equal(t, time.Date(2026, 2, 28, 23, 59, 58, 123456789, cst), got)
	require.Equal(t, cst, got.Location())
}

func TestMonthsTo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to string
		anchor   int
		max      int
		want     int
		ok       bool
	}{
		{"two months to the anchored day", "2026-01-31 10:00", "2026-03-31 10:00", 31, 36, 2, true},
		{"one month from a clamped end", "2026-02-28 10:00", "2026-03-31 10:00", 31, 36, 1, true},
		{"the clamped end is exact too", "2026-01-31 10:00", "2026-02-28 10:00", 31, 36, 1, true},
		{"thirty-six months is the most", "2026-01-31 10:00", "2029-01-31 10:00", 31, 36, 36, true},
		{"beyond max is not found", "2026-01-31 10:00", "2029-01-31 10:00", 31, 24, 0, false},
		{"the wrong anchor misses the day", "2026-02-28 10:00", "2026-03-31 10:00", 28, 36, 0, false},
		{"a different clock time is inexact", "2026-01-31 10:00", "2026-03-31 10:01", 31, 36, 0, false},
		{"a day between two periods is inexact", "2026-01-15 10:00", "2026-03-01 10:00", 15, 36, 0, false},
		{"the same instant is zero months, not allowed", "2026-01-15 10:00", "2026-01-15 10:00", 15, 36, 0, false},
		{"a target before the start", "2026-01-15 10:00", "2025-12-15 10:00", 15, 36, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, ok := pricing.MonthsTo(at(tt.from), at(tt.to), tt.anchor, tt.max)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, n)
		})
	}
}

func TestMonthsToComparesInstantsAcrossZones(t *testing.T) {
	t.Parallel()
	to := at("2026-03-31 10:00").UTC()
	n, ok := pricing.MonthsTo(at("2026-01-31 10:00"), to, 31, 36)
	require.True(t, ok)
	require.Equal(t, 2, n)
}

func TestUpgradeCharge(t *testing.T) {
	t.Parallel()
	end := at("2026-02-01 00:00")
	tests := []struct {
		name          string
		old, new, now string
		want          string
	}{
		{"billing.md example, 16 days left", "270.00", "330.00", "2026-01-16 00:00", "32.00"},
		{"a cheaper configuration charges 0", "330.00", "270.00", "2026-01-16 00:00", "0"},
		{"the same price charges 0", "270.00", "270.00", "2026-01-16 00:00", "0"},
		{"at the end charges 0", "270.00", "330.00", "2026-02-01 00:00", "0"},
		{"after the end charges 0", "270.00", "330.00", "2026-03-01 00:00", "0"},
		{"half a cent goes up", "0.00", "0.01", "2026-01-17 00:00", "0.01"},
		{"just under half a cent goes down", "0.00", "0.01", "2026-01-17 00:01", "0.00"},
		{"thirty days left charge a whole month", "270.00", "330.00", "2026-01-02 00:00", "60.00"},
		{"one minute left rounds to 0.00", "270.00", "300.00", "2026-01-31 23:59", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pricing.UpgradeCharge(d(tt.old), d(tt.new), at(tt.now), end)
			requireMoney(t, tt.want, got)
		})
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	jan, feb, mar := at("2026-01-01 00:00"), at("2026-02-01 00:00"), at("2026-03-01 00:00")
	up := at("2026-01-16 00:00")
	bought := []pricing.Charge{{Amount: d("270.00"), From: jan, To: feb}}
	upgraded := append(bought[:1:1], pricing.Charge{Amount: d("32.00"), From: up, To: feb})
	renewed := append(bought[:1:1], pricing.Charge{Amount: d("270.00"), From: feb, To: mar})
	tests := []struct {
		name    string
		charges []pricing.Charge
		now     time.Time
		want    string
	}{
		{"billing.md example after an upgrade", upgraded, at("2026-01-21 00:00"), "117.80"},
		{"at the very start everything paid comes back", bought, jan, "270.00"},
		{"at the start with an upgrade not begun", upgraded, jan, "302.00"},
		{"before the start everything paid comes back", bought, at("2025-12-31 00:00"), "270.00"},
		{"at the end nothing comes back", upgraded, feb, "0"},
		{"after the end nothing comes back", bought, mar, "0"},
		{"a renewal not yet begun comes back whole", renewed, up, "409.35"},
		{"a third left rounds down", []pricing.Charge{{Amount: d("100.00"), From: jan, To: jan.Add(3 * time.Hour)}},
			jan.Add(2 * time.Hour), "33.33"},
		{"two thirds left rounds down, never up", []pricing.Charge{{Amount: d("100.00"), From: jan, To: jan.Add(3 * time.Hour)}},
			jan.Add(time.Hour), "66.66"},
		{"an empty window is ignored", []pricing.Charge{{Amount: d("50.00"), From: feb, To: feb}}, jan, "0"},
		{"an inverted window is ignored", []pricing.Charge{{Amount: d("50.00"), From: feb, To: jan}}, jan, "0"},
		{"never negative", []pricing.Charge{{Amount: d("-50.00"), From: jan, To: feb}}, jan, "0"},
		{"no charges", nil, jan, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pricing.Refund(tt.charges, tt.now)
			requireMoney(t, tt.want, got)
			paid := d("0")
			for _, c := range tt.charges {
				paid = paid.Add(c.Amount)
			}
			require.True(t, got.LessThanOrEqual(paid.Abs()), "refund %s above paid %s", got, paid)
		})
	}
}
