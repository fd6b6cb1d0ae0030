package idc

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

// getidcKinds is the shape of getidc's example in the document (托管 19):
// every field it shows (more than its table) and the JSON kind of its value.
var getidcKinds = map[string]string{
	"id": "number", "product_guid": "string", "line_guid": "string", "name": "string",
	"product_type": "number", "size": "string", "power": "string",
	"bandwidth": "number", "defense": "number", "ipnum": "number",
	"buy_time": "string", "start_time": "string", "end_time": "string",
	"order_status": "number", "run_status": "number", "act_status": "number",
	"ip": "string", "system_port": "string", "login_name": "string",
	"login_password": "string", "api_type": "string",
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestGetIdcAnswersEveryDocumentedFieldWithItsType(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	line := testfactory.IdcLine(t, f.db, nil)
	product := testfactory.IdcProduct(t, f.db, nil)
	o := testfactory.IdcOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.IdcOrderRow) {
		o.LineID, o.ProductID = line.ID, product.ID
	})

	data, err := c.Call(t, "getidc", map[string]any{"guid": id(o.ID)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)

	n := testfactory.Number
	require.Equal(t, getidcKinds, testfactory.Kinds(got))
	require.Equal(t, map[string]any{
		"id": n(o.ID), "product_guid": product.GUID, "line_guid": line.GUID,
		"name": "托管服务器-001", "product_type": n(1), "size": "1U", "power": "0.5A/220V",
		"bandwidth": n(50), "defense": n(10), "ipnum": n(1),
		"buy_time": "2025-01-01 10:00:00", "start_time": "2025-01-01 14:00:00",
		"end_time": "2025-02-01 14:00:00", "order_status": n(1), "run_status": n(1),
		"act_status":  n(0),
		"ip":          `[{"ip":"192.168.2.100","subnet":"255.255.255.0","gateway":"192.168.2.1"}]`,
		"system_port": "23543", "login_name": "root", "login_password": "Idc-Passw0rd!",
		"api_type": "mofang",
	}, got)
}

func TestGetIdcOfAnUnrackedOrderHasANullStartTime(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	o := testfactory.IdcOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.IdcOrderRow) {
		o.StartTime, o.OrderStatus, o.IP = nil, 0, "[]"
	})

	data, err := c.Call(t, "getidc", map[string]any{"guid": id(o.ID)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)
	require.Nil(t, got["start_time"])
	require.Equal(t, "[]", got["ip"])
}

func TestGetIdcFindsAPrefixedGUID(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	o := testfactory.IdcOrder(t, f.db, f.box, c.Reseller.ID, nil)

	data, err := c.Call(t, "getidc", map[string]any{"guid": "srv_" + id(o.ID)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Number(o.ID), testfactory.Object(t, data)["id"])
}

func TestGetIdcHidesAnotherResellersOrder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	owner, other := f.caller(t), f.caller(t)
	o := testfactory.IdcOrder(t, f.db, f.box, owner.Reseller.ID, nil)

	_, err := other.Call(t, "getidc", map[string]any{"guid": id(o.ID)})
	require.ErrorIs(t, err, dispatch.ErrOrderNotFound)
}

func TestGetIdcAnswersNotFoundForUnknownOrMalformedIDs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	testfactory.IdcOrder(t, f.db, f.box, c.Reseller.ID, nil)

	for _, guid := range []string{"9000000000", "abc", "0", "-5"} {
		_, err := c.Call(t, "getidc", map[string]any{"guid": guid})
		require.ErrorIs(t, err, dispatch.ErrOrderNotFound, "guid %q", guid)
	}
	_, err := c.Call(t, "getidc", nil)
	require.EqualError(t, err, "缺少必要参数: guid")
}

func TestIdcOrdersWithNoOrdersAnswersZeroPagesAndAnEmptyList(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)

	data, err := c.Call(t, "idc_orders", nil)
	require.NoError(t, err)
	b, err := dispatch.Encode(data)
	require.NoError(t, err)
	require.JSONEq(t, `{"pages":0,"servers":[]}`, string(b))
}

func TestIdcOrdersListsDeletedOrdersWithTheFieldsOfGetidc(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c, other := f.caller(t), f.caller(t)
	live := testfactory.IdcOrder(t, f.db, f.box, c.Reseller.ID, nil)
	testfactory.IdcOrder(t, f.db, f.box, other.Reseller.ID, nil)
	deleted := testfactory.IdcOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.IdcOrderRow) { o.OrderStatus = -2 })

	data, err := c.Call(t, "idc_orders", map[string]any{"page": "1"})
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	require.Equal(t, int64(1), pages)
	require.Equal(t, []int64{live.ID, deleted.ID}, testfactory.IDs(t, rows))
	require.Equal(t, testfactory.Number(-2), rows[1]["order_status"])

	single, err := c.Call(t, "getidc", map[string]any{"guid": id(live.ID)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Object(t, single), rows[0])
}

func TestIdcOrdersPagesOutOfRange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	testfactory.IdcOrder(t, f.db, f.box, c.Reseller.ID, nil)

	_, err := c.Call(t, "idc_orders", map[string]any{"page": "0"})
	require.EqualError(t, err, "参数错误: page 不在可选范围")

	data, err := c.Call(t, "idc_orders", map[string]any{"page": "2"})
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	require.Equal(t, int64(1), pages)
	require.Empty(t, rows)
}
