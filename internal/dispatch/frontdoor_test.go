package dispatch

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// countingLimits records failed logins and blocks after max of them.
type countingLimits struct {
	mu       sync.Mutex
	failures int
	max      int
}

func (l *countingLimits) LoginBlocked(netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failures >= l.max
}
func (l *countingLimits) LoginFailed(netip.Addr) { l.mu.Lock(); l.failures++; l.mu.Unlock() }
func (l *countingLimits) Allow(string) bool      { return true }

func TestJunkTextIsRefusedByNameBeforeTheAction(t *testing.T) {
	t.Parallel()
	h := testHandler()
	ok := func(kv ...string) string {
		return form(append([]string{"appid", "app", "appkey", "key", "action", "getzones"}, kv...)...)
	}
	for body, want := range map[string]string{
		ok("order_id", "A\x00B"):                                             "参数错误: order_id 含有无效字符",
		ok("name", "\xff\xfe"):                                               "参数错误: name 含有无效字符",
		ok("name", "a\x1bb"):                                                 "参数错误: name 含有无效字符",
		ok("name", "a\u0085b"):                                               "参数错误: name 含有无效字符",
		ok("client_order_id", strings.Repeat("x", 65)):                       "参数错误: client_order_id 过长",
		ok("remark", strings.Repeat("中", 342)):                               "参数错误: remark 过长",
		ok("content[name]", "a\x00"):                                         "参数错误: content.name 含有无效字符",
		ok() + "&arr[]=ok&arr[]=%01":                                         "参数错误: arr.1 含有无效字符",
		ok("a\x00b", "1"):                                                    "参数错误: 参数名 含有无效字符",
		ok("name", "多行\r\n\t文字", "content", "{\n}"):                          "success",
		ok("content", "{\"x\":\""+strings.Repeat("y", 3000)+"\"}"):           "success", // read only when asked for
		ok("csr", "-----BEGIN CERTIFICATE-----\n"+strings.Repeat("A", 3000)): "success",
	} {
		a := serve(t, h, "application/x-www-form-urlencoded", body)
		require.Equal(t, want, a.msg(), "%q", body)
	}
	a := serve(t, h, "application/json", `{"appid":"app","appkey":"key","action":"getproduct","content":"{\"cpu\":\"4\\u0000\"}"}`)
	require.Equal(t, "参数错误: content.cpu 含有无效字符", a.msg())
}

func TestBodiesOverTheLimitsAreRefusedWhileParsing(t *testing.T) {
	t.Parallel()
	h := testHandler()
	h.MaxBody = 1 << 20
	var many strings.Builder
	many.WriteString(`{"action":"getzones"`)
	for i := 0; i < 67400/10; i++ {
		fmt.Fprintf(&many, `,"k%d":[[1]]`, i)
	}
	many.WriteString("}")
	deep := `{"appid":"app","appkey":"key","action":"getzones","x":` + strings.Repeat("[", 7) + strings.Repeat("]", 7) + "}"
	long := `{"appid":"app","appkey":"key","action":"getzones","x":[` + strings.TrimSuffix(strings.Repeat("1,", 257), ",") + "]}"
	formMany := strings.TrimSuffix(strings.Repeat("a[]=1&", 300), "&")
	formKeys := make([]string, 0, 600)
	for i := 0; i < 600; i++ {
		formKeys = append(formKeys, fmt.Sprintf("k%d=1", i))
	}
	for _, c := range []struct{ ct, body, want string }{
		{"application/json", many.String(), "参数错误: body 参数过多"},
		{"application/json", deep, "参数错误: body 嵌套过深"},
		{"application/json", long, "参数错误: body 列表过长"},
		{"application/x-www-form-urlencoded", formMany, "参数错误: body 列表过长"},
		{"application/x-www-form-urlencoded", strings.Join(formKeys, "&"), "参数错误: body 参数过多"},
		{"application/x-www-form-urlencoded", "appid=app&appkey=key&action=getzones&content[a][b][c][d][e][f][g]=1", "参数错误: content 嵌套过深"},
	} {
		a := serve(t, h, c.ct, c.body)
		require.Equal(t, c.want, a.msg(), "%.80s", c.body)
	}
}

func TestRefusalsBeforeAuthenticationCountAsFailedLogins(t *testing.T) {
	t.Parallel()
	h := testHandler()
	l := &countingLimits{max: 4}
	h.Limits = l
	for _, body := range []string{
		form("action", "getzones"),                                      // no appid
		form("appid", "app\x00", "appkey", "key", "action", "getzones"), // malformed
		form("appid", "app", "appkey", "nope", "action", "getzones"),    // wrong key
		"%zz", // unreadable
	} {
		serve(t, h, "", body)
	}
	require.Equal(t, 4, l.failures)
	a := serve(t, h, "", form("appid", "app", "appkey", "nope", "action", "getzones"))
	require.Equal(t, http.StatusTooManyRequests, a.Status)
	a = serve(t, h, "", form("appid", "app", "appkey", "key", "action", "getzones"))
	require.Equal(t, "success", a.msg(), "the right key is answered from a blocked address")
	require.Equal(t, 5, l.failures, "a success is not counted")
}

func TestRequestsBeyondTheInFlightCapAreAnsweredAtOnce(t *testing.T) {
	t.Parallel()
	h := testHandler()
	h.MaxInFlight = 1
	entered, release := make(chan struct{}), make(chan struct{})
	h.Table = NewTable(append(testRoutes(), Route{Action: "getservers", Handler: func(ctx context.Context, r *Request) (any, error) {
		close(entered)
		<-release
		return nil, nil
	}}))
	done := make(chan answer)
	go func() { done <- serve(t, h, "", form("appid", "app", "appkey", "key", "action", "getservers")) }()
	<-entered
	a := serve(t, h, "", form("appid", "app", "appkey", "key", "action", "getzones"))
	require.Equal(t, http.StatusServiceUnavailable, a.Status)
	require.Equal(t, "系统繁忙,请稍后再试", a.msg())
	close(release)
	require.Equal(t, "success", (<-done).msg())
	require.Equal(t, "success", serve(t, h, "", form("appid", "app", "appkey", "key", "action", "getzones")).msg(), "the slot is free again")
}

func TestAnActionPastTheDeadlineAnswersBusy(t *testing.T) {
	t.Parallel()
	h := testHandler()
	h.Timeout = 50 * time.Millisecond
	h.Table = NewTable(append(testRoutes(), Route{Action: "getservers", Handler: func(ctx context.Context, r *Request) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}))
	start := time.Now()
	a := serve(t, h, "", form("appid", "app", "appkey", "key", "action", "getservers"))
	require.Equal(t, "系统繁忙,请稍后再试", a.msg())
	require.Less(t, time.Since(start), 5*time.Second)
}
