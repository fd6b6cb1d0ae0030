package idc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/orderflow/machine"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Colocation shares its lines, pricing, renewals, upgrades, refunds and
// job plumbing with bare metal: that code is internal/lease's (orderflow.IDC
// names this business there).

// createNames are create_idc's spellings of the pricing engine's fields.
var createNames = map[string]string{"bandwidth": "content.bandwidth", "defense": "content.defense",
	"ip_num": "content.ipnum", "power": "content.power", "months": "content.months", "number": "content.number"}

// Create serves create_order with obj_type=create_idc (托管 21): it
// checks the line, the product and every parameter, prices the order with
// its power, and buys content.number colocation orders in one
// transaction, each in state 开通中 with its provisioning job. A
// colocation order has no system and no password: the machine is the
// customer's.
func (s *Service) Create(ctx context.Context, req *dispatch.Request) (any, error) {
	pu, err := orderflow.ParsePurchase(req.Params)
	if err != nil {
		return nil, err
	}
	lineGUID, err := req.Params.RequiredText("line_guid")
	if err != nil {
		return nil, err
	}
	l, err := machine.LoadLine(ctx, s.DB, orderflow.IDC, lineGUID, 0)
	if err != nil {
		return nil, err
	}
	if err := l.ForSale(); err != nil {
		return nil, err
	}
	p, err := loadProduct(ctx, s.DB, l, req.Params)
	if err != nil {
		return nil, err
	}
	powerName, err := pu.Content.Text("power")
	if err != nil {
		return nil, err
	}
	power, err := pricing.PickPower(p.Powers, powerName)
	if err != nil {
		return nil, orderflow.Named(err, createNames)
	}
	cfg, err := machine.ReadConfig(pu.Content, "ipnum", p.Pricing)
	if err != nil {
		return nil, err
	}
	if err := pricing.CheckNumber(pu.Number, l.BuyOrderMax); err != nil {
		return nil, orderflow.Named(err, createNames)
	}
	if err := l.CheckMonths(pu.Months, "content.months"); err != nil {
		return nil, err
	}
	m, err := pricing.IDCMonthly(l.Pricing, p.Pricing, power, cfg)
	if err != nil {
		return nil, orderflow.Named(err, createNames)
	}
	now := s.now()
	end := orderflow.Extend(now, now, pu.Months)
	row := orderRow{resellerID: req.Reseller.ID, orderNo: pu.OrderNo, userID: pu.UserID, lineID: l.ID,
		productID: p.ID, power: power.Name, cfg: cfg, buy: now, end: end, months: pu.Months,
		monthly: pricing.RoundCharge(m), renewAuto: pu.RenewAuto}
	return s.Engine.Buy(ctx, req, pu, orderflow.BuyPlan{
		Business: orderflow.IDC, PerOrder: pricing.PeriodCharge(m, pu.Months, l.Pricing.Discounts.Factor(pu.Months)),
		From: now, To: end,
		Insert: func(ctx context.Context, tx pgx.Tx, _ int) (int64, error) { return row.insert(ctx, tx) },
	})
}

func (s *Service) now() time.Time { return s.Engine.Now().In(apitype.Location()) }

// product is an idc_products row as a purchase needs it.
type product struct {
	ID        int64
	LineGUIDs []string
	Powers    []pricing.Power
	Pricing   pricing.LeaseProduct
}

// loadProduct reads product_guid and checks that it is sold on l: unknown
// answers 参数错误: product_guid 不存在, another line's 参数错误:
// product_guid 不支持该线路, a product switched off or sold out
// (market_status 0) 库存不足.
func loadProduct(ctx context.Context, q postgres.Querier, l machine.Line, params dispatch.Params) (product, error) {
	guid, err := params.RequiredText("product_guid")
	if err != nil {
		return product{}, err
	}
	var p product
	var status, market int
	var power, ipnum string
	err = postgres.QueryRow(ctx, q, `
		SELECT id, line_guids, status, market_status, power, price, bandwidth, defense, ipnum
		FROM idc_products WHERE guid = $1`, guid).Scan(&p.ID, &p.LineGUIDs, &status, &market, &power,
		&p.Pricing.Price, &p.Pricing.Bandwidth, &p.Pricing.Defense, &ipnum)
	if errors.Is(err, postgres.ErrNotFound) {
		return product{}, dispatch.ParamError("product_guid", "不存在")
	}
	if err != nil {
		return product{}, fmt.Errorf("idc: load product %s: %w", guid, err)
	}
	if p.Pricing.IPNum, err = machine.ProductIPs(ipnum); err != nil {
		return product{}, fmt.Errorf("idc product %s: %w", guid, err)
	}
	if p.Powers, err = pricing.ParsePower(power); err != nil {
		return product{}, fmt.Errorf("idc product %s: %w", guid, err)
	}
	if !l.OnLine(p.LineGUIDs) {
		return product{}, dispatch.ParamError("product_guid", "不支持该线路")
	}
	if status != 1 || market != 1 {
		return product{}, dispatch.ErrOutOfStock
	}
	return p, nil
}

// orderRow is a new colocation order.
type orderRow struct {
	resellerID, userID, lineID, productID int64
	orderNo, power                        string
	cfg                                   pricing.LeaseOrder
	buy, end                              time.Time
	months                                int
	monthly                               decimal.Decimal
	renewAuto                             int
}

func (r orderRow) insert(ctx context.Context, tx pgx.Tx) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO idc_orders (reseller_id, order_no, user_id, client_user_id, line_id, product_id, power,
			bandwidth, defense, ipnum, buy_time, end_time, months, monthly_price, renew_auto, order_status)
		VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0)
		RETURNING id`,
		r.resellerID, r.orderNo, r.userID, r.lineID, r.productID, r.power, r.cfg.Bandwidth, r.cfg.Defense,
		r.cfg.IPNum, r.buy, r.end, r.months, r.monthly, r.renewAuto).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("idc: insert order: %w", err)
	}
	return id, nil
}

// lock reads the caller's colocation order id FOR UPDATE inside tx, with
// its product's prices and power; another reseller's or an unknown order
// answers 未找到产品记录.
func lock(ctx context.Context, tx pgx.Tx, resellerID, id int64) (machine.Held, error) {
	h := machine.Held{ProductUpgrade: 1, Power: &machine.PowerChoice{}} // idc products have no upgrade switch
	var ipnum string
	err := postgres.QueryRow(ctx, tx, `
		SELECT o.id, o.line_id, o.order_no, o.order_status, o.act_status, o.buy_time, o.end_time,
		       o.bandwidth, o.defense, o.ipnum, o.power, p.price, p.bandwidth, p.defense, p.ipnum, p.power,
		       p.refund_days
		FROM idc_orders o JOIN idc_products p ON p.id = o.product_id
		WHERE o.id = $1 AND o.reseller_id = $2
		FOR UPDATE OF o`, id, resellerID).Scan(&h.ID, &h.LineID, &h.OrderNo, &h.Status, &h.Act, &h.BuyTime,
		&h.EndTime, &h.Cfg.Bandwidth, &h.Cfg.Defense, &h.Cfg.IPNum, &h.Power.Name, &h.Product.Price,
		&h.Product.Bandwidth, &h.Product.Defense, &ipnum, &h.Power.List, &h.ProductRefundDays)
	if errors.Is(err, postgres.ErrNotFound) {
		return machine.Held{}, dispatch.ErrOrderNotFound
	}
	if err != nil {
		return machine.Held{}, fmt.Errorf("idc: lock order %d: %w", id, err)
	}
	if h.Product.IPNum, err = machine.ProductIPs(ipnum); err != nil {
		return machine.Held{}, fmt.Errorf("idc order %d: %w", id, err)
	}
	return h, nil
}
