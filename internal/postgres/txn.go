package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// txn is the pgx.Tx InTx hands its closure. It saves two round trips of
// pgx's own: BEGIN is not sent alone but in one batch with the
// transaction's first statement (pgx's Batch.BeginTx; the transaction it
// begins then serves every later call), and QueryCommit sends the
// transaction's last statement and COMMIT in one batch. In a batch
// PostgreSQL skips everything after a failed statement, so a COMMIT queued
// behind a statement that fails never runs. The snapshot is taken at the
// first statement either way, so nothing else changes.
//
// A closure must not run statements on Conn() directly, and nothing runs
// after QueryCommit (pgx.ErrTxClosed).
type txn struct {
	conn      *pgx.Conn
	opts      pgx.TxOptions
	tx        pgx.Tx // the transaction, once BEGIN has been sent
	committed bool   // by QueryCommit
	closed    bool   // committed or rolled back
}

// batch sends b on the transaction, beginning it in the same batch when
// it has not begun, with BEGIN's result already read.
func (t *txn) batch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if t.closed {
		return pgx.FailedBatchResults(b, pgx.ErrTxClosed)
	}
	if t.tx != nil {
		return t.tx.SendBatch(ctx, b)
	}
	withBegin := &pgx.Batch{}
	withBegin.BeginTx(t.opts)
	withBegin.QueuedQueries = append(withBegin.QueuedQueries, b.QueuedQueries...)
	br := t.conn.SendBatch(ctx, withBegin)
	t.tx = br.Tx()
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return pgx.FailedBatchResults(b, err)
	}
	return br
}

func (t *txn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.tx != nil && !t.closed {
		return t.tx.Exec(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	br := t.batch(ctx, b)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (t *txn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.tx != nil && !t.closed {
		return t.tx.Query(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	return batchRows(t.batch(ctx, b), nil)
}

func (t *txn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.tx != nil && !t.closed {
		return t.tx.QueryRow(ctx, sql, args...)
	}
	rows, err := t.Query(ctx, sql, args...)
	return oneRow{rows, err}
}

func (t *txn) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults { return t.batch(ctx, b) }

// QueryCommit runs sql as tx's last statement and commits in the same
// round trip; the commit is read when the rows are closed, and rows.Err()
// reports its failure. The statement must fail (raise) in every case in
// which the transaction must not commit: once it succeeds, the COMMIT
// runs. On a transaction that is not InTx's it is a plain Query, and the
// caller's commit follows as usual.
func QueryCommit(ctx context.Context, tx pgx.Tx, sql string, args ...any) (pgx.Rows, error) {
	return QueryCommitAfter(ctx, tx, nil, sql, args...)
}

// QueryCommitAfter is QueryCommit with before's statements sent ahead of
// sql in the same batch (their results are read and dropped; the first to
// fail is the answer, and nothing after it runs).
func QueryCommitAfter(ctx context.Context, tx pgx.Tx, before []*pgx.QueuedQuery, sql string, args ...any) (pgx.Rows, error) {
	t, ok := tx.(*txn)
	if !ok {
		for _, q := range before {
			if _, err := tx.Exec(ctx, q.SQL, q.Arguments...); err != nil {
				return nil, err
			}
		}
		return tx.Query(ctx, sql, args...)
	}
	commit := "commit"
	if t.opts.CommitQuery != "" {
		commit = t.opts.CommitQuery
	}
	b := &pgx.Batch{}
	for _, q := range before { // queued afresh: pgx keeps state in a QueuedQuery it sends
		b.Queue(q.SQL, q.Arguments...)
	}
	b.Queue(sql, args...)
	b.Queue(commit)
	br := t.batch(ctx, b)
	for range before {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, err
		}
	}
	return batchRows(br, func(br pgx.BatchResults) error {
		tag, err := br.Exec()
		if err != nil {
			return err
		}
		t.committed, t.closed = true, true
		if tag.String() == "ROLLBACK" {
			return pgx.ErrTxCommitRollback
		}
		return nil
	})
}

// Commit commits; after QueryCommit it has nothing left to do, and with
// no statement run nothing to commit.
func (t *txn) Commit(ctx context.Context) error {
	switch {
	case t.committed:
		return nil
	case t.closed:
		return pgx.ErrTxClosed
	}
	t.closed = true
	if t.tx == nil {
		return nil
	}
	return t.tx.Commit(ctx)
}

func (t *txn) Rollback(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	t.closed = true
	if t.tx == nil {
		return nil
	}
	return t.tx.Rollback(ctx)
}

// begun begins the transaction on its own when a call cannot be batched.
func (t *txn) begun(ctx context.Context) (pgx.Tx, error) {
	if t.closed {
		return nil, pgx.ErrTxClosed
	}
	if t.tx == nil {
		tx, err := t.conn.BeginTx(ctx, t.opts)
		if err != nil {
			return nil, err
		}
		t.tx = tx
	}
	return t.tx, nil
}

func (t *txn) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	tx, err := t.begun(ctx)
	if err != nil {
		return 0, err
	}
	return tx.CopyFrom(ctx, table, columns, src)
}

// Begin starts a savepoint (pgx's pseudo nested transaction).
func (t *txn) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := t.begun(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Begin(ctx)
}

// LargeObjects is not supported: zonkvmd keeps none.
func (t *txn) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (t *txn) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}

func (t *txn) Conn() *pgx.Conn { return t.conn }

// batchRows returns the next result of br as rows that, when closed, read
// br's remaining results with last (when given) and close br.
func batchRows(br pgx.BatchResults, last func(pgx.BatchResults) error) (pgx.Rows, error) {
	rows, err := br.Query()
	r := &closingRows{Rows: rows, br: br, last: last}
	if err != nil {
		r.Close()
		return r, err
	}
	return r, nil
}

// closingRows are the rows of one statement of a batch. Err reports the
// first failure: the statement's, the rest of the batch's or the close's.
type closingRows struct {
	pgx.Rows
	br     pgx.BatchResults
	last   func(pgx.BatchResults) error
	err    error
	closed bool
}

func (r *closingRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	if r.Rows.Err() == nil && r.last != nil {
		r.err = r.last(r.br)
	}
	if err := r.br.Close(); r.err == nil && r.Rows.Err() == nil {
		r.err = err
	}
}

func (r *closingRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// oneRow is QueryRow over rows: the first row, pgx.ErrNoRows when there
// is none.
type oneRow struct {
	rows pgx.Rows
	err  error
}

func (o oneRow) Scan(dest ...any) error {
	if o.err != nil {
		return o.err
	}
	defer o.rows.Close()
	if !o.rows.Next() {
		o.rows.Close()
		if err := o.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := o.rows.Scan(dest...); err != nil {
		return err
	}
	o.rows.Close()
	return o.rows.Err()
}

var _ pgx.Tx = (*txn)(nil)
