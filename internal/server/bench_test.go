package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

// clients is how many requests run at once in both benchmarks.
const clients = 16

func setParallelism(b *testing.B) {
	p := runtime.GOMAXPROCS(0)
	b.SetParallelism((clients + p - 1) / p)
}

// BenchmarkCreateOrder buys one cloud server per iteration through the
// whole HTTP handler (parsing, authentication, limits, pricing,
// idempotency, the charge, the order, its ledger entry and its provisioning
// job) for one reseller, from 16 concurrent clients. Compare its rate with
// BenchmarkBareWrites on the same machine.
func BenchmarkCreateOrder(b *testing.B) {
	s := newShop(b)
	r := s.NewReseller(b, "100000000")
	var n atomic.Int64
	base := r.Form("create_order", "obj_type", "create_server", "line_guid", lineGUID, "system_guid", systemGUID,
		"content", example)
	setParallelism(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			form := cloneForm(base)
			form.Set("order_id", fmt.Sprintf("B-%d", n.Add(1)))
			req := httptest.NewRequest(http.MethodPost, "/api/same/index", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			s.App.Handler.ServeHTTP(rec, req)
			if !strings.HasPrefix(rec.Body.String(), `{"code":1`) {
				b.Fatalf("create_order: %s", rec.Body.String())
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkBareWrites is the floor under BenchmarkCreateOrder: the same
// writes and nothing else, one conditional balance update, the order insert
// and the ledger insert in one pgx transaction, from 16 concurrent clients.
func BenchmarkBareWrites(b *testing.B) {
	s := newShop(b)
	r := s.NewReseller(b, "100000000")
	ctx := context.Background()
	var lineID, systemID int64
	if err := s.DB.QueryRow(ctx, `SELECT l.id, s.id FROM server_lines l, systems s WHERE l.guid = $1 AND s.guid = $2`,
		lineGUID, systemGUID).Scan(&lineID, &systemID); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	setParallelism(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			no := fmt.Sprintf("W-%d", n.Add(1))
			err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
				var balance string
				if err := tx.QueryRow(ctx, `UPDATE accounts SET balance = balance - 270.00, updated_at = now()
					WHERE reseller_id = $1 AND balance - 270.00 >= -credit_limit RETURNING balance::text`, r.ID).
					Scan(&balance); err != nil {
					return err
				}
				var id int64
				if err := tx.QueryRow(ctx, `INSERT INTO server_orders (reseller_id, order_no, line_id, system_id,
					cpu, memory, harddisks, bandwidth, buy_time, end_time)
					VALUES ($1, $2, $3, $4, 4, 8, '40,80', 20, now(), now() + interval '1 month') RETURNING id`,
					r.ID, no, lineID, systemID).Scan(&id); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `INSERT INTO ledger_entries (reseller_id, kind, amount, balance_after,
					credit_limit, business, order_id, reference, service_from, service_to)
					VALUES ($1, 'purchase', -270.00, $2::numeric, 0, 'server', $3, $4, now(), now() + interval '1 month')`,
					r.ID, balance, id, no)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}
