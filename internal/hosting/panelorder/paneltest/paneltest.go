// Package paneltest is what the money tests of web hosting and cloud
// databases share: a daemon over a fresh database holding the example
// catalogue (examples/catalog.json), with no job workers and a fixed clock,
// and helpers to read balances, count rows, make coupons and race calls.
package paneltest

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/examples"
	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// The document's example hosting line 浙江专线二区, where both the hosting
// product 防劫持IP空间-A型 and the database product 云数据库1G-A型 are sold.
const (
	LineGUID        = "20250409132657673528"
	HostingGUID     = "20250408030033590712"
	DatabaseGUID    = "20250407053315151712"
	DefaultPassword = "Abcd-1234-xyz"
)

// Shop is a daemon over a fresh database holding the example catalogue,
// with its clock at a fixed instant (2026-01-01 00:00:00 at first).
type Shop struct {
	*apitest.Env
	mu  sync.Mutex
	now time.Time
}

// NewShop starts a Shop for t; it fails t when the catalogue cannot be
// imported.
func NewShop(t *testing.T) *Shop {
	t.Helper()
	db := pgtest.NewDB(t)
	box, err := secret.New(apitest.TestKey)
	require.NoError(t, err)
	_, err = catalog.Import(context.Background(), db, box, bytes.NewReader(examples.Catalog))
	require.NoError(t, err)
	s := &Shop{Env: apitest.NewWithoutWorkers(t, db), now: At("2026-01-01 00:00:00")}
	s.App.Engine.Now = func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now }
	return s
}

// SetNow moves the clock.
func (s *Shop) SetNow(t time.Time) { s.mu.Lock(); s.now = t; s.mu.Unlock() }

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
func Object(t *testing.T, r apitest.Response) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.OK(t), &m))
	return m
}

// Balance is the reseller's balance now.
func (s *Shop) Balance(t *testing.T, r apitest.Reseller) string {
	t.Helper()
	a, err := billing.GetAccount(context.Background(), s.DB, r.ID)
	require.NoError(t, err)
	return a.Balance.String()
}

// Count runs a query that counts.
func (s *Shop) Count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, s.DB.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// Exec runs a statement.
func (s *Shop) Exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := s.DB.Exec(context.Background(), sql, args...)
	require.NoError(t, err)
}

// Verify fails t unless the ledger's invariants hold (billing.Verify).
func (s *Shop) Verify(t *testing.T) {
	t.Helper()
	problems, err := billing.Verify(context.Background(), s.DB)
	require.NoError(t, err)
	require.Empty(t, problems)
}

// Coupon makes coupon id (use ids above 1000: the catalogue has its own)
// for every reseller and the given business, valid through 2030.
func (s *Shop) Coupon(t *testing.T, id int64, business, kind, value string, uses int) {
	t.Helper()
	s.Exec(t, `INSERT INTO coupons (id, reseller_id, businesses, kind, value, min_amount, valid_from, valid_until, uses)
		VALUES ($1, NULL, $2, $3, $4, 0, '2025-01-01', '2031-01-01', $5)`, id, []string{business}, kind, value, uses)
}

// CouponUses is how many uses coupon id has left.
func (s *Shop) CouponUses(t *testing.T, id int64) int {
	t.Helper()
	return s.Count(t, `SELECT uses FROM coupons WHERE id = $1`, id)
}

// Jobs counts the jobs of op on one order.
func (s *Shop) Jobs(t *testing.T, business string, orderID int64, op string) int {
	t.Helper()
	return s.Count(t, `SELECT count(*) FROM river_job WHERE args->>'business' = $1
		AND (args->>'order_id')::bigint = $2 AND args->>'op' = $3`, business, orderID, op)
}

// RaceN runs f n times at once and collects the answers.
func RaceN(n int, f func(i int) apitest.Response) []apitest.Response {
	out := make([]apitest.Response, n)
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
