package pricing

import (
	"math/big"
	"time"

	"github.com/shopspring/decimal"
)

// AddMonths returns t plus n months (billing.md §4): the day of the month
// is anchorDay clamped to that month's last day, the clock time and
// location are t's. 2026-01-31 10:00 +1 gives 2026-02-28 10:00, and +1 from
// there with anchor 31 gives 2026-03-31 10:00. An anchorDay outside 1..31
// means t's own day. n may be negative. It cannot fail.
func AddMonths(t time.Time, n int, anchorDay int) time.Time {
	if anchorDay < 1 || anchorDay > 31 {
		anchorDay = t.Day()
	}
	y, m := t.Year(), int(t.Month())-1+n // months from January of year y, 0-based
	y += floorDiv(m, 12)
	m -= floorDiv(m, 12) * 12
	month := time.Month(m + 1)
	day := min(anchorDay, daysIn(y, month))
	return time.Date(y, month, day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// MonthsTo returns the n in 1..max with AddMonths(from, n, anchorDay) equal
// to to (the same instant); ok is false when there is none.
func MonthsTo(from, to time.Time, anchorDay int, max int) (int, bool) {
	for n := 1; n <= max; n++ {
		end := AddMonths(from, n, anchorDay)
		if end.Equal(to) {
			return n, true
		}
		if end.After(to) {
			break
		}
	}
	return 0, false
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// upgradeMonth is the length of the month that billing.md §5 prorates by.
const upgradeMonth = 30 * 24 * time.Hour

// UpgradeCharge returns the charge for upgrading from oldMonthly to
// newMonthly for the window [now, end) (billing.md §5):
// RoundCharge((new - old)+ * remaining / 30 days), computed exactly. It
// returns 0 when the new price is not higher or now is not before end; it
// cannot fail.
func UpgradeCharge(oldMonthly, newMonthly decimal.Decimal, now, end time.Time) decimal.Decimal {
	diff := newMonthly.Sub(oldMonthly)
	if diff.Sign() <= 0 || !now.Before(end) {
		return decimal.Zero
	}
	left := decimal.NewFromInt(int64(end.Sub(now)))
	return diff.Mul(left).DivRound(decimal.NewFromInt(int64(upgradeMonth)), 2)
}

// Charge is one paid amount and the service window [From, To) it pays for.
type Charge struct {
	Amount   decimal.Decimal
	From, To time.Time
}

// Refund returns the unused part of the charges at now (billing.md §6):
// RoundRefund(sum(amount * overlap([now, to), [from, to)) / (to - from))),
// summed exactly before the one rounding. A charge whose window has not
// begun counts in full, one that has ended counts 0, and one with an empty
// or inverted window is ignored. The result is never negative and never
// more than the sum of the amounts; it cannot fail.
func Refund(charges []Charge, now time.Time) decimal.Decimal {
	total := new(big.Rat)
	paid := decimal.Zero
	for _, c := range charges {
		if !c.From.Before(c.To) {
			continue
		}
		paid = paid.Add(c.Amount)
		start := c.From
		if now.After(start) {
			start = now
		}
		if !start.Before(c.To) {
			continue
		}
		part := new(big.Rat).SetFrac(big.NewInt(int64(c.To.Sub(start))), big.NewInt(int64(c.To.Sub(c.From))))
		total.Add(total, part.Mul(part, c.Amount.Rat()))
	}
	q, _ := decimal.NewFromBigInt(total.Num(), 0).QuoRem(decimal.NewFromBigInt(total.Denom(), 0), 2)
	if q.GreaterThan(paid) {
		q = RoundRefund(paid)
	}
	if q.Sign() < 0 {
		return decimal.Zero
	}
	return q
}
