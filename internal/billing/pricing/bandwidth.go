package pricing

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// Stair is one bandwidth tier: the Mbps numbered Min..Max cost Price each
// a month.
type Stair struct {
	Min, Max int
	Price    decimal.Decimal
}

// Stairs is a line's bandwidth_stairs_price, sorted by Min, without
// overlaps.
type Stairs []Stair

// ParseStairs parses bandwidth_stairs_price,
// `[{"min":11,"max":50,"price":"9.00"},...]` (numbers or strings). "" and
// "[]" give no tiers. It returns an error for malformed JSON, a negative
// min, max < min, a negative price, or tiers that overlap.
func ParseStairs(text string) (Stairs, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Stairs{}, nil
	}
	var raw []struct {
		Min   json.RawMessage `json:"min"`
		Max   json.RawMessage `json:"max"`
		Price json.RawMessage `json:"price"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf("pricing.ParseStairs: %w", err)
	}
	stairs := make(Stairs, 0, len(raw))
	for i, r := range raw {
		lo, err1 := jsonInt(r.Min)
		hi, err2 := jsonInt(r.Max)
		p, err3 := jsonDecimal(r.Price)
		if err1 != nil || err2 != nil || err3 != nil || lo < 0 || hi < lo || p.IsNegative() {
			return nil, fmt.Errorf("pricing.ParseStairs: bad tier %d", i)
		}
		stairs = append(stairs, Stair{Min: lo, Max: hi, Price: p})
	}
	sort.SliceStable(stairs, func(i, j int) bool { return stairs[i].Min < stairs[j].Min })
	for i := 1; i < len(stairs); i++ {
		if stairs[i].Min <= stairs[i-1].Max {
			return nil, fmt.Errorf("pricing.ParseStairs: tiers %d-%d and %d-%d overlap",
				stairs[i-1].Min, stairs[i-1].Max, stairs[i].Min, stairs[i].Max)
		}
	}
	return stairs, nil
}

// Bandwidth is BW(b, from) of billing.md §2: the monthly price of the Mbps
// numbered from+1..b. With tiers, each Mbps costs the price of the tier with
// the largest Min <= it: a Mbps in a gap between tiers costs the lower
// tier's price, one above the last tier the last tier's price, and one
// below the first tier the first tier's price. Without tiers each costs
// flat. It returns 0 when b <= from and cannot fail. stairs must be sorted
// by Min (as ParseStairs returns them).
func Bandwidth(b, from int, stairs Stairs, flat decimal.Decimal) decimal.Decimal {
	from = posInt(from)
	if b <= from {
		return decimal.Zero
	}
	if len(stairs) == 0 {
		return flat.Mul(dec(b - from))
	}
	total := decimal.Zero
	for i, s := range stairs {
		// Tier i prices [lo, hi]: from its Min (or from 1 for the first
		// tier) to the Mbps before the next tier (or without end).
		lo, hi := s.Min, b
		if i == 0 {
			lo = 1
		}
		if i+1 < len(stairs) && stairs[i+1].Min-1 < hi {
			hi = stairs[i+1].Min - 1
		}
		if lo < from+1 {
			lo = from + 1
		}
		if hi >= lo {
			total = total.Add(s.Price.Mul(dec(hi - lo + 1)))
		}
	}
	return total
}
