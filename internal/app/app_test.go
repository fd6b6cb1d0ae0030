package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/config"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func TestMissingParametersAnswerTheEnvelope(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, pgtest.DB(t))
	r := e.NewReseller(t, "")
	for _, drop := range []string{"appid", "appkey", "action"} {
		form := r.Form("getzones")
		form.Del(drop)
		e.Post(t, form).Fails(t, "缺少必要参数")
	}
}

func TestEveryRefusalLooksTheSame(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	e := apitest.New(t, db)
	ctx := context.Background()
	ok := e.NewReseller(t, "")
	e.Post(t, ok.Form("getzones")).OK(t)

	wrongKey := ok.Form("getzones")
	wrongKey.Set("appkey", ok.AppKey+"x")
	e.Post(t, wrongKey).Fails(t, "权限不足")

	unknown := ok.Form("getzones")
	unknown.Set("appid", "9999999999")
	e.Post(t, unknown).Fails(t, "权限不足")

	disabled := e.NewReseller(t, "")
	require.NoError(t, auth.SetEnabled(ctx, db, disabled.AppID, false))
	e.Post(t, disabled.Form("getzones")).Fails(t, "权限不足")
	require.NoError(t, auth.SetEnabled(ctx, db, disabled.AppID, true))
	e.Post(t, disabled.Form("getzones")).OK(t)

	noAPI := e.NewReseller(t, "")
	require.NoError(t, auth.SetAPIEnabled(ctx, db, noAPI.AppID, false))
	e.Post(t, noAPI.Form("getzones")).Fails(t, "权限不足")
}

func TestAllowListUsesTheAddressBehindTrustedProxies(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	ctx := context.Background()
	behindNginx := apitest.New(t, db) // trusts 127.0.0.1, the test client's address
	direct := apitest.New(t, db, func(c *config.Config) { c.TrustedProxies = nil })
	r := behindNginx.NewReseller(t, "")
	require.NoError(t, auth.SetAllowList(ctx, db, r.AppID, []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}))
	body := []byte(r.Form("getzones").Encode())
	form := "application/x-www-form-urlencoded"

	behindNginx.Do(t, form, body, nil).Fails(t, "权限不足") // 127.0.0.1 is not allowed
	behindNginx.Do(t, form, body, http.Header{"X-Forwarded-For": {"203.0.113.7"}}).OK(t)
	behindNginx.Do(t, form, body, http.Header{"X-Real-Ip": {"203.0.113.8"}}).OK(t)
	behindNginx.Do(t, form, body, http.Header{"X-Forwarded-For": {"198.51.100.1"}}).Fails(t, "权限不足")
	// A peer that is not a trusted proxy cannot claim an address.
	direct.Do(t, form, body, http.Header{"X-Forwarded-For": {"203.0.113.7"}}).Fails(t, "权限不足")
}

func TestUnknownActionAndGET(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, pgtest.DB(t))
	r := e.NewReseller(t, "")
	e.Post(t, r.Form("no_such_action")).Fails(t, "请求错误")
	for _, row := range e.App.Table.Coverage() { // a documented action not built yet, if any is left
		if !row.Implemented && row.Sub == "" {
			e.Post(t, r.Form(row.Action, "guid", "1")).Fails(t, "暂未开放")
			break
		}
	}

	resp, err := http.Get(e.Server.URL + "/api/same/index?" + r.Form("getzones").Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	require.Equal(t, "POST", resp.Header.Get("Allow"))
}

func TestMultipartAndJSONBodiesWork(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, pgtest.DB(t))
	r := e.NewReseller(t, "")
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range r.Form("getzones") {
		require.NoError(t, w.WriteField(k, v[0]))
	}
	require.NoError(t, w.Close())
	e.Do(t, w.FormDataContentType(), buf.Bytes(), nil).OK(t)

	js, err := json.Marshal(map[string]any{"appid": r.AppID, "appkey": r.AppKey, "action": "getzones"})
	require.NoError(t, err)
	e.Do(t, "application/json", js, nil).OK(t)
	e.Do(t, "text/plain", []byte("x"), nil).Fails(t, "参数错误: Content-Type 应为 application/x-www-form-urlencoded、multipart/form-data 或 application/json")
}

// The old key stops working as soon as the commit's notification reaches
// the daemon's authentication cache (well under a millisecond here; the
// test allows a second).
func TestRotatedKeyStopsWorkingAtOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	e := apitest.New(t, db)
	r := e.NewReseller(t, "")
	e.Post(t, r.Form("getzones")).OK(t)
	newKey, err := auth.RotateKey(context.Background(), db, r.AppID)
	require.NoError(t, err)
	require.NotEqual(t, r.AppKey, newKey)
	require.Eventually(t, func() bool { return e.Post(t, r.Form("getzones")).Msg == "权限不足" },
		time.Second, time.Millisecond)
	r.AppKey = newKey
	e.Post(t, r.Form("getzones")).OK(t)
}

func TestRateLimitAnswers429(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, pgtest.DB(t), func(c *config.Config) { c.RateLimit, c.RateBurst = 0.001, 3 })
	r := e.NewReseller(t, "")
	other := e.NewReseller(t, "")
	for i := 0; i < 3; i++ {
		e.Post(t, r.Form("getzones")).OK(t)
	}
	limited := e.Post(t, r.Form("getzones"))
	limited.Fails(t, "请求过于频繁")
	require.Equal(t, http.StatusTooManyRequests, limited.Status)
	e.Post(t, other.Form("getzones")).OK(t) // each reseller has its own budget
}

func TestFailedLoginsFromOneAddressAreThrottledButTheRightKeyIsAnswered(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, pgtest.DB(t), func(c *config.Config) { c.LoginFailures = 3 })
	r := e.NewReseller(t, "")
	bad := r.Form("getzones")
	bad.Set("appkey", "guess")
	for i := 0; i < 3; i++ {
		e.Post(t, bad).Fails(t, "权限不足")
	}
	blocked := e.Post(t, bad)
	blocked.Fails(t, "请求过于频繁")
	require.Equal(t, http.StatusTooManyRequests, blocked.Status)
	anonymous := e.Post(t, url.Values{"action": {"getzones"}}) // no appid is a failure too
	anonymous.Fails(t, "请求过于频繁")
	e.Post(t, r.Form("getzones")).OK(t) // the right key is answered even from that address
	e.Post(t, bad).Fails(t, "请求过于频繁")
}

func TestRequestsWithoutValidCredentialsCountAsFailedLogins(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, pgtest.DB(t), func(c *config.Config) { c.LoginFailures = 5 })
	r := e.NewReseller(t, "")
	nul := r.Form("getzones")
	nul.Set("appid", r.AppID+"\x00")
	badUTF8 := r.Form("getzones")
	badUTF8.Set("appkey", "\xff\xfe")
	e.Post(t, url.Values{"appkey": {"x"}, "action": {"getzones"}}).Fails(t, "缺少必要参数")
	e.Post(t, nul).Fails(t, "权限不足")
	e.Post(t, badUTF8).Fails(t, "权限不足")
	e.Do(t, "application/json", []byte(`{"appid":["x"],"appkey":"k","action":"getzones"}`), nil).Fails(t, "权限不足")
	e.Do(t, "application/json", []byte(`{"appid":`), nil).Fails(t, "参数错误: body 不是有效的JSON对象")
	e.Post(t, nul).Fails(t, "请求过于频繁")
}

func TestAccessLogHasOneLinePerRequestAndNoKeys(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	core, logs := observer.New(zapcore.InfoLevel)
	cfg, err := config.FromEnv(func(string) string { return "" })
	require.NoError(t, err)
	a, err := app.New(cfg, zap.New(core), db, apitest.NewBox(t))
	require.NoError(t, err)
	e := apitest.New(t, db)
	srv := httptestServer(t, a.Handler)
	r := e.NewReseller(t, "")
	form := r.Form("getzones")
	form.Set("password", "Sup3r-Secret!")
	resp, err := http.PostForm(srv+"/api/same/index", form)
	require.NoError(t, err)
	resp.Body.Close()

	entries := logs.FilterMessage("api").All()
	require.Len(t, entries, 1)
	f := entries[0].ContextMap()
	require.NotEmpty(t, f["request_id"])
	require.Equal(t, "getzones", f["action"])
	require.Equal(t, r.AppID, f["appid"])
	require.EqualValues(t, 1, f["code"])
	require.Contains(t, f, "duration")
	for _, e := range logs.All() {
		line, _ := json.Marshal(e.ContextMap())
		require.NotContains(t, string(line), r.AppKey)
		require.NotContains(t, string(line), "Sup3r-Secret!")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, pgtest.DB(t))
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		resp, err := http.Get(e.Server.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, want, resp.StatusCode, path)
	}

	old := pgtest.NewDB(t)
	require.NoError(t, postgres.MigrateDown(context.Background(), old, 1))
	stale := apitest.New(t, old)
	resp, err := http.Get(stale.Server.URL + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}

func TestDemoCatalogueAnswersTheDocumentsExamples(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.CatalogDB(t))
	r := e.NewReseller(t, "")

	var zones []map[string]any
	require.NoError(t, json.Unmarshal(e.Post(t, r.Form("getzones")).OK(t), &zones))
	require.GreaterOrEqual(t, len(zones), 2)
	require.Equal(t, "德阳电信", zones[0]["name"])

	lines := e.Post(t, r.Form("getlines")).OK(t)
	require.Contains(t, string(lines), `"guid":"1696808021765605"`)
	require.Contains(t, string(lines), `"harddiskPrice":"0.50"`)
	for _, private := range []string{"provider", "cpuPrice", "open_api", "refund_days"} {
		require.NotContains(t, string(lines), `"`+private+`"`)
	}
	systems := e.Post(t, r.Form("getsystems")).OK(t)
	require.Contains(t, string(systems), `"login_password":"***"`)
	require.True(t, strings.Contains(string(systems), `"type_name":"Windows"`))
}

func TestAnswerGuidPrefixesAreStripped(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, pgtest.DB(t))
	r := e.NewReseller(t, "")
	// An order that does not exist, with and without a prefix: the same answer.
	e.Post(t, r.Form("getserver", "guid", "srv_999999")).Fails(t, "未找到产品记录")
	e.Post(t, r.Form("getserver", "guid", "999999")).Fails(t, "未找到产品记录")
	e.Post(t, r.Form("getserver", "guid", "srv_abc")).Fails(t, "未找到产品记录")
}

var _ = url.Values{}
