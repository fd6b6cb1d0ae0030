package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
)

// Charge takes the sum of entries (each a positive price) from the
// reseller's balance with one conditional UPDATE and appends one ledger
// entry per order, each with its own negative amount and running
// balance_after, inside tx. It returns the account after, the ledger ids
// in the order of entries, and ErrInsufficient (nothing changed) when
// balance plus credit line cannot pay the whole sum.
func Charge(ctx context.Context, tx pgx.Tx, resellerID int64, entries []Entry) (Account, []int64, error) {
	total := decimal.Zero
	for _, e := range entries {
		if e.Amount.IsNegative() || !e.Amount.Equal(e.Amount.Truncate(2)) {
			return Account{}, nil, fmt.Errorf("billing.Charge: bad amount %s", e.Amount)
		}
		total = total.Add(e.Amount)
	}
	a := Account{ResellerID: resellerID}
	err := tx.QueryRow(ctx, `
		UPDATE accounts SET balance = balance - $2, updated_at = now()
		WHERE reseller_id = $1 AND balance - $2 >= -credit_limit
		RETURNING balance, credit_limit`, resellerID, total).Scan(&a.Balance, &a.CreditLimit)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, gerr := GetAccount(ctx, tx, resellerID); gerr != nil {
			return Account{}, nil, gerr
		}
		return Account{}, nil, ErrInsufficient
	}
	if err != nil {
		return Account{}, nil, fmt.Errorf("billing.Charge: %w", err)
	}
	running := a
	running.Balance.Decimal = a.Balance.Add(total)
	ids := make([]int64, len(entries))
	for i, e := range entries {
		running.Balance.Decimal = running.Balance.Sub(e.Amount)
		e.Amount = e.Amount.Neg()
		if ids[i], err = appendEntry(ctx, tx, resellerID, e, running); err != nil {
			return Account{}, nil, err
		}
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
