package orderflow

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// Lookups are the single-row reads a create_order needs before its
// transaction (its line, its system, ...), sent to PostgreSQL together
// with the look-up of the reseller's order_id in one round trip.
type Lookups struct {
	batch pgx.Batch
	errs  []*error
}

// Row queues a query whose one row scan reads; the error scan returns is
// kept for Prefetch to answer in queue order.
func (l *Lookups) Row(sql string, args []any, scan func(pgx.Row) error) {
	var err error
	l.errs = append(l.errs, &err)
	l.batch.Queue(sql, args...).QueryRow(func(row pgx.Row) error {
		err = scan(row)
		return nil
	})
}

// IDs queues taking n ids from the sequence seq (a purchase's order ids,
// for BuyPlan.IDs).
func (l *Lookups) IDs(seq string, n int, dst *[]int64) {
	l.Row(`SELECT array(SELECT nextval($1::regclass) FROM generate_series(1, $2))`, []any{seq, n},
		func(row pgx.Row) error { return row.Scan(dst) })
}

// System queues the system guid (LoadSystem's read, with its answers).
func (l *Lookups) System(field, guid string, dst *System) {
	if guid == "" {
		err := error(dispatch.MissingParam(field))
		l.errs = append(l.errs, &err)
		return
	}
	l.Row(systemSQL, []any{guid}, func(row pgx.Row) error { return scanSystem(row, field, dst) })
}

// Prefetch answers a create_order as Replayable does and reads the queued
// lookups, in one round trip: the first answer for a reseller's order_id
// that has one (before anything else is checked), 订单号已存在 for the same
// order_id with other parameters; else nil, and the first error of the
// lookups in queue order.
func (e *Engine) Prefetch(ctx context.Context, req *dispatch.Request, l *Lookups) (json.RawMessage, error) {
	var replay json.RawMessage
	var replayErr error
	if orderNo := req.Params.String("order_id"); orderNo != "" {
		hash, err := billing.RequestHash(req.Params.Map())
		if err != nil {
			return nil, err
		}
		q := &pgx.QueuedQuery{SQL: billing.ReplaySQL, Arguments: []any{req.Reseller.ID, billing.ScopeCreateOrder, orderNo}}
		q.QueryRow(func(row pgx.Row) error {
			replay, replayErr = billing.ScanReplay(row, hash)
			return nil
		})
		l.batch.QueuedQueries = append([]*pgx.QueuedQuery{q}, l.batch.QueuedQueries...)
	}
	if err := e.DB.SendBatch(ctx, &l.batch).Close(); err != nil {
		return nil, fmt.Errorf("orderflow.Prefetch: %w", err)
	}
	if replay != nil || replayErr != nil {
		return replay, APIError(replayErr)
	}
	for _, err := range l.errs {
		if *err != nil {
			return nil, *err
		}
	}
	return nil, nil
}
