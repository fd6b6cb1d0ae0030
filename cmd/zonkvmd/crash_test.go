package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/examples"
	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/cli"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	mofangyunfake "github.com/zonkvm/zonkvmd/internal/provider/mofangyun/fake"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// daemonArgs, when set, makes this test binary run zonkvmd itself with
// those arguments: the crash test starts and kills real daemon processes.
const daemonArgs = "ZONKVMD_TEST_DAEMON_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(daemonArgs); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, strings.Fields(args), os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	os.Exit(pgtest.Run(m))
}

var crashKey = bytes.Repeat([]byte{0x42}, secret.KeySize)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// startDaemon runs `zonkvmd serve` as a child process.
func startDaemon(t *testing.T, dbURL, addr string) *exec.Cmd {
	t.Helper()
	cmd, _ := startDaemonWith(t, dbURL, addr)
	return cmd
}

// startDaemonWith is startDaemon with extra environment variables (later
// ones win); it also returns the buffer the daemon's output goes to, to be
// read once the daemon has exited.
func startDaemonWith(t *testing.T, dbURL, addr string, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), daemonArgs+"=serve",
		"DATABASE_URL="+dbURL, "ZONKVMD_ADDR="+addr, "ZONKVMD_SECRET_KEY="+hex.EncodeToString(crashKey),
		"ZONKVMD_JOB_POLL=100ms", "ZONKVMD_JOB_TIMEOUT=10s", "ZONKVMD_JOB_RESCUE_AFTER=20s", "ZONKVMD_LOG_LEVEL=warn", "ZONKVMD_ADMIN_ADDR=127.0.0.1:0")
	cmd.Env = append(cmd.Env, env...)
	logs := new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_, _ = cmd.Process.Wait()
		}
		if t.Failed() {
			t.Logf("daemon output:\n%s", logs.String())
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "daemon never became ready")
	return cmd, logs
}

func TestAJobCutOffByAKilledDaemonFinishesAfterARestartWithOneMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for River's rescuer (up to a minute)")
	}
	ctx := context.Background()
	db, dbURL := pgtest.DB(t), pgtest.URL(t)
	box, err := secret.New(crashKey)
	require.NoError(t, err)
	_, err = catalog.Import(ctx, db, box, bytes.NewReader(examples.Catalog))
	require.NoError(t, err)

	fake := mofangyunfake.Start(t, mofangyunfake.Config{Username: "api", Password: "pw-123456"})
	image := fake.AddImage("Win2016_40")
	object := fmt.Sprintf(`{"driver":"mofangyun","url":%q,"username":"api","password":"pw-123456","os_map":{"Win2016_40":%d}}`,
		fake.BaseURL(), image)
	_, err = db.Exec(ctx, `UPDATE server_lines SET provider_config = $1 WHERE guid = '1696808021765605'`, box.Seal([]byte(object)))
	require.NoError(t, err)

	var creds auth.Created
	require.NoError(t, postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		if creds, err = auth.CreateTx(ctx, tx, "crash-test", nil); err != nil {
			return err
		}
		_, err := billing.Topup(ctx, tx, creds.ID, decimal.NewFromInt(1000), "test")
		return err
	}))

	// The provider is slow: the first daemon dies while its create is in flight.
	fake.SetDelay(1500 * time.Millisecond) // login, look-up, user, user/check and create each take 1.5s; an attempt may run 10s
	addr := freePort(t)
	first := startDaemon(t, dbURL, addr)
	resp, err := http.PostForm("http://"+addr+"/api/same/index", url.Values{
		"appid": {creds.AppID}, "appkey": {creds.AppKey}, "action": {"create_order"}, "obj_type": {"create_server"},
		"order_id": {"CRASH-1"}, "line_guid": {"1696808021765605"}, "system_guid": {"1659170726623836"},
		"content": {`{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5}`}})
	require.NoError(t, err)
	resp.Body.Close()
	var orderID int64
	require.NoError(t, db.QueryRow(ctx, `SELECT id FROM server_orders WHERE order_no = 'CRASH-1'`).Scan(&orderID))
	require.Eventually(t, func() bool {
		for _, r := range fake.Requests() {
			if r.Method == http.MethodPost && r.Path == "/v1/clouds" {
				return true
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond, "the create never reached the provider")
	require.NoError(t, first.Process.Kill()) // SIGKILL: no shutdown, the job row stays running
	_, _ = first.Process.Wait()
	killed := time.Now()
	var state string
	require.NoError(t, db.QueryRow(ctx, `SELECT state FROM river_job WHERE (args->>'order_id')::bigint = $1`, orderID).Scan(&state))
	require.Equal(t, "running", state)

	// A real provider may finish a create whose client vanished: the
	// machine exists under the order's name before the retry comes.
	fake.SetDelay(0)
	fake.AddCloud(fmt.Sprintf("zonkvmd-server-%d", orderID))
	second := startDaemon(t, dbURL, freePort(t))
	var status int
	require.Eventually(t, func() bool {
		require.NoError(t, db.QueryRow(ctx, `SELECT order_status FROM server_orders WHERE id = $1`, orderID).Scan(&status))
		return status == 1
	}, 2*time.Minute, 200*time.Millisecond, "the order never became 正常 after the restart")
	// The rescue window (20s), River's rescuer's round (30s) and the retry's
	// backoff: the order is recovered within a minute of the kill.
	require.Less(t, time.Since(killed), time.Minute, "recovered within the rescue window")
	require.Equal(t, 1, fake.CloudCount(), "the retried create found the machine instead of making a second")

	require.NoError(t, second.Process.Signal(syscall.SIGTERM))
	require.NoError(t, second.Wait(), "the daemon stops cleanly on SIGTERM")
}
