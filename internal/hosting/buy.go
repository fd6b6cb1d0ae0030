package hosting

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
var business = orderflow.Hosting

// Create serves create_order with obj_type=create_hosting (document
// 七.6): it checks the line, the product and the parameters
// (panelorder.ReadSale, then content.flow, program, program_version, db,
// code), prices the order (billing.md §2, §3), and buys content.number
// sites in one transaction, each in state 开通中 with its own FTP name and
// its provisioning job.
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
	flow, err := sale.Content.IntIn("flow", int64(p.Pricing.Flow), 1, 1<<20)
	if err != nil {
		return nil, err
	}
	m, err := p.monthly(int(flow), "content.flow")
	if err != nil {
		return nil, err
	}
	st, err := readSite(sale.Content, p.DB > 0)
	if err != nil {
		return nil, err
	}
	now := s.now()
	end := orderflow.Extend(now, now, sale.Months)
	row := orderRow{resellerID: req.Reseller.ID, orderNo: sale.OrderNo, userID: sale.UserID, lineID: sale.Line.ID,
		productID: p.ID, lineDomain: sale.Line.Domain, site: st, flow: int(flow),
		password: s.Box.SealString(sale.Password), buy: now, end: end, months: sale.Months,
		monthly: pricing.RoundCharge(m), renewAuto: sale.RenewAuto}
	return s.Engine.Buy(ctx, req, sale.Purchase, orderflow.BuyPlan{
		Business: business, PerOrder: pricing.PeriodCharge(m, sale.Months, sale.Factor), From: now, To: end,
		Insert: func(ctx context.Context, tx pgx.Tx, _ int) (int64, error) {
			return panelorder.Namer{}.Insert(ctx, tx, sale.Line.ID, sale.Prefix, row.insert)
		},
	})
}

func (s *Service) now() time.Time { return panelorder.Now(s.Engine) }

// product is a hosting product as orders need it.
type product struct {
	panelorder.Product
	Pricing pricing.HostingProduct
	DB      int // MB of the site's database; 0: none
}

// loadProduct reads the hosting product guid, named field in the answer
// (参数错误: <field> 不存在 when there is none).
func loadProduct(ctx context.Context, q postgres.Querier, field, guid string) (product, error) {
	var p product
	var err error
	p.Product, err = panelorder.LoadProduct(ctx, q, field, `
		SELECT `+panelorder.ProductColumns+`, p.flow, p.max_flow, p.up_flow, p.up_flow_price, p.db
		FROM hosting_products p WHERE p.guid = $1`, []any{strings.TrimSpace(guid)},
		&p.Pricing.Flow, &p.Pricing.MaxFlow, &p.Pricing.UpFlow, &p.Pricing.UpFlowPrice, &p.DB)
	p.Pricing.Price = p.Price
	return p, err
}

// monthly prices flow GB a month on p (billing.md §2). The flow must be
// the product's own plus whole up_flow steps, at most max_flow: 参数错误:
// <name> 不在可选范围 otherwise.
func (p product) monthly(flow int, name string) (decimal.Decimal, error) {
	m, err := pricing.HostingMonthly(p.Pricing, flow)
	if err != nil {
		return decimal.Zero, orderflow.Named(err, map[string]string{"flow": name})
	}
	if extra := flow - p.Pricing.Flow; extra > 0 && extra%p.Pricing.UpFlow != 0 {
		return decimal.Zero, dispatch.ParamError(name, "不在可选范围")
	}
	return m, nil
}

// fitFlow is the smallest flow of p's steps that is at least least.
func (p product) fitFlow(least int) int {
	base, step := p.Pricing.Flow, p.Pricing.UpFlow
	if least <= base || step <= 0 {
		return max(least, base)
	}
	return base + (least-base+step-1)/step*step
}

// site is what create_hosting's content says of the site.
type site struct {
	program, version, dbType, dbCode string
}

// hostingCodes are the site encodings create_hosting takes (content.code),
// which are also its database's character set.
var hostingCodes = []string{"utf8", "gbk", "utf8mb4"}

// readSite reads content.program (php, the default: the panels run PHP
// sites), content.program_version ("php81", "81" or "8.1", kept as
// "php81"; "" leaves the panel's default), content.db (mysql or none; the
// default is mysql when the product has a database) and content.code
// (utf8, the default, gbk or utf8mb4). It answers 参数错误: content.<name>
// <why> for anything else.
func readSite(c dispatch.Params, productHasDB bool) (site, error) {
	text := func(name, def string) (string, error) {
		v, err := c.Text(name)
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			v = def
		}
		return v, err
	}
	var st site
	var err error
	if st.program, err = text("program", "php"); err != nil {
		return st, err
	}
	if st.program != "php" {
		return st, dispatch.ParamError(c.Name("program"), "不支持")
	}
	if st.version, err = text("program_version", ""); err != nil {
		return st, err
	}
	if st.version != "" {
		digits, ok := phpDigits(st.version)
		if !ok {
			return st, dispatch.ParamError(c.Name("program_version"), "格式应为php81")
		}
		st.version = "php" + digits
	}
	defDB := "none"
	if productHasDB {
		defDB = "mysql"
	}
	if st.dbType, err = text("db", defDB); err != nil {
		return st, err
	}
	if (st.dbType != "mysql" && st.dbType != "none") || (st.dbType == "mysql" && !productHasDB) {
		return st, dispatch.ParamError(c.Name("db"), "不支持")
	}
	if st.dbCode, err = text("code", "utf8"); err != nil {
		return st, err
	}
	for _, code := range hostingCodes {
		if st.dbCode == code {
			return st, nil
		}
	}
	return st, dispatch.ParamError(c.Name("code"), "不在可选范围")
}

// phpDigits reads a PHP version as the panels number them ("81").
func phpDigits(v string) (string, bool) {
	v = strings.TrimLeft(strings.TrimPrefix(v, "php"), "-_ ")
	v = strings.ReplaceAll(v, ".", "")
	if len(v) < 2 || len(v) > 3 || strings.Trim(v, "0123456789") != "" {
		return "", false
	}
	return v, true
}

// orderRow is a new hosting order.
type orderRow struct {
	resellerID, userID, lineID, productID int64
	orderNo, lineDomain                   string
	site                                  site
	flow                                  int
	password                              []byte
	buy, end                              time.Time
	months                                int
	monthly                               decimal.Decimal
	renewAuto                             int
}

// insert writes the order with FTP account name (a panelorder.InsertFunc).
// The site's name is the FTP name, its root /www/wwwroot/<name>, and its
// free domain <name>.<line domain> with "_" written "-", which host names
// may not contain.
func (r orderRow) insert(ctx context.Context, tx pgx.Tx, name string) (int64, error) {
	domain := ""
	if r.lineDomain != "" {
		domain = strings.ReplaceAll(name, "_", "-") + "." + r.lineDomain
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO hosting_orders (reseller_id, order_no, user_id, client_user_id, line_id, product_id, name,
			domain, path, db_type, db_code, program, program_version, flow, ftp_name, ftp_password_enc,
			buy_time, start_time, end_time, renew_auto, renew_price, buymonths, order_status)
		VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $6, $14, $15, $15, $16, $17, $18, $19, 0)
		RETURNING id`,
		r.resellerID, r.orderNo, r.userID, r.lineID, r.productID, name, domain, "/www/wwwroot/"+name,
		r.site.dbType, r.site.dbCode, r.site.program, r.site.version, r.flow, r.password, r.buy, r.end,
		r.renewAuto, r.monthly, r.months).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("hosting: insert order: %w", err)
	}
	return id, nil
}
