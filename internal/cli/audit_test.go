package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestChangingCommandsAreAuditedAppendOnly(t *testing.T) {
	url := pgtest.URL(t)
	code, out, errOut := zonkvmd(t, url, "reseller", "create", "--name", "audited", "--balance", "10")
	require.Equal(t, 0, code, errOut)
	appid := decode(t, out).AppID
	steps := [][]string{
		{"reseller", "topup", appid, "5", "--actor", "alice"},
		{"reseller", "disable", appid},
		{"reseller", "allow-ip", appid, "203.0.113.0/24"},
		{"reseller", "rotate-key", appid},
		{"catalog", "import", "../../examples/catalog.json"},
	}
	for _, s := range steps {
		code, _, errOut := zonkvmd(t, url, s...)
		require.Equal(t, 0, code, "%v: %s", s, errOut)
	}
	// Reading and bad input leave no trace.
	zonkvmd(t, url, "reseller", "show", appid)
	zonkvmd(t, url, "reseller", "topup", appid, "1e3")

	code, out, errOut = zonkvmd(t, url, "audit", "show", "--limit", "10")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 6)
	var got []auditEntry
	for _, l := range lines {
		var a auditEntry
		require.NoError(t, json.Unmarshal([]byte(l), &a), l)
		got = append(got, a)
	}
	want := []string{"catalog import", "reseller rotate-key", "reseller allow-ip", "reseller disable", "reseller topup", "reseller create"}
	for i, w := range want {
		require.Equal(t, w, got[i].Command)
		require.NotEmpty(t, got[i].Origin)
		if w == "reseller topup" {
			require.Equal(t, "alice", got[i].Actor)
			require.JSONEq(t, `{"amount":"5.00","note":""}`, string(got[i].Detail))
		} else {
			require.Equal(t, "tester", got[i].Actor)
		}
		if strings.HasPrefix(w, "reseller") {
			require.Equal(t, appid, got[i].Target)
		}
	}

	db := pgtest.DB(t)
	ctx := context.Background()
	_, err := db.Exec(ctx, `UPDATE audit_log SET actor = 'mallory'`)
	require.ErrorContains(t, err, "append-only")
	_, err = db.Exec(ctx, `DELETE FROM audit_log`)
	require.ErrorContains(t, err, "append-only")
	_, err = db.Exec(ctx, `TRUNCATE audit_log`)
	require.ErrorContains(t, err, "append-only")

	code, _, errOut = zonkvmd(t, url, "audit", "show", "--limit", "0")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--limit")
	code, _, _ = zonkvmd(t, url, "audit", "show", "extra")
	require.Equal(t, 2, code)
}
