package btpanel_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

func TestSignatureIsMD5OfTimeAndMD5OfKey(t *testing.T) {
	t.Parallel()
	const key = "Zp8rQx2mK4vN7sL1"
	fixed := time.Unix(1700000000, 0)
	d, p := setup(t, btpanelfake.Options{Key: key}, provider.Deps{Now: func() time.Time { return fixed }})

	_, err := d.Call(ctx(t), "site", "GetPHPVersion", url.Values{"request_token": {"caller's"}})
	require.NoError(t, err)
	form := p.LastForm()

	keyMD5 := md5.Sum([]byte(key))
	want := md5.Sum([]byte("1700000000" + hex.EncodeToString(keyMD5[:])))
	require.Equal(t, []string{"1700000000"}, form["request_time"])
	require.Equal(t, []string{hex.EncodeToString(want[:])}, form["request_token"], "a caller's request_token is replaced")
	require.Equal(t, "2927442ac88f714f86e3e34b7dbceb94", form.Get("request_token"), "the value worked out with Python's hashlib")
	require.Equal(t, "GetPHPVersion", form.Get("action"))
	for k, vs := range form {
		for _, v := range vs {
			require.NotContains(t, v, key, "field %s carries the key", k)
		}
	}
}

func TestWrongKeyIsRejected(t *testing.T) {
	t.Parallel()
	p := btpanelfake.New(t, btpanelfake.Options{})
	d := open(t, p.URL, "Not-the-right-key-42", provider.Deps{})
	_, err := d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "密钥校验失败")
	require.NotContains(t, err.Error(), "Not-the-right-key-42")
	var e *btpanel.Error
	require.ErrorAs(t, err, &e)
	require.True(t, e.Refused)
	require.Equal(t, "密钥校验失败", e.Msg)
}

func TestFakeRedirectsUnsignedRequestsToLogin(t *testing.T) {
	t.Parallel()
	for _, notFound := range []bool{false, true} {
		p := btpanelfake.New(t, btpanelfake.Options{LoginNotFound: notFound})
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.PostForm(p.URL+"/site?action=GetPHPVersion", url.Values{"request_time": {"1700000000"}})
		require.NoError(t, err)
		resp.Body.Close()
		if notFound {
			require.Equal(t, http.StatusNotFound, resp.StatusCode)
		} else {
			require.Equal(t, http.StatusFound, resp.StatusCode)
			require.Equal(t, "/login", resp.Header.Get("Location"))
		}
	}
}

// stub serves every request with h.
func stub(t *testing.T, h http.HandlerFunc) *btpanel.Driver {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return open(t, srv.URL, "some-key", provider.Deps{HTTP: &http.Client{Timeout: 2 * time.Second}})
}

func TestLoginPageAnswersAreRejected(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]http.HandlerFunc{
		"302 to login": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/login", http.StatusFound) },
		"404 page": func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "<html><title>404 Not Found</title></html>", http.StatusNotFound)
		},
		"200 login page": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("\n<!DOCTYPE html><html><title>宝塔Linux面板</title>"))
		},
	} {
		_, err := stub(t, h).Call(ctx(t), "site", "GetPHPVersion", nil)
		require.ErrorIs(t, err, provider.ErrRejected, name)
		require.NotErrorIs(t, err, provider.ErrUnavailable, name)
	}
}

func TestIPWhitelist(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{AllowIPs: []string{"10.0.0.1"}}, provider.Deps{})
	_, err := d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "IP校验失败,您的访问IP为[127.0.0.1]")

	p.SetAllowIPs("10.0.0.1", "127.0.0.1-127.0.0.9")
	_, err = d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.NoError(t, err)
}

func TestLockoutAfterTwentyFailures(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Unix(1700000000, 0)}
	good, p := setup(t, btpanelfake.Options{Now: clk.Now}, provider.Deps{})
	bad := open(t, p.URL, "wrong-key", provider.Deps{})
	for i := range 20 {
		_, err := bad.Call(ctx(t), "site", "GetPHPVersion", nil)
		require.ErrorIs(t, err, provider.ErrRejected)
		require.Contains(t, err.Error(), "密钥校验失败", "failure %d", i+1)
	}
	_, err := good.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrRejected, "even the right key is locked out")
	require.Contains(t, err.Error(), "连续20次验证失败,禁止1小时")

	clk.Add(61 * time.Minute)
	_, err = good.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.NoError(t, err, "the lockout ends after an hour")
}

func TestUnknownActionIsArgsErr(t *testing.T) {
	t.Parallel()
	for _, raw := range []bool{false, true} {
		d, _ := setup(t, btpanelfake.Options{RawMessages: raw}, provider.Deps{})
		_, err := d.Call(ctx(t), "site", "NoSuchAction", nil)
		require.ErrorIs(t, err, provider.ErrRejected)
		require.Contains(t, err.Error(), "ARGS_ERR")
		if !raw {
			require.Contains(t, err.Error(), "指定参数无效!")
		}
	}
}

func TestBadModuleOrActionNameIsRejectedLocally(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	for _, ma := range [][2]string{{"site?x=1", "GetIndex"}, {"../site", "GetIndex"}, {"site", "Get&Index"}, {"", "GetIndex"}} {
		_, err := d.Call(ctx(t), ma[0], ma[1], nil)
		require.ErrorIs(t, err, provider.ErrRejected, "%v", ma)
	}
	require.Zero(t, p.Calls())
}

func TestServerErrorIsUnavailable(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	p.FailNext(1)
	_, err := d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	require.Contains(t, err.Error(), "HTTP 500")
	_, err = d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.NoError(t, err, "the fault passed")
}

func TestGarbageIsUnavailable(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	p.GarbageNext(1)
	_, err := d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	require.NotErrorIs(t, err, provider.ErrRejected)
}

func TestTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{HTTP: &http.Client{Timeout: 100 * time.Millisecond}})
	p.DelayNext(1, 2*time.Second)
	_, err := d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrUnavailable)

	d2, p2 := setup(t, btpanelfake.Options{}, provider.Deps{})
	p2.DelayNext(1, 2*time.Second)
	c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = d2.Call(c, "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestUnreachablePanelIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, err := open(t, addr, "k", provider.Deps{}).Call(ctx(t), "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrUnavailable)
}

func TestBareValuesAreKeptAsJSON(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	p.WriteFile("/www/wwwroot/bare/a.txt", "12345")

	raw, err := d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.NoError(t, err)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(raw, &list), "a bare list: %s", raw)
	require.Equal(t, "纯静态", list[0]["name"], "non-ASCII arrives escaped and decodes")

	raw, err = d.Call(ctx(t), "site", "GetIndex", url.Values{"id": {"1"}})
	require.NoError(t, err)
	var s string
	require.NoError(t, json.Unmarshal(raw, &s), "a bare string: %s", raw)
	require.True(t, strings.HasPrefix(s, "index.php,"))

	raw, err = d.Call(ctx(t), "files", "GetDirSize", url.Values{"path": {"/www/wwwroot/bare"}})
	require.NoError(t, err)
	require.JSONEq(t, `"5.00 b"`, string(raw))

	// A chunked upload answers the bytes received so far while incomplete.
	raw, err = d.Call(ctx(t), "files", "upload", url.Values{"f_path": {"/www/wwwroot/bare"}, "f_name": {"b.txt"},
		"f_size": {"6"}, "f_start": {"0"}, "b64_data": {"YWJj"}})
	require.NoError(t, err)
	n, err := strconv.Atoi(string(raw))
	require.NoError(t, err, "a bare integer: %s", raw)
	require.Equal(t, 3, n)
	raw, err = d.Call(ctx(t), "files", "upload", url.Values{"f_path": {"/www/wwwroot/bare"}, "f_name": {"b.txt"},
		"f_size": {"6"}, "f_start": {"3"}, "b64_data": {"ZGVm"}})
	require.NoError(t, err)
	require.Equal(t, "上传成功!", decodeMsg(t, raw))
	body, ok := p.ReadFile("/www/wwwroot/bare/b.txt")
	require.True(t, ok)
	require.Equal(t, "abcdef", body)

	raw, err = d.Call(ctx(t), "files", "GetFileBody", url.Values{"path": {"/www/wwwroot/bare/a.txt"}})
	require.NoError(t, err)
	var fb struct {
		Data string `json:"data"`
	}
	require.NoError(t, json.Unmarshal(raw, &fb), "an object: %s", raw)
	require.Equal(t, "12345", fb.Data)
}

func TestSessionCookieCarriesTheBatchSelection(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	p.WriteFile("/www/wwwroot/src/a.txt", "A")
	p.WriteFile("/www/wwwroot/src/b.txt", "B")
	_, err := d.Call(ctx(t), "files", "CreateDir", url.Values{"path": {"/www/wwwroot/dst"}})
	require.NoError(t, err)

	_, err = d.Call(ctx(t), "files", "SetBatchData", url.Values{
		"path": {"/www/wwwroot/src"}, "type": {"1"}, "data": {`["a.txt","b.txt"]`}})
	require.NoError(t, err)

	// Another client of the same panel, without the session cookie.
	other := open(t, p.URL, p.Key(), provider.Deps{})
	_, err = other.Call(ctx(t), "files", "BatchPaste", url.Values{"path": {"/www/wwwroot/dst"}, "type": {"1"}})
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "操作失败,请重新操作复制或剪切过程")

	raw, err := d.Call(ctx(t), "files", "BatchPaste", url.Values{"path": {"/www/wwwroot/dst"}, "type": {"1"}})
	require.NoError(t, err, "the client that marked the files pastes them")
	require.Contains(t, decodeMsg(t, raw), "批量操作成功[2],失败[0]")
	body, ok := p.ReadFile("/www/wwwroot/dst/b.txt")
	require.True(t, ok)
	require.Equal(t, "B", body)

	_, err = d.Call(ctx(t), "files", "BatchPaste", url.Values{"path": {"/www/wwwroot/dst"}, "type": {"1"}})
	require.ErrorIs(t, err, provider.ErrRejected, "a paste uses up the selection")
}

func TestFileBodyRoundTrip(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	_, err := d.Call(ctx(t), "files", "SaveFileBody", url.Values{"path": {"/www/wwwroot/x/none.conf"}, "data": {"a"}})
	require.ErrorIs(t, err, provider.ErrRejected, "SaveFileBody needs an existing file")
	p.WriteFile("/www/wwwroot/x/site.conf", "old")
	_, err = d.Call(ctx(t), "files", "SaveFileBody", url.Values{
		"path": {"/www/wwwroot/x/site.conf"}, "data": {"rewrite ^/(.*)$ /index.php;"}, "encoding": {"utf-8"}})
	require.NoError(t, err)
	raw, err := d.Call(ctx(t), "files", "GetDir", url.Values{"path": {"/www/wwwroot/x"}})
	require.NoError(t, err)
	var dir struct {
		PATH  string
		FILES []string
	}
	require.NoError(t, json.Unmarshal(raw, &dir))
	require.Equal(t, "/www/wwwroot/x", dir.PATH)
	require.Len(t, dir.FILES, 1)
	require.True(t, strings.HasPrefix(dir.FILES[0], "site.conf;27;"), dir.FILES[0])
	_, err = d.Call(ctx(t), "files", "GetFileBody", url.Values{"path": {"/www/wwwroot/../etc/./passwd"}})
	require.ErrorIs(t, err, provider.ErrRejected, "the panel refuses paths with ./")
}

func decodeMsg(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var m struct {
		Status bool   `json:"status"`
		Msg    string `json:"msg"`
	}
	require.NoError(t, json.Unmarshal(raw, &m))
	require.True(t, m.Status)
	return m.Msg
}

func TestErrorUnwrapsToTransportError(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	p.DelayNext(1, time.Second)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := d.Call(c, "site", "GetPHPVersion", nil)
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	require.ErrorIs(t, err, provider.ErrUnavailable)
}
