package database

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/orderflow/panelorder"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// business is this package's name in the ledger and the jobs.
var business = orderflow.SQL

// Create serves create_order with obj_type=create_database
// (document 八.4): it checks the line, the product and the parameters
// (panelorder.ReadSale, then content.db and content.code), prices the
// order (M = the product's price, billing.md §2, §3), and buys
// content.number databases in one transaction, each in state 开通中 with
// its own name (db_name = db_user) and its provisioning job.
func (s *Service) Create(ctx context.Context, req *dispatch.Request) (any, error) {
	var p product
	sale, err := panelorder.ReadSale(ctx, s.DB, req.Params, func(ctx context.Context, guid string) (panelorder.Product, error) {
		var err error
		p, err = loadProduct(ctx, s.DB, "product_guid", guid)
		return p.Product, err
	})
	if err != nil {
		return nil, err
	}
	size, err := sale.Content.Int("db", int64(p.DB))
	if err != nil {
		return nil, err
	}
	if size != int64(p.DB) {
		return nil, dispatch.ParamError(sale.Content.Name("db"), "须与产品的数据库大小一致")
	}
	code, err := readCode(sale.Content)
	if err != nil {
		return nil, err
	}
	if code == "latin1" && sale.Line.Driver == "btpanel" {
		// The 宝塔 panel knows utf8, utf8mb4, gbk and big5 only (providers.md
		// §1.2): refuse now rather than charge, fail and refund.
		return nil, dispatch.ParamError(sale.Content.Name("code"), "该线路不支持")
	}
	m := pricing.DatabaseMonthly(p.Price)
	now := panelorder.Now(s.Engine)
	end := orderflow.Extend(now, now, sale.Months)
	row := orderRow{resellerID: req.Reseller.ID, orderNo: sale.OrderNo, userID: sale.UserID, lineID: sale.Line.ID,
		productID: p.ID, code: code, password: s.Box.SealString(sale.Password), buy: now, end: end,
		months: sale.Months, monthly: pricing.RoundCharge(m), renewAuto: sale.RenewAuto}
	return s.Engine.Buy(ctx, req, sale.Purchase, orderflow.BuyPlan{
		Business: business, PerOrder: pricing.PeriodCharge(m, sale.Months, sale.Factor), From: now, To: end,
		Insert: func(ctx context.Context, tx pgx.Tx, _ int) (int64, error) {
			return panelorder.Namer{}.Insert(ctx, tx, sale.Line.ID, sale.Prefix, row.insert)
		},
	})
}

// product is a cloud-database product as orders need it.
type product struct {
	panelorder.Product
	DB int // MB
}

// loadProduct reads the database product guid, named field in the answer
// (参数错误: <field> 不存在 when there is none).
func loadProduct(ctx context.Context, q postgres.Querier, field, guid string) (product, error) {
	var p product
	var err error
	p.Product, err = panelorder.LoadProduct(ctx, q, field, `
		SELECT `+panelorder.ProductColumns+`, p.db FROM sql_products p WHERE p.guid = $1`,
		[]any{strings.TrimSpace(guid)}, &p.DB)
	return p, err
}

// databaseCodes are the character sets a database may have (semantics.md
// §6).
var databaseCodes = []string{"utf8mb4", "utf8", "gbk", "latin1"}

// readCode reads content.code: utf8mb4 (the default), utf8, gbk or latin1,
// else 参数错误: content.code 不在可选范围.
func readCode(c dispatch.Params) (string, error) {
	code, err := c.Text("code")
	if err != nil {
		return "", err
	}
	code = strings.ToLower(strings.TrimSpace(code))
	if code == "" {
		return databaseCodes[0], nil
	}
	for _, v := range databaseCodes {
		if code == v {
			return code, nil
		}
	}
	return "", dispatch.ParamError(c.Name("code"), "不在可选范围")
}

// orderRow is a new database order.
type orderRow struct {
	resellerID, userID, lineID, productID int64
	orderNo, code                         string
	password                              []byte
	buy, end                              time.Time
	months                                int
	monthly                               decimal.Decimal
	renewAuto                             int
}

// insert writes the order named name (a panelorder.InsertFunc): its
// db_name, db_user and local name.
func (r orderRow) insert(ctx context.Context, tx pgx.Tx, name string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO sql_orders (reseller_id, order_no, user_id, client_user_id, hosting_id, line_id, product_id,
			name, db_type, db_code, db_name, db_user, db_password_enc, buy_time, start_time, end_time,
			renew_auto, renew_price, buymonths, order_status)
		VALUES ($1, $2, $3, $3, 0, $4, $5, $6, 'mysql', $7, $6, $6, $8, $9, $9, $10, $11, $12, $13, 0)
		RETURNING id`,
		r.resellerID, r.orderNo, r.userID, r.lineID, r.productID, name, r.code, r.password, r.buy, r.end,
		r.renewAuto, r.monthly, r.months).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("sql: insert order: %w", err)
	}
	return id, nil
}
