package pricing

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// DiscountEntry is one {"month": m, "discount": v} of a discount list: from
// Month months on, the price is multiplied by v (a factor when v <= 1, a
// percentage when v > 1).
type DiscountEntry struct {
	Month int
	Value decimal.Decimal
}

// DiscountList is the discount JSON of cloud lines, hosting and database
// products (billing.md §3), sorted by Month.
type DiscountList []DiscountEntry

// ParseDiscountList parses `[{"month": m, "discount": v}, ...]`, where m and
// v may be JSON strings or numbers. "" and "[]" give an empty list. It
// returns an error for malformed JSON, a month < 1 or listed twice, or a
// value <= 0 or > 100 (a free or surcharged period is never read from a
// typo).
func ParseDiscountList(text string) (DiscountList, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return DiscountList{}, nil
	}
	var raw []struct {
		Month    json.RawMessage `json:"month"`
		Discount json.RawMessage `json:"discount"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf("pricing.ParseDiscountList: %w", err)
	}
	list := make(DiscountList, 0, len(raw))
	for i, r := range raw {
		m, err := jsonInt(r.Month)
		if err != nil || m < 1 {
			return nil, fmt.Errorf("pricing.ParseDiscountList: entry %d: bad month %s", i, r.Month)
		}
		v, err := jsonDecimal(r.Discount)
		if err != nil || v.Sign() <= 0 || v.GreaterThan(hundred) {
			return nil, fmt.Errorf("pricing.ParseDiscountList: entry %d: bad discount %s", i, r.Discount)
		}
		list = append(list, DiscountEntry{Month: m, Value: v})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Month < list[j].Month })
	for i := 1; i < len(list); i++ {
		if list[i].Month == list[i-1].Month {
			return nil, fmt.Errorf("pricing.ParseDiscountList: month %d listed twice", list[i].Month)
		}
	}
	return list, nil
}

// Factor returns the factor for an order of months: the entry with the
// largest month <= months; 1 when there is none. A value v > 1 is a
// percentage (85 -> 0.85), otherwise the factor itself. It cannot fail.
func (d DiscountList) Factor(months int) decimal.Decimal {
	best, f := 0, one
	for _, e := range d { // any order: the largest month <= months wins
		if e.Month <= months && e.Month > best {
			best, f = e.Month, factorOf(e.Value)
		}
	}
	return f
}

func factorOf(v decimal.Decimal) decimal.Decimal {
	if v.GreaterThan(one) {
		return v.Shift(-2)
	}
	return v
}

// Thresholds are the discount1/discount2/discount3 of lease and idc lines,
// for 12, 24 and 36 months.
type Thresholds struct{ D1, D2, D3 decimal.Decimal }

// Factor returns the set factor of the highest threshold that months
// reaches (36 months with D3 unset falls back to D2, then D1); 1 when none
// is set. A factor is set only when 0 < f < 1: "0.00" and "1.00" mean unset,
// never free. It cannot fail.
func (t Thresholds) Factor(months int) decimal.Decimal {
	steps := []struct {
		months int
		f      decimal.Decimal
	}{{36, t.D3}, {24, t.D2}, {12, t.D1}}
	for _, s := range steps {
		if months >= s.months && s.f.Sign() > 0 && s.f.LessThan(one) {
			return s.f
		}
	}
	return one
}
