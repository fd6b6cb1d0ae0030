package orderquery_test

import (
	"os"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
