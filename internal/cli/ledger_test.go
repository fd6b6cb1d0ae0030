package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestLedgerShowAndVerify(t *testing.T) {
	dbURL := freshDatabase(t)
	code, _, errOut := zonkvmd(t, dbURL, "migrate")
	require.Equal(t, 0, code, errOut)
	code, out, _ := zonkvmd(t, dbURL, "reseller", "create", "--name", "ledgered", "--balance", "100", "--credit", "20")
	require.Equal(t, 0, code)
	appid := decode(t, out).AppID
	code, _, _ = zonkvmd(t, dbURL, "reseller", "topup", appid, "-30.50", "--note", "correction")
	require.Equal(t, 0, code)

	code, out, _ = zonkvmd(t, dbURL, "ledger", "show", appid)
	require.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.Contains(t, lines[0], `"kind":"credit"`)
	require.Contains(t, lines[1], `"kind":"topup","amount":"100.00","balance_after":"100.00"`)
	require.Contains(t, lines[2], `"kind":"adjust","amount":"-30.50","balance_after":"69.50"`)
	code, out, _ = zonkvmd(t, dbURL, "ledger", "show", appid, "--limit", "1")
	require.Equal(t, 0, code)
	require.Equal(t, 1, strings.Count(out, "\n"))
	require.Contains(t, out, `"kind":"adjust"`)

	code, out, _ = zonkvmd(t, dbURL, "ledger", "verify")
	require.Equal(t, 0, code)
	require.Equal(t, "ledger ok\n", out)

	// A ledger entry that does not add up (written behind the code's back)
	// is found, and verify exits non-zero.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO ledger_entries (reseller_id, kind, amount, balance_after, credit_limit)
		SELECT id, 'adjust', 1.00, 999.00, 20 FROM resellers WHERE appid = $1`, appid)
	require.NoError(t, err)
	code, out, errOut = zonkvmd(t, dbURL, "ledger", "verify")
	require.Equal(t, 1, code)
	require.Contains(t, out, "balance = sum of its entries")
	require.Contains(t, out, "each balance_after = previous + amount")
	require.Contains(t, errOut, "ledger invariants broken")

	_, err = conn.Exec(ctx, `DELETE FROM ledger_entries`)
	require.ErrorContains(t, err, "append-only", "the ledger refuses deletes")
}

func TestSweepByHand(t *testing.T) {
	dbURL := freshDatabase(t)
	code, _, errOut := zonkvmd(t, dbURL, "migrate")
	require.Equal(t, 0, code, errOut)
	code, out, errOut := zonkvmd(t, dbURL, "sweep", "--at", "2026-02-01 00:00:00", "--dry-run")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "sweep at 2026-02-01 00:00:00: 0 actions (dry run, nothing changed)\n", out)
	code, out, _ = zonkvmd(t, dbURL, "sweep")
	require.Equal(t, 0, code)
	require.Contains(t, out, "0 actions (done)")
}
