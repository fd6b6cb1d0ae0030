package orderquery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/orderquery"
)

// ordersEach is how many orders the reseller of the equivalence test buys
// in each business: three pages, the last one partly filled.
const ordersEach = 230

// TestEveryOrderListAnswersEachPageAsAScanOfTheOrdersByID checks every page
// of the five order lists against their definition (semantics.md §3): the
// caller's orders ordered by id, PageSize to a page, each row the single
// order's answer, pages = ceil(orders/PageSize), [] past the end. The
// reseller's orders are bought through the API from many clients at once,
// interleaved with another reseller's and across the businesses, and then
// left 开通中, delivered, expired, recycled or refunded.
func TestEveryOrderListAnswersEachPageAsAScanOfTheOrdersByID(t *testing.T) {
	t.Parallel()
	s := openShop(t, 2*ordersEach)
	r, other := s.NewReseller(t, "900000000"), s.NewReseller(t, "900000000")
	buyConcurrently(t, s, r, other, ordersEach)
	mixStatuses(t, s, r)
	for _, b := range businesses {
		t.Run(b.list, func(t *testing.T) {
			ids := orderIDs(t, s, b.name, r.ID)
			require.GreaterOrEqual(t, len(ids), 2*orderquery.PageSize+1)
			pages := int64((len(ids) + orderquery.PageSize - 1) / orderquery.PageSize)
			for page := int64(1); page <= pages+2; page++ {
				lo, hi := min(len(ids), int(page-1)*orderquery.PageSize), min(len(ids), int(page)*orderquery.PageSize)
				want := make([]json.RawMessage, 0, hi-lo)
				for _, id := range ids[lo:hi] {
					want = append(want, s.Post(t, r.Form(b.get, "guid", guid(id))).OK(t))
				}
				requirePage(t, s.Post(t, r.Form(b.list, "page", fmt.Sprint(page))), pages, want)
				if page == 1 {
					requirePage(t, s.Post(t, r.Form(b.list)), pages, want)
				}
			}
			requirePage(t, s.Post(t, r.Form(b.list, "page", "9223372036854775807")), pages, nil)
		})
	}
}

// buyConcurrently buys, in waves of 15 clients at once, at least each
// orders of every business for r (two at a time for some cloud servers)
// and half as many for other.
func buyConcurrently(t *testing.T, s *apitest.Shop, r, other apitest.Reseller, each int) {
	t.Helper()
	bought := make([]int, len(businesses))
	for wave := 0; bought[0] < each || bought[len(bought)-1] < each; wave++ {
		answers := apitest.RaceN(3*len(businesses), func(i int) apitest.Response {
			b, who, n := businesses[i%len(businesses)], r, 1
			if i/len(businesses) == 2 {
				who = other
			} else if b.name == "server" && wave%3 == 0 {
				n = 2
			}
			return s.Post(t, b.buy(who, fmt.Sprintf("W%d-%d", wave, i), n))
		})
		for i, a := range answers {
			var c apitest.Created
			a.Into(t, &c)
			if i/len(businesses) != 2 {
				bought[i%len(businesses)] += len(c.IDs)
			}
		}
	}
}

// mixStatuses leaves r's orders of every business in every status: by
// position in id order, 开通中, delivered, expired (3), recycled (-1),
// refunded through the API while 开通中 or after delivery (-2).
func mixStatuses(t *testing.T, s *apitest.Shop, r apitest.Reseller) {
	t.Helper()
	for _, b := range businesses {
		table := pgx.Identifier{b.name + "_orders"}.Sanitize()
		var refund []int64
		for i, id := range orderIDs(t, s, b.name, r.ID) {
			switch i % 6 {
			case 1:
				s.Activate(t, b.name, id)
			case 2:
				s.Exec(t, `UPDATE `+table+` SET order_status = 3 WHERE id = $1`, id)
			case 3:
				s.Exec(t, `UPDATE `+table+` SET order_status = -1 WHERE id = $1`, id)
			case 4:
				s.Activate(t, b.name, id)
				refund = append(refund, id)
			case 5:
				refund = append(refund, id)
			}
		}
		for _, a := range apitest.RaceN(len(refund), func(i int) apitest.Response {
			return s.Post(t, b.refund(r, refund[i]))
		}) {
			a.OK(t)
		}
		for _, status := range []int{0, 1, 3, -1, -2} {
			require.Positive(t, s.Count(t, `SELECT count(*) FROM `+table+` WHERE reseller_id = $1 AND order_status = $2`,
				r.ID, status), "%s orders in status %d", b.name, status)
		}
	}
}

// orderIDs is the reseller's orders of business by id.
func orderIDs(t testing.TB, s *apitest.Shop, business string, resellerID int64) []int64 {
	t.Helper()
	rows, err := s.DB.Query(context.Background(), `SELECT id FROM `+pgx.Identifier{business + "_orders"}.Sanitize()+
		` WHERE reseller_id = $1 ORDER BY id`, resellerID)
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	return ids
}

// requirePage fails t unless a list answer has pages and exactly the rows
// want, in order.
func requirePage(t *testing.T, a apitest.Response, pages int64, want []json.RawMessage) {
	t.Helper()
	var got struct {
		Pages   int64             `json:"pages"`
		Servers []json.RawMessage `json:"servers"`
	}
	a.Into(t, &got)
	require.Equal(t, pages, got.Pages)
	require.NotNil(t, got.Servers, "servers must be [] rather than null: %s", a.Body)
	require.Len(t, got.Servers, len(want))
	for i := range want {
		require.JSONEq(t, string(want[i]), string(got.Servers[i]), "row %d", i)
	}
}
