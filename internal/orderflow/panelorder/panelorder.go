// Package panelorder holds the order rules that web hosting
// (internal/hosting, document 七) and cloud databases (internal/database,
// document 八) share, because both are sold on the hosting lines' panels:
// the line and product checks of create_order (semantics.md §6), the FTP and
// database names, renewals to newEndTimeStr (billing.md §4), product
// upgrades (billing.md §5), refunds and renaming. Each business keeps its
// own SQL for its orders, its own pricing inputs and its jobs, and calls in
// here; the money itself moves through internal/orderflow.
package panelorder

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Line is a hosting line (document 七.1) as orders need it. Cloud databases
// live on the same lines.
type Line struct {
	ID                   int64
	GUID, Domain         string
	Status, Stock, Renew int
	Driver               string // the provider's driver name
}

// LoadLine reads the hosting line with the given guid, or with id when guid
// is "". It returns dispatch.ErrLineNotFound when there is none.
func LoadLine(ctx context.Context, q postgres.Querier, guid string, id int64) (Line, error) {
	var l Line
	err := postgres.QueryRow(ctx, q, `
		SELECT id, guid, domain, status, stock, renew, provider_driver FROM hosting_lines
		WHERE ($1 <> '' AND guid = $1) OR ($1 = '' AND id = $2)`, guid, id).
		Scan(&l.ID, &l.GUID, &l.Domain, &l.Status, &l.Stock, &l.Renew, &l.Driver)
	if errors.Is(err, postgres.ErrNotFound) {
		return Line{}, dispatch.ErrLineNotFound
	}
	if err != nil {
		return Line{}, fmt.Errorf("panelorder.LoadLine: %w", err)
	}
	return l, nil
}

// ForSale answers whether the line takes new orders: a disabled line
// answers 该线路节点不存在或已下架, a sold-out one 库存不足.
func (l Line) ForSale() error {
	switch {
	case l.Status != 1:
		return dispatch.ErrLineNotFound
	case l.Stock != 1:
		return dispatch.ErrOutOfStock
	}
	return nil
}

// Product is what hosting_products and sql_products have in common.
type Product struct {
	ID                                               int64
	GUID                                             string
	LineGUIDs                                        []string
	Price                                            decimal.Decimal
	Months, Discount                                 string
	BuyLimit, Stock, Status, Upgradation, RefundDays int
}

// ProductColumns selects a Product from a products table aliased p, in the
// order of (*Product).Dest.
const ProductColumns = `p.id, p.guid, p.line_guids, p.price, p.months, p.discount, p.buy_limit, p.stock,
	p.status, p.upgradation, p.refund_days`

// Dest returns the scan destinations of ProductColumns. It cannot fail.
func (p *Product) Dest() []any {
	return []any{&p.ID, &p.GUID, &p.LineGUIDs, &p.Price, &p.Months, &p.Discount, &p.BuyLimit, &p.Stock,
		&p.Status, &p.Upgradation, &p.RefundDays}
}

// LoadProduct runs query (which selects ProductColumns, then the columns
// that extra scans into) with args, and returns the product. It returns
// 参数错误: <field> 不存在 when there is no row.
func LoadProduct(ctx context.Context, q postgres.Querier, field, query string, args []any, extra ...any) (Product, error) {
	var p Product
	err := postgres.QueryRow(ctx, q, query, args...).Scan(append(p.Dest(), extra...)...)
	if errors.Is(err, postgres.ErrNotFound) {
		return Product{}, dispatch.ParamError(field, "不存在")
	}
	if err != nil {
		return Product{}, fmt.Errorf("panelorder.LoadProduct %s: %w", field, err)
	}
	return p, nil
}

// Serves reports whether the product is sold on the line lineGUID. It
// cannot fail.
func (p Product) Serves(lineGUID string) bool {
	for _, g := range p.LineGUIDs {
		if g == lineGUID {
			return true
		}
	}
	return false
}

// ForSaleOn answers whether the product (given as field) can be bought on
// l: a disabled or sold-out product answers 库存不足, one not sold on the
// line 参数错误: <field> 不支持该线路.
func (p Product) ForSaleOn(l Line, field string) error {
	switch {
	case p.Status != 1 || p.Stock != 1:
		return dispatch.ErrOutOfStock
	case !p.Serves(l.GUID):
		return dispatch.ParamError(field, "不支持该线路")
	}
	return nil
}

// Factor returns the product's discount factor for months (billing.md §3).
// It returns an error naming the product when its discount is malformed.
func (p Product) Factor(months int) (decimal.Decimal, error) {
	list, err := pricing.ParseDiscountList(p.Discount)
	if err != nil {
		return decimal.Zero, fmt.Errorf("product %s: discount: %w", p.GUID, err)
	}
	return list.Factor(months), nil
}

// CheckMonths answers 参数错误: <name> 不在可选范围 unless months is in the
// product's months list; an error naming the product when the list is
// malformed.
func (p Product) CheckMonths(months int, name string) error {
	allowed, err := pricing.ParseMonths(p.Months)
	if err != nil {
		return fmt.Errorf("product %s: months %q: %w", p.GUID, p.Months, err)
	}
	if pricing.CheckMonths(months, allowed) != nil {
		return dispatch.ParamError(name, "不在可选范围")
	}
	return nil
}

// Sale is a create_order for a panel business, with everything the two
// businesses share checked.
type Sale struct {
	orderflow.Purchase
	Line     Line
	Product  Product
	Prefix   string          // the checked prefix of the FTP / database name
	Password string          // pwd, or a generated one
	Factor   decimal.Decimal // the product's discount for Months
}

// ReadSale reads and checks create_order's parameters common to
// create_hosting and create_database, in this order: the purchase
// (orderflow.ParsePurchase), line_guid (exists and enabled, in stock),
// product_guid (loaded by load; enabled, in stock, sold on the line),
// content.months (in the product's list), content.number (at most
// buy_limit), prefix and pwd. It returns the first refusal as the API's
// error.
func ReadSale(ctx context.Context, q postgres.Querier, p dispatch.Params,
	load func(ctx context.Context, guid string) (Product, error)) (Sale, error) {
	var s Sale
	var err error
	if s.Purchase, err = orderflow.ParsePurchase(p); err != nil {
		return s, err
	}
	lineGUID, err := p.RequiredText("line_guid")
	if err != nil {
		return s, err
	}
	if s.Line, err = LoadLine(ctx, q, lineGUID, 0); err != nil {
		return s, err
	}
	if err := s.Line.ForSale(); err != nil {
		return s, err
	}
	productGUID, err := p.RequiredText("product_guid")
	if err != nil {
		return s, err
	}
	if s.Product, err = load(ctx, productGUID); err != nil {
		return s, err
	}
	if err := s.Product.ForSaleOn(s.Line, "product_guid"); err != nil {
		return s, err
	}
	if err := s.Product.CheckMonths(s.Months, "content.months"); err != nil {
		return s, err
	}
	if err := pricing.CheckNumber(s.Number, s.Product.BuyLimit); err != nil {
		return s, orderflow.Named(err, map[string]string{"number": "content.number"})
	}
	if s.Factor, err = s.Product.Factor(s.Months); err != nil {
		return s, err
	}
	if s.Prefix, err = CheckPrefix(p, "prefix"); err != nil {
		return s, err
	}
	s.Password, err = orderflow.Password(p, "pwd", true)
	return s, err
}

// Now is the operator's time on e's clock; read it once per operation. It
// cannot fail.
func Now(e *orderflow.Engine) time.Time { return e.Now().In(apitype.Location()) }
