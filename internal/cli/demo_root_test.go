package cli

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// TestServeDemoAsRootFromA0700Folder runs the README's first command the
// way root in /root runs it: no DATABASE_URL, the var folder inside a
// folder only root may enter.
func TestServeDemoAsRootFromA0700Folder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := user.Lookup("postgres"); err != nil {
		t.Skip("no postgres OS user")
	}
	home := filepath.Join(t.TempDir(), "home")
	require.NoError(t, os.Mkdir(home, 0o700))
	varDir := filepath.Join(home, "zonkvmd", "var")
	dir, why, err := postgres.PlaceCluster(varDir)
	require.NoError(t, err)
	require.NotEmpty(t, why, "the cluster moves out of the 0700 folder")
	require.Equal(t, postgres.RootClusterBase, filepath.Dir(dir))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan int, 1)
	errOut := &syncBuffer{}
	go func() {
		env := map[string]string{"ZONKVMD_VAR_DIR": varDir, "ZONKVMD_LOG_LEVEL": "error",
			"ZONKVMD_ADDR": "127.0.0.1:0", "ZONKVMD_ADMIN_ADDR": "off"}
		done <- Main(ctx, []string{"serve", "--demo"}, out, errOut, func(k string) string { return env[k] })
	}()
	re := regexp.MustCompile(`API at (http://\S+)\n.*appid=(\d+) appkey=(\S+)`)
	var m []string
	require.Eventually(t, func() bool {
		select {
		case code := <-done:
			t.Fatalf("serve --demo exited %d: %s", code, errOut.String())
		default:
		}
		m = re.FindStringSubmatch(out.String())
		return m != nil
	}, 120*time.Second, 100*time.Millisecond, "demo credentials never printed: %q %q", out.String(), errOut.String())
	resp, err := http.PostForm(m[1], map[string][]string{"appid": {m[2]}, "appkey": {m[3]}, "action": {"getzones"}})
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `"code":1`)
	require.True(t, postgres.ClusterExists(dir))
	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, errOut.String())
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}

	// A command without DATABASE_URL now finds the cluster.
	env := map[string]string{"ZONKVMD_VAR_DIR": varDir, "ZONKVMD_LOG_LEVEL": "error"}
	var so, se syncBuffer
	code := Main(context.Background(), []string{"reseller", "list"}, &so, &se, func(k string) string { return env[k] })
	require.Equal(t, 0, code, se.String())
	require.Contains(t, so.String(), `"name":"demo"`)
}
