package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/examples"
	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// The example catalogue's hosting line 浙江专线二区, where both the hosting
// product 防劫持IP空间-A型 and the database product 云数据库1G-A型 are sold,
// and the panel password the tests of both buy with.
const (
	PanelLineGUID       = "20250409132657673528"
	HostingProductGUID  = "20250408030033590712"
	DatabaseProductGUID = "20250407053315151712"
	PanelPassword       = "Abcd-1234-xyz"
)

// ShopStart is where a Shop's fixed clock starts unless told otherwise.
const ShopStart = "2026-01-01 00:00:00"

// NewBox returns the sealing box of TestKey, the box of every test daemon.
func NewBox(t testing.TB) *secret.Box {
	t.Helper()
	box, err := secret.New(TestKey)
	require.NoError(t, err)
	return box
}

// ImportCatalog imports the example catalogue (examples/catalog.json) into
// db, sealed with TestKey.
func ImportCatalog(t testing.TB, db *postgres.DB) {
	t.Helper()
	_, err := catalog.Import(context.Background(), db, NewBox(t), bytes.NewReader(examples.Catalog))
	require.NoError(t, err)
}

// CatalogDB is a fresh test database (pgtest.NewDB) holding the example
// catalogue.
func CatalogDB(t testing.TB) *postgres.DB {
	t.Helper()
	db := pgtest.NewDB(t)
	ImportCatalog(t, db)
	return db
}

// Shop is a daemon over a database holding the example catalogue, with
// helpers to read balances, count rows, check the ledger and race calls.
// Unless it works its jobs, its clock is fixed (at ShopStart at first) and
// moves only by SetNow.
type Shop struct {
	*Env
	mu    sync.Mutex
	now   time.Time
	fixed bool
}

type shopConfig struct {
	workers, realClock bool
	start              time.Time
	db                 *postgres.DB
}

// A ShopOption changes how NewShop starts its daemon.
type ShopOption func(*shopConfig)

// WithWorkers starts the daemon's job workers. Its clock is then the real
// one: the workers read the clock, which cannot be swapped once they run.
func WithWorkers() ShopOption { return func(c *shopConfig) { c.workers = true } }

// WithRealClock keeps the real clock on a daemon without workers.
func WithRealClock() ShopOption { return func(c *shopConfig) { c.realClock = true } }

// StartingAt starts the fixed clock at now instead of ShopStart.
func StartingAt(now time.Time) ShopOption { return func(c *shopConfig) { c.start = now } }

// OnDatabase puts the catalogue into db, a migrated database the test
// made, instead of a fresh pgtest.NewDB.
func OnDatabase(db *postgres.DB) ShopOption { return func(c *shopConfig) { c.db = db } }

// NewShop starts a Shop for t: by default a daemon without job workers
// (NewWithoutWorkers) over a fresh database, its clock fixed at ShopStart.
// It fails t when the catalogue cannot be imported.
func NewShop(t testing.TB, opts ...ShopOption) *Shop {
	t.Helper()
	c := shopConfig{start: At(ShopStart)}
	for _, o := range opts {
		o(&c)
	}
	if c.db == nil {
		c.db = CatalogDB(t)
	} else {
		ImportCatalog(t, c.db)
	}
	if c.workers {
		return &Shop{Env: New(t, c.db)}
	}
	s := &Shop{Env: NewWithoutWorkers(t, c.db)}
	if !c.realClock {
		s.now, s.fixed = c.start, true
		s.App.Engine.Now = func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now }
	}
	return s
}

// SetNow moves the fixed clock; it panics on a shop on the real clock.
func (s *Shop) SetNow(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fixed {
		panic("apitest: SetNow on a shop on the real clock")
	}
	s.now = now
}

// At reads "YYYY-MM-DD HH:MM:SS" in the operator's zone; it panics on
// anything else.
func At(s string) time.Time {
	t, err := apitype.ParseDateTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// Created is create_order's answer.
type Created struct {
	OrderID string  `json:"order_id"`
	IDs     []int64 `json:"ids"`
	Amount  string  `json:"amount"`
	Balance string  `json:"balance"`
}

// Charged is the answer of a renewal or an upgrade.
type Charged struct {
	ID      int64  `json:"id"`
	EndTime string `json:"end_time"`
	Amount  string `json:"amount"`
	Balance string `json:"balance"`
}

// Object decodes a successful answer's data as an object.
func Object(t testing.TB, r Response) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.OK(t), &m))
	return m
}

// Balance is the reseller's balance now.
func (s *Shop) Balance(t testing.TB, r Reseller) string {
	t.Helper()
	a, err := billing.GetAccount(context.Background(), s.DB, r.ID)
	require.NoError(t, err)
	return a.Balance.String()
}

// Count runs a query that counts.
func (s *Shop) Count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, s.DB.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// Exec runs a statement.
func (s *Shop) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	_, err := s.DB.Exec(context.Background(), sql, args...)
	require.NoError(t, err)
}

// Verify fails t unless the ledger's invariants hold (billing.Verify).
func (s *Shop) Verify(t testing.TB) {
	t.Helper()
	problems, err := billing.Verify(context.Background(), s.DB)
	require.NoError(t, err)
	require.Empty(t, problems)
}

// Activate marks orders of business (server, lease, idc, hosting, sql)
// delivered (order_status 1), as their provisioning would.
func (s *Shop) Activate(t testing.TB, business string, ids ...int64) {
	t.Helper()
	table := pgx.Identifier{business + "_orders"}.Sanitize()
	for _, id := range ids {
		s.Exec(t, `UPDATE `+table+` SET order_status = 1 WHERE id = $1`, id)
	}
}

// Jobs counts the jobs of op on one order of business.
func (s *Shop) Jobs(t testing.TB, business string, orderID int64, op string) int {
	t.Helper()
	return s.Count(t, `SELECT count(*) FROM river_job WHERE args->>'business' = $1
		AND (args->>'order_id')::bigint = $2 AND kind = $3`, business, orderID, op)
}

// Coupon makes coupon id (use ids above 1000: the catalogue has its own)
// for every reseller and the given business, valid through 2030.
func (s *Shop) Coupon(t testing.TB, id int64, business, kind, value string, uses int) {
	t.Helper()
	s.Exec(t, `INSERT INTO coupons (id, reseller_id, businesses, kind, value, min_amount, valid_from, valid_until, uses)
		VALUES ($1, NULL, $2, $3, $4, 0, '2025-01-01', '2031-01-01', $5)`, id, []string{business}, kind, value, uses)
}

// CouponUses is how many uses coupon id has left.
func (s *Shop) CouponUses(t testing.TB, id int64) int {
	t.Helper()
	return s.Count(t, `SELECT uses FROM coupons WHERE id = $1`, id)
}

// RaceN runs f n times at once and collects the answers.
func RaceN(n int, f func(i int) Response) []Response {
	out := make([]Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			out[i] = f(i)
		}(i)
	}
	close(start)
	wg.Wait()
	return out
}

// State is a fingerprint of everything a charge may change for reseller
// r on business (server, lease, idc, hosting, sql): r's account, ledger
// and idempotency records, r's orders of business, every coupon and its
// uses, the jobs and the operator's tasks. Two equal States mean nothing
// of these changed in between.
func (s *Shop) State(t testing.TB, r Reseller, business string) string {
	t.Helper()
	orders := pgx.Identifier{business + "_orders"}.Sanitize()
	var state string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT json_build_object(
		'account', (SELECT row_to_json(a) FROM accounts a WHERE a.reseller_id = $1),
		'ledger', (SELECT json_agg(l ORDER BY l.id) FROM ledger_entries l WHERE l.reseller_id = $1),
		'keys', (SELECT count(*) FROM idempotency_keys k WHERE k.reseller_id = $1),
		'orders', (SELECT json_agg(o ORDER BY o.id) FROM `+orders+` o WHERE o.reseller_id = $1),
		'coupons', (SELECT json_agg(c ORDER BY c.id) FROM coupons c),
		'coupon_uses', (SELECT count(*) FROM coupon_uses),
		'jobs', (SELECT count(*) FROM river_job),
		'tasks', (SELECT count(*) FROM operator_tasks))::text`, r.ID).Scan(&state))
	return state
}

// RequireUnusableCouponsRefused makes the coupons that r may not use on
// business (ids 9001 to 9006: another business's, another reseller's, not
// yet valid, expired, used up, and one whose minimum no test charge
// reaches) and fails t unless call, made with each of them and with an
// unknown id, answers 优惠券不可用 and changes nothing (State).
func (s *Shop) RequireUnusableCouponsRefused(t testing.TB, r Reseller, business string, call func(couponID string) Response) {
	t.Helper()
	other := "hosting"
	if business == other {
		other = "server"
	}
	owner := s.NewReseller(t, "")
	s.Exec(t, `INSERT INTO coupons (id, reseller_id, businesses, kind, value, min_amount, valid_from, valid_until, uses)
		VALUES (9001, NULL, $1, 'amount', 1, 0, '2025-01-01', '2031-01-01', 5),
		       (9002, $3, $2, 'amount', 1, 0, '2025-01-01', '2031-01-01', 5),
		       (9003, NULL, $2, 'amount', 1, 0, '2099-01-01', '2099-12-31', 5),
		       (9004, NULL, $2, 'amount', 1, 0, '2025-01-01', '2025-12-31', 5),
		       (9005, NULL, $2, 'amount', 1, 0, '2025-01-01', '2031-01-01', 0),
		       (9006, NULL, $2, 'amount', 1, 1000000, '2025-01-01', '2031-01-01', 5)`,
		[]string{other}, []string{business}, owner.ID)
	before := s.State(t, r, business)
	for _, id := range []string{"9001", "9002", "9003", "9004", "9005", "9006", "9999"} {
		call(id).Fails(t, "优惠券不可用")
		require.Equal(t, before, s.State(t, r, business), "coupon %s changed something", id)
	}
}
