package pricing

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// LeaseLine is what pricing needs of a lease (bare metal) or idc
// (colocation) line.
type LeaseLine struct {
	BandwidthPrice, IPPrice, DefensePrice decimal.Decimal
	Stairs                                Stairs
	BandwidthMax, BandwidthStep           int
	IPMin, IPMax, IPFree                  int
	IPNumList                             []int // empty = any in range
	DefenseMax                            int
	DefenseNumList                        []int // empty = any above the product's, up to DefenseMax
	Discounts                             Thresholds
}

// LeaseProduct is a lease_product or idc_product: its monthly price and what
// that price includes.
type LeaseProduct struct {
	Price                     decimal.Decimal
	Bandwidth, Defense, IPNum int
}

// LeaseOrder is the priced part of a lease or idc order; a zero value means
// the product's own (IPNum: max(product's, 1)).
type LeaseOrder struct{ Bandwidth, Defense, IPNum int }

// LeaseMonthly validates o against l and p and returns the monthly price M
// of billing.md §2, unrounded:
//
//	M = p.price + BW(bandwidth, from = p.bandwidth)
//	  + ip_price * (ip_num - max(p.ipnum, ip_free_size))+
//	  + defense_price * (defense - p.defense)+
//
// It returns a *FieldError ("bandwidth", "ip_num" or "defense") for a value
// the line does not sell; the rules are in the package comment.
func LeaseMonthly(l LeaseLine, p LeaseProduct, o LeaseOrder) (decimal.Decimal, error) {
	o = leaseDefaults(p, o)
	if err := checkLease(l, p, o); err != nil {
		return decimal.Zero, err
	}
	m := p.Price.
		Add(Bandwidth(o.Bandwidth, p.Bandwidth, l.Stairs, l.BandwidthPrice)).
		Add(dec(posInt(o.IPNum - max(p.IPNum, l.IPFree))).Mul(l.IPPrice)).
		Add(dec(posInt(o.Defense - p.Defense)).Mul(l.DefensePrice))
	return m, nil
}

// IDCMonthly is LeaseMonthly plus the price of the chosen power entry
// (billing.md §2, colocation). It fails as LeaseMonthly does.
func IDCMonthly(l LeaseLine, p LeaseProduct, power Power, o LeaseOrder) (decimal.Decimal, error) {
	m, err := LeaseMonthly(l, p, o)
	if err != nil {
		return decimal.Zero, err
	}
	return m.Add(power.Price), nil
}

func leaseDefaults(p LeaseProduct, o LeaseOrder) LeaseOrder {
	if o.Bandwidth == 0 {
		o.Bandwidth = p.Bandwidth
	}
	if o.Defense == 0 {
		o.Defense = p.Defense
	}
	if o.IPNum == 0 {
		o.IPNum = max(p.IPNum, 1)
	}
	return o
}

// checkLease applies the rules of billing.md §2 (lease); the product's own
// values are always allowed.
func checkLease(l LeaseLine, p LeaseProduct, o LeaseOrder) error {
	if b := o.Bandwidth; b != p.Bandwidth {
		if b < p.Bandwidth || b > max(l.BandwidthMax, p.Bandwidth) {
			return fieldErr("bandwidth", whyRange)
		}
		if !multipleOf(b-p.Bandwidth, l.BandwidthStep) {
			return stepErr("bandwidth", l.BandwidthStep)
		}
	}
	if n, base := o.IPNum, max(p.IPNum, 1); n != base {
		hi := l.IPMax
		if hi <= 0 {
			hi = base
		}
		if !inRange(n, max(l.IPMin, 1), hi) || (len(l.IPNumList) > 0 && !containsInt(l.IPNumList, n)) {
			return fieldErr("ip_num", whyRange)
		}
	}
	if d := o.Defense; d != p.Defense {
		hi := l.DefenseMax
		if hi <= 0 {
			hi = p.Defense
		}
		listed := containsInt(l.DefenseNumList, d)
		if d < 0 || d > hi || (len(l.DefenseNumList) > 0 && !listed) ||
			(len(l.DefenseNumList) == 0 && d < p.Defense) {
			return fieldErr("defense", whyRange)
		}
	}
	return nil
}

// Power is one entry of an idc product's power JSON.
type Power struct {
	Name  string
	Price decimal.Decimal
}

// ParsePower parses an idc product's power JSON,
// `[{"name":"0.5A/220V","price":"0.00"}]` (price a string or number). ""
// gives no entries. It returns an error for malformed JSON, an empty or
// repeated name, or a negative price.
func ParsePower(text string) ([]Power, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	var raw []struct {
		Name  string          `json:"name"`
		Price json.RawMessage `json:"price"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf("pricing.ParsePower: %w", err)
	}
	out := make([]Power, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	for i, r := range raw {
		name := strings.TrimSpace(r.Name)
		price, err := jsonDecimal(r.Price)
		if name == "" || seen[name] || err != nil || price.IsNegative() {
			return nil, fmt.Errorf("pricing.ParsePower: bad entry %d", i)
		}
		seen[name] = true
		out = append(out, Power{Name: name, Price: price})
	}
	return out, nil
}

// PickPower returns the entry of list named name; "" picks the first entry
// (a zero-priced Power when list is empty). An unknown name returns
// *FieldError{"power", "不存在"}.
func PickPower(list []Power, name string) (Power, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		if len(list) == 0 {
			return Power{Price: decimal.Zero}, nil
		}
		return list[0], nil
	}
	for _, p := range list {
		if p.Name == name {
			return p, nil
		}
	}
	return Power{}, fieldErr("power", whyUnknown)
}
