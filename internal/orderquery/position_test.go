package orderquery_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// The tests of the list positions of migrations 5 and 12: each order's
// place among its reseller's orders of its business by id, 1, 2, 3, ...
// without a gap, given when a list reads them, and the lock that keeps it
// exact.

// requireDense gives the reseller's orders of business their positions as
// a list does first, and fails t unless they are 1..n in id order.
func requireDense(t testing.TB, db *postgres.DB, business string, resellerID int64) {
	t.Helper()
	number(t, db, business, resellerID)
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT position FROM `+pgx.Identifier{business + "_orders"}.Sanitize()+
		` WHERE reseller_id = $1 ORDER BY id`, resellerID)
	require.NoError(t, err)
	positions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	for i, p := range positions {
		require.Equal(t, int64(i+1), p, "%s order %d of reseller %d by id", business, i+1, resellerID)
	}
}

// number runs what a list runs before it reads: positions for the orders
// that have only their placeholder.
func number(t testing.TB, db *postgres.DB, business string, resellerID int64) {
	t.Helper()
	_, err := db.Exec(context.Background(), `SELECT zonkvmd_number_orders($1, $2)`, resellerID, business)
	require.NoError(t, err)
}

// placeholders counts the reseller's orders of business still without a
// position.
func placeholders(t testing.TB, db *postgres.DB, business string, resellerID int64) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM `+
		pgx.Identifier{business + "_orders"}.Sanitize()+` WHERE reseller_id = $1 AND position < 0`, resellerID).Scan(&n))
	return n
}

// nextID takes an id from the sequence of business's orders, as
// create_server does in its look-ups before its transaction.
func nextID(t testing.TB, db *postgres.DB, business string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, db.QueryRow(context.Background(), `SELECT nextval(pg_get_serial_sequence($1, 'id'))`,
		business+"_orders").Scan(&id))
	return id
}

var orderNos atomic.Int64

// bought buys one order of every business for each reseller through the
// API and returns their ids by business, then by reseller.
func bought(t testing.TB, s *apitest.Shop, resellers ...apitest.Reseller) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for _, b := range businesses {
		for _, r := range resellers {
			var c apitest.Created
			s.Post(t, b.buy(r, fmt.Sprintf("T-%d", orderNos.Add(1)), 1)).Into(t, &c)
			out[b.name] = append(out[b.name], c.IDs[0])
		}
	}
	return out
}

func TestAnOrderCommittedAfterALargerIDTakesItsPlaceByID(t *testing.T) {
	t.Parallel()
	s := openShop(t, 1)
	r := s.NewReseller(t, "900000000")
	first := bought(t, s, r)
	ctx := context.Background()
	for _, b := range businesses {
		insert := copySQL(t, s.DB, b.name)
		// A purchase writes no position; the list numbers it.
		require.Equal(t, 1, placeholders(t, s.DB, b.name, r.ID), b.name)
		small, large := nextID(t, s.DB, b.name), nextID(t, s.DB, b.name)
		// The purchase that took the smaller id inserts it after another
		// purchase of the same reseller committed the larger one, and a
		// list numbered that one in between.
		tx, err := s.DB.Begin(ctx)
		require.NoError(t, err)
		_, err = s.DB.Exec(ctx, insert, first[b.name][0], 1, large)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, insert, first[b.name][0], 1, small)
		require.NoError(t, err)
		requireDense(t, s.DB, b.name, r.ID) // the first order and large: 1, 2
		require.NoError(t, tx.Commit(ctx))
		require.Equal(t, 1, placeholders(t, s.DB, b.name, r.ID), b.name)

		requireDense(t, s.DB, b.name, r.ID) // small takes 2 and moves large to 3
		var listed struct {
			Pages   int64            `json:"pages"`
			Servers []map[string]any `json:"servers"`
		}
		s.Post(t, r.Form(b.list)).Into(t, &listed)
		require.Len(t, listed.Servers, 3)
		require.EqualValues(t, []any{float64(first[b.name][0]), float64(small), float64(large)},
			[]any{listed.Servers[0]["id"], listed.Servers[1]["id"], listed.Servers[2]["id"]})
	}
}

// TestPositionsStayDenseWhenManyClientsBuyAtOnce races purchases of two
// resellers in every business as create_server makes them: an id from the
// sequence first, the insert later in a transaction that commits or (one
// in four) rolls back, with random pauses between, so that ids commit out
// of order and some are never used; lists of both resellers number their
// orders all the while.
func TestPositionsStayDenseWhenManyClientsBuyAtOnce(t *testing.T) {
	t.Parallel()
	const clients, each = 12, 8
	s := openShop(t, 1)
	r, other := s.NewReseller(t, "900000000"), s.NewReseller(t, "900000000")
	first := bought(t, s, r, other)
	ctx := context.Background()
	pause := func() { time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond) }
	for _, b := range businesses {
		insert := copySQL(t, s.DB, b.name)
		errs := make(chan error, clients*each+3)
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				template := first[b.name][c%2]
				for range each {
					var id int64
					err := s.DB.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id'))`, b.name+"_orders").Scan(&id)
					if err == nil {
						pause()
						err = postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
							if _, err := tx.Exec(ctx, insert, template, 1, id); err != nil {
								return err
							}
							pause()
							if rand.IntN(4) == 0 {
								return errRolledBack
							}
							return nil
						})
					}
					if err != nil && !errors.Is(err, errRolledBack) {
						errs <- err
					}
				}
			}()
		}
		var numbered atomic.Int64
		done := make(chan struct{})
		var listers sync.WaitGroup
		for l := range 3 {
			listers.Add(1)
			go func() {
				defer listers.Done()
				who := []apitest.Reseller{r, other}[l%2]
				for {
					select {
					case <-done:
						return
					default:
					}
					if _, err := s.DB.Exec(ctx, `SELECT zonkvmd_number_orders($1, $2)`, who.ID, b.name); err != nil {
						errs <- err
						return
					}
					numbered.Add(1)
					pause()
				}
			}()
		}
		wg.Wait()
		close(done)
		listers.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Positive(t, numbered.Load())
		for _, who := range []apitest.Reseller{r, other} {
			requireDense(t, s.DB, b.name, who.ID)
		}
	}
}

// TestPurchasesFromManyClientsAtOnceNumberOrdersByID buys through the API
// from 15 clients at once, two resellers in all five businesses, and
// checks the positions; it logs how many of the reseller's cloud-server
// orders were charged (committed) before an order with a smaller id.
func TestPurchasesFromManyClientsAtOnceNumberOrdersByID(t *testing.T) {
	t.Parallel()
	s := openShop(t, 60)
	r, other := s.NewReseller(t, "900000000"), s.NewReseller(t, "900000000")
	buyConcurrently(t, s, r, other, 40)
	for _, b := range businesses {
		for _, who := range []apitest.Reseller{r, other} {
			requireDense(t, s.DB, b.name, who.ID)
		}
	}
	t.Logf("cloud-server orders committed before a smaller id: %d", s.Count(t, `
		SELECT count(*) FROM ledger_entries a JOIN ledger_entries b
		ON b.reseller_id = a.reseller_id AND b.business = a.business AND b.kind = a.kind
		   AND b.id > a.id AND b.order_id < a.order_id
		WHERE a.reseller_id = $1 AND a.business = 'server' AND a.kind = 'purchase'`, r.ID))
}

var errRolledBack = errors.New("rolled back on purpose")

func TestOrdersAreNeverDeletedNorMovedToAnotherReseller(t *testing.T) {
	t.Parallel()
	s := openShop(t, 1)
	r, other := s.NewReseller(t, "900000000"), s.NewReseller(t, "900000000")
	ids := bought(t, s, r)
	ctx := context.Background()
	for _, b := range businesses {
		table := pgx.Identifier{b.name + "_orders"}.Sanitize()
		_, err := s.DB.Exec(ctx, `DELETE FROM `+table+` WHERE id = $1`, ids[b.name][0])
		require.ErrorContains(t, err, "rows are never deleted")
		_, err = s.DB.Exec(ctx, `UPDATE `+table+` SET reseller_id = $2 WHERE id = $1`, ids[b.name][0], other.ID)
		require.ErrorContains(t, err, "keep their id and reseller")
		_, err = s.DB.Exec(ctx, `UPDATE `+table+` SET id = id + 1000000 WHERE id = $1`, ids[b.name][0])
		require.ErrorContains(t, err, "keep their id and reseller")
		s.Activate(t, b.name, ids[b.name][0]) // other changes go on as before
		requireDense(t, s.DB, b.name, r.ID)
	}
}

// TestMigrationNumbersTheOrdersItFinds undoes migration 12 on a database
// with orders of two resellers, interleaved and not yet numbered (its down
// migration numbers them and brings back numbering at COMMIT), adds more,
// migrates up again and checks the positions and that the next purchase
// follows them.
func TestMigrationNumbersTheOrdersItFinds(t *testing.T) {
	t.Parallel()
	s := openShop(t, 8)
	r, other := s.NewReseller(t, "900000000"), s.NewReseller(t, "900000000")
	first := bought(t, s, r, other)
	bought(t, s, other, r)
	ctx := context.Background()
	require.NoError(t, postgres.MigrateTo(ctx, s.DB, 11)) // before migration 12
	for _, b := range businesses {
		for _, who := range []apitest.Reseller{r, other} {
			require.Zero(t, placeholders(t, s.DB, b.name, who.ID), b.name)
		}
	}
	for _, b := range businesses {
		insert := copySQL(t, s.DB, b.name)
		for i := range 5 {
			_, err := s.DB.Exec(ctx, insert, first[b.name][i%2], 1+i, nil)
			require.NoError(t, err)
		}
		require.Zero(t, placeholders(t, s.DB, b.name, r.ID), "numbered at COMMIT again: %s", b.name)
	}
	require.NoError(t, postgres.MigrateUp(ctx, s.DB))
	s.DB.Reset() // the pool's statements were prepared on the old tables
	for _, b := range businesses {
		require.Len(t, orderIDs(t, s, b.name, r.ID), 2+1+3+5, b.name) // 2 bought, 1+3+5 copied
		for _, who := range []apitest.Reseller{r, other} {
			requireDense(t, s.DB, b.name, who.ID)
		}
		var c apitest.Created
		s.Post(t, b.buy(r, "AFTER-"+b.name, 1)).Into(t, &c)
		requireDense(t, s.DB, b.name, r.ID)
	}
}
