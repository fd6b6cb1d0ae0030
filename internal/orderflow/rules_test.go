package orderflow

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

func TestTheJobOutcomeRule(t *testing.T) {
	wrap := func(e error) error { return fmt.Errorf("server order 7: create: %w", e) }
	for _, c := range []struct {
		name                string
		err                 error
		final               bool
		purchase, operation bool // whether a provisioning / an operation ends
		otherJobGivesUp     bool // whether destroy, resize, lock, unlock stop retrying
	}{
		{"unavailable: retried", wrap(provider.ErrUnavailable), false, false, false, false},
		{"unavailable on the last attempt: ends", wrap(provider.ErrUnavailable), true, true, true, false},
		{"rejected: ends at once", wrap(provider.ErrRejected), false, true, true, true},
		{"unsupported: ends at once", wrap(provider.ErrUnsupported), false, true, true, true},
		{"broken data: ends at once", wrap(ErrBroken), false, true, true, true},
		{"machine lost: an operation ends, a purchase retries", wrap(provider.ErrNotFound), false, false, true, false},
		{"a database error: retried", errors.New("connection reset"), false, false, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.purchase, purchaseEnds(c.final, c.err), "provisioning")
			require.Equal(t, c.operation, operationEnds(c.final, c.err), "operation")
			var cancel *river.JobCancelError
			require.Equal(t, c.otherJobGivesUp, errors.As(Outcome(c.err), &cancel), "other jobs")
			require.ErrorIs(t, Outcome(c.err), c.err, "the cause is kept")
		})
	}
	require.NoError(t, Outcome(nil))
}

func TestACouponIsSplitAcrossTheOrdersInWholeCents(t *testing.T) {
	d := decimal.RequireFromString
	for _, c := range []struct {
		perOrder, discount string
		n                  int
		want               []string
	}{
		{"270.00", "0.00", 3, []string{"270.00", "270.00", "270.00"}},
		{"270.00", "30.00", 3, []string{"260.00", "260.00", "260.00"}},
		{"270.00", "10.00", 3, []string{"266.66", "266.67", "266.67"}}, // 3.34 + 3.33 + 3.33
		{"99.99", "0.05", 4, []string{"99.97", "99.98", "99.98", "99.98"}},
		{"50.00", "12.34", 1, []string{"37.66"}},
	} {
		got := splitDiscount(d(c.perOrder), d(c.discount), c.n)
		require.Len(t, got, c.n)
		total := decimal.Zero
		for i, g := range got {
			require.Equal(t, c.want[i], g.StringFixed(2), "order %d of %d, %s off", i, c.n, c.discount)
			total = total.Add(g)
		}
		want := d(c.perOrder).Mul(decimal.NewFromInt(int64(c.n))).Sub(d(c.discount))
		require.True(t, total.Equal(want), "the shares add up to the discount: %s != %s", total, want)
	}
}

func TestARenewalEndsOnTheAnchorDayOfThePurchase(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := apitype.ParseDateTime(s)
		require.NoError(t, err)
		return tm
	}
	for _, c := range []struct {
		buy, end string
		months   int
		want     string
	}{
		{"2026-01-15 10:00:00", "2026-02-15 10:00:00", 1, "2026-03-15 10:00:00"},
		{"2026-01-31 08:30:00", "2026-02-28 08:30:00", 1, "2026-03-31 08:30:00"}, // back to the 31st
		{"2026-01-31 08:30:00", "2026-01-31 08:30:00", 1, "2026-02-28 08:30:00"}, // February is short
		{"2024-01-31 00:00:00", "2024-01-31 00:00:00", 1, "2024-02-29 00:00:00"}, // a leap year
		{"2026-03-30 12:00:00", "2026-04-30 12:00:00", 12, "2027-04-30 12:00:00"},
		{"2026-11-30 23:59:59", "2026-12-30 23:59:59", 3, "2027-03-30 23:59:59"}, // across the year
	} {
		got := Extend(at(c.buy), at(c.end), c.months)
		require.True(t, got.Equal(at(c.want)), "bought %s, ending %s, +%d months: %s, want %s",
			c.buy, c.end, c.months, apitype.At(got), c.want)
	}
}
