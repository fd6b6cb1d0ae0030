package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

// Charge takes the sum of entries (each a positive price) from the
// reseller's balance and appends one ledger entry per order, each with its
// own negative amount and running balance_after, in ONE statement inside
// tx: the conditional UPDATE of billing.md §1 feeds the inserts, so the
// account row is locked for a single round trip before the commit. It
// returns the account after, the ledger ids in the order of entries, and
// ErrInsufficient (nothing changed) when balance plus credit line cannot
// pay the whole sum. When rec is not nil, the same statement stores rec's
// answer for its idempotency key, with the balance after at "balance"; for
// OnceLate it inserts the key row, and answers ErrReplay when a concurrent
// call's row is there first (the caller rolls back).
func Charge(ctx context.Context, tx pgx.Tx, resellerID int64, entries []Entry, rec *Record) (Account, []int64, error) {
	c, err := columnsOf(entries)
	if err != nil {
		return Account{}, nil, err
	}
	// The statement answers one row whatever happens.
	rows, err := tx.Query(ctx, `
		WITH acct AS (
			UPDATE accounts SET balance = balance - $2, updated_at = now()
			WHERE reseller_id = $1 AND balance - $2 >= -credit_limit
			RETURNING balance, credit_limit),
		e AS (
			SELECT * FROM unnest($3::numeric[], $4::text[], $5::text[], $6::bigint[], $7::text[],
			                     $8::timestamptz[], $9::timestamptz[], $10::bigint[], $11::text[])
			    WITH ORDINALITY AS e(amount, kind, business, order_id, reference, service_from, service_to, coupon_id, note, n)),
		ins AS (
			INSERT INTO ledger_entries (reseller_id, kind, amount, balance_after, credit_limit, business,
				order_id, reference, service_from, service_to, coupon_id, note)
			SELECT $1, e.kind, -e.amount,
			       acct.balance + $2 - sum(e.amount) OVER (ORDER BY e.n), acct.credit_limit,
			       e.business, e.order_id, e.reference, e.service_from, e.service_to, e.coupon_id, e.note
			FROM e, acct ORDER BY e.n
			RETURNING id),
		answer AS (
			UPDATE idempotency_keys k
			SET response = jsonb_set($13::jsonb, '{balance}', to_jsonb(acct.balance::text))
			FROM acct
			WHERE $12::text IS NOT NULL AND NOT $16 AND k.reseller_id = $1 AND k.scope = $12 AND k.key = $14),
		fresh AS (
			INSERT INTO idempotency_keys (reseller_id, scope, key, request_hash, response)
			SELECT $1, $12, $14, $15, jsonb_set($13::jsonb, '{balance}', to_jsonb(acct.balance::text))
			FROM acct WHERE $16
			ON CONFLICT DO NOTHING
			RETURNING 1)
		SELECT coalesce((SELECT balance FROM acct), 0), coalesce((SELECT credit_limit FROM acct), 0),
		       ARRAY(SELECT id FROM ins ORDER BY id), (SELECT count(*) FROM fresh)`,
		resellerID, c.total, c.amounts, c.kinds, c.businesses, c.orderIDs, c.references, c.froms, c.tos, c.coupons,
		c.notes, rec.scope(), rec.answer(), rec.key(), rec.hashOrNil(), rec.inserting())
	if err != nil {
		return Account{}, nil, fmt.Errorf("billing.Charge: %w", err)
	}
	a := Account{ResellerID: resellerID}
	var ids []int64
	var keyed int64
	if rows.Next() {
		err = rows.Scan(&a.Balance, &a.CreditLimit, &ids, &keyed)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return Account{}, nil, fmt.Errorf("billing.Charge: %w", err)
	}
	if len(ids) == 0 { // the conditional UPDATE matched nothing
		if _, gerr := GetAccount(ctx, tx, resellerID); gerr != nil {
			return Account{}, nil, gerr
		}
		return Account{}, nil, ErrInsufficient
	}
	if rec.inserting() && keyed == 0 { // a concurrent call with the key committed first
		return Account{}, nil, ErrReplay
	}
	if rec != nil {
		rec.stored = true
	}
	return a, ids, nil
}

// Credit pays amount (>= 0) back to the reseller as one ledger entry (a
// refund), inside tx, and returns the account after.
func Credit(ctx context.Context, tx pgx.Tx, resellerID int64, e Entry) (Account, error) {
	if e.Amount.IsNegative() {
		return Account{}, fmt.Errorf("billing.Credit: negative amount %s", e.Amount)
	}
	return apply(ctx, tx, resellerID, e)
}

// Paid returns the charges of one order with their service windows, and
// what was refunded already, for the refund rule of billing.md §6.
func Paid(ctx context.Context, tx pgx.Tx, business string, orderID int64) (charges []pricing.Charge, refunded decimal.Decimal, err error) {
	rows, err := tx.Query(ctx, `
		SELECT amount, service_from, service_to FROM ledger_entries
		WHERE business = $1 AND order_id = $2 ORDER BY id`, business, orderID)
	if err != nil {
		return nil, decimal.Zero, fmt.Errorf("billing.Paid: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var amount decimal.Decimal
		var from, to *time.Time
		if err := rows.Scan(&amount, &from, &to); err != nil {
			return nil, decimal.Zero, fmt.Errorf("billing.Paid: %w", err)
		}
		switch {
		case amount.IsPositive():
			refunded = refunded.Add(amount)
		case from != nil && amount.IsNegative():
			charges = append(charges, pricing.Charge{Amount: amount.Neg(), From: *from, To: *to})
		}
	}
	return charges, refunded, rows.Err()
}

// chargeColumns are a charge's entries as the arrays its statement unnests.
type chargeColumns struct {
	total                  decimal.Decimal
	amounts                []decimal.Decimal
	kinds, notes           []string
	businesses, references []*string
	orderIDs, coupons      []*int64
	froms, tos             []*time.Time
}

// columnsOf checks every entry's amount (positive, two decimals) and
// returns the entries as columns.
func columnsOf(entries []Entry) (chargeColumns, error) {
	n := len(entries)
	c := chargeColumns{total: decimal.Zero, amounts: make([]decimal.Decimal, n), kinds: make([]string, n),
		notes: make([]string, n), businesses: make([]*string, n), references: make([]*string, n),
		orderIDs: make([]*int64, n), coupons: make([]*int64, n), froms: make([]*time.Time, n), tos: make([]*time.Time, n)}
	for i := range entries {
		e := &entries[i]
		if e.Amount.IsNegative() || !e.Amount.Equal(e.Amount.Truncate(2)) {
			return c, fmt.Errorf("billing.Charge: bad amount %s", e.Amount)
		}
		c.total = c.total.Add(e.Amount)
		c.amounts[i], c.kinds[i], c.notes[i] = e.Amount, e.Kind, e.Note
		if e.Business != "" {
			c.businesses[i], c.orderIDs[i] = &e.Business, &e.OrderID
		}
		if e.Reference != "" {
			c.references[i] = &e.Reference
		}
		if !e.From.IsZero() {
			c.froms[i], c.tos[i] = &e.From, &e.To
		}
		if e.CouponID != 0 {
			c.coupons[i] = &e.CouponID
		}
	}
	return c, nil
}
