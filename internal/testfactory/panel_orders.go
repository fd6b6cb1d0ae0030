package testfactory

// The orders that live on a hosting panel: web hosting and cloud databases.

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// HostingOrderRow is a row of hosting_orders.
type HostingOrderRow struct {
	ID             int64
	ResellerID     int64
	OrderNo        string
	ClientUserID   int64
	LineID         int64 // 0: a new hosting line
	ProductID      int64 // 0: a new hosting product
	Name           string
	Domain         string
	DomainList     string // JSON text
	Path           string
	UseDisk        int
	DBType         string
	DBCode         string
	Program        string
	ProgramVersion string
	UseFlow        int
	Flow           int
	FTPPort        int
	FTPID          int64
	FTPStatus      int
	FTPName        string // default: unique, as the live index needs
	FTPPassword    string // clear; stored sealed
	BuyTime        time.Time
	StartTime      time.Time
	EndTime        time.Time
	OrderStatus    int
	RunStatus      int
	Remarks        string
	RenewAuto      int
	RenewPrice     apitype.Money
	BuyMonths      int
}

// HostingOrder inserts a web-hosting order of resellerID.
func HostingOrder(t testing.TB, db postgres.Querier, box *secret.Box, resellerID int64, opt func(*HostingOrderRow)) HostingOrderRow {
	t.Helper()
	r := HostingOrderRow{
		ResellerID: resellerID, OrderNo: unique("H"), ClientUserID: 1001, Name: "test_hosting",
		Domain: "test.jhgf.gyhost.cn", DomainList: `["test1.com","test2.cn"]`,
		Path: "/www/wwwroot/test_hosting", UseDisk: 50, DBType: "mysql", DBCode: "utf8",
		Program: "php", ProgramVersion: "php81", UseFlow: 512, Flow: 30, FTPPort: 21,
		FTPID: 10001, FTPStatus: 1, FTPName: unique("ftp_"), FTPPassword: "Abcd1234",
		BuyTime: DefaultBuyTime, StartTime: DefaultBuyTime, EndTime: DefaultBuyTime.AddDate(0, 1, 0),
		OrderStatus: 1, RunStatus: 1, RenewPrice: apitype.MustMoney("80.00"), BuyMonths: 1,
	}
	apply(&r, opt)
	if r.LineID == 0 {
		r.LineID = HostingLine(t, db, nil).ID
	}
	if r.ProductID == 0 {
		r.ProductID = HostingProduct(t, db, nil).ID
	}
	err := db.QueryRow(t.Context(), `
		INSERT INTO hosting_orders (reseller_id, order_no, client_user_id, line_id, product_id,
		    name, domain, domain_list, path, use_disk, db_type, db_code, program,
		    program_version, use_flow, flow, ftpport, ftp_id, ftp_status, ftp_name,
		    ftp_password_enc, buy_time, start_time, end_time, order_status,
		    run_status, remarks, renew_auto, renew_price, buymonths)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
		    $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)
		RETURNING id`,
		r.ResellerID, r.OrderNo, r.ClientUserID, r.LineID, r.ProductID,
		r.Name, r.Domain, r.DomainList, r.Path, r.UseDisk, r.DBType, r.DBCode, r.Program,
		r.ProgramVersion, r.UseFlow, r.Flow, r.FTPPort, r.FTPID, r.FTPStatus, r.FTPName,
		box.SealString(r.FTPPassword), r.BuyTime, r.StartTime, r.EndTime, r.OrderStatus,
		r.RunStatus, r.Remarks, r.RenewAuto, r.RenewPrice, r.BuyMonths).Scan(&r.ID)
	require.NoError(t, err, "insert hosting order")
	return r
}

// SQLOrderRow is a row of sql_orders.
type SQLOrderRow struct {
	ID           int64
	ResellerID   int64
	OrderNo      string
	ClientUserID int64
	HostingID    int64 // 0: a database of its own
	LineID       int64 // 0: a new hosting line
	ProductID    int64 // 0: a new sql product
	Name         string
	UseDisk      int
	DBType       string
	DBCode       string
	DBName       string // default: unique, as the live index needs
	DBUser       string
	DBPassword   string // clear; stored sealed
	BuyTime      time.Time
	StartTime    time.Time
	EndTime      time.Time
	OrderStatus  int
	RunStatus    int
	Remarks      string
	RenewAuto    int
	RenewPrice   apitype.Money
	BuyMonths    int
}

// SQLOrder inserts a cloud-database order of resellerID.
func SQLOrder(t testing.TB, db postgres.Querier, box *secret.Box, resellerID int64, opt func(*SQLOrderRow)) SQLOrderRow {
	t.Helper()
	r := SQLOrderRow{
		ResellerID: resellerID, OrderNo: unique("D"), ClientUserID: 1001, Name: "test_db",
		UseDisk: 100, DBType: "mysql", DBCode: "utf8mb4", DBName: unique("db_"),
		DBUser: "test_db_user", DBPassword: "DbPwd1234",
		BuyTime: DefaultBuyTime, StartTime: DefaultBuyTime, EndTime: DefaultBuyTime.AddDate(0, 1, 0),
		OrderStatus: 1, RunStatus: 1, RenewPrice: apitype.MustMoney("28.00"), BuyMonths: 1,
	}
	apply(&r, opt)
	if r.LineID == 0 {
		r.LineID = HostingLine(t, db, nil).ID
	}
	if r.ProductID == 0 {
		r.ProductID = SQLProduct(t, db, nil).ID
	}
	err := db.QueryRow(t.Context(), `
		INSERT INTO sql_orders (reseller_id, order_no, client_user_id, hosting_id, line_id,
		    product_id, name, use_disk, db_type, db_code, db_name, db_user,
		    db_password_enc, buy_time, start_time, end_time, order_status,
		    run_status, remarks, renew_auto, renew_price, buymonths)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
		    $16, $17, $18, $19, $20, $21, $22)
		RETURNING id`,
		r.ResellerID, r.OrderNo, r.ClientUserID, r.HostingID, r.LineID,
		r.ProductID, r.Name, r.UseDisk, r.DBType, r.DBCode, r.DBName, r.DBUser,
		box.SealString(r.DBPassword), r.BuyTime, r.StartTime, r.EndTime, r.OrderStatus,
		r.RunStatus, r.Remarks, r.RenewAuto, r.RenewPrice, r.BuyMonths).Scan(&r.ID)
	require.NoError(t, err, "insert sql order")
	return r
}
