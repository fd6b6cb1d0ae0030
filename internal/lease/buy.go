package lease

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

// createNames are create_lease's spellings of the pricing engine's fields.
var createNames = map[string]string{"bandwidth": "content.bandwidth", "defense": "content.defense",
	"ip_num": "content.ip_num", "months": "content.months", "number": "content.number"}

// Create serves create_order with obj_type=create_lease (document
// 六.6): it checks the line, the machine model, the system and every
// parameter, prices the order, and buys content.number machines in one
// transaction, each taken from the inventory and in state 开通中 with its
// provisioning job. Too few free machines answer 库存不足 and change
// nothing.
func (s *Service) Create(ctx context.Context, req *dispatch.Request) (any, error) {
	pu, err := orderflow.ParsePurchase(req.Params)
	if err != nil {
		return nil, err
	}
	lineGUID, err := req.Params.RequiredText("line_guid")
	if err != nil {
		return nil, err
	}
	l, err := machine.LoadLine(ctx, s.DB, orderflow.Lease, lineGUID, 0)
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
	sys, err := orderflow.LoadSystem(ctx, s.DB, "system_guid", req.Params.String("system_guid"))
	if err != nil {
		return nil, err
	}
	if err := sys.Check("system_guid", "create", orderflow.Lease.Name, l.ZoneGUID, p.CPUValue, p.MemoryNum); err != nil {
		return nil, err
	}
	cfg, err := machine.ReadConfig(pu.Content, "ip_num", p.Pricing)
	if err != nil {
		return nil, err
	}
	if err := pricing.CheckNumber(pu.Number, l.BuyOrderMax); err != nil {
		return nil, orderflow.Named(err, createNames)
	}
	if err := l.CheckMonths(pu.Months, "content.months"); err != nil {
		return nil, err
	}
	m, err := pricing.LeaseMonthly(l.Pricing, p.Pricing, cfg)
	if err != nil {
		return nil, orderflow.Named(err, createNames)
	}
	password, err := orderflow.Password(pu.Content, "loginPassword", true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	end := orderflow.Extend(now, now, pu.Months)
	row := orderRow{resellerID: req.Reseller.ID, orderNo: pu.OrderNo, userID: pu.UserID, lineID: l.ID,
		productID: p.ID, systemID: sys.ID, cfg: cfg, loginName: sys.LoginName,
		password: s.Box.SealString(password), port: sys.Port, buy: now, end: end, months: pu.Months,
		monthly: pricing.RoundCharge(m), renewAuto: pu.RenewAuto}
	return s.Engine.Buy(ctx, req, pu, orderflow.BuyPlan{
		Business: orderflow.Lease, PerOrder: pricing.PeriodCharge(m, pu.Months, l.Pricing.Discounts.Factor(pu.Months)),
		From: now, To: end,
		Insert: func(ctx context.Context, tx pgx.Tx, _ int) (int64, error) {
			machineID, err := takeMachine(ctx, tx, p.ID, l.ID)
			if err != nil {
				return 0, err
			}
			return row.insert(ctx, tx, machineID)
		},
	})
}

func (s *Service) now() time.Time { return s.Engine.Now().In(apitype.Location()) }

// product is a machine model (lease_products) as a purchase needs it.
type product struct {
	ID                          int64
	LineGUIDs                   []string
	Status, CPUValue, MemoryNum int
	Pricing                     pricing.LeaseProduct
}

// loadProduct reads product_guid and checks that it is sold on l: unknown
// answers 参数错误: product_guid 不存在, another line's 参数错误:
// product_guid 不支持该线路, a model switched off 库存不足.
func loadProduct(ctx context.Context, q postgres.Querier, l machine.Line, params dispatch.Params) (product, error) {
	guid, err := params.RequiredText("product_guid")
	if err != nil {
		return product{}, err
	}
	var p product
	var ipnum string
	err = postgres.QueryRow(ctx, q, `
		SELECT id, line_guids, status, cpu_value, memory_num, price, bandwidth, defense, ipnum
		FROM lease_products WHERE guid = $1`, guid).Scan(&p.ID, &p.LineGUIDs, &p.Status, &p.CPUValue,
		&p.MemoryNum, &p.Pricing.Price, &p.Pricing.Bandwidth, &p.Pricing.Defense, &ipnum)
	if errors.Is(err, postgres.ErrNotFound) {
		return product{}, dispatch.ParamError("product_guid", "不存在")
	}
	if err != nil {
		return product{}, fmt.Errorf("lease: load product %s: %w", guid, err)
	}
	if p.Pricing.IPNum, err = machine.ProductIPs(ipnum); err != nil {
		return product{}, fmt.Errorf("lease product %s: %w", guid, err)
	}
	if !l.OnLine(p.LineGUIDs) {
		return product{}, dispatch.ParamError("product_guid", "不支持该线路")
	}
	if p.Status != 1 {
		return product{}, dispatch.ErrOutOfStock
	}
	return p, nil
}

// takeMachine takes a free machine of the model on the line inside tx and
// marks it used; concurrent purchases skip the machines another holds. It
// answers 库存不足 when none is free.
func takeMachine(ctx context.Context, tx pgx.Tx, productID, lineID int64) (int64, error) {
	var id int64
	err := postgres.QueryRow(ctx, tx, `
		SELECT id FROM lease_machines
		WHERE product_id = $1 AND line_id = $2 AND status = 'free'
		ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`, productID, lineID).Scan(&id)
	if errors.Is(err, postgres.ErrNotFound) {
		return 0, dispatch.ErrOutOfStock
	}
	if err != nil {
		return 0, fmt.Errorf("lease: take a machine: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE lease_machines SET status = 'used' WHERE id = $1`, id); err != nil {
		return 0, fmt.Errorf("lease: take machine %d: %w", id, err)
	}
	return id, nil
}

// FreeMachine gives the machine of order orderID back to the inventory,
// unless it is broken or another live order holds it already. It runs in
// a refund's or a failed purchase's transaction, or in the destroy job of
// a recycled order.
func FreeMachine(ctx context.Context, q postgres.Querier, orderID int64) error {
	_, err := q.Exec(ctx, `
		UPDATE lease_machines m SET status = 'free'
		FROM lease_orders o
		WHERE o.id = $1 AND m.id = o.machine_id AND m.status = 'used'
		  AND NOT EXISTS (SELECT 1 FROM lease_orders x WHERE x.machine_id = m.id AND x.order_status IN (0, 1, 3))`,
		orderID)
	if err != nil {
		return fmt.Errorf("lease: free the machine of order %d: %w", orderID, err)
	}
	return nil
}

// orderRow is a new lease order.
type orderRow struct {
	resellerID, userID, lineID, productID, systemID int64
	orderNo                                         string
	cfg                                             pricing.LeaseOrder
	loginName, port                                 string
	password                                        []byte
	buy, end                                        time.Time
	months                                          int
	monthly                                         decimal.Decimal
	renewAuto                                       int
}

func (r orderRow) insert(ctx context.Context, tx pgx.Tx, machineID int64) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO lease_orders (reseller_id, order_no, user_id, client_user_id, line_id, product_id,
			machine_id, system_id, bandwidth, defense, ipnum, login_name, login_password_enc, system_port,
			buy_time, end_time, months, monthly_price, renew_auto, order_status)
		VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 0)
		RETURNING id`,
		r.resellerID, r.orderNo, r.userID, r.lineID, r.productID, machineID, r.systemID, r.cfg.Bandwidth,
		r.cfg.Defense, r.cfg.IPNum, r.loginName, r.password, r.port, r.buy, r.end, r.months, r.monthly,
		r.renewAuto).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("lease: insert order: %w", err)
	}
	return id, nil
}

// lock reads the caller's lease order id FOR UPDATE inside tx, with its
// model's prices; another reseller's or an unknown order answers
// 未找到产品记录.
func lock(ctx context.Context, tx pgx.Tx, resellerID, id int64) (machine.Held, error) {
	var h machine.Held
	var ipnum string
	err := postgres.QueryRow(ctx, tx, `
		SELECT o.id, o.line_id, o.order_no, o.order_status, o.act_status, o.buy_time, o.end_time,
		       o.bandwidth, o.defense, o.ipnum, p.price, p.bandwidth, p.defense, p.ipnum, p.refund_days,
		       p.upgrade_status
		FROM lease_orders o JOIN lease_products p ON p.id = o.product_id
		WHERE o.id = $1 AND o.reseller_id = $2
		FOR UPDATE OF o`, id, resellerID).Scan(&h.ID, &h.LineID, &h.OrderNo, &h.Status, &h.Act, &h.BuyTime,
		&h.EndTime, &h.Cfg.Bandwidth, &h.Cfg.Defense, &h.Cfg.IPNum, &h.Product.Price, &h.Product.Bandwidth,
		&h.Product.Defense, &ipnum, &h.ProductRefundDays, &h.ProductUpgrade)
	if errors.Is(err, postgres.ErrNotFound) {
		return machine.Held{}, dispatch.ErrOrderNotFound
	}
	if err != nil {
		return machine.Held{}, fmt.Errorf("lease: lock order %d: %w", id, err)
	}
	if h.Product.IPNum, err = machine.ProductIPs(ipnum); err != nil {
		return machine.Held{}, fmt.Errorf("lease order %d: %w", id, err)
	}
	return h, nil
}
