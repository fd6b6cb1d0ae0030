// Package orderquery holds the mechanics that the five businesses' order
// queries share (getserver/getservers, getlease/lease_orders,
// getidc/idc_orders, gethosting/hosting_orders, getsql/sql_orders): finding
// one of the caller's orders, paging a caller's orders (semantics.md §3),
// the {"pages","servers"} answer and opening the passwords kept sealed. The
// SQL stays in each business package; this package only runs it.
package orderquery

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// PageSize is how many orders one page of a list action holds.
const PageSize = 100

// ScanFunc reads one order from the current row of a query. Both pgx.Row and
// pgx.Rows satisfy pgx.Row.
type ScanFunc[T any] func(row pgx.Row) (T, error)

// Page reads the list actions' page parameter: 1 when absent or empty,
// ParamError("page", "应为整数") when it is not an integer and
// ParamError("page", "不在可选范围") when it is below 1.
func Page(p dispatch.Params) (int64, error) {
	page, err := p.Int("page", 1)
	if err != nil {
		return 0, err
	}
	if page < 1 {
		return 0, dispatch.ParamError("page", "不在可选范围")
	}
	return page, nil
}

// Pages returns how many pages total orders fill: ceil(total/PageSize), 0
// when there are none.
func Pages(total int64) int64 {
	if total <= 0 {
		return 0
	}
	return (total + PageSize - 1) / PageSize
}

// List is the answer of a list action. Servers is never nil, so it encodes
// as [] on an empty page.
type List[T any] struct {
	Pages   int64 `json:"pages"`
	Servers []T   `json:"servers"`
}

// NewList returns the answer for one page of rows out of total orders.
func NewList[T any](total int64, rows []T) List[T] {
	if rows == nil {
		rows = []T{}
	}
	return List[T]{Pages: Pages(total), Servers: rows}
}

// Query is the SQL of one business's two order queries, all built on one
// SELECT so the single and the list answers carry the same fields.
type Query[T any] struct {
	Name string // the business ("server", "lease", ...), for error messages
	// One selects at most one order: $1 is the reseller id, $2 the order id.
	One string
	// Count answers how many orders the caller has, as the largest of
	// their positions (migrations 5 and 12: each order's place among its
	// reseller's orders of its business by id, 1, 2, 3, ... without a
	// gap, given by List before it reads), so that it reads one index
	// entry: $1 is the reseller id.
	Count string
	// Page selects the caller's orders whose position is after $2 and at
	// most $3, ordered by id ascending (one index range scan, whatever the
	// page): $1 is the reseller id.
	Page string
	// Scan reads one order from a row of One or Page.
	Scan ScanFunc[T]
}

// Get answers a single-order action (getserver, getlease, ...): the order
// named by the guid parameter if the caller owns it. It returns
// dispatch.MissingParam("guid") when guid is absent, dispatch.ErrOrderNotFound
// when the guid is malformed, unknown or another reseller's, and a wrapped
// error when the query or the scan fails.
func (q Query[T]) Get(ctx context.Context, db postgres.Querier, req *dispatch.Request) (T, error) {
	var zero T
	id, err := req.Params.OrderID()
	if err != nil {
		return zero, err
	}
	v, err := q.Scan(postgres.QueryRow(ctx, db, q.One, req.Reseller.ID, id))
	if errors.Is(err, postgres.ErrNotFound) {
		return zero, dispatch.ErrOrderNotFound
	}
	if err != nil {
		return zero, fmt.Errorf("get %s order %d: %w", q.Name, id, err)
	}
	return v, nil
}

// readSnapshot makes the count and the page agree with each other (an
// order bought meanwhile may also move others up a position).
var readSnapshot = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// List answers a list action (getservers, lease_orders, ...): one page of
// the caller's orders, deleted ones included, with the number of pages.
// It first gives a position to each order bought since the last list
// (migration 12's zonkvmd_number_orders; purchases leave that to the
// lists), then reads the count and the page in one snapshot; a page past
// the end gives an empty list with the true page count. It returns a
// *dispatch.Error when the page parameter is invalid (see Page) and a
// wrapped error when a query or a scan fails.
func (q Query[T]) List(ctx context.Context, db *postgres.DB, req *dispatch.Request) (List[T], error) {
	page, err := Page(req.Params)
	if err != nil {
		return List[T]{}, err
	}
	if _, err := db.Exec(ctx, `SELECT zonkvmd_number_orders($1, $2)`, req.Reseller.ID, q.Name); err != nil {
		return List[T]{}, fmt.Errorf("number %s orders: %w", q.Name, err)
	}
	var total int64
	var rows []T
	_, err = postgres.InTx(ctx, db, readSnapshot, func(ctx context.Context, tx pgx.Tx) (struct{}, error) {
		rows = nil
		if err := tx.QueryRow(ctx, q.Count, req.Reseller.ID).Scan(&total); err != nil {
			return struct{}{}, fmt.Errorf("count: %w", err)
		}
		if page > Pages(total) { // also keeps the positions from overflowing
			return struct{}{}, nil
		}
		res, err := tx.Query(ctx, q.Page, req.Reseller.ID, (page-1)*PageSize, page*PageSize)
		if err != nil {
			return struct{}{}, fmt.Errorf("select page %d: %w", page, err)
		}
		rows, err = pgx.CollectRows(res, func(r pgx.CollectableRow) (T, error) { return q.Scan(r) })
		if err != nil {
			return struct{}{}, fmt.Errorf("select page %d: %w", page, err)
		}
		return struct{}{}, nil
	})
	if err != nil {
		return List[T]{}, fmt.Errorf("list %s orders: %w", q.Name, err)
	}
	return NewList(total, rows), nil
}

// OpenPassword opens a password kept sealed in a *_password_enc column;
// NULL (no password yet) opens to "". It returns an error naming the column
// when the value cannot be opened (damaged, or sealed with another key).
func OpenPassword(box *secret.Box, column string, sealed []byte) (string, error) {
	if box == nil {
		return "", errors.New("open " + column + ": no secret box configured")
	}
	s, err := box.OpenString(sealed)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", column, err)
	}
	return s, nil
}
