package machine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Business is orderflow.Business: Money and Operations serve
// orderflow.Lease and orderflow.IDC.
type Business = orderflow.Business

// Line is a lease or idc line as orders need it: its switches, months,
// limits and prices for the pricing engine.
type Line struct {
	ID                                            int64
	GUID, ZoneGUID                                string
	Status, BuyStatus, RenewStatus, UpgradeStatus int
	BuyOrderMax                                   int // buy_order_max_num
	Months                                        string
	RefundDays                                    int
	Pricing                                       pricing.LeaseLine
}

const lineColumns = `l.id, l.guid, z.guid, l.status, l.buy_status, l.renew_status, l.upgrade_status,
	l.buy_order_max_num, l.months, l.refund_days, l.bandwidth_price, l.bandwidth_stairs_price,
	l.bandwidth_max_size, l.bandwidth_step, l.ip_price, l.ip_min_size, l.ip_max_size, l.ip_free_size,
	l.ip_num_list, l.defense_price, l.defense_max_size, l.defense_num_list, l.discount1, l.discount2,
	l.discount3`

// LoadLine reads b's line with the given guid, or the given id. It returns
// dispatch.ErrLineNotFound when there is none, and an error naming the
// line when its stored lists or tiers cannot be read.
func LoadLine(ctx context.Context, q postgres.Querier, b Business, guid string, id int64) (Line, error) {
	var l Line
	var stairs, ipList, defenseList string
	p := &l.Pricing
	err := postgres.QueryRow(ctx, q, `SELECT `+lineColumns+`
		FROM `+b.Lines+` l JOIN zones z ON z.id = l.zone_id
		WHERE l.guid = $1 OR l.id = $2`, guid, id).Scan(&l.ID, &l.GUID, &l.ZoneGUID, &l.Status,
		&l.BuyStatus, &l.RenewStatus, &l.UpgradeStatus, &l.BuyOrderMax, &l.Months, &l.RefundDays,
		&p.BandwidthPrice, &stairs, &p.BandwidthMax, &p.BandwidthStep, &p.IPPrice, &p.IPMin, &p.IPMax,
		&p.IPFree, &ipList, &p.DefensePrice, &p.DefenseMax, &defenseList, &p.Discounts.D1,
		&p.Discounts.D2, &p.Discounts.D3)
	if errors.Is(err, postgres.ErrNotFound) {
		return Line{}, dispatch.ErrLineNotFound
	}
	if err != nil {
		return Line{}, fmt.Errorf("%s.LoadLine: %w", b.Name, err)
	}
	if p.Stairs, err = pricing.ParseStairs(stairs); err != nil {
		return Line{}, fmt.Errorf("%s.LoadLine %s: stairs: %w", b.Name, l.GUID, err)
	}
	if p.IPNumList, err = pricing.ParseIntList(ipList); err != nil {
		return Line{}, fmt.Errorf("%s.LoadLine %s: ip_num_list: %w", b.Name, l.GUID, err)
	}
	if p.DefenseNumList, err = pricing.ParseIntList(defenseList); err != nil {
		return Line{}, fmt.Errorf("%s.LoadLine %s: defense_num_list: %w", b.Name, l.GUID, err)
	}
	return l, nil
}

// ForSale answers whether the line takes new orders: a line switched off
// (status 0) is 该线路节点不存在或已下架, like an unknown one; a line that is
// listed but not selling now (buy_status 0) is 库存不足.
func (l Line) ForSale() error {
	if l.Status != 1 {
		return dispatch.ErrLineNotFound
	}
	if l.BuyStatus != 1 {
		return dispatch.ErrOutOfStock
	}
	return nil
}

// CheckMonths answers 参数错误: <name> 不在可选范围 unless months is in the
// line's months list; it returns an error naming the list when the stored
// list cannot be read.
func (l Line) CheckMonths(months int, name string) error {
	allowed, err := pricing.ParseMonths(l.Months)
	if err != nil {
		return fmt.Errorf("line %s: months %q: %w", l.GUID, l.Months, err)
	}
	if pricing.CheckMonths(months, allowed) != nil {
		return dispatch.ParamError(name, "不在可选范围")
	}
	return nil
}

// OnLine reports whether a product whose line_guids are lineGUIDs is sold
// on l.
func (l Line) OnLine(lineGUIDs []string) bool {
	for _, g := range lineGUIDs {
		if g == l.GUID {
			return true
		}
	}
	return false
}

// ProductIPs reads a product's ipnum column ("1"); it returns an error for
// anything but a whole number >= 0.
func ProductIPs(text string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("product ipnum %q is not a whole number", text)
	}
	return n, nil
}

// ReadConfig reads the priced part of create_order's content: bandwidth,
// defense and the IP count (named ipKey: "ip_num" for a lease, "ipnum" for
// colocation). Each defaults to the product's (the IP count to at least
// 1), and 0 means the product's too, as in the pricing engine. It answers
// 参数错误: content.<name> ... for a value that is not a whole number or is
// negative; whether the line sells it is the pricing engine's to say.
func ReadConfig(c dispatch.Params, ipKey string, p pricing.LeaseProduct) (pricing.LeaseOrder, error) {
	cfg := pricing.LeaseOrder{Bandwidth: p.Bandwidth, Defense: p.Defense, IPNum: max(p.IPNum, 1)}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"bandwidth", &cfg.Bandwidth}, {"defense", &cfg.Defense}, {ipKey, &cfg.IPNum}} {
		v, err := c.IntIn(f.name, int64(*f.dst), 0, 1<<20)
		if err != nil {
			return cfg, err
		}
		if v != 0 {
			*f.dst = int(v)
		}
	}
	return cfg, nil
}

// upgradeNames are lease_upgrade's and idc_upgrade's spellings of the
// pricing fields.
var upgradeNames = map[string]string{"bandwidth": "bandwidthAdd", "defense": "defenseAdd", "ip_num": "ipnumAdd"}

// upgraded applies an upgrade's ipnumAdd, bandwidthAdd and defenseAdd
// (whole numbers >= 0, default 0) to cur.
func upgraded(p dispatch.Params, cur pricing.LeaseOrder) (pricing.LeaseOrder, error) {
	next := cur
	for _, f := range []struct {
		name string
		dst  *int
	}{{"ipnumAdd", &next.IPNum}, {"bandwidthAdd", &next.Bandwidth}, {"defenseAdd", &next.Defense}} {
		v, err := p.IntIn(f.name, 0, 0, 1<<20)
		if err != nil {
			return next, err
		}
		*f.dst += int(v)
	}
	return next, nil
}
