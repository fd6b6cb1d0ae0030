package billing

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// reseller makes a reseller with balance.
func reseller(t *testing.T, db *postgres.DB, name, balance string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	require.NoError(t, postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		c, err := auth.CreateTx(ctx, tx, name, nil)
		if err != nil {
			return err
		}
		id = c.ID
		_, err = Topup(ctx, tx, id, decimal.RequireFromString(balance), "test")
		return err
	}))
	return id
}

// purchaseCharge runs a transaction that writes a marker row and then
// charges 100.00 as its last statement, as a purchase does.
func purchaseCharge(t *testing.T, db *postgres.DB, resellerID int64, key string) error {
	t.Helper()
	ctx := context.Background()
	return postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO charge_marks VALUES ($1)`, key); err != nil {
			return err
		}
		// As OnceLate makes it.
		rec := &Record{Scope: ScopePurchase, Key: key, hash: []byte("hash"),
			Answer: json.RawMessage(`{"order_id":"` + key + `"}`)}
		now := time.Now()
		_, err := Charge(ctx, tx, resellerID, []Entry{{Kind: "purchase",
			Amount: decimal.RequireFromString("100.00"), Business: "server", OrderID: 1, Reference: key,
			From: now, To: now.AddDate(0, 1, 0)}}, rec, nil)
		return err
	})
}

func marks(t *testing.T, db *postgres.DB, key string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM charge_marks WHERE key = $1`, key).Scan(&n))
	return n
}

func balance(t *testing.T, db *postgres.DB, resellerID int64) string {
	t.Helper()
	a, err := GetAccount(context.Background(), db, resellerID)
	require.NoError(t, err)
	return a.Balance.StringFixed(2)
}

// A purchase's charge commits with its transaction; every refusal is an
// error that rolls the transaction back, so its earlier writes are gone.
func TestPurchaseChargeCommitsOrNothing(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	_, err := db.Exec(ctx, `CREATE TABLE charge_marks (key text)`)
	require.NoError(t, err)

	r := reseller(t, db, "poor", "150.00")
	require.NoError(t, purchaseCharge(t, db, r, "A-1"))
	require.Equal(t, 1, marks(t, db, "A-1"))
	require.Equal(t, "50.00", balance(t, db, r))

	// Not enough money.
	require.ErrorIs(t, purchaseCharge(t, db, r, "A-2"), ErrInsufficient)
	require.Zero(t, marks(t, db, "A-2"))
	require.Equal(t, "50.00", balance(t, db, r))

	// The key is there already (a concurrent call committed first).
	r2 := reseller(t, db, "rich", "1000.00")
	_, err = db.Exec(ctx, `INSERT INTO idempotency_keys (reseller_id, scope, key, request_hash, response)
		VALUES ($1, $2, 'B-1', 'hash', '{}')`, r2, ScopePurchase)
	require.NoError(t, err)
	require.ErrorIs(t, purchaseCharge(t, db, r2, "B-1"), ErrReplay)
	require.Zero(t, marks(t, db, "B-1"))
	require.Equal(t, "1000.00", balance(t, db, r2))

	// No account at all.
	require.ErrorIs(t, purchaseCharge(t, db, 987654321, "C-1"), ErrNoAccount)
	require.Zero(t, marks(t, db, "C-1"))

	problems, err := Verify(ctx, db)
	require.NoError(t, err)
	require.Empty(t, problems)
}
