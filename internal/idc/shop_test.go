package idc_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/examples"
	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/idc"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// The example catalogue's line 温州BGP and its product 1U (800.00,
// bandwidth 50, defense 5, ipnum 1, power 0.5A/220V at 0.00).
const (
	lineGUID    = "20250409132657673520"
	productGUID = "20250409132727581219"
)

// shop is a daemon without job workers over a fresh database holding the
// example catalogue, with its clock at a fixed instant.
type shop struct {
	*apitest.Env
	box *secret.Box
	now time.Time
	mu  sync.Mutex
}

func newShop(t *testing.T) *shop {
	t.Helper()
	return openShop(t, false)
}

// openShop is newShop, or with workers a daemon that works its jobs, on
// the real clock (its workers read the clock, which cannot be swapped once
// they run).
func openShop(t *testing.T, workers bool) *shop {
	t.Helper()
	db := pgtest.NewDB(t)
	box, err := secret.New(apitest.TestKey)
	require.NoError(t, err)
	_, err = catalog.Import(context.Background(), db, box, bytes.NewReader(examples.Catalog))
	require.NoError(t, err)
	if workers {
		return &shop{Env: apitest.New(t, db), box: box}
	}
	s := &shop{Env: apitest.NewWithoutWorkers(t, db), box: box, now: at("2026-01-01 00:00:00")}
	s.App.Engine.Now = func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now }
	return s
}

func (s *shop) setNow(t time.Time) { s.mu.Lock(); s.now = t; s.mu.Unlock() }

func at(s string) time.Time {
	t, err := apitype.ParseDateTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// buy calls create_idc on the example line and product; kv overrides or
// adds parameters.
func (s *shop) buy(t *testing.T, r apitest.Reseller, orderNo, content string, kv ...string) apitest.Response {
	t.Helper()
	form := r.Form("create_order", append([]string{"obj_type", "create_idc", "order_id", orderNo,
		"line_guid", lineGUID, "product_guid", productGUID, "content", content}, kv...)...)
	return s.Post(t, form)
}

type created struct {
	OrderID string  `json:"order_id"`
	IDs     []int64 `json:"ids"`
	Amount  string  `json:"amount"`
	Balance string  `json:"balance"`
}

func (s *shop) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := s.DB.Exec(context.Background(), sql, args...)
	require.NoError(t, err)
}

func (s *shop) balance(t *testing.T, r apitest.Reseller) string {
	t.Helper()
	a, err := billing.GetAccount(context.Background(), s.DB, r.ID)
	require.NoError(t, err)
	return a.Balance.String()
}

func (s *shop) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, s.DB.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func (s *shop) jobs(t *testing.T, id int64, op string) int {
	t.Helper()
	return s.count(t, `SELECT count(*) FROM river_job WHERE args->>'business' = 'idc'
		AND (args->>'order_id')::bigint = $1 AND args->>'op' = $2`, id, op)
}

func (s *shop) verify(t *testing.T) {
	t.Helper()
	problems, err := billing.Verify(context.Background(), s.DB)
	require.NoError(t, err)
	require.Empty(t, problems)
}

// activate marks orders delivered, as the provisioning would.
func (s *shop) activate(t *testing.T, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		s.exec(t, `UPDATE idc_orders SET order_status = 1 WHERE id = $1`, id)
	}
}

func (s *shop) order(t *testing.T, r apitest.Reseller, id int64) map[string]any {
	t.Helper()
	var o map[string]any
	s.Post(t, r.Form("getidc", "guid", fmt.Sprint(id))).Into(t, &o)
	return o
}

// do runs a job of the idc service by hand (the shop has no workers).
func (s *shop) do(t *testing.T, id int64, op string, final bool) error {
	t.Helper()
	svc := &idc.Service{DB: s.DB, Box: s.box, Engine: s.App.Engine}
	return svc.Do(context.Background(), jobs.Args{Business: "idc", OrderID: id, Op: op}, 1, final)
}

// raceN runs f n times at once and collects the answers.
func raceN(n int, f func(i int) apitest.Response) []apitest.Response {
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
