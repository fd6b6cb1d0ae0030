// Package postgres is zonkvmd's PostgreSQL plumbing: the connection pool,
// transactions as closures, the embedded schema migrations, the private
// cluster that runs when no DATABASE_URL is given, and the errors the rest of
// the code tests for. Business packages write their own SQL; this package
// only carries it.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the pool every service shares.
type DB = pgxpool.Pool

// Querier is what both a pool and a transaction offer; helpers that may run
// inside or outside a transaction take one.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Options size and bound a pool; zero values keep pgx's defaults (a pool of
// max(4, CPUs), no statement timeout).
type Options struct {
	// MaxConns is the pool's size.
	MaxConns int
	// StatementTimeout is PostgreSQL's statement_timeout on every
	// connection: a statement running longer is cancelled by the server.
	StatementTimeout time.Duration
}

// Open connects a pool to url with pgx's defaults; see OpenWith.
func Open(ctx context.Context, url string) (*DB, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith connects a pool to url and checks that the server answers. It
// returns an error naming the problem (never the password) when the URL is
// malformed or the server cannot be reached. Waiting for a free connection
// of the pool is bounded by the caller's context.
func OpenWith(ctx context.Context, url string, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres.Open: parse DATABASE_URL: %w", errors.New(redactParseError(err)))
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "zonkvmd"
	if o.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(o.StatementTimeout.Milliseconds())
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = int32(o.MaxConns)
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres.Open: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres.Open: ping: %w", err)
	}
	return pool, nil
}

// redactParseError keeps pgx's message but never a DSN it may quote.
func redactParseError(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return "invalid connection string"
	}
	return "invalid connection string"
}

// ErrNotFound is the project's "no such row": QueryRow's Scan answers it
// where pgx would answer pgx.ErrNoRows.
var ErrNotFound = errors.New("not found")

// SQLState returns the SQLSTATE of a PostgreSQL error, or "".
func SQLState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// Constraint returns the name of the constraint a PostgreSQL error names, or "".
func Constraint(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}

// SQLSTATEs this code reacts to.
const (
	StateUniqueViolation      = "23505"
	StateCheckViolation       = "23514"
	StateNotNullViolation     = "23502"
	StateForeignKeyViolation  = "23503"
	StateSerializationFailure = "40001"
	StateDeadlockDetected     = "40P01"
)

// Clip makes s fit a text column of at most max bytes: invalid UTF-8
// becomes U+FFFD, NUL bytes (which PostgreSQL's text refuses) are dropped,
// and the text is cut at a character boundary. Every text this daemon
// writes from a source it does not control (a provider's error, say)
// passes through it. It cannot fail.
func Clip(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) { // do not cut a character in two
		s = s[:len(s)-1]
	}
	return s
}

// QueryRow runs a query of one row on q. Its Scan answers ErrNotFound, not
// pgx's ErrNoRows, when there is no row: the one place the rest of the
// code meets pgx's own not-found error.
func QueryRow(ctx context.Context, q Querier, sql string, args ...any) pgx.Row {
	return row{q.QueryRow(ctx, sql, args...)}
}

type row struct{ pgx.Row }

func (r row) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
