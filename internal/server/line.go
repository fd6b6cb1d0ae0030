package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// line is a cloud-server line as orders need it: its switches, its months
// and discounts, and its prices and limits for the pricing engine.
type line struct {
	ID, ZoneID                                          int64
	GUID, ZoneGUID                                      string
	Status, BuyStatus, UpgradeStatus, RenewStatus, Open int
	Months, Discount                                    string
	BandwidthInType, BandwidthInValue                   int
	RefundDays, RetentionDays                           int
	Pricing                                             pricing.CloudLine
}

const lineColumns = `l.id, l.guid, z.guid, l.status, l.buy_status, l.upgrade_status, l.renew_status, l.open_api,
	l.months, l.discount, l.bandwidth_in_type, l.bandwidth_in_value, l.refund_days, l.retention_days,
	l.lines_product_type, l.cpu_price, l.memory_price, l.ip_price, l.harddisk_price, l.defense_price,
	l.bandwidth6_price, l.markup, l.cpu_min_num, l.cpu_max_num, l.memory_min_size, l.memory_max_size,
	l.ip_max_num, l.bandwidth_min_size, l.bandwidth_max_size, l.bandwidth_free_size, l.harddisk_min_num,
	l.harddisk_max_num, l.harddisk_min_size, l.harddisk_max_size, l.harddisk_step, l.harddisk_free_size,
	l.defense_min_size, l.defense_max_size, l.defense_free_size, l.bandwidth_stairs_price`

// loadLine reads the line with the given guid, or id, with its packages
// (the pricing needs them). It returns dispatch.ErrLineNotFound when there
// is none.
func loadLine(ctx context.Context, q postgres.Querier, guid string, id int64) (line, error) {
	var l line
	var stairs string
	p := &l.Pricing
	err := postgres.QueryRow(ctx, q, `SELECT `+lineColumns+`
		FROM server_lines l JOIN zones z ON z.id = l.zone_id
		WHERE l.guid = $1 OR l.id = $2`, guid, id).Scan(&l.ID, &l.GUID, &l.ZoneGUID, &l.Status, &l.BuyStatus,
		&l.UpgradeStatus, &l.RenewStatus, &l.Open, &l.Months, &l.Discount, &l.BandwidthInType, &l.BandwidthInValue,
		&l.RefundDays, &l.RetentionDays, &p.ProductType, &p.CPUPrice, &p.MemoryPrice, &p.IPPrice,
		&p.HarddiskPrice, &p.DefensePrice, &p.Bandwidth6Price, &p.Markup, &p.CPUMin, &p.CPUMax, &p.MemoryMin,
		&p.MemoryMax, &p.IPMax, &p.BandwidthMin, &p.BandwidthMax, &p.BandwidthFree, &p.HarddiskMinNum,
		&p.HarddiskMaxNum, &p.HarddiskMinSize, &p.HarddiskMaxSize, &p.HarddiskStep, &p.HarddiskFree,
		&p.DefenseMin, &p.DefenseMax, &p.DefenseFree, &stairs)
	if errors.Is(err, postgres.ErrNotFound) {
		return line{}, dispatch.ErrLineNotFound
	}
	if err != nil {
		return line{}, fmt.Errorf("server: read line: %w", err)
	}
	if p.Stairs, err = pricing.ParseStairs(stairs); err != nil {
		return line{}, fmt.Errorf("server line %s: stairs: %w", l.GUID, err)
	}
	if p.ProductType == pricing.LinePackage {
		if p.Packages, err = loadPackages(ctx, q, l.ID); err != nil {
			return line{}, err
		}
	}
	return l, nil
}

func loadPackages(ctx context.Context, q postgres.Querier, lineID int64) ([]pricing.CloudPackage, error) {
	rows, err := q.Query(ctx, `
		SELECT cpu, memory, systemdisk, harddisk, ipnum, bandwidth, defense, price
		FROM server_packages WHERE line_id = $1 AND status = 1 ORDER BY sort, id`, lineID)
	if err != nil {
		return nil, fmt.Errorf("server.loadPackages: %w", err)
	}
	defer rows.Close()
	var out []pricing.CloudPackage
	for rows.Next() {
		var k pricing.CloudPackage
		if err := rows.Scan(&k.CPU, &k.Memory, &k.SystemDisk, &k.Harddisk, &k.IPNum, &k.Bandwidth, &k.Defense, &k.Price); err != nil {
			return nil, fmt.Errorf("server.loadPackages: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// forSale answers whether the line takes new orders through the API.
func (l line) forSale() error {
	if l.Status != 1 || l.BuyStatus != 1 || l.Open != 1 {
		return dispatch.ErrLineNotFound
	}
	return nil
}

// config is a server's priced configuration.
type config struct {
	CPU, RAM, Bandwidth, Defense, IPNum int
	Disks                               []int
}

// monthly prices cfg on l for a system whose smallest disk is sysMin.
func (l line) monthly(cfg config, sysMin int) (decimal.Decimal, error) {
	return pricing.CloudMonthly(l.Pricing, pricing.CloudOrder{CPU: cfg.CPU, RAM: cfg.RAM, Bandwidth: cfg.Bandwidth,
		Defense: cfg.Defense, IPNum: cfg.IPNum, Disks: cfg.Disks, SystemMinDisk: sysMin})
}

// current prices cfg, the configuration of an order already made
// (renewal, upgrade), on l: the order's system's smallest disk sysMin
// still frees what it covers, but is not checked again (server_install
// checked it when the system was chosen).
func (l line) current(cfg config, sysMin int) (decimal.Decimal, error) {
	return pricing.CloudMonthly(l.Pricing, pricing.CloudOrder{CPU: cfg.CPU, RAM: cfg.RAM, Bandwidth: cfg.Bandwidth,
		Defense: cfg.Defense, IPNum: cfg.IPNum, Disks: cfg.Disks, SystemMinDisk: sysMin, Existing: true})
}

// discount returns the line's discount factor for months.
func (l line) discount(months int) (decimal.Decimal, error) {
	list, err := pricing.ParseDiscountList(l.Discount)
	if err != nil {
		return decimal.Zero, fmt.Errorf("server line %s: discount: %w", l.GUID, err)
	}
	return list.Factor(months), nil
}

// inBandwidth is the in-bound limit of a server with bandwidth b.
func (l line) inBandwidth(b int) int {
	if l.BandwidthInType == 2 && b > l.BandwidthInValue {
		return b
	}
	return l.BandwidthInValue
}
