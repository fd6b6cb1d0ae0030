package testfactory

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// OrderQueries names one business's order-reading actions and makes its
// orders, for CheckOrderQueries.
type OrderQueries struct {
	Get  string // the action answering one order: getlease, getidc, ...
	List string // the action listing the caller's orders: lease_orders, ...
	// Setup is the business's Fixture, its actions registered.
	Setup func(t *testing.T) Fixture
	// Order inserts an order of resellerID with order_status status and
	// the factory's other defaults, and returns its id.
	Order func(t *testing.T, f Fixture, resellerID int64, status int) int64
}

// CheckOrderQueries checks, in parallel subtests, what the order queries of
// every business answer alike: a guid with a prefix, another reseller's
// order, unknown, malformed and missing ids, an empty list, a list with a
// deleted order (the same row as the single answer) and pages out of
// range.
func CheckOrderQueries(t *testing.T, q OrderQueries) {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	t.Run("GetFindsAPrefixedGUID", func(t *testing.T) {
		t.Parallel()
		f := q.Setup(t)
		c := f.Caller(t)
		o := q.Order(t, f, c.Reseller.ID, 1)

		data, err := c.Call(t, q.Get, map[string]any{"guid": "srv_" + id(o)})
		require.NoError(t, err)
		require.Equal(t, Number(o), Object(t, data)["id"])
	})

	t.Run("GetHidesAnotherResellersOrder", func(t *testing.T) {
		t.Parallel()
		f := q.Setup(t)
		owner, other := f.Caller(t), f.Caller(t)
		o := q.Order(t, f, owner.Reseller.ID, 1)

		_, err := other.Call(t, q.Get, map[string]any{"guid": id(o)})
		require.ErrorIs(t, err, dispatch.ErrOrderNotFound)
	})

	t.Run("GetAnswersNotFoundForUnknownOrMalformedIDs", func(t *testing.T) {
		t.Parallel()
		f := q.Setup(t)
		c := f.Caller(t)
		q.Order(t, f, c.Reseller.ID, 1)

		for _, guid := range []string{"9000000000", "abc", "0", "-5"} {
			_, err := c.Call(t, q.Get, map[string]any{"guid": guid})
			require.ErrorIs(t, err, dispatch.ErrOrderNotFound, "guid %q", guid)
		}
		_, err := c.Call(t, q.Get, nil)
		require.EqualError(t, err, "缺少必要参数: guid")
	})

	t.Run("ListWithNoOrdersAnswersZeroPagesAndAnEmptyList", func(t *testing.T) {
		t.Parallel()
		f := q.Setup(t)
		c := f.Caller(t)

		data, err := c.Call(t, q.List, nil)
		require.NoError(t, err)
		b, err := dispatch.Encode(data)
		require.NoError(t, err)
		require.JSONEq(t, `{"pages":0,"servers":[]}`, string(b))
	})

	t.Run("ListIncludesDeletedOrdersWithTheFieldsOfGet", func(t *testing.T) {
		t.Parallel()
		f := q.Setup(t)
		c, other := f.Caller(t), f.Caller(t)
		live := q.Order(t, f, c.Reseller.ID, 1)
		q.Order(t, f, other.Reseller.ID, 1)
		deleted := q.Order(t, f, c.Reseller.ID, -2)

		data, err := c.Call(t, q.List, map[string]any{"page": "1"})
		require.NoError(t, err)
		pages, rows := List(t, data)
		require.Equal(t, int64(1), pages)
		require.Equal(t, []int64{live, deleted}, IDs(t, rows))
		require.Equal(t, Number(-2), rows[1]["order_status"])

		single, err := c.Call(t, q.Get, map[string]any{"guid": id(live)})
		require.NoError(t, err)
		require.Equal(t, Object(t, single), rows[0])
	})

	t.Run("ListPagesOutOfRange", func(t *testing.T) {
		t.Parallel()
		f := q.Setup(t)
		c := f.Caller(t)
		q.Order(t, f, c.Reseller.ID, 1)

		_, err := c.Call(t, q.List, map[string]any{"page": "0"})
		require.EqualError(t, err, "参数错误: page 不在可选范围")

		data, err := c.Call(t, q.List, map[string]any{"page": "2"})
		require.NoError(t, err)
		pages, rows := List(t, data)
		require.Equal(t, int64(1), pages)
		require.Empty(t, rows)
	})
}
