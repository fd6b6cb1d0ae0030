package hosting_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

// gethostingKinds is the shape of gethosting's example in the document
// (七.3): every field it shows and the JSON kind of its value.
var gethostingKinds = map[string]string{
	"id": "number", "client_user_id": "number", "name": "string",
	"product_guid": "string", "line_guid": "string", "domain": "string",
	"domain_list": "string", "path": "string", "use_disk": "number",
	"disk": "number", "db_size": "number", "db_type": "string", "db_code": "string",
	"program": "string", "program_version": "string", "analysis_url": "string",
	"use_flow": "number", "flow": "number", "ftpport": "number", "ftp_id": "number",
	"ftp_status": "number", "ftp_name": "string", "ftp_password": "string",
	"buy_time": "string", "start_time": "string", "end_time": "string",
	"order_status": "number", "run_status": "number", "remarks": "string",
	"renew_auto": "number", "renew_price": "string", "buymonths": "number",
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestGetHostingAnswersEveryDocumentedFieldWithItsType(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	line := testfactory.HostingLine(t, f.DB, nil)
	product := testfactory.HostingProduct(t, f.DB, nil)
	o := testfactory.HostingOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.HostingOrderRow) {
		o.LineID, o.ProductID = line.ID, product.ID
		o.RenewPrice = apitype.MustMoney("80")
	})

	data, err := c.Call(t, "gethosting", map[string]any{"guid": id(o.ID)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)

	n := testfactory.Number
	require.Equal(t, gethostingKinds, testfactory.Kinds(got))
	require.Equal(t, map[string]any{
		"id": n(o.ID), "client_user_id": n(1001), "name": "test_hosting",
		"product_guid": product.GUID, "line_guid": line.GUID,
		"domain": "test.jhgf.gyhost.cn", "domain_list": `["test1.com","test2.cn"]`,
		"path": "/www/wwwroot/test_hosting", "use_disk": n(50), "disk": n(200),
		"db_size": n(100), "db_type": "mysql", "db_code": "utf8", "program": "php",
		"program_version": "php81", "analysis_url": "61.164.174.128", "use_flow": n(512),
		"flow": n(30), "ftpport": n(21), "ftp_id": n(10001), "ftp_status": n(1),
		"ftp_name": o.FTPName, "ftp_password": "Abcd1234",
		"buy_time": "2025-01-01 10:00:00", "start_time": "2025-01-01 10:00:00",
		"end_time": "2025-02-01 10:00:00", "order_status": n(1), "run_status": n(1),
		"remarks": "", "renew_auto": n(0), "renew_price": "80.00", "buymonths": n(1),
	}, got)
}

func TestASiteNotYetOpenedIsNotRunning(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	o := testfactory.HostingOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.HostingOrderRow) { o.OrderStatus = 0 })
	data, err := c.Call(t, "gethosting", map[string]any{"guid": id(o.ID)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)
	require.Equal(t, testfactory.Number(0), got["order_status"])
	require.Equal(t, testfactory.Number(-1), got["run_status"], "开通中: not running yet")
}

// TestHostingOrderQueries runs the checks every business's order queries share
// (testfactory.CheckOrderQueries).
func TestHostingOrderQueries(t *testing.T) {
	t.Parallel()
	testfactory.CheckOrderQueries(t, testfactory.OrderQueries{
		Get: "gethosting", List: "hosting_orders", Setup: setup,
		Order: func(t *testing.T, f testfactory.Fixture, resellerID int64, status int) int64 {
			return testfactory.HostingOrder(t, f.DB, f.Box, resellerID, func(o *testfactory.HostingOrderRow) { o.OrderStatus = status }).ID
		},
	})
}
