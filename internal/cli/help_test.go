package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

// commandPaths lists every command of the tree, as argument lists.
func commandPaths(c *cobra.Command, prefix []string) [][]string {
	var out [][]string
	for _, sub := range c.Commands() {
		if sub.Hidden || sub.Name() == "help" {
			continue
		}
		p := append(append([]string{}, prefix...), sub.Name())
		out = append(out, p)
		out = append(out, commandPaths(sub, p)...)
	}
	return out
}

func TestHelpOnEveryCommandExitsZero(t *testing.T) {
	t.Parallel()
	paths := commandPaths((&runner{}).root(), nil)
	require.Greater(t, len(paths), 25, "the tree has its commands")
	for _, p := range append(paths, []string{}) {
		for _, help := range []string{"--help", "-h"} {
			var out, errOut bytes.Buffer
			code := Main(context.Background(), append(append([]string{}, p...), help), &out, &errOut,
				func(string) string { return "" })
			require.Equal(t, 0, code, "%v %s: %s", p, help, errOut.String())
			require.Contains(t, out.String(), "Usage:", p)
			require.Empty(t, errOut.String(), p)
		}
	}
	var out bytes.Buffer
	require.Equal(t, 0, Main(context.Background(), []string{"help", "reseller", "topup"}, &out, &out, func(string) string { return "" }))
	require.Contains(t, out.String(), "topup APPID AMOUNT")
	out.Reset()
	require.Equal(t, 2, Main(context.Background(), nil, &out, &out, func(string) string { return "" }), "no command is bad usage")
	require.Contains(t, out.String(), "reseller")
}

func TestVersionPrintsVersionAndCommit(t *testing.T) {
	var out, errOut bytes.Buffer
	old, oldCommit := Version, Commit
	Version, Commit = "v9.8.7", "abc123"
	defer func() { Version, Commit = old, oldCommit }()
	code := Main(context.Background(), []string{"version"}, &out, &errOut, func(string) string { return "" })
	require.Equal(t, 0, code, errOut.String())
	var v struct{ Version, Commit string }
	require.NoError(t, json.Unmarshal(out.Bytes(), &v))
	require.Equal(t, "v9.8.7", v.Version)
	require.Equal(t, "abc123", v.Commit)
	require.Equal(t, 2, Main(context.Background(), []string{"version", "extra"}, &out, &errOut, func(string) string { return "" }))
}

func TestAmountsArePlainDecimals(t *testing.T) {
	url := pgtest.URL(t)
	code, out, errOut := zonkvmd(t, url, "reseller", "create", "--name", "plain", "--balance", "10")
	require.Equal(t, 0, code, errOut)
	appid := decode(t, out).AppID
	for _, bad := range []string{"1e3", "1E3", "+5", "0x10", ".5", "5.", "1_000", "Infinity", "NaN", " 5"} {
		code, _, errOut := zonkvmd(t, url, "reseller", "topup", appid, bad)
		require.Equal(t, 2, code, "%q: %s", bad, errOut)
		require.Contains(t, errOut, "plain number", bad)
		require.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
		code, _, errOut = zonkvmd(t, url, "reseller", "create", "--name", "x"+bad, "--balance", bad)
		require.Equal(t, 2, code, "--balance %q: %s", bad, errOut)
	}
	for _, good := range []string{"1000", "1000.5", "-20.00"} {
		code, _, errOut := zonkvmd(t, url, "reseller", "topup", appid, good)
		require.Equal(t, 0, code, "%q: %s", good, errOut)
	}
	code, out, _ = zonkvmd(t, url, "reseller", "show", appid)
	require.Equal(t, 0, code)
	require.Equal(t, "1990.50", decode(t, out).Balance)
}

func TestTimesArePrintedInTheConfiguredZone(t *testing.T) {
	url := pgtest.URL(t)
	code, out, _ := zonkvmd(t, url, "reseller", "create", "--name", "zoned", "--balance", "10")
	require.Equal(t, 0, code)
	appid := decode(t, out).AppID
	for zone, offset := range map[string]string{"Asia/Shanghai": "+08:00", "America/Sao_Paulo": "-03:00"} {
		code, out, errOut := zonkvmdEnv(t, url, map[string]string{"ZONKVMD_TZ": zone}, "ledger", "show", appid)
		require.Equal(t, 0, code, errOut)
		var en struct {
			CreatedAt string  `json:"created_at"`
			Actor     *string `json:"actor"`
		}
		require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(out)), &en), out)
		require.True(t, strings.HasSuffix(en.CreatedAt, offset), "%s: %s", zone, en.CreatedAt)
		require.NotNil(t, en.Actor, "an operator's ledger entry names its actor")
		require.Equal(t, "tester", *en.Actor)
	}
}
