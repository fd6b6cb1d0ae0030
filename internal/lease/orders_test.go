package lease

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
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
	c := f.caller(t)
	line := testfactory.LeaseLine(t, f.db, nil)
	product := testfactory.LeaseProduct(t, f.db, nil)
	system := testfactory.System(t, f.db, nil)
	o := testfactory.LeaseOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.LeaseOrderRow) {
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
	c := f.caller(t)
	product := testfactory.LeaseProduct(t, f.db, func(p *testfactory.LeaseProductRow) { p.MainBoard = "Supermicro X11" })
	o := testfactory.LeaseOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.LeaseOrderRow) {
		o.ProductID, o.NoMachine, o.StartTime, o.OrderStatus = product.ID, true, nil, 0
		o.LoginPassword = ""
	})

	data, err := c.Call(t, "getlease", map[string]any{"guid": id(o.ID)})
	require.NoError(t, err)
	got := testfactory.Object(t, data)

	kinds := map[string]string{}
	for k, v := range getleaseKinds {
		kinds[k] = v
	}
	kinds["start_time"] = "null"
	require.Equal(t, kinds, testfactory.Kinds(got))
	require.Equal(t, "", got["name"])
	require.Equal(t, "", got["cabinet_sn"])
	require.Equal(t, "Supermicro X11", got["main_board"], "the product's board until a machine is assigned")
	require.Equal(t, "[]", got["ip"])
	require.Equal(t, "", got["system_guid"])
	require.Equal(t, "", got["login_password"])
}

func TestGetLeaseFindsAPrefixedGUID(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	o := testfactory.LeaseOrder(t, f.db, f.box, c.Reseller.ID, nil)

	data, err := c.Call(t, "getlease", map[string]any{"guid": "srv_" + id(o.ID)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Number(o.ID), testfactory.Object(t, data)["id"])
}

func TestGetLeaseHidesAnotherResellersOrder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	owner, other := f.caller(t), f.caller(t)
	o := testfactory.LeaseOrder(t, f.db, f.box, owner.Reseller.ID, nil)

	_, err := other.Call(t, "getlease", map[string]any{"guid": id(o.ID)})
	require.ErrorIs(t, err, dispatch.ErrOrderNotFound)
}

func TestGetLeaseAnswersNotFoundForUnknownOrMalformedIDs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	testfactory.LeaseOrder(t, f.db, f.box, c.Reseller.ID, nil)

	for _, guid := range []string{"9000000000", "abc", "0", "-5"} {
		_, err := c.Call(t, "getlease", map[string]any{"guid": guid})
		require.ErrorIs(t, err, dispatch.ErrOrderNotFound, "guid %q", guid)
	}
	_, err := c.Call(t, "getlease", nil)
	require.EqualError(t, err, "缺少必要参数: guid")
}

func TestLeaseOrdersWithNoOrdersAnswersZeroPagesAndAnEmptyList(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)

	data, err := c.Call(t, "lease_orders", nil)
	require.NoError(t, err)
	b, err := dispatch.Encode(data)
	require.NoError(t, err)
	require.JSONEq(t, `{"pages":0,"servers":[]}`, string(b))
}

func TestLeaseOrdersListsDeletedOrdersWithTheFieldsOfGetlease(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c, other := f.caller(t), f.caller(t)
	live := testfactory.LeaseOrder(t, f.db, f.box, c.Reseller.ID, nil)
	testfactory.LeaseOrder(t, f.db, f.box, other.Reseller.ID, nil)
	deleted := testfactory.LeaseOrder(t, f.db, f.box, c.Reseller.ID, func(o *testfactory.LeaseOrderRow) { o.OrderStatus = -2 })

	data, err := c.Call(t, "lease_orders", map[string]any{"page": "1"})
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	require.Equal(t, int64(1), pages)
	require.Equal(t, []int64{live.ID, deleted.ID}, testfactory.IDs(t, rows))
	require.Equal(t, testfactory.Number(-2), rows[1]["order_status"])

	single, err := c.Call(t, "getlease", map[string]any{"guid": id(live.ID)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Object(t, single), rows[0])
}

func TestLeaseOrdersPagesOutOfRange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.caller(t)
	testfactory.LeaseOrder(t, f.db, f.box, c.Reseller.ID, nil)

	_, err := c.Call(t, "lease_orders", map[string]any{"page": "0"})
	require.EqualError(t, err, "参数错误: page 不在可选范围")

	data, err := c.Call(t, "lease_orders", map[string]any{"page": "2"})
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	require.Equal(t, int64(1), pages)
	require.Empty(t, rows)
}
