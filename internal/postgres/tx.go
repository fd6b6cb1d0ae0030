package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// maxTxAttempts bounds the retries of a transaction that failed with a
// serialization failure or a deadlock.
const maxTxAttempts = 5

// InTx runs fn in a transaction with the given options and returns fn's
// value once the transaction has committed, in the shape of River's
// dbutil.WithTxV. The transaction holds one connection of the pool for its
// whole life; the rollback of a failed fn is sent with a context that
// outlives a cancelled request, and the whole closure runs again when
// PostgreSQL reports a serialization failure or a deadlock, so fn must not
// have effects outside the transaction. It returns fn's error, or the
// begin's or the commit's.
//
// fn may end the transaction itself by sending COMMIT in one batch with its
// last statement (a purchase's charge does: billing.Charge), so that rows it
// locks are held for that one round trip; InTx then finds the connection
// outside a transaction and has nothing left to commit.
func InTx[T any](ctx context.Context, db *DB, opts pgx.TxOptions, fn func(ctx context.Context, tx pgx.Tx) (T, error)) (T, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		v, err := inTxOnce(ctx, db, opts, fn)
		if err == nil {
			return v, nil
		}
		if st := SQLState(err); (st != StateSerializationFailure && st != StateDeadlockDetected) || ctx.Err() != nil {
			return zero, err
		}
		if attempt == maxTxAttempts {
			return zero, fmt.Errorf("postgres.InTx: gave up after %d attempts: %w", maxTxAttempts, err)
		}
	}
}

func inTxOnce[T any](ctx context.Context, db *DB, opts pgx.TxOptions, fn func(ctx context.Context, tx pgx.Tx) (T, error)) (T, error) {
	var zero T
	c, err := db.Acquire(ctx)
	if err != nil {
		return zero, fmt.Errorf("postgres.InTx: acquire: %w", err)
	}
	defer c.Release() // destroys a connection left inside a transaction
	tx, err := c.BeginTx(ctx, opts)
	if err != nil {
		return zero, fmt.Errorf("postgres.InTx: begin: %w", err)
	}
	v, err := fn(ctx, tx)
	open := c.Conn().PgConn().TxStatus() != txIdle
	if err != nil {
		if open {
			_ = tx.Rollback(context.WithoutCancel(ctx)) // a failed rollback leaves the connection to be destroyed
		}
		return zero, err
	}
	if open {
		if err := tx.Commit(ctx); err != nil {
			return zero, fmt.Errorf("postgres.InTx: commit: %w", err)
		}
	}
	return v, nil
}

// txIdle is the transaction status of a connection outside any transaction
// (PostgreSQL's ReadyForQuery 'I').
const txIdle = 'I'

// Tx runs fn in a read-committed transaction: InTx for a closure that
// returns no value.
func Tx(ctx context.Context, db *DB, fn func(pgx.Tx) error) error {
	_, err := InTx(ctx, db, pgx.TxOptions{}, func(_ context.Context, tx pgx.Tx) (struct{}, error) {
		return struct{}{}, fn(tx)
	})
	return err
}
