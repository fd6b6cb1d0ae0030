package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func catalogDump(t *testing.T, url string) string {
	t.Helper()
	code, out, errOut := zonkvmd(t, url, "catalog", "export")
	require.Equal(t, 0, code, errOut)
	return out
}

func TestADifferentSecretKeyIsRefusedAndChangesNothing(t *testing.T) {
	url := pgtest.URL(t)
	code, _, errOut := zonkvmd(t, url, "catalog", "import", "../../examples/catalog.json")
	require.Equal(t, 0, code, errOut)
	before := catalogDump(t, url)
	var fp string
	require.NoError(t, pgtest.DB(t).QueryRow(context.Background(), `SELECT fingerprint FROM secret_key`).Scan(&fp))
	require.Len(t, fp, 32)
	require.NotContains(t, fp, testKey[:16], "the fingerprint is not the key")

	other := hex.EncodeToString(bytes.Repeat([]byte{9}, 32))
	dir := t.TempDir()
	for _, args := range [][]string{
		{"catalog", "import", "../../examples/catalog.json"},
		{"catalog", "export"},
		{"serve"},
		{"task", "done", "1", "--bmc-host", "10.0.0.9", "--bmc-password", "pw"},
	} {
		code, out, errOut := zonkvmdEnv(t, url, map[string]string{"ZONKVMD_SECRET_KEY": other}, args...)
		require.Equal(t, 1, code, "%v: %s", args, errOut)
		require.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		require.Contains(t, errOut, "refusing to run", args)
		require.Contains(t, errOut, fp, args)
		require.Empty(t, out)

		// No key configured and no key file: refused, and no file written.
		code, _, errOut = zonkvmdEnv(t, url, map[string]string{"ZONKVMD_SECRET_KEY": "", "ZONKVMD_VAR_DIR": dir}, args...)
		require.Equal(t, 1, code, "%v: %s", args, errOut)
		require.Contains(t, errOut, "set ZONKVMD_SECRET_KEY", args)
		_, err := os.Stat(filepath.Join(dir, "secret.key"))
		require.ErrorIs(t, err, os.ErrNotExist, "no key file is written when the database has a fingerprint")
	}
	require.Equal(t, before, catalogDump(t, url), "nothing changed")

	// The right key in a key file is accepted.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.key"), []byte(testKey+"\n"), 0o600))
	code, _, errOut = zonkvmdEnv(t, url, map[string]string{"ZONKVMD_SECRET_KEY": "", "ZONKVMD_VAR_DIR": dir}, "catalog", "export")
	require.Equal(t, 0, code, errOut)
}

func TestWithoutDatabaseURLACommandNeedsAnExistingCluster(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := zonkvmdEnv(t, "", map[string]string{"ZONKVMD_VAR_DIR": dir}, "reseller", "show", "1234567890")
	require.Equal(t, 1, code, errOut)
	require.Empty(t, out)
	require.Contains(t, errOut, "set DATABASE_URL")
	require.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing was created in the var folder")
}

// TestAnOldDatabaseRecordsOnlyAKeyThatOpensItsSecrets: a database sealed
// before fingerprints existed takes the first key that opens its secrets,
// never another one.
func TestAnOldDatabaseRecordsOnlyAKeyThatOpensItsSecrets(t *testing.T) {
	url, db, _ := migratedShop(t) // its catalogue is sealed with testKey, no fingerprint yet
	ctx := context.Background()
	require.Equal(t, 0, count(t, db, `SELECT count(*) FROM secret_key`))
	other := hex.EncodeToString(bytes.Repeat([]byte{9}, 32))
	code, out, errOut := zonkvmdEnv(t, url, map[string]string{"ZONKVMD_SECRET_KEY": other}, "catalog", "export")
	require.Equal(t, 1, code, errOut)
	require.Empty(t, out)
	require.Contains(t, errOut, "does not open the provider secrets")
	require.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
	require.Equal(t, 0, count(t, db, `SELECT count(*) FROM secret_key`), "the wrong key is not recorded")

	code, _, errOut = zonkvmd(t, url, "catalog", "export")
	require.Equal(t, 0, code, errOut)
	var fp string
	require.NoError(t, db.QueryRow(ctx, `SELECT fingerprint FROM secret_key`).Scan(&fp))
	require.Contains(t, errOutOf(t, url, other), fp, "the right key is recorded")
}

func errOutOf(t *testing.T, url, key string) string {
	t.Helper()
	_, _, errOut := zonkvmdEnv(t, url, map[string]string{"ZONKVMD_SECRET_KEY": key}, "catalog", "export")
	return errOut
}
