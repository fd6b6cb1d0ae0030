package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// maxTxAttempts bounds the retries of a transaction that failed with a
// serialization failure or a deadlock.
const maxTxAttempts = 5

// InTx runs fn in a transaction with the given options and commits when fn
// returns nil. It always rolls back on error (with a context that outlives
// a cancelled request) and retries the whole closure when PostgreSQL reports
// a serialization failure or a deadlock, so fn must not have effects outside
// the transaction. It returns fn's error, or the commit's.
//
// The transaction fn gets sends its BEGIN together with its first
// statement, and QueryCommit can send the COMMIT together with its last:
// a purchase holds its reseller's account row for one round trip instead
// of two (see txn).
func InTx(ctx context.Context, db *DB, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxTxAttempts; attempt++ {
		err = inTxOnce(ctx, db, opts, fn)
		if err == nil {
			return nil
		}
		if st := SQLState(err); st != StateSerializationFailure && st != StateDeadlockDetected {
			return err
		}
		if ctx.Err() != nil {
			return err
		}
	}
	return fmt.Errorf("postgres.InTx: gave up after %d attempts: %w", maxTxAttempts, err)
}

func inTxOnce(ctx context.Context, db *DB, opts pgx.TxOptions, fn func(pgx.Tx) error) (err error) {
	conn, err := db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres.InTx: acquire: %w", err)
	}
	// The pool discards a connection released inside a transaction (a
	// failed rollback), so this is safe on every path.
	defer conn.Release()
	tx := &txn{conn: conn.Conn(), opts: opts}
	defer func() {
		if err != nil {
			rbErr := tx.Rollback(context.WithoutCancel(ctx))
			if rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
				err = errors.Join(err, fmt.Errorf("postgres.InTx: rollback: %w", rbErr))
			}
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres.InTx: commit: %w", err)
	}
	return nil
}

// Tx runs fn in a read-committed transaction; see InTx.
func Tx(ctx context.Context, db *DB, fn func(pgx.Tx) error) error {
	return InTx(ctx, db, pgx.TxOptions{}, fn)
}
