package hosting

import (
	"context"

	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderquery"
)

// Get serves gethosting (one order) and List hosting_orders (a page of them).
func (s *Service) Get(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().Get(ctx, s.DB, req)
}

// List: see Get.
func (s *Service) List(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().List(ctx, s.DB, req)
}

// hostingOrder is one order as gethosting answers it (document 七.3): every
// field of its table and of its example, in the document's order.
type hostingOrder struct {
	ID             int64            `json:"id"`
	ClientUserID   int64            `json:"client_user_id"`
	Name           string           `json:"name"`
	ProductGUID    string           `json:"product_guid"`
	LineGUID       string           `json:"line_guid"`
	Domain         string           `json:"domain"`
	DomainList     string           `json:"domain_list"` // JSON text
	Path           string           `json:"path"`
	UseDisk        int              `json:"use_disk"`
	Disk           int              `json:"disk"`    // the product's
	DBSize         int              `json:"db_size"` // the product's db
	DBType         string           `json:"db_type"`
	DBCode         string           `json:"db_code"`
	Program        string           `json:"program"`
	ProgramVersion string           `json:"program_version"`
	AnalysisURL    string           `json:"analysis_url"` // the line's ip
	UseFlow        int              `json:"use_flow"`
	Flow           int              `json:"flow"`
	FTPPort        int              `json:"ftpport"`
	FTPID          int64            `json:"ftp_id"`
	FTPStatus      int              `json:"ftp_status"`
	FTPName        string           `json:"ftp_name"`
	FTPPassword    string           `json:"ftp_password"`
	BuyTime        apitype.DateTime `json:"buy_time"`
	StartTime      apitype.DateTime `json:"start_time"`
	EndTime        apitype.DateTime `json:"end_time"`
	OrderStatus    int              `json:"order_status"`
	RunStatus      int              `json:"run_status"`
	Remarks        string           `json:"remarks"`
	RenewAuto      int              `json:"renew_auto"`
	RenewPrice     apitype.Money    `json:"renew_price"`
	BuyMonths      int              `json:"buymonths"`
}

// selectHostingOrders is the one SELECT behind gethosting and
// hosting_orders; the queries below add their WHERE clauses. disk and
// db_size come from hosting_products, analysis_url from the line.
const selectHostingOrders = `
SELECT o.id, o.client_user_id, o.name, p.guid, l.guid, o.domain,
       o.domain_list, o.path, o.use_disk, p.disk, p.db, o.db_type, o.db_code,
       o.program, o.program_version, l.ip, o.use_flow, o.flow, o.ftpport,
       o.ftp_id, o.ftp_status, o.ftp_name, o.ftp_password_enc, o.buy_time,
       o.start_time, o.end_time, o.order_status, CASE WHEN o.order_status = 0 THEN -1 ELSE o.run_status END, o.remarks,
       o.renew_auto, o.renew_price, o.buymonths
FROM hosting_orders o
JOIN hosting_lines l ON l.id = o.line_id
JOIN hosting_products p ON p.id = o.product_id`

// orderQuery is the SQL of this business's order queries.
func (s *Service) orderQuery() orderquery.Query[hostingOrder] {
	return orderquery.Query[hostingOrder]{
		Name:  "hosting",
		One:   selectHostingOrders + ` WHERE o.reseller_id = $1 AND o.id = $2`,
		Count: `SELECT coalesce(max(position), 0) FROM hosting_orders WHERE reseller_id = $1`,
		Page:  selectHostingOrders + ` WHERE o.reseller_id = $1 AND o.position > $2 AND o.position <= $3 ORDER BY o.id`,
		Scan:  s.scanHostingOrder,
	}
}

// scanHostingOrder reads a row of selectHostingOrders, opening the FTP
// password.
func (s *Service) scanHostingOrder(row pgx.Row) (hostingOrder, error) {
	var o hostingOrder
	var password []byte
	err := row.Scan(&o.ID, &o.ClientUserID, &o.Name, &o.ProductGUID, &o.LineGUID, &o.Domain,
		&o.DomainList, &o.Path, &o.UseDisk, &o.Disk, &o.DBSize, &o.DBType, &o.DBCode,
		&o.Program, &o.ProgramVersion, &o.AnalysisURL, &o.UseFlow, &o.Flow, &o.FTPPort,
		&o.FTPID, &o.FTPStatus, &o.FTPName, &password, &o.BuyTime,
		&o.StartTime, &o.EndTime, &o.OrderStatus, &o.RunStatus, &o.Remarks,
		&o.RenewAuto, &o.RenewPrice, &o.BuyMonths)
	if err != nil {
		return hostingOrder{}, err
	}
	if o.FTPPassword, err = orderquery.OpenPassword(s.Box, "ftp_password_enc", password); err != nil {
		return hostingOrder{}, fmt.Errorf("hosting order %d: %w", o.ID, err)
	}
	return o, nil
}
