package lease_test

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
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// The example catalogue's line 浙江专线二区, its machine model 基础型 (550.00,
// bandwidth 30, defense 100, ipnum 1; three free machines) and the system
// CentOS 7.9: the lease of billing.md §8.
const (
	lineGUID    = "20250409132657673528"
	zoneGUID    = "20250409132657673526"
	productGUID = "1721941250649658"
	systemGUID  = "1659170791658716"
	example     = `{"bandwidth":50,"defense":100,"ip_num":4,"months":12}`
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
	ctx := context.Background()
	_, err = catalog.Import(ctx, db, box, bytes.NewReader(examples.Catalog))
	require.NoError(t, err)
	// The example catalogue's systems list only 德阳电信's zone, so none of
	// them may be installed on 浙江专线二区, the line of the worked example;
	// CentOS is allowed there too, as an operator would set it up.
	_, err = db.Exec(ctx, `UPDATE systems SET zone_guids = array_append(zone_guids, $1) WHERE guid = $2`,
		zoneGUID, systemGUID)
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

// buy calls create_lease on the example line, model and system; kv
// overrides or adds parameters.
func (s *shop) buy(t *testing.T, r apitest.Reseller, orderNo, content string, kv ...string) apitest.Response {
	t.Helper()
	form := r.Form("create_order", append([]string{"obj_type", "create_lease", "order_id", orderNo,
		"line_guid", lineGUID, "product_guid", productGUID, "system_guid", systemGUID, "content", content}, kv...)...)
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

// free counts the free machines of the example model on the example line.
func (s *shop) free(t *testing.T) int {
	t.Helper()
	return s.count(t, `SELECT count(*) FROM lease_machines m JOIN lease_products p ON p.id = m.product_id
		JOIN lease_lines l ON l.id = m.line_id WHERE p.guid = $1 AND l.guid = $2 AND m.status = 'free'`,
		productGUID, lineGUID)
}

// machineOf is the guid of the machine order id holds.
func (s *shop) machineOf(t *testing.T, id int64) string {
	t.Helper()
	var guid string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT m.guid FROM lease_orders o
		JOIN lease_machines m ON m.id = o.machine_id WHERE o.id = $1`, id).Scan(&guid))
	return guid
}

func (s *shop) jobs(t *testing.T, id int64, op string) int {
	t.Helper()
	return s.count(t, `SELECT count(*) FROM river_job WHERE args->>'business' = 'lease'
		AND (args->>'order_id')::bigint = $1 AND args->>'op' = $2`, id, op)
}

func (s *shop) verify(t *testing.T) {
	t.Helper()
	problems, err := billing.Verify(context.Background(), s.DB)
	require.NoError(t, err)
	require.Empty(t, problems)
}

// activate marks orders delivered, as the provisioning job would.
func (s *shop) activate(t *testing.T, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		s.exec(t, `UPDATE lease_orders SET order_status = 1 WHERE id = $1`, id)
	}
}

func (s *shop) order(t *testing.T, r apitest.Reseller, id int64) map[string]any {
	t.Helper()
	var o map[string]any
	s.Post(t, r.Form("getlease", "guid", fmt.Sprint(id))).Into(t, &o)
	return o
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
