package server_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

// list calls getservers as c with params and returns the page count and the
// ids of the listed orders.
func list(t *testing.T, c testfactory.Caller, params map[string]any) (pages int64, ids []int64) {
	t.Helper()
	data, err := c.Call(t, "getservers", params)
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	return pages, testfactory.IDs(t, rows)
}

// serverOrders makes n orders of c's reseller on one line and system and
// returns their ids in creation order.
func serverOrders(t *testing.T, f testfactory.Fixture, c testfactory.Caller, n int, opt func(*testfactory.ServerOrderRow)) []int64 {
	t.Helper()
	line := testfactory.ServerLine(t, f.DB, nil)
	system := testfactory.System(t, f.DB, nil)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = testfactory.ServerOrder(t, f.DB, f.Box, c.Reseller.ID, func(o *testfactory.ServerOrderRow) {
			o.LineID, o.SystemID = line.ID, system.ID
			if opt != nil {
				opt(o)
			}
		}).ID
	}
	return ids
}

func TestGetServersWithNoOrdersAnswersZeroPagesAndAnEmptyList(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)

	data, err := c.Call(t, "getservers", nil)
	require.NoError(t, err)
	b, err := dispatch.Encode(data)
	require.NoError(t, err)
	require.JSONEq(t, `{"pages":0,"servers":[]}`, string(b))
}

func TestGetServersRowsCarryTheFieldsOfGetserver(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	o := testfactory.ServerOrder(t, f.DB, f.Box, c.Reseller.ID, nil)
	testfactory.SecurityPolicy(t, f.DB, o.ID, nil)

	data, err := c.Call(t, "getservers", map[string]any{"page": "1"})
	require.NoError(t, err)
	pages, rows := testfactory.List(t, data)
	require.Equal(t, int64(1), pages)
	require.Len(t, rows, 1)
	require.Equal(t, getserverKinds, testfactory.Kinds(rows[0]))

	single, err := c.Call(t, "getserver", map[string]any{"guid": strconv.FormatInt(o.ID, 10)})
	require.NoError(t, err)
	require.Equal(t, testfactory.Object(t, single), rows[0])
}

func TestGetServersRejectsAPageOutOfRange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	serverOrders(t, f, c, 1, nil)

	for page, msg := range map[string]string{
		"0":   "参数错误: page 不在可选范围",
		"-1":  "参数错误: page 不在可选范围",
		"abc": "参数错误: page 应为整数",
		"1.5": "参数错误: page 应为整数",
	} {
		_, err := c.Call(t, "getservers", map[string]any{"page": page})
		require.EqualError(t, err, msg, "page %q", page)
	}
}

func TestGetServersReadsAnAbsentOrEmptyPageAsTheFirst(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	ids := serverOrders(t, f, c, 2, nil)

	_, got := list(t, c, nil)
	require.Equal(t, ids, got)
	_, got = list(t, c, map[string]any{"page": ""})
	require.Equal(t, ids, got)
}

func TestGetServersPastTheLastPageAnswersAnEmptyList(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	serverOrders(t, f, c, 1, nil)

	for _, page := range []string{"2", "1000", "9223372036854775807"} {
		pages, ids := list(t, c, map[string]any{"page": page})
		require.Equal(t, int64(1), pages, "page %s", page)
		require.Empty(t, ids, "page %s", page)
	}
}

func TestGetServersFitsExactlyOneHundredOrdersOnOnePage(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	ids := serverOrders(t, f, c, 100, nil)

	pages, got := list(t, c, nil)
	require.Equal(t, int64(1), pages)
	require.Equal(t, ids, got)
	_, got = list(t, c, map[string]any{"page": "2"})
	require.Empty(t, got)
}

func TestGetServersPutsTheHundredAndFirstOrderOnPageTwo(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c, other := f.Caller(t), f.Caller(t)
	ids := serverOrders(t, f, c, 100, nil)
	serverOrders(t, f, other, 1, nil) // in between by id, and not listed
	ids = append(ids, serverOrders(t, f, c, 1, nil)...)

	pages, got := list(t, c, map[string]any{"page": "1"})
	require.Equal(t, int64(2), pages)
	require.Equal(t, ids[:100], got)

	pages, got = list(t, c, map[string]any{"page": "2"})
	require.Equal(t, int64(2), pages)
	require.Equal(t, ids[100:], got)
}

func TestGetServersListsDeletedAndReclaimedOrders(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.Caller(t)
	statuses := []int64{1, -2, -1, 3, 0}
	var ids []int64
	for _, status := range statuses {
		ids = append(ids, serverOrders(t, f, c, 1, func(o *testfactory.ServerOrderRow) { o.OrderStatus = int(status) })...)
	}

	data, err := c.Call(t, "getservers", nil)
	require.NoError(t, err)
	_, rows := testfactory.List(t, data)
	require.Equal(t, ids, testfactory.IDs(t, rows))
	for i, row := range rows {
		require.Equal(t, testfactory.Number(statuses[i]), row["orderStatus"])
	}
}

func TestGetServersListsOnlyTheCallersOrders(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c, other := f.Caller(t), f.Caller(t)
	mine := serverOrders(t, f, c, 2, nil)
	serverOrders(t, f, other, 3, nil)

	pages, got := list(t, c, nil)
	require.Equal(t, int64(1), pages)
	require.Equal(t, mine, got)
}
