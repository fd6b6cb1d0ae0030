package idc_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

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
	c := f.Caller(t)
	line := testfactory.IdcLine(t, f.DB, nil)
	product := testfactory.IdcProduct(t, f.DB, nil)
	o := testfactory.IdcOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.IdcOrderRow) {
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

func TestGetIdcOfAnUnrackedOrderStartsAtItsPurchase(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	o := testfactory.IdcOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.IdcOrderRow) {
		o.StartTime, o.OrderStatus, o.IP = nil, 0, "[]"
	})

	data, err := c.Call(t, "getidc", map[string]any{"guid": id(o.ID)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)
	require.Equal(t, got["buy_time"], got["start_time"], "the purchase time until it is racked")
	require.Equal(t, "-1", fmt.Sprint(got["run_status"]), "not running before it is racked")
	require.Equal(t, "[]", got["ip"])
}

// TestIdcOrderQueries runs the checks every business's order queries share
// (testfactory.CheckOrderQueries).
func TestIdcOrderQueries(t *testing.T) {
	t.Parallel()
	testfactory.CheckOrderQueries(t, testfactory.OrderQueries{
		Get: "getidc", List: "idc_orders", Setup: setup,
		Order: func(t *testing.T, f testfactory.Fixture, resellerID int64, status int) int64 {
			return testfactory.IdcOrder(t, f.DB, f.Box, resellerID, func(o *testfactory.IdcOrderRow) { o.OrderStatus = status }).ID
		},
	})
}
