package orderquery_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/orderquery"
)

// benchOrders is how many orders of each business the reseller of
// BenchmarkOrderLists holds: 1,000,000 unless ZONKVMD_BENCH_ORDERS says
// otherwise (a smaller number tries the benchmark out quickly).
func benchOrders(b *testing.B) int {
	n := 1_000_000
	if v := os.Getenv("ZONKVMD_BENCH_ORDERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("ZONKVMD_BENCH_ORDERS=%q: want a positive integer", v)
		}
	}
	return n
}

// BenchmarkOrderLists times, for each of the five businesses, one call of
// the single-order action (the floor) and of its list action on page 1, the
// middle page and the last page, for a reseller holding benchOrders orders
// of that business: one real purchase through the API, bulk-copied in SQL,
// the tables vacuumed and analysed. It runs only with -bench (building the orders takes
// minutes):
//
//	go test ./internal/orderquery -run XXX -bench OrderLists -benchtime 200x
func BenchmarkOrderLists(b *testing.B) {
	n := benchOrders(b)
	s := openShop(b, 1)
	r := s.NewReseller(b, "900000000")
	last := (n + orderquery.PageSize - 1) / orderquery.PageSize
	for _, bz := range businesses {
		var c apitest.Created
		s.Post(b, bz.buy(r, "BENCH-"+bz.name, 1)).Into(b, &c)
		copyOrder(b, s, bz.name, c.IDs[0], n-1)
		calls := []struct {
			name string
			form []string
		}{
			{bz.get, []string{"guid", guid(c.IDs[0])}},
			{bz.list + "/page=1", []string{"page", "1"}},
			{fmt.Sprintf("%s/page=%d", bz.list, (last+1)/2), []string{"page", strconv.Itoa((last + 1) / 2)}},
			{fmt.Sprintf("%s/page=%d", bz.list, last), []string{"page", strconv.Itoa(last)}},
		}
		for _, call := range calls {
			action := bz.list
			if call.name == bz.get {
				action = bz.get
			}
			body := r.Form(action, call.form...).Encode()
			b.Run(call.name, func(b *testing.B) {
				for b.Loop() {
					serve(b, s, body)
				}
			})
		}
	}
}

// copyOrder inserts n copies of order id of business in one statement,
// gives them their positions and vacuums and analyses the table.
func copyOrder(b *testing.B, s *apitest.Shop, business string, id int64, n int) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	if _, err := s.DB.Exec(ctx, copySQL(b, s.DB, business), id, n, nil); err != nil {
		b.Fatalf("copy %s order %d: %v", business, id, err)
	}
	b.Logf("%d copies of a %s order in %s", n, business, time.Since(start).Round(time.Second))
	// The first list would number them all (migration 12); do it here, timed
	// apart from the calls measured.
	start = time.Now()
	if _, err := s.DB.Exec(ctx, `SELECT zonkvmd_number_orders(reseller_id, $1) FROM `+
		pgx.Identifier{business + "_orders"}.Sanitize()+` WHERE id = $2`, business, id); err != nil {
		b.Fatalf("number %s orders: %v", business, err)
	}
	b.Logf("numbered in %s", time.Since(start).Round(time.Millisecond))
	// Numbering left a dead index entry for each placeholder, which a
	// list's look-up for orders still to number would step over until a
	// vacuum; autovacuum (off in CI's PostgreSQL) does this in production.
	if _, err := s.DB.Exec(ctx, `VACUUM (ANALYZE) `+pgx.Identifier{business + "_orders"}.Sanitize()); err != nil {
		b.Fatal(err)
	}
}

// serve posts one form-encoded request body to the daemon's handler and
// fails b unless it answers code 1.
func serve(b *testing.B, s *apitest.Shop, body string) {
	req := httptest.NewRequest(http.MethodPost, "/api/same/index", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.App.Handler.ServeHTTP(rec, req)
	if !strings.HasPrefix(rec.Body.String(), `{"code":1`) {
		b.Fatalf("%s: %.300s", body, rec.Body.String())
	}
}
