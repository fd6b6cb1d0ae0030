package hosting

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
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
	c := f.caller(t)
	line := testfactory.HostingLine(t, f.db, nil)
	product := testfactory.HostingProduct(t, f.db, nil)
	o := testfactory.HostingOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.HostingOrderRow) {
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

func TestGetHostingFindsAPrefixedGUID(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	o := testfactory.HostingOrder(t, f.db, f.box, c.Reseller.ID, nil)

	data, err := c.Call(t, "gethosting", map[string]any{"guid": "srv_" + id(o.ID)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Number(o.ID), testfactory.Object(t, data)["id"])
}

func TestGetHostingHidesAnotherResellersOrder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	owner, other := f.caller(t), f.caller(t)
	o := testfactory.HostingOrder(t, f.db, f.box, owner.Reseller.ID, nil)

	_, err := other.Call(t, "gethosting", map[string]any{"guid": id(o.ID)})
	require.ErrorIs(t, err, dispatch.ErrOrderNotFound)
}

func TestGetHostingAnswersNotFoundForUnknownOrMalformedIDs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	testfactory.HostingOrder(t, f.db, f.box, c.Reseller.ID, nil)

	for _, guid := range []string{"9000000000", "abc", "0", "-5"} {
		_, err := c.Call(t, "gethosting", map[string]any{"guid": guid})
		require.ErrorIs(t, err, dispatch.ErrOrderNotFound, "guid %q", guid)
	}
	_, err := c.Call(t, "gethosting", nil)
	require.EqualError(t, err, "缺少必要参数: guid")
}

func TestHostingOrdersWithNoOrdersAnswersZeroPagesAndAnEmptyList(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)

	data, err := c.Call(t, "hosting_orders", nil)
	require.NoError(t, err)
	b, err := dispatch.Encode(data)
	require.NoError(t, err)
	require.JSONEq(t, `{"pages":0,"servers":[]}`, string(b))
}

func TestHostingOrdersListsDeletedOrdersWithTheFieldsOfGethosting(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c, other := f.caller(t), f.caller(t)
	live := testfactory.HostingOrder(t, f.db, f.box, c.Reseller.ID, nil)
	testfactory.HostingOrder(t, f.db, f.box, other.Reseller.ID, nil)
	deleted := testfactory.HostingOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.HostingOrderRow) { o.OrderStatus = -2 })

	data, err := c.Call(t, "hosting_orders", map[string]any{"page": "1"})
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	require.Equal(t, int64(1), pages)
	require.Equal(t, []int64{live.ID, deleted.ID}, testfactory.IDs(t, rows))
	require.Equal(t, testfactory.Number(-2), rows[1]["order_status"])

	single, err := c.Call(t, "gethosting", map[string]any{"guid": id(live.ID)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Object(t, single), rows[0])
}

func TestHostingOrdersPagesOutOfRange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	testfactory.HostingOrder(t, f.db, f.box, c.Reseller.ID, nil)

	_, err := c.Call(t, "hosting_orders", map[string]any{"page": "0"})
	require.EqualError(t, err, "参数错误: page 不在可选范围")

	data, err := c.Call(t, "hosting_orders", map[string]any{"page": "2"})
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	require.Equal(t, int64(1), pages)
	require.Empty(t, rows)
}
