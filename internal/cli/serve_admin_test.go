package cli

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeRunsTheAdminListenerAndAnswersReadiness runs serve --demo with
// the admin listener on, calls the API, scrapes the daemon's own /metrics,
// opens the job dashboard and asks healthcheck --ready.
func TestServeRunsTheAdminListenerAndAnswersReadiness(t *testing.T) {
	dbURL := freshDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		code, _, _ := zonkvmdCtx(ctx, t, dbURL, out, "serve", "--demo")
		done <- code
	}()
	re := regexp.MustCompile(`(?s)API at (http://\S+)\n.*appid=(\d+) appkey=(\S+).*metrics at (http://\S+/metrics), jobs at (http://\S+)\n`)
	var m []string
	require.Eventually(t, func() bool { m = re.FindStringSubmatch(out.String()); return m != nil },
		60*time.Second, 50*time.Millisecond, "demo output: %q", out.String())
	api, metrics, jobsURL := m[1], m[4], m[5]
	for range 3 {
		resp, err := http.PostForm(api, url.Values{"appid": {m[2]}, "appkey": {m[3]}, "action": {"getzones"}})
		require.NoError(t, err)
		resp.Body.Close()
	}
	resp, err := http.Get(metrics)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `zonkvmd_api_requests_total{action="getzones",code="1"} 3`)
	resp, err = http.Get(jobsURL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	addr := strings.TrimSuffix(strings.TrimPrefix(api, "http://"), "/api/same/index")
	require.NotEqual(t, addr, strings.TrimSuffix(strings.TrimPrefix(metrics, "http://"), "/metrics"),
		"the admin listener is not the API's")

	code, out2, errOut := zonkvmdEnv(t, dbURL, map[string]string{"ZONKVMD_ADDR": addr}, "healthcheck", "--ready")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "ok\n", out2)
	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	code, _, errOut = zonkvmdEnv(t, dbURL, map[string]string{"ZONKVMD_ADDR": addr}, "healthcheck", "--ready")
	require.Equal(t, 1, code, "nobody answers any more")
	require.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
}
