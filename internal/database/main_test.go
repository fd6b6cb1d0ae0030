package database

import (
	"os"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/secret"
	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// fixture is the package's shared database, a sealing box and a table with
// this business's actions. Each test makes resellers of its own, so tests
// run in parallel.
type fixture struct {
	db    *postgres.DB
	box   *secret.Box
	table *dispatch.Table
}

func setup(t *testing.T) fixture {
	t.Helper()
	f := fixture{db: pgtest.DB(t), box: testfactory.Box(t), table: dispatch.NewTable()}
	(&Service{DB: f.db, Box: f.box}).Register(f.table)
	return f
}

// caller makes a fresh reseller and calls actions as it.
func (f fixture) caller(t *testing.T) testfactory.Caller {
	t.Helper()
	return testfactory.NewCaller(t, f.db, f.table)
}
