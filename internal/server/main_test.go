package server

import (
	"os"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// setup is the package's testfactory.Fixture with this business's actions.
func setup(t *testing.T) testfactory.Fixture {
	t.Helper()
	return testfactory.NewFixture(t, func(f testfactory.Fixture) {
		(&Service{DB: f.DB, Box: f.Box}).Register(f.Table)
	})
}
