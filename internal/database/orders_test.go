package database

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
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
	c := f.caller(t)
	line := testfactory.HostingLine(t, f.db, nil)
	product := testfactory.SQLProduct(t, f.db, nil)
	o := testfactory.SQLOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.SQLOrderRow) {
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

func TestGetSQLFindsAPrefixedGUID(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	o := testfactory.SQLOrder(t, f.db, f.box, c.Reseller.ID, nil)

	data, err := c.Call(t, "getsql", map[string]any{"guid": "srv_" + id(o.ID)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Number(o.ID), testfactory.Object(t, data)["id"])
}

func TestGetSQLHidesAnotherResellersOrder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	owner, other := f.caller(t), f.caller(t)
	o := testfactory.SQLOrder(t, f.db, f.box, owner.Reseller.ID, nil)

	_, err := other.Call(t, "getsql", map[string]any{"guid": id(o.ID)})
	require.ErrorIs(t, err, dispatch.ErrOrderNotFound)
}

func TestGetSQLAnswersNotFoundForUnknownOrMalformedIDs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	testfactory.SQLOrder(t, f.db, f.box, c.Reseller.ID, nil)

	for _, guid := range []string{"9000000000", "abc", "0", "-5"} {
		_, err := c.Call(t, "getsql", map[string]any{"guid": guid})
		require.ErrorIs(t, err, dispatch.ErrOrderNotFound, "guid %q", guid)
	}
	_, err := c.Call(t, "getsql", nil)
	require.EqualError(t, err, "缺少必要参数: guid")
}

func TestSQLOrdersWithNoOrdersAnswersZeroPagesAndAnEmptyList(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)

	data, err := c.Call(t, "sql_orders", nil)
	require.NoError(t, err)
	b, err := dispatch.Encode(data)
	require.NoError(t, err)
	require.JSONEq(t, `{"pages":0,"servers":[]}`, string(b))
}

func TestSQLOrdersListsDeletedOrdersWithTheFieldsOfGetsql(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c, other := f.caller(t), f.caller(t)
	live := testfactory.SQLOrder(t, f.db, f.box, c.Reseller.ID, nil)
	testfactory.SQLOrder(t, f.db, f.box, other.Reseller.ID, nil)
	deleted := testfactory.SQLOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.SQLOrderRow) { o.OrderStatus = -2 })

	data, err := c.Call(t, "sql_orders", map[string]any{"page": "1"})
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	require.Equal(t, int64(1), pages)
	require.Equal(t, []int64{live.ID, deleted.ID}, testfactory.IDs(t, rows))
	require.Equal(t, testfactory.Number(-2), rows[1]["order_status"])

	single, err := c.Call(t, "getsql", map[string]any{"guid": id(live.ID)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Object(t, single), rows[0])
}

func TestSQLOrdersPagesOutOfRange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	testfactory.SQLOrder(t, f.db, f.box, c.Reseller.ID, nil)

	_, err := c.Call(t, "sql_orders", map[string]any{"page": "0"})
	require.EqualError(t, err, "参数错误: page 不在可选范围")

	data, err := c.Call(t, "sql_orders", map[string]any{"page": "2"})
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	require.Equal(t, int64(1), pages)
	require.Empty(t, rows)
}
