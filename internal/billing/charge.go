package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Charge takes the sum of entries (each a positive price) from the
// reseller's balance and appends one ledger entry per order, each with its
// own negative amount and running balance_after, in ONE statement inside
// tx (billing.md §1), and returns the account after. With coupon, the same statement records the
// coupon's use on the first entry. With rec (OnceLate's, its Answer set),
// it also inserts rec's idempotency key with the answer, the balance after
// at "balance".
//
// A refusal is an error of the statement, which leaves tx to be rolled
// back: ErrInsufficient when balance plus credit line cannot pay the whole
// sum (the accounts table's CHECK refuses the new balance), ErrNoAccount
// when the reseller has no account, ErrReplay when OnceLate's key row is
// there already (a concurrent call with the key committed first).
//
// A purchase's charge (rec from OnceLate) is the last statement of its
// transaction, and Charge sends the COMMIT in the same round trip: the
// account row, which serializes one reseller's purchases, is then locked
// only while PostgreSQL runs the two, never while a reply travels to the
// daemon and back. postgres.InTx finds the transaction ended.
func Charge(ctx context.Context, tx pgx.Tx, resellerID int64, entries []Entry, rec *Record, coupon *CouponUse) (Account, error) {
	c, err := columnsOf(entries)
	if err != nil {
		return Account{}, err
	}
	var couponID *int64
	discount := decimal.Zero
	if coupon != nil {
		couponID, discount = &coupon.ID, coupon.Discount
	}
	const charge = `
		WITH acct AS (
			UPDATE accounts SET balance = balance - $2, updated_at = now()
			WHERE reseller_id = $1
			RETURNING balance, credit_limit),
		e AS (
			SELECT * FROM unnest($3::numeric[], $4::text[], $5::text[], $6::bigint[], $7::text[],
			                     $8::timestamptz[], $9::timestamptz[], $10::bigint[], $11::text[])
			    WITH ORDINALITY AS e(amount, kind, business, order_id, reference, service_from, service_to, coupon_id, note, n)),
		-- Without an account row the entries get no balance_after, which
		-- its NOT NULL refuses (ErrNoAccount).
		ins AS (
			INSERT INTO ledger_entries (reseller_id, kind, amount, balance_after, credit_limit, business,
				order_id, reference, service_from, service_to, coupon_id, note)
			SELECT $1, e.kind, -e.amount,
			       acct.balance + $2 - sum(e.amount) OVER (ORDER BY e.n), acct.credit_limit,
			       e.business, e.order_id, e.reference, e.service_from, e.service_to, e.coupon_id, e.note
			FROM e LEFT JOIN acct ON true ORDER BY e.n
			RETURNING id),
		used AS (
			INSERT INTO coupon_uses (coupon_id, reseller_id, ledger_id, discount)
			SELECT $16, $1, min(id), $17 FROM ins WHERE $16::bigint IS NOT NULL HAVING count(*) > 0),
		fresh AS (
			INSERT INTO idempotency_keys (reseller_id, scope, key, request_hash, response)
			SELECT $1, $12, $14, $15, jsonb_set($13::jsonb, '{balance}', to_jsonb(acct.balance::text))
			FROM acct WHERE $12::text IS NOT NULL)
		SELECT (SELECT balance FROM acct), (SELECT credit_limit FROM acct)`
	var scope, key *string
	var answer, hash []byte
	if rec.keyed() {
		scope, key, answer, hash = &rec.Scope, &rec.Key, rec.Answer, rec.hash
	}
	args := []any{resellerID, c.total, c.amounts, c.kinds, c.businesses, c.orderIDs, c.references, c.froms, c.tos,
		c.coupons, c.notes, scope, answer, key, hash, couponID, discount}
	a := Account{ResellerID: resellerID}
	scan := func(row pgx.Row) error { return row.Scan(&a.Balance, &a.CreditLimit) }
	if rec.keyed() {
		b := &pgx.Batch{}
		b.Queue(charge, args...).QueryRow(scan)
		b.Queue("COMMIT")
		err = tx.SendBatch(ctx, b).Close()
	} else {
		err = scan(tx.QueryRow(ctx, charge, args...))
	}
	if err != nil {
		return Account{}, chargeError(err)
	}
	if rec.keyed() {
		rec.stored = true
	}
	return a, nil
}

// chargeError names Charge's refusals.
func chargeError(err error) error {
	switch {
	case postgres.Constraint(err) == "accounts_check":
		return ErrInsufficient
	case postgres.Constraint(err) == "idempotency_keys_pkey":
		return ErrReplay
	case postgres.SQLState(err) == postgres.StateNotNullViolation:
		return ErrNoAccount
	}
	return fmt.Errorf("billing.Charge: %w", err)
}

// CouponUse is a coupon's discount on a charge, recorded with it.
type CouponUse struct {
	ID       int64
	Discount decimal.Decimal
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
