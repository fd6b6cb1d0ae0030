package database_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

// getsqlKinds is the shape of getsql's example in the document (八.2):
// every field it shows and the JSON kind of its value.
var getsqlKinds = map[string]string{
	"id": "number", "client_user_id": "number", "hosting_id": "number",
	"name": "string", "product_guid": "string", "line_guid": "string",
	"use_disk": "number", "db_size": "number", "db_type": "string",
	"db_code": "string", "db_name": "string", "db_user": "string",
	"db_password": "string", "buy_time": "string", "start_time": "string",
	"end_time": "string", "order_status": "number", "run_status": "number",
	"remarks": "string", "renew_auto": "number", "renew_price": "string",
	"buymonths": "number",
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestGetSQLAnswersEveryDocumentedFieldWithItsType(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	line := testfactory.HostingLine(t, f.DB, nil)
	product := testfactory.SQLProduct(t, f.DB, nil)
	o := testfactory.SQLOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.SQLOrderRow) {
		o.LineID, o.ProductID = line.ID, product.ID
	})

	data, err := c.Call(t, "getsql", map[string]any{"guid": id(o.ID)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)

	n := testfactory.Number
	require.Equal(t, getsqlKinds, testfactory.Kinds(got))
	require.Equal(t, map[string]any{
		"id": n(o.ID), "client_user_id": n(1001), "hosting_id": n(0), "name": "test_db",
		"product_guid": product.GUID, "line_guid": line.GUID, "use_disk": n(100),
		"db_size": n(1000), "db_type": "mysql", "db_code": "utf8mb4", "db_name": o.DBName,
		"db_user": "test_db_user", "db_password": "DbPwd1234",
		"buy_time": "2025-01-01 10:00:00", "start_time": "2025-01-01 10:00:00",
		"end_time": "2025-02-01 10:00:00", "order_status": n(1), "run_status": n(1),
		"remarks": "", "renew_auto": n(0), "renew_price": "28.00", "buymonths": n(1),
	}, got)
}

// TestSQLOrderQueries runs the checks every business's order queries share
// (testfactory.CheckOrderQueries).
func TestSQLOrderQueries(t *testing.T) {
	t.Parallel()
	testfactory.CheckOrderQueries(t, testfactory.OrderQueries{
		Get: "getsql", List: "sql_orders", Setup: setup,
		Order: func(t *testing.T, f testfactory.Fixture, resellerID int64, status int) int64 {
			return testfactory.SQLOrder(t, f.DB, f.Box, resellerID, func(o *testfactory.SQLOrderRow) { o.OrderStatus = status }).ID
		},
	})
}
