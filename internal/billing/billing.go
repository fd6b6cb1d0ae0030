// Package billing keeps the resellers' money: one account each (balance
// plus credit line) and the append-only ledger of billing.md §1, where every
// change of a balance is one entry written in the same transaction. Every
// balance change goes through one conditional UPDATE, so concurrent requests
// can never spend one balance twice. Pricing, purchases, renewals, upgrades
// and refunds build on this package (the billing issue).
package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Account is a reseller's money.
type Account struct {
	ResellerID  int64         `json:"-"`
	Balance     apitype.Money `json:"balance"`
	CreditLimit apitype.Money `json:"credit_limit"`
}

// Errors of this package.
var (
	// ErrInsufficient: the change would take the balance below -credit_limit.
	ErrInsufficient = errors.New("balance plus credit line is not enough")
	// ErrNoAccount: the reseller has no account.
	ErrNoAccount = errors.New("no such account")
	// ErrCreditBelowDebt: the new credit limit is below what is owed.
	ErrCreditBelowDebt = errors.New("credit limit would be below the current debt")
	// ErrBadAmount: an amount that is zero, negative where it may not be,
	// or has more than two decimals.
	ErrBadAmount = errors.New("amount must be a non-zero number with at most two decimals")
)

// GetAccount returns the reseller's account, or ErrNoAccount.
func GetAccount(ctx context.Context, q postgres.Querier, resellerID int64) (Account, error) {
	a := Account{ResellerID: resellerID}
	err := postgres.QueryRow(ctx, q, `SELECT balance, credit_limit FROM accounts WHERE reseller_id = $1`, resellerID).
		Scan(&a.Balance, &a.CreditLimit)
	if errors.Is(err, postgres.ErrNotFound) {
		return Account{}, ErrNoAccount
	}
	if err != nil {
		return Account{}, fmt.Errorf("billing.GetAccount: %w", err)
	}
	return a, nil
}

// Entry is one ledger row to append.
type Entry struct {
	Kind      string // topup, adjust, credit, purchase, renew, upgrade, refund, auto_renew
	Amount    decimal.Decimal
	Business  string // "" for operator entries
	OrderID   int64
	Reference string
	Note      string
	// From and To are the service window [From, To) a charge pays for
	// (zero for entries that pay for no time).
	From, To time.Time
	CouponID int64
}

// apply changes the balance by e.Amount with the conditional statement of
// billing.md §1 and appends the entry, inside tx. It returns ErrInsufficient
// (nothing changed) when the balance would drop below -credit_limit.
func apply(ctx context.Context, tx pgx.Tx, resellerID int64, e Entry) (Account, error) {
	a := Account{ResellerID: resellerID}
	err := postgres.QueryRow(ctx, tx, `
		UPDATE accounts SET balance = balance + $2, updated_at = now()
		WHERE reseller_id = $1 AND balance + $2 >= -credit_limit
		RETURNING balance, credit_limit`, resellerID, e.Amount).Scan(&a.Balance, &a.CreditLimit)
	if errors.Is(err, postgres.ErrNotFound) {
		if _, gerr := GetAccount(ctx, tx, resellerID); gerr != nil {
			return Account{}, gerr
		}
		return Account{}, ErrInsufficient
	}
	if err != nil {
		return Account{}, fmt.Errorf("billing.apply: %w", err)
	}
	if _, err := appendEntry(ctx, tx, resellerID, e, a); err != nil {
		return Account{}, err
	}
	return a, nil
}

// appendEntry writes e with the balance after it and returns its id.
func appendEntry(ctx context.Context, tx pgx.Tx, resellerID int64, e Entry, after Account) (int64, error) {
	var business, orderID, reference, from, to, coupon any
	if e.Business != "" {
		business, orderID = e.Business, e.OrderID
	}
	if e.Reference != "" {
		reference = e.Reference
	}
	if !e.From.IsZero() {
		from, to = e.From, e.To
	}
	if e.CouponID != 0 {
		coupon = e.CouponID
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO ledger_entries (reseller_id, kind, amount, balance_after, credit_limit,
			business, order_id, reference, service_from, service_to, coupon_id, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		RETURNING id`,
		resellerID, e.Kind, e.Amount, after.Balance, after.CreditLimit, business, orderID, reference,
		from, to, coupon, e.Note).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("billing.appendEntry: %w", err)
	}
	return id, nil
}

// checkAmount accepts an amount with at most two decimals; zero only when
// allowZero.
func checkAmount(d decimal.Decimal, allowZero bool) error {
	if !d.Equal(d.Truncate(2)) || (!allowZero && d.IsZero()) {
		return ErrBadAmount
	}
	return nil
}

// Topup adds amount to the reseller's balance as an operator entry: kind
// topup when positive, adjust when negative (an adjustment may not take the
// balance below -credit_limit: ErrInsufficient). It runs in tx.
func Topup(ctx context.Context, tx pgx.Tx, resellerID int64, amount decimal.Decimal, note string) (Account, error) {
	if err := checkAmount(amount, false); err != nil {
		return Account{}, err
	}
	kind := "topup"
	if amount.IsNegative() {
		kind = "adjust"
	}
	return apply(ctx, tx, resellerID, Entry{Kind: kind, Amount: amount, Note: note})
}

// SetCredit sets the reseller's credit limit (>= 0) and records it in the
// ledger as a credit entry of amount 0. It returns ErrCreditBelowDebt when
// the reseller owes more than the new limit.
func SetCredit(ctx context.Context, tx pgx.Tx, resellerID int64, limit decimal.Decimal, note string) (Account, error) {
	if err := checkAmount(limit, true); err != nil || limit.IsNegative() {
		return Account{}, ErrBadAmount
	}
	a := Account{ResellerID: resellerID}
	err := postgres.QueryRow(ctx, tx, `
		UPDATE accounts SET credit_limit = $2, updated_at = now()
		WHERE reseller_id = $1 AND balance >= -$2::numeric
		RETURNING balance, credit_limit`, resellerID, limit).Scan(&a.Balance, &a.CreditLimit)
	if errors.Is(err, postgres.ErrNotFound) {
		if _, gerr := GetAccount(ctx, tx, resellerID); gerr != nil {
			return Account{}, gerr
		}
		return Account{}, ErrCreditBelowDebt
	}
	if err != nil {
		return Account{}, fmt.Errorf("billing.SetCredit: %w", err)
	}
	if note == "" {
		note = "credit limit set to " + a.CreditLimit.String()
	}
	_, err = appendEntry(ctx, tx, resellerID, Entry{Kind: "credit", Amount: decimal.Zero, Note: note}, a)
	return a, err
}

// readOnlySnapshot reads several statements as of one instant.
var readOnlySnapshot = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
