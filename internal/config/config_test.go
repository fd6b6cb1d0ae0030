package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestDefaultsMatchOperatorDoc(t *testing.T) {
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	require.Equal(t, "", c.DatabaseURL)
	require.Equal(t, "127.0.0.1:8080", c.Addr)
	require.Equal(t, "Asia/Shanghai", c.Location.String())
	require.Equal(t, "info", c.LogLevel.String())
	require.Equal(t, "json", c.LogFormat)
	require.Len(t, c.TrustedProxies, 2)
	require.Equal(t, "127.0.0.1/32", c.TrustedProxies[0].String())
	require.Equal(t, "::1/128", c.TrustedProxies[1].String())
	require.Equal(t, 10*time.Minute, c.LoginWindow)
}

func TestEveryBadVariableIsNamed(t *testing.T) {
	_, err := FromEnv(env(map[string]string{
		"DATABASE_URL":            "mysql://x",
		"ZONKVMD_ADDR":            "nope",
		"ZONKVMD_TZ":              "Mars/Olympus",
		"ZONKVMD_SECRET_KEY":      "abc",
		"ZONKVMD_TRUSTED_PROXIES": "10.0.0.0/8,banana",
		"ZONKVMD_LOG_LEVEL":       "loud",
		"ZONKVMD_LOG_FORMAT":      "xml",
		"ZONKVMD_RATE_LIMIT":      "-1",
	}))
	require.Error(t, err)
	for _, name := range []string{"DATABASE_URL", "ZONKVMD_ADDR", "ZONKVMD_TZ", "ZONKVMD_SECRET_KEY",
		"ZONKVMD_TRUSTED_PROXIES", "ZONKVMD_LOG_LEVEL", "ZONKVMD_LOG_FORMAT", "ZONKVMD_RATE_LIMIT"} {
		require.Contains(t, err.Error(), name)
	}
}

func TestStartupLogMasksSecrets(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"DATABASE_URL":       "postgres://zonk:s3cretpw@db:5432/zonkvmd?sslmode=disable",
		"ZONKVMD_SECRET_KEY": strings.Repeat("ab", 32),
	}))
	require.NoError(t, err)
	core, logs := observer.New(zapcore.InfoLevel)
	zap.New(core).Info("config", c.Fields()...)
	line := ""
	for k, v := range logs.All()[0].ContextMap() {
		line += k + "=" + toString(v) + " "
	}
	require.NotContains(t, line, "s3cretpw")
	require.NotContains(t, line, strings.Repeat("ab", 32))
	require.Contains(t, line, "zonk:***@db:5432")
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		s := ""
		for _, e := range x {
			s += toString(e) + ","
		}
		return s
	}
	return ""
}

func TestFrontDoorAndJobDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	require.Equal(t, 64, c.MaxInFlight)
	require.Equal(t, 5*time.Second, c.RequestTimeout)
	require.Equal(t, c.RequestTimeout, c.StatementTimeout)
	require.Equal(t, 8, c.JobWorkers)
	require.Equal(t, 32, c.DBMaxConns)
	require.Equal(t, time.Minute, c.JobTimeout)
	require.Equal(t, 90*time.Second, c.JobRescueAfter, "recovery after a crash within about two minutes")

	c, err = FromEnv(env(map[string]string{"ZONKVMD_JOB_WORKERS": "40"}))
	require.NoError(t, err)
	require.Equal(t, 48, c.DBMaxConns, "the default pool grows with the workers")

	c, err = FromEnv(env(map[string]string{"ZONKVMD_DB_STATEMENT_TIMEOUT": "0"}))
	require.NoError(t, err)
	require.Zero(t, c.StatementTimeout)
}

func TestThePoolMustLeaveTheAPIConnections(t *testing.T) {
	_, err := FromEnv(env(map[string]string{"ZONKVMD_JOB_WORKERS": "20", "ZONKVMD_DB_MAX_CONNS": "24"}))
	require.ErrorContains(t, err, "ZONKVMD_DB_MAX_CONNS: must be an integer from 28")
	_, err = FromEnv(env(map[string]string{"ZONKVMD_JOB_TIMEOUT": "5m", "ZONKVMD_JOB_RESCUE_AFTER": "2m"}))
	require.ErrorContains(t, err, "ZONKVMD_JOB_RESCUE_AFTER: must be longer than ZONKVMD_JOB_TIMEOUT")
}
