package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// LedgerEntry is one ledger row as `zonkvmd ledger show` prints it.
type LedgerEntry struct {
	ID           int64         `json:"id"`
	Kind         string        `json:"kind"`
	Amount       apitype.Money `json:"amount"`
	BalanceAfter apitype.Money `json:"balance_after"`
	CreditLimit  apitype.Money `json:"credit_limit"`
	Business     *string       `json:"business"`
	OrderID      *int64        `json:"order_id"`
	Reference    *string       `json:"reference"`
	ServiceFrom  *time.Time    `json:"service_from"`
	ServiceTo    *time.Time    `json:"service_to"`
	CouponID     *int64        `json:"coupon_id"`
	Note         string        `json:"note"`
	CreatedAt    time.Time     `json:"created_at"`
}

// Entries returns the reseller's newest limit entries, oldest first.
func Entries(ctx context.Context, q postgres.Querier, resellerID int64, limit int) ([]LedgerEntry, error) {
	rows, err := q.Query(ctx, `
		SELECT id, kind, amount, balance_after, credit_limit, business, order_id, reference,
		       service_from, service_to, coupon_id, note, created_at
		FROM (SELECT * FROM ledger_entries WHERE reseller_id = $1 ORDER BY id DESC LIMIT $2) newest
		ORDER BY id`, resellerID, limit)
	if err != nil {
		return nil, fmt.Errorf("billing.Entries: %w", err)
	}
	defer rows.Close()
	var out []LedgerEntry
	for rows.Next() {
		var e LedgerEntry
		if err := rows.Scan(&e.ID, &e.Kind, &e.Amount, &e.BalanceAfter, &e.CreditLimit, &e.Business,
			&e.OrderID, &e.Reference, &e.ServiceFrom, &e.ServiceTo, &e.CouponID, &e.Note, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("billing.Entries: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// invariants are the checks of billing.md §1. Each query returns one row
// per violation: a text that names it.
var invariants = []struct{ name, sql string }{
	{"balance = sum of its entries", `
		SELECT format('reseller %s: balance %s, entries sum to %s', a.reseller_id, a.balance, coalesce(s.total, 0))
		FROM accounts a
		LEFT JOIN (SELECT reseller_id, sum(amount) AS total FROM ledger_entries GROUP BY reseller_id) s
		  ON s.reseller_id = a.reseller_id
		WHERE a.balance <> coalesce(s.total, 0)`},
	{"each balance_after = previous + amount", `
		SELECT format('entry %s of reseller %s: balance_after %s, previous %s + amount %s',
		              id, reseller_id, balance_after, coalesce(prev, 0), amount)
		FROM (SELECT id, reseller_id, amount, balance_after,
		             lag(balance_after) OVER (PARTITION BY reseller_id ORDER BY id) AS prev
		      FROM ledger_entries) l
		WHERE balance_after <> coalesce(prev, 0) + amount`},
	{"no balance below -credit_limit", `
		SELECT format('entry %s of reseller %s: balance_after %s below -%s', id, reseller_id, balance_after, credit_limit)
		FROM ledger_entries WHERE balance_after < -credit_limit
		UNION ALL
		SELECT format('reseller %s: balance %s below -%s', reseller_id, balance, credit_limit)
		FROM accounts WHERE balance < -credit_limit`},
	{"no order refunded more than it paid", `
		SELECT format('%s order %s: paid %s, refunded %s', business, order_id, paid, refunded)
		FROM (SELECT business, order_id,
		             -sum(amount) FILTER (WHERE amount < 0) AS paid,
		             sum(amount) FILTER (WHERE amount > 0) AS refunded
		      FROM ledger_entries WHERE order_id IS NOT NULL GROUP BY business, order_id) o
		WHERE coalesce(refunded, 0) > coalesce(paid, 0)`},
	{"the credit limit of each entry is the account's at the last entry", `
		SELECT format('reseller %s: credit_limit %s, last entry says %s', a.reseller_id, a.credit_limit, l.credit_limit)
		FROM accounts a
		JOIN LATERAL (SELECT credit_limit FROM ledger_entries e WHERE e.reseller_id = a.reseller_id
		              ORDER BY id DESC LIMIT 1) l ON true
		WHERE a.credit_limit <> l.credit_limit`},
}

// Verify checks every invariant of billing.md §1 over all accounts in one
// snapshot and returns the violations (none: an empty list). It returns an
// error only when a query fails.
func Verify(ctx context.Context, db *postgres.DB) ([]string, error) {
	return postgres.InTx(ctx, db, readOnlySnapshot, func(ctx context.Context, tx pgx.Tx) ([]string, error) {
		var problems []string
		for _, inv := range invariants {
			rows, err := tx.Query(ctx, inv.sql)
			if err != nil {
				return nil, fmt.Errorf("billing.Verify %q: %w", inv.name, err)
			}
			names, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return nil, fmt.Errorf("billing.Verify %q: %w", inv.name, err)
			}
			for _, s := range names {
				problems = append(problems, inv.name+": "+s)
			}
		}
		return problems, nil
	})
}
