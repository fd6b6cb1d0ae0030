package lease_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

// getleaseKinds is the shape of getlease's example in the document (六.4):
// every field it shows (more than its table) and the JSON kind of its value.
var getleaseKinds = map[string]string{
	"id": "number", "product_guid": "string", "line_guid": "string", "name": "string",
	"size": "number", "cabinet_sn": "string", "main_board": "string",
	"cpu_value": "number", "cpu": "string", "cpu_num": "number", "cpu_max_num": "number",
	"memory": "string", "memory_num": "number", "memory_max_num": "number",
	"harddisk_guid": "string", "harddisk_max_num": "number", "raid_tips": "string",
	"bandwidth": "number", "defense": "number", "ipnum": "number",
	"system_guid": "string", "login_name": "string", "login_password": "string",
	"system_port": "string", "buy_time": "string", "start_time": "string",
	"end_time": "string", "order_status": "number", "run_status": "number",
	"act_status": "number", "ip": "string", "api_type": "string",
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestGetLeaseAnswersEveryDocumentedFieldWithItsType(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	line := testfactory.LeaseLine(t, f.DB, nil)
	product := testfactory.LeaseProduct(t, f.DB, nil)
	system := testfactory.System(t, f.DB, nil)
	o := testfactory.LeaseOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.LeaseOrderRow) {
		o.LineID, o.ProductID, o.SystemID = line.ID, product.ID, system.ID
	})

	data, err := c.Call(t, "getlease", map[string]any{"guid": id(o.ID)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)

	n := testfactory.Number
	require.Equal(t, getleaseKinds, testfactory.Kinds(got))
	require.Equal(t, map[string]any{
		"id": n(o.ID), "product_guid": product.GUID, "line_guid": line.GUID,
		"name": "物理服务器-001", "size": n(1), "cabinet_sn": "A-01-05",
		"main_board": "Intel S2600CW", "cpu_value": n(32), "cpu": "Intel Xeon Silver 4214R",
		"cpu_num": n(2), "cpu_max_num": n(2), "memory": "DDR4 32G", "memory_num": n(64),
		"memory_max_num": n(512), "harddisk_guid": "HD202504001,HD202504002",
		"harddisk_max_num": n(4), "raid_tips": "RAID1+0", "bandwidth": n(100),
		"defense": n(10), "ipnum": n(1), "system_guid": system.GUID, "login_name": "root",
		"login_password": "Lease-Passw0rd!", "system_port": "23543",
		"buy_time": "2025-01-01 10:00:00", "start_time": "2025-01-01 12:00:00",
		"end_time": "2025-02-01 12:00:00", "order_status": n(1), "run_status": n(1),
		"act_status": n(0),
		"ip":         `[{"ip":"192.168.1.100","subnet":"255.255.255.0","gateway":"192.168.1.1"}]`,
		"api_type":   "mofang",
	}, got)
}

func TestGetLeaseOfAnUndeliveredOrderHasNoMachineYet(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	product := testfactory.LeaseProduct(t, f.DB, func(p *testfactory.LeaseProductRow) { p.MainBoard = "Supermicro X11" })
	o := testfactory.LeaseOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.LeaseOrderRow) {
		o.ProductID, o.NoMachine, o.StartTime, o.OrderStatus = product.ID, true, nil, 0
		o.LoginPassword = ""
	})

	data, err := c.Call(t, "getlease", map[string]any{"guid": id(o.ID)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)

	require.Equal(t, getleaseKinds, testfactory.Kinds(got))
	require.Equal(t, got["buy_time"], got["start_time"], "the purchase time until delivery")
	require.Equal(t, json.Number("-1"), got["run_status"], "not running before delivery")
	require.Equal(t, "", got["name"])
	require.Equal(t, "", got["cabinet_sn"])
	require.Equal(t, "Supermicro X11", got["main_board"], "the product's board until a machine is assigned")
	require.Equal(t, "[]", got["ip"])
	require.Equal(t, "", got["system_guid"])
	require.Equal(t, "", got["login_password"])
}

// TestLeaseOrderQueries runs the checks every business's order queries share
// (testfactory.CheckOrderQueries).
func TestLeaseOrderQueries(t *testing.T) {
	t.Parallel()
	testfactory.CheckOrderQueries(t, testfactory.OrderQueries{
		Get: "getlease", List: "lease_orders", Setup: setup,
		Order: func(t *testing.T, f testfactory.Fixture, resellerID int64, status int) int64 {
			return testfactory.LeaseOrder(t, f.DB, f.Box, resellerID, func(o *testfactory.LeaseOrderRow) { o.OrderStatus = status }).ID
		},
	})
}
