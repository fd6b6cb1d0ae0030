package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// testKey is the key of apitest's daemons, so that the commands open what
// a test daemon sealed.
var testKey = hex.EncodeToString(apitest.TestKey)

// zonkvmd runs one command in-process against dbURL.
func zonkvmd(t *testing.T, dbURL string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return zonkvmdCtx(context.Background(), t, dbURL, nil, args...)
}

func zonkvmdCtx(ctx context.Context, t *testing.T, dbURL string, out io.Writer, args ...string) (int, string, string) {
	t.Helper()
	return zonkvmdWith(ctx, t, dbURL, nil, out, args...)
}

// zonkvmdEnv runs one command with extra (or, "" for unset) variables.
func zonkvmdEnv(t *testing.T, dbURL string, extra map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return zonkvmdWith(context.Background(), t, dbURL, extra, nil, args...)
}

func zonkvmdWith(ctx context.Context, t *testing.T, dbURL string, extra map[string]string, out io.Writer, args ...string) (int, string, string) {
	t.Helper()
	env := map[string]string{
		"DATABASE_URL":       dbURL,
		"ZONKVMD_SECRET_KEY": testKey,
		"ZONKVMD_LOG_LEVEL":  "error",
		"ZONKVMD_ADDR":       "127.0.0.1:0",
		"ZONKVMD_ADMIN_ADDR": "127.0.0.1:0",
		"USER":               "tester",
	}
	for k, v := range extra {
		env[k] = v
	}
	var so, se bytes.Buffer
	var w io.Writer = &so
	if out != nil {
		w = out
	}
	code := Main(ctx, args, w, &se, func(k string) string { return env[k] })
	return code, so.String(), se.String()
}

type shown struct {
	AppID       string `json:"appid"`
	AppKey      string `json:"appkey"`
	Name        string `json:"name"`
	Enabled     bool   `json:"enabled"`
	APIEnabled  bool   `json:"api_enabled"`
	Balance     string `json:"balance"`
	CreditLimit string `json:"credit_limit"`
}

func decode(t *testing.T, s string) shown {
	t.Helper()
	var v shown
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(s)), &v), s)
	return v
}

func ledgerCount(t *testing.T, appid string) int {
	t.Helper()
	var n int
	require.NoError(t, pgtest.DB(t).QueryRow(context.Background(), `
		SELECT count(*) FROM ledger_entries l JOIN resellers r ON r.id = l.reseller_id
		WHERE r.appid = $1`, appid).Scan(&n))
	return n
}

func TestResellerLifecycle(t *testing.T) {
	url := pgtest.URL(t)
	code, out, errOut := zonkvmd(t, url, "reseller", "create", "--name", "acme", "--balance", "100", "--credit", "50", "--allow-ip", "203.0.113.0/24,198.51.100.7")
	require.Equal(t, 0, code, errOut)
	created := decode(t, out)
	require.Regexp(t, `^[1-9][0-9]{9}$`, created.AppID)
	require.Len(t, created.AppKey, 32)
	require.Equal(t, 1, strings.Count(out, "\n"), "create prints one JSON line")

	code, out, _ = zonkvmd(t, url, "reseller", "show", created.AppID)
	require.Equal(t, 0, code)
	s := decode(t, out)
	require.Equal(t, "100.00", s.Balance)
	require.Equal(t, "50.00", s.CreditLimit)
	require.Equal(t, "acme", s.Name)
	require.Contains(t, out, `"allow_ips":["203.0.113.0/24","198.51.100.7/32"]`)
	require.NotContains(t, out, created.AppKey)
	require.Equal(t, 2, ledgerCount(t, created.AppID), "opening balance and credit limit are ledger entries")

	code, out, _ = zonkvmd(t, url, "reseller", "topup", created.AppID, "25.50", "--note", "wire 42")
	require.Equal(t, 0, code)
	require.Equal(t, "125.50", decode(t, out).Balance)
	code, out, _ = zonkvmd(t, url, "reseller", "topup", created.AppID, "-150.00")
	require.Equal(t, 0, code, "an adjustment may use the credit line")
	require.Equal(t, "-24.50", decode(t, out).Balance)

	code, _, errOut = zonkvmd(t, url, "reseller", "credit", created.AppID, "10")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "credit limit would be below the current debt")
	code, _, _ = zonkvmd(t, url, "reseller", "topup", created.AppID, "-100")
	require.Equal(t, 1, code, "an adjustment beyond the credit line is refused")

	code, out, _ = zonkvmd(t, url, "reseller", "show", created.AppID)
	require.Equal(t, 0, code)
	require.Equal(t, "-24.50", decode(t, out).Balance)
	require.Equal(t, "50.00", decode(t, out).CreditLimit)
	require.Equal(t, 4, ledgerCount(t, created.AppID))

	for _, step := range [][]string{{"disable"}, {"enable"}, {"api", created.AppID, "off"}} {
		args := append([]string{"reseller"}, step...)
		if len(step) == 1 {
			args = append(args, created.AppID)
		}
		code, _, errOut = zonkvmd(t, url, args...)
		require.Equal(t, 0, code, errOut)
	}
	code, out, _ = zonkvmd(t, url, "reseller", "show", created.AppID)
	require.Equal(t, 0, code)
	require.True(t, decode(t, out).Enabled)
	require.False(t, decode(t, out).APIEnabled)

	code, out, _ = zonkvmd(t, url, "reseller", "rotate-key", created.AppID)
	require.Equal(t, 0, code)
	rotated := decode(t, out)
	require.Len(t, rotated.AppKey, 32)
	require.NotEqual(t, created.AppKey, rotated.AppKey)

	code, out, _ = zonkvmd(t, url, "reseller", "list")
	require.Equal(t, 0, code)
	require.Contains(t, out, created.AppID)
}

func TestBadInputChangesNothingAndSaysWhy(t *testing.T) {
	url := pgtest.URL(t)
	code, out, _ := zonkvmd(t, url, "reseller", "create", "--name", "careful", "--balance", "10")
	require.Equal(t, 0, code)
	appid := decode(t, out).AppID
	before := ledgerCount(t, appid)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"reseller", "topup", appid, "abc"}, 2, "at most two decimals"},
		{[]string{"reseller", "topup", appid, "1.005"}, 2, "at most two decimals"},
		{[]string{"reseller", "topup", appid, "0"}, 2, "must not be zero"},
		{[]string{"reseller", "topup", appid}, 2, "usage"},
		{[]string{"reseller", "credit", appid, "-5"}, 2, "must not be negative"},
		{[]string{"reseller", "create", "--name", "careful"}, 1, "exists"},
		{[]string{"reseller", "create"}, 2, "--name"},
		{[]string{"reseller", "create", "--name", "x", "--allow-ip", "not-an-ip"}, 2, "not an IP"},
		{[]string{"reseller", "show", "0000000000"}, 1, "no such reseller"},
		{[]string{"reseller", "topup", "0000000000", "5"}, 1, "no such reseller"},
		{[]string{"reseller", "api", appid, "maybe"}, 2, "on|off"},
		{[]string{"reseller", "frobnicate"}, 2, "unknown reseller command"},
		{[]string{"reseller", "show", appid, "--bogus"}, 2, "unknown flag"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"migrate", "down", "zero"}, 2, "N must be"},
		{[]string{"sweep", "--at", "yesterday"}, 2, "--at"},
		{[]string{"ledger", "show"}, 2, "usage"},
		{[]string{"ledger", "show", appid, "--limit", "0"}, 2, "--limit"},
	}
	for _, c := range cases {
		code, _, errOut := zonkvmd(t, url, c.args...)
		require.Equal(t, c.code, code, "%v: %s", c.args, errOut)
		require.Contains(t, errOut, c.msg, c.args)
		require.Equal(t, 1, strings.Count(errOut, "\n"), "one line on stderr: %q", errOut)
	}
	code, out, _ = zonkvmd(t, url, "reseller", "show", appid)
	require.Equal(t, 0, code)
	require.Equal(t, "10.00", decode(t, out).Balance)
	require.Equal(t, before, ledgerCount(t, appid))
}

func TestBadConfigurationIsRefused(t *testing.T) {
	var se bytes.Buffer
	code := Main(context.Background(), []string{"reseller", "list"}, io.Discard, &se,
		func(k string) string { return map[string]string{"ZONKVMD_TZ": "Nowhere/Land"}[k] })
	require.Equal(t, 2, code)
	require.Contains(t, se.String(), "ZONKVMD_TZ")
}

func TestCatalogImportExportRoundTrip(t *testing.T) {
	url := pgtest.URL(t)
	dir := t.TempDir()
	code, out, errOut := zonkvmd(t, url, "catalog", "import", "../../examples/catalog.json")
	require.Equal(t, 0, code, errOut)
	require.NotEmpty(t, out)

	exported := filepath.Join(dir, "export.json")
	code, _, errOut = zonkvmd(t, url, "catalog", "export", exported)
	require.Equal(t, 0, code, errOut)
	code, _, errOut = zonkvmd(t, url, "catalog", "import", exported)
	require.Equal(t, 0, code, errOut)
	again := filepath.Join(dir, "again.json")
	code, _, _ = zonkvmd(t, url, "catalog", "export", again)
	require.Equal(t, 0, code)
	a, _ := os.ReadFile(exported)
	b, _ := os.ReadFile(again)
	require.Equal(t, string(a), string(b))
	require.Contains(t, string(a), `"provider"`, "the export keeps private fields")

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"getzones":[{"guid":"1","name":"x","status":"open"}],"nonsense":[]}`), 0o600))
	code, _, errOut = zonkvmd(t, url, "catalog", "import", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "nothing imported")
	require.Contains(t, errOut, "getzones[0]")
	require.Contains(t, errOut, "nonsense")
	code, _, _ = zonkvmd(t, url, "catalog", "import", filepath.Join(dir, "missing.json"))
	require.Equal(t, 1, code)
}

// freshDatabase creates an empty database and returns its URL.
func freshDatabase(t *testing.T) string {
	t.Helper()
	admin := pgtest.AdminURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	require.NoError(t, err)
	defer conn.Close(ctx)
	name := fmt.Sprintf("zonkvmd_test_cli_%d", time.Now().UnixNano())
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func TestServeRefusesAnOldSchemaAndMigrateFixesIt(t *testing.T) {
	dbURL := freshDatabase(t)
	code, _, errOut := zonkvmd(t, dbURL, "serve")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "schema version 0, this binary needs")
	code, out, errOut := zonkvmd(t, dbURL, "migrate")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, fmt.Sprintf("schema version %d", postgres.SchemaVersion()))
	code, out, _ = zonkvmd(t, dbURL, "migrate", "version")
	require.Equal(t, 0, code)
	require.Contains(t, out, fmt.Sprintf("schema version %d (this binary: %d)", postgres.SchemaVersion(), postgres.SchemaVersion()))
}

// syncBuffer is a bytes.Buffer safe to read while serve writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeDemoAnswersWithThePrintedCredentials(t *testing.T) {
	dbURL := freshDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		code, _, _ := zonkvmdCtx(ctx, t, dbURL, out, "serve", "--demo")
		done <- code
	}()
	re := regexp.MustCompile(`API at (http://\S+)\n.*appid=(\d+) appkey=(\S+)`)
	var m []string
	require.Eventually(t, func() bool { m = re.FindStringSubmatch(out.String()); return m != nil },
		60*time.Second, 50*time.Millisecond, "demo credentials never printed: %q", out.String())
	resp, err := http.PostForm(m[1], map[string][]string{"appid": {m[2]}, "appkey": {m[3]}, "action": {"getzones"}})
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `"code":1`)
	require.Contains(t, string(body), "德阳电信")
	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, "serve exits cleanly on a signal")
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}
