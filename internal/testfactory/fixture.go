package testfactory

import (
	"testing"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Fixture is what a business's own tests call its actions through: the
// package's shared test database (pgtest.DB), a sealing box (Box) and a
// table with the business's actions. Each test makes resellers of its own,
// so tests run in parallel.
type Fixture struct {
	DB    *postgres.DB
	Box   *secret.Box
	Table *dispatch.Table
}

// NewFixture makes a Fixture for t whose table is the one table builds on
// its database and box (app.NewTable: the daemon's route table).
func NewFixture(t testing.TB, table func(*postgres.DB, *secret.Box) *dispatch.Table) Fixture {
	t.Helper()
	f := Fixture{DB: pgtest.DB(t), Box: Box(t)}
	f.Table = table(f.DB, f.Box)
	return f
}

// Caller makes a fresh reseller and calls actions as it.
func (f Fixture) Caller(t testing.TB) Caller {
	t.Helper()
	return NewCaller(t, f.DB, f.Table)
}
