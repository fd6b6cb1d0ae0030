package hosting_test

import (
	"os"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// setup is the package's testfactory.Fixture, with the daemon's route table.
func setup(t *testing.T) testfactory.Fixture {
	t.Helper()
	return testfactory.NewFixture(t, app.NewTable)
}
