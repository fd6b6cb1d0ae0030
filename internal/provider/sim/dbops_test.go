package sim_test

import (
	"testing"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

func TestDatabaseOpsContract(t *testing.T) {
	t.Parallel()
	providertest.DatabaseOpsContract(t, func(t *testing.T) provider.PanelDriver { return open(t, nil).Panel })
}
