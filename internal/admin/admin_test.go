package admin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/admin"
	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// sample returns the value of the series line that starts with series.
func sample(t *testing.T, body, series string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	require.NotNil(t, m, "no %s in:\n%s", series, body)
	return m[1]
}

func TestMetricsAfterAPICallsAndAJob(t *testing.T) {
	s := apitest.NewShop(t, apitest.WithWorkers())
	r := s.NewReseller(t, "1000")
	s.Post(t, r.Form("getzones")).OK(t)
	s.Post(t, r.Form("getzones")).OK(t)
	s.Post(t, r.Form("no_such_action")).Fails(t, "请求错误")
	var c apitest.Created
	s.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "M-1",
		"line_guid", "1696808021765605", "system_guid", "1659170726623836",
		"content", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"ip_num":1}`)).Into(t, &c)
	require.Eventually(t, func() bool {
		return s.Count(t, `SELECT count(*) FROM river_job WHERE state = 'completed'`) > 0
	}, 30*time.Second, 50*time.Millisecond, "the provisioning job runs")

	srv, err := admin.Start(context.Background(), "127.0.0.1:0", s.App.Metrics, s.DB, zap.NewNop())
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Shutdown(context.Background())) }()
	base := "http://" + srv.Addr()

	var body string
	require.Eventually(t, func() bool { // the first ledger verification runs at start
		_, body = get(t, base+"/metrics")
		return strings.Contains(body, "zonkvmd_ledger_verify_last_run_timestamp_seconds ")
	}, 10*time.Second, 20*time.Millisecond)
	code, body := get(t, base+"/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "2", sample(t, body, `zonkvmd_api_requests_total{action="getzones",code="1"}`))
	require.Equal(t, "1", sample(t, body, `zonkvmd_api_requests_total{action="create_order",code="1"}`))
	require.Equal(t, "1", sample(t, body, `zonkvmd_api_requests_total{action="unknown",code="0"}`), "a made-up action grows no label")
	require.Equal(t, "2", sample(t, body, `zonkvmd_api_request_duration_seconds_count{action="getzones"}`))
	require.Equal(t, "0", sample(t, body, `zonkvmd_api_requests_in_flight`))
	require.Equal(t, "1", sample(t, body, `zonkvmd_jobs{kind="provision",state="completed"}`))
	require.Equal(t, "0", sample(t, body, `zonkvmd_job_failures{kind="provision"}`))
	require.Equal(t, "1", sample(t, body, `zonkvmd_orders{business="server",state="1"}`))
	require.Equal(t, "0", sample(t, body, `zonkvmd_ledger_verify_problems`))
	require.Equal(t, "0", sample(t, body, `zonkvmd_ledger_verify_errors`))
	require.Equal(t, "0", sample(t, body, `zonkvmd_scrape_errors{query="orders"}`))
	require.NotEqual(t, "0", sample(t, body, `zonkvmd_db_pool_max_conns`))
	require.Contains(t, body, "zonkvmd_db_pool_acquires_total ")

	// A broken ledger shows at the next verification.
	_, err = s.DB.Exec(context.Background(), `UPDATE accounts SET balance = balance + 1 WHERE reseller_id = $1`, r.ID)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Metric.VerifyLedger(ctx, time.Hour, func(ctx context.Context) ([]string, error) { return billing.Verify(ctx, s.DB) })
	}()
	require.Eventually(t, func() bool {
		_, body = get(t, base+"/metrics")
		return sample(t, body, `zonkvmd_ledger_verify_problems`) == "1"
	}, 10*time.Second, 20*time.Millisecond, "the broken balance is found")
	cancel()
	<-done

	code, page := get(t, base+"/jobs/")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, strings.ToLower(page), "<html")
	code, _ = get(t, base+"/jobs/api/jobs?state=completed&limit=5")
	require.Equal(t, http.StatusOK, code, "the dashboard's API answers")
}

func TestProviderCallsAreCountedByDriver(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer failing.Close()
	m := admin.NewMetrics(pgtest.DB(t), nil)
	c := m.Provider("btpanel", &http.Client{})
	for _, p := range []string{"/ok", "/fail", "/ok"} {
		resp, err := c.Get(failing.URL + p)
		require.NoError(t, err)
		resp.Body.Close()
	}
	_, err := m.Provider("mofangyun", &http.Client{}).Get("http://127.0.0.1:1/")
	require.Error(t, err)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	require.Equal(t, "3", sample(t, body, `zonkvmd_provider_calls_total{driver="btpanel"}`))
	require.Equal(t, "1", sample(t, body, `zonkvmd_provider_errors_total{driver="btpanel"}`))
	require.Equal(t, "1", sample(t, body, `zonkvmd_provider_errors_total{driver="mofangyun"}`))
}
