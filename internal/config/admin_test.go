package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAdminAddr(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) Getenv { return func(k string) string { return kv[k] } }
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8081", c.AdminAddr)
	c, err = FromEnv(env(map[string]string{"ZONKVMD_ADMIN_ADDR": "off"}))
	require.NoError(t, err)
	require.Equal(t, "off", c.AdminAddr)
	for _, bad := range []string{"nowhere", "127.0.0.1:99999", "127.0.0.1:8080"} {
		_, err = FromEnv(env(map[string]string{"ZONKVMD_ADMIN_ADDR": bad}))
		require.ErrorContains(t, err, "ZONKVMD_ADMIN_ADDR", bad)
	}
}
