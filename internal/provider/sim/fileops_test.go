package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

func TestFileContract(t *testing.T) {
	t.Parallel()
	d, ok := open(t, map[string]any{"delay_ms": 0}).Panel.(provider.FileDriver)
	require.True(t, ok, "the simulated panel has a file manager")
	require.NoError(t, d.CreateDir(ctx(t), "/www/wwwroot/ct"))
	providertest.FileContract(t, d, "/www/wwwroot/ct")
}
