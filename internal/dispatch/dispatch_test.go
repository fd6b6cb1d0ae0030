package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// keyAuth accepts one appid/appkey pair; the real authenticator is tested
// against PostgreSQL in internal/auth and end to end in internal/app.
type keyAuth struct{}

func (keyAuth) Authenticate(_ context.Context, appid, appkey string, _ netip.Addr) (Reseller, bool, error) {
	if appid == "app" && appkey == "key" {
		return Reseller{ID: 1, AppID: appid}, true, nil
	}
	if appid == "broken" {
		return Reseller{}, false, errors.New("database down")
	}
	return Reseller{}, false, nil
}

type noLimits struct{}

func (noLimits) LoginBlocked(netip.Addr) bool { return false }
func (noLimits) LoginFailed(netip.Addr)       {}
func (noLimits) Allow(string) bool            { return true }

func testHandler() *Handler {
	return &Handler{Table: NewTable(testRoutes()), Auth: keyAuth{}, Limits: noLimits{}, Log: zap.NewNop(), MaxBody: 4096}
}

// testRoutes are the routes of testHandler's table.
func testRoutes() []Route {
	return []Route{
		{Action: "getzones", Handler: func(ctx context.Context, r *Request) (any, error) {
			return []map[string]any{{"name": "德阳电信", "url": "<a&b>"}}, nil
		}},
		{Action: "getlines", Handler: func(ctx context.Context, r *Request) (any, error) { panic("boom") }},
		{Action: "getproduct", Handler: func(ctx context.Context, r *Request) (any, error) {
			c, err := r.Params.Object("content")
			if err != nil {
				return nil, err
			}
			n, err := c.Int("cpu", 1)
			return map[string]any{"cpu": n}, err
		}},
		{Action: "getsystems", Handler: func(ctx context.Context, r *Request) (any, error) {
			return nil, errors.New("secret internal detail")
		}},
		{Action: "server_start"}, // documented, not open
		{Action: "hosting_operate", SubParam: "operate"},
		{Action: "hosting_operate", Sub: "hosting_stop", Handler: func(ctx context.Context, r *Request) (any, error) { return nil, nil }},
		{Action: "hosting_operate", Sub: "hosting_start"},
	}
}

type answer struct {
	Status int
	Body   string
	Env    map[string]json.RawMessage
}

func serve(t testing.TB, h http.Handler, contentType, body string) answer {
	r := httptest.NewRequest(http.MethodPost, "/api/same/index", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	a := answer{Status: w.Code, Body: w.Body.String()}
	if err := json.Unmarshal(w.Body.Bytes(), &a.Env); err != nil {
		t.Fatalf("not JSON: %q", a.Body)
	}
	return a
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func (a answer) msg() string {
	var s string
	_ = json.Unmarshal(a.Env["msg"], &s)
	return s
}

func TestEnvelopeAndMessages(t *testing.T) {
	t.Parallel()
	h := testHandler()
	cases := []struct {
		name, body string
		code       string
		msg        string
	}{
		{"missing appid", form("appkey", "key", "action", "getzones"), "0", "缺少必要参数"},
		{"missing action", form("appid", "app", "appkey", "key"), "0", "缺少必要参数"},
		{"wrong key", form("appid", "app", "appkey", "nope", "action", "getzones"), "0", "权限不足"},
		{"unknown appid", form("appid", "who", "appkey", "key", "action", "getzones"), "0", "权限不足"},
		{"unknown action", form("appid", "app", "appkey", "key", "action", "drop_tables"), "0", "请求错误"},
		{"documented, not yet open", form("appid", "app", "appkey", "key", "action", "server_start"), "0", "暂未开放"},
		{"sub-operation missing", form("appid", "app", "appkey", "key", "action", "hosting_operate"), "0", "缺少必要参数: operate"},
		{"sub-operation unknown", form("appid", "app", "appkey", "key", "action", "hosting_operate", "operate", "rm_rf"), "0", "参数错误: operate 不支持"},
		{"sub-operation not open", form("appid", "app", "appkey", "key", "action", "hosting_operate", "operate", "hosting_start"), "0", "暂未开放"},
		{"sub-operation open", form("appid", "app", "appkey", "key", "action", "hosting_operate", "operate", "hosting_stop"), "1", "success"},
		{"panic", form("appid", "app", "appkey", "key", "action", "getlines"), "0", "系统繁忙,请稍后再试"},
		{"internal error hidden", form("appid", "app", "appkey", "key", "action", "getsystems"), "0", "系统繁忙,请稍后再试"},
		{"auth backend down", form("appid", "broken", "appkey", "key", "action", "getzones"), "0", "系统繁忙,请稍后再试"},
		{"bad nested param", form("appid", "app", "appkey", "key", "action", "getproduct", "content", `{"cpu":"x"}`), "0", "参数错误: content.cpu 应为整数"},
		{"success", form("appid", "app", "appkey", "key", "action", "getzones"), "1", "success"},
	}
	for _, c := range cases {
		a := serve(t, h, "application/x-www-form-urlencoded", c.body)
		require.Equal(t, http.StatusOK, a.Status, c.name)
		require.Equal(t, c.code, string(a.Env["code"]), c.name)
		require.Equal(t, c.msg, a.msg(), c.name)
		require.Equal(t, `""`, string(a.Env["url"]), c.name)
		require.Equal(t, `3`, string(a.Env["wait"]), c.name)
		if c.code == "0" {
			require.Equal(t, `{}`, string(a.Env["data"]), c.name)
		}
		require.NotContains(t, a.Body, "secret internal detail")
		require.NotContains(t, a.Body, "boom")
	}
}

func TestAnswersAreUnescapedUTF8(t *testing.T) {
	t.Parallel()
	a := serve(t, testHandler(), "", form("appid", "app", "appkey", "key", "action", "getzones"))
	require.Contains(t, a.Body, `"name":"德阳电信"`)
	require.Contains(t, a.Body, `"url":"<a&b>"`)
	require.Equal(t, `{"code":1,"msg":"success","data":[{"name":"德阳电信","url":"<a&b>"}],"url":"","wait":3}`, a.Body)
}

func TestBodyOverLimitIsRefused(t *testing.T) {
	t.Parallel()
	a := serve(t, testHandler(), "", form("appid", "app", "appkey", "key", "action", "getzones", "pad", strings.Repeat("x", 5000)))
	require.Equal(t, "请求体过大", a.msg())
}
