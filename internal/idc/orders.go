package idc

import (
	"context"

	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderquery"
)

// Get serves getidc (one order) and List idc_orders (a page of them).
func (s *Service) Get(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().Get(ctx, s.DB, req)
}

// List: see Get.
func (s *Service) List(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().List(ctx, s.DB, req)
}

// idcOrder is one order as getidc answers it (托管 19): every field of its
// table and of its example, in the example's order.
type idcOrder struct {
	ID            int64            `json:"id"`
	ProductGUID   string           `json:"product_guid"`
	LineGUID      string           `json:"line_guid"`
	Name          string           `json:"name"`
	ProductType   int              `json:"product_type"`
	Size          string           `json:"size"`
	Power         string           `json:"power"`
	Bandwidth     int              `json:"bandwidth"`
	Defense       int              `json:"defense"`
	IPNum         int              `json:"ipnum"`
	BuyTime       apitype.DateTime `json:"buy_time"`
	StartTime     apitype.DateTime `json:"start_time"` // buy_time until racked
	EndTime       apitype.DateTime `json:"end_time"`
	OrderStatus   int              `json:"order_status"`
	RunStatus     int              `json:"run_status"`
	ActStatus     int              `json:"act_status"`
	IP            string           `json:"ip"` // JSON text of the addresses
	SystemPort    string           `json:"system_port"`
	LoginName     string           `json:"login_name"`
	LoginPassword string           `json:"login_password"`
	APIType       string           `json:"api_type"`
}

// selectIdcOrders is the one SELECT behind getidc and idc_orders; the
// queries below add their WHERE clauses. product_type and size come from
// idc_products, api_type from the line's driver.
const selectIdcOrders = `
SELECT o.id, p.guid, l.guid, o.name, p.product_type, p.size, o.power,
       o.bandwidth, o.defense, o.ipnum, o.buy_time, COALESCE(o.start_time, o.buy_time), o.end_time,
       o.order_status, CASE WHEN o.order_status = 0 THEN -1 ELSE o.run_status END, o.act_status, o.ip, o.system_port,
       o.login_name, o.login_password_enc, l.provider_driver
FROM idc_orders o
JOIN idc_lines l ON l.id = o.line_id
JOIN idc_products p ON p.id = o.product_id`

// orderQuery is the SQL of this business's order queries.
func (s *Service) orderQuery() orderquery.Query[idcOrder] {
	return orderquery.Query[idcOrder]{
		Name:  "idc",
		One:   selectIdcOrders + ` WHERE o.reseller_id = $1 AND o.id = $2`,
		Count: `SELECT coalesce(max(position), 0) FROM idc_orders WHERE reseller_id = $1`,
		Page:  selectIdcOrders + ` WHERE o.reseller_id = $1 AND o.position > $2 AND o.position <= $3 ORDER BY o.id`,
		Scan:  s.scanIdcOrder,
	}
}

// scanIdcOrder reads a row of selectIdcOrders, opening the login password.
func (s *Service) scanIdcOrder(row pgx.Row) (idcOrder, error) {
	var o idcOrder
	var password []byte
	err := row.Scan(&o.ID, &o.ProductGUID, &o.LineGUID, &o.Name, &o.ProductType, &o.Size, &o.Power,
		&o.Bandwidth, &o.Defense, &o.IPNum, &o.BuyTime, &o.StartTime, &o.EndTime,
		&o.OrderStatus, &o.RunStatus, &o.ActStatus, &o.IP, &o.SystemPort,
		&o.LoginName, &password, &o.APIType)
	if err != nil {
		return idcOrder{}, err
	}
	if o.LoginPassword, err = orderquery.OpenPassword(s.Box, "login_password_enc", password); err != nil {
		return idcOrder{}, fmt.Errorf("idc order %d: %w", o.ID, err)
	}
	return o, nil
}
