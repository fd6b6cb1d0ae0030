package database

import (
	"context"

	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderquery"
)

// Get serves getsql (one order) and List sql_orders (a page of them).
func (s *Service) Get(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().Get(ctx, s.DB, req)
}

// List: see Get.
func (s *Service) List(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().List(ctx, s.DB, req)
}

// sqlOrder is one order as getsql answers it (document 八.2): every field
// of its table and of its example, in the document's order.
type sqlOrder struct {
	ID           int64            `json:"id"`
	ClientUserID int64            `json:"client_user_id"`
	HostingID    int64            `json:"hosting_id"` // 0: a database of its own
	Name         string           `json:"name"`
	ProductGUID  string           `json:"product_guid"`
	LineGUID     string           `json:"line_guid"`
	UseDisk      int              `json:"use_disk"`
	DBSize       int              `json:"db_size"` // the product's db
	DBType       string           `json:"db_type"`
	DBCode       string           `json:"db_code"`
	DBName       string           `json:"db_name"`
	DBUser       string           `json:"db_user"`
	DBPassword   string           `json:"db_password"`
	BuyTime      apitype.DateTime `json:"buy_time"`
	StartTime    apitype.DateTime `json:"start_time"`
	EndTime      apitype.DateTime `json:"end_time"`
	OrderStatus  int              `json:"order_status"`
	RunStatus    int              `json:"run_status"`
	Remarks      string           `json:"remarks"`
	RenewAuto    int              `json:"renew_auto"`
	RenewPrice   apitype.Money    `json:"renew_price"`
	BuyMonths    int              `json:"buymonths"`
}

// selectSQLOrders is the one SELECT behind getsql and sql_orders; the
// queries below add their WHERE clauses. db_size comes from sql_products,
// line_guid from the hosting line whose panel holds the database. A
// database bundled with a hosting order (hosting_add_database) has no
// product: it shows the hosting product's guid and db, and the hosting
// order's end_time and order_status.
const selectSQLOrders = `
SELECT o.id, o.client_user_id, o.hosting_id, o.name, COALESCE(p.guid, hp.guid, ''), l.guid,
       o.use_disk, COALESCE(p.db, hp.db, 0), o.db_type, o.db_code, o.db_name, o.db_user,
       o.db_password_enc, o.buy_time, o.start_time, COALESCE(h.end_time, o.end_time),
       COALESCE(h.order_status, o.order_status), o.run_status, o.remarks, o.renew_auto, o.renew_price,
       o.buymonths
FROM sql_orders o
JOIN hosting_lines l ON l.id = o.line_id
LEFT JOIN sql_products p ON p.id = o.product_id
LEFT JOIN hosting_orders h ON h.id = o.hosting_id AND o.product_id IS NULL
LEFT JOIN hosting_products hp ON hp.id = h.product_id`

// orderQuery is the SQL of this business's order queries.
func (s *Service) orderQuery() orderquery.Query[sqlOrder] {
	return orderquery.Query[sqlOrder]{
		Name:  "sql",
		One:   selectSQLOrders + ` WHERE o.reseller_id = $1 AND o.id = $2`,
		Count: `SELECT coalesce(max(position), 0) FROM sql_orders WHERE reseller_id = $1`,
		Page:  selectSQLOrders + ` WHERE o.reseller_id = $1 AND o.position > $2 AND o.position <= $3 ORDER BY o.id`,
		Scan:  s.scanSQLOrder,
	}
}

// scanSQLOrder reads a row of selectSQLOrders, opening the database
// password.
func (s *Service) scanSQLOrder(row pgx.Row) (sqlOrder, error) {
	var o sqlOrder
	var password []byte
	err := row.Scan(&o.ID, &o.ClientUserID, &o.HostingID, &o.Name, &o.ProductGUID, &o.LineGUID,
		&o.UseDisk, &o.DBSize, &o.DBType, &o.DBCode, &o.DBName, &o.DBUser,
		&password, &o.BuyTime, &o.StartTime, &o.EndTime,
		&o.OrderStatus, &o.RunStatus, &o.Remarks, &o.RenewAuto, &o.RenewPrice,
		&o.BuyMonths)
	if err != nil {
		return sqlOrder{}, err
	}
	if o.DBPassword, err = orderquery.OpenPassword(s.Box, "db_password_enc", password); err != nil {
		return sqlOrder{}, fmt.Errorf("sql order %d: %w", o.ID, err)
	}
	return o, nil
}
