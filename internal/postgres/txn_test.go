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

var errAbort = errors.New("abort")

// scratch makes a table of its own for one test.
func scratch(t *testing.T, db *postgres.DB, name string) {
	t.Helper()
	_, err := db.Exec(context.Background(), `CREATE TABLE `+name+` (n int PRIMARY KEY)`)
	require.NoError(t, err)
}

func count(t *testing.T, db *postgres.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n))
	return n
}

// Whatever the first statement is (its BEGIN travels with it), it is part
// of the transaction: an error afterwards undoes it.
func TestTxFirstStatementIsInTheTransaction(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	scratch(t, db, "txn_first")
	firsts := map[string]func(tx pgx.Tx) error{
		"Exec": func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO txn_first VALUES (1)`)
			return err
		},
		"Query": func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `INSERT INTO txn_first VALUES (1) RETURNING n`)
			if err != nil {
				return err
			}
			_, err = pgx.CollectRows(rows, pgx.RowTo[int])
			return err
		},
		"QueryRow": func(tx pgx.Tx) error {
			var n int
			return tx.QueryRow(ctx, `INSERT INTO txn_first VALUES (1) RETURNING n`).Scan(&n)
		},
		"SendBatch": func(tx pgx.Tx) error {
			b := &pgx.Batch{}
			b.Queue(`INSERT INTO txn_first VALUES (1)`)
			b.Queue(`INSERT INTO txn_first VALUES (2)`)
			return tx.SendBatch(ctx, b).Close()
		},
		"CopyFrom": func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"txn_first"}, []string{"n"}, pgx.CopyFromRows([][]any{{1}, {2}}))
			return err
		},
		"Begin": func(tx pgx.Tx) error {
			sp, err := tx.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := sp.Exec(ctx, `INSERT INTO txn_first VALUES (1)`); err != nil {
				return err
			}
			return sp.Commit(ctx)
		},
	}
	for name, first := range firsts {
		t.Run(name, func(t *testing.T) {
			err := postgres.Tx(ctx, db, func(tx pgx.Tx) error {
				if err := first(tx); err != nil {
					return err
				}
				require.Positive(t, countIn(t, tx, "txn_first"), "the transaction sees its own row")
				return errAbort
			})
			require.ErrorIs(t, err, errAbort)
			require.Zero(t, count(t, db, "txn_first"), "rolled back with the transaction")

			require.NoError(t, postgres.Tx(ctx, db, first))
			require.Positive(t, count(t, db, "txn_first"), "committed")
			_, err = db.Exec(ctx, `DELETE FROM txn_first`)
			require.NoError(t, err)
		})
	}
}

func countIn(t *testing.T, tx pgx.Tx, table string) int {
	t.Helper()
	var n int
	require.NoError(t, tx.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n))
	return n
}

// A failed first statement leaves the transaction failed, not half begun:
// it rolls back and the connection goes back to the pool in a usable state.
func TestTxFirstStatementFails(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	for range 20 { // more than the pool's connections
		err := postgres.Tx(ctx, db, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `SELECT * FROM no_such_table`)
			return err
		})
		require.Equal(t, "42P01", postgres.SQLState(err))
	}
	var one int
	require.NoError(t, db.QueryRow(ctx, `SELECT 1`).Scan(&one))
}

func TestTxOptionsApply(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	scratch(t, db, "txn_opts")
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := postgres.InTx(ctx, db, opts, func(tx pgx.Tx) error {
		var iso string
		if err := tx.QueryRow(ctx, `SHOW transaction_isolation`).Scan(&iso); err != nil {
			return err
		}
		require.Equal(t, "repeatable read", iso)
		_, err := tx.Exec(ctx, `INSERT INTO txn_opts VALUES (1)`)
		return err
	})
	require.Equal(t, "25006", postgres.SQLState(err), "read only")
	require.NoError(t, postgres.Tx(ctx, db, func(pgx.Tx) error { return nil }), "nothing to commit")
}

// QueryCommit commits with its statement: another connection sees the
// writes before InTx returns, and nothing runs on the transaction after.
func TestQueryCommitCommits(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	scratch(t, db, "txn_commit")
	err := postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO txn_commit VALUES (1)`); err != nil {
			return err
		}
		require.Zero(t, count(t, db, "txn_commit"), "not committed yet")
		rows, err := postgres.QueryCommit(ctx, tx, `INSERT INTO txn_commit VALUES (2) RETURNING n`)
		if err != nil {
			return err
		}
		n, err := pgx.CollectOneRow(rows, pgx.RowTo[int])
		require.NoError(t, err)
		require.Equal(t, 2, n)
		require.Equal(t, 2, count(t, db, "txn_commit"), "committed by QueryCommit")
		_, err = tx.Exec(ctx, `INSERT INTO txn_commit VALUES (3)`)
		require.ErrorIs(t, err, pgx.ErrTxClosed)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 2, count(t, db, "txn_commit"))

	// As the first statement too.
	require.NoError(t, postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		rows, err := postgres.QueryCommit(ctx, tx, `INSERT INTO txn_commit VALUES (4)`)
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	}))
	require.Equal(t, 3, count(t, db, "txn_commit"))
}

// When QueryCommit's statement fails, the COMMIT behind it does not run:
// the transaction's earlier writes are rolled back.
func TestQueryCommitFailureCommitsNothing(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	scratch(t, db, "txn_refused")
	err := postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO txn_refused VALUES (1)`); err != nil {
			return err
		}
		rows, err := postgres.QueryCommit(ctx, tx, `SELECT zonkvmd_refuse('ZK999', 'refused')`)
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	})
	require.Equal(t, "ZK999", postgres.SQLState(err))
	require.Zero(t, count(t, db, "txn_refused"))
	// A duplicate key fails the same way, at execution.
	err = postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO txn_refused VALUES (7)`); err != nil {
			return err
		}
		rows, err := postgres.QueryCommit(ctx, tx, `INSERT INTO txn_refused VALUES (7)`)
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	})
	require.Equal(t, "23505", postgres.SQLState(err))
	require.Zero(t, count(t, db, "txn_refused"))
}

// A failing statement ahead of QueryCommitAfter's stops the batch there.
func TestQueryCommitAfterFailingBefore(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	scratch(t, db, "txn_before")
	before := []*pgx.QueuedQuery{
		{SQL: `INSERT INTO txn_before VALUES ($1)`, Arguments: []any{1}},
		{SQL: `INSERT INTO txn_before VALUES ($1)`, Arguments: []any{1}}, // duplicate
	}
	err := postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		rows, err := postgres.QueryCommitAfter(ctx, tx, before, `INSERT INTO txn_before VALUES (2)`)
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	})
	require.Equal(t, "23505", postgres.SQLState(err))
	require.Zero(t, count(t, db, "txn_before"))

	require.NoError(t, postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		rows, err := postgres.QueryCommitAfter(ctx, tx, before[:1], `INSERT INTO txn_before VALUES (2)`)
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	}))
	require.Equal(t, 2, count(t, db, "txn_before"))
}
