package postgres_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// InTx commits fn's work, or rolls it back when fn fails, and accepts an fn
// that ends the transaction itself by sending COMMIT with its last
// statement (as a purchase's charge does): the work is committed once, a
// failed statement keeps the COMMIT from running, and the connection goes
// back to the pool usable either way.
func TestInTxCommitsOnceWhetherOrNotFnSentTheCommit(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	_, err := db.Exec(ctx, `CREATE TABLE tx_marks (key text PRIMARY KEY)`)
	require.NoError(t, err)
	marks := func(key string) int {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM tx_marks WHERE key = $1`, key).Scan(&n))
		return n
	}
	insert := func(key string) func(ctx context.Context, tx pgx.Tx) (string, error) {
		return func(ctx context.Context, tx pgx.Tx) (string, error) {
			_, err := tx.Exec(ctx, `INSERT INTO tx_marks VALUES ($1)`, key)
			return key, err
		}
	}
	withCommit := func(keys ...string) func(ctx context.Context, tx pgx.Tx) (string, error) {
		return func(ctx context.Context, tx pgx.Tx) (string, error) {
			b := &pgx.Batch{}
			for _, k := range keys {
				b.Queue(`INSERT INTO tx_marks VALUES ($1)`, k)
			}
			b.Queue("COMMIT")
			return "sent", tx.SendBatch(ctx, b).Close()
		}
	}

	v, err := postgres.InTx(ctx, db, pgx.TxOptions{}, insert("plain"))
	require.NoError(t, err)
	require.Equal(t, "plain", v)
	require.Equal(t, 1, marks("plain"))

	boom := errors.New("boom")
	_, err = postgres.InTx(ctx, db, pgx.TxOptions{}, func(ctx context.Context, tx pgx.Tx) (string, error) {
		if _, err := insert("failed")(ctx, tx); err != nil {
			return "", err
		}
		return "", boom
	})
	require.ErrorIs(t, err, boom)
	require.Zero(t, marks("failed"))

	for i := 0; i < 3; i++ { // more times than the pool has connections to spare
		v, err = postgres.InTx(ctx, db, pgx.TxOptions{}, withCommit("batch-"+string(rune('a'+i))))
		require.NoError(t, err)
		require.Equal(t, "sent", v)
		require.Equal(t, 1, marks("batch-"+string(rune('a'+i))))
	}

	// The second insert fails (the key is taken): PostgreSQL skips the
	// COMMIT queued after it, and the first insert is rolled back too.
	_, err = postgres.InTx(ctx, db, pgx.TxOptions{}, withCommit("batch-new", "plain"))
	require.Equal(t, postgres.StateUniqueViolation, postgres.SQLState(err))
	require.Zero(t, marks("batch-new"))

	// Every connection came back outside a transaction.
	conns := db.AcquireAllIdle(ctx)
	require.NotEmpty(t, conns)
	for _, c := range conns {
		require.Equal(t, byte('I'), c.Conn().PgConn().TxStatus())
		c.Release()
	}
}
