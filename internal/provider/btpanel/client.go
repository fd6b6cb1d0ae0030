package btpanel

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// maxAnswer bounds what one call may read (GetFileBody is limited to 3 MB by
// the panel; directory listings can be larger).
const maxAnswer = 64 << 20

// namePattern is what a module or an action name may contain. It keeps the
// URL to `<url>/<module>?action=<Action>` and nothing else.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Client calls one BT panel's HTTP API: it signs every request with the
// panel's API key and keeps the panel's session cookie (the panel stores
// state such as the SetBatchData selection in it). A Client is safe for
// concurrent use.
type Client struct {
	base  *url.URL
	token string // md5(key), the only form of the key the requests need
	http  *http.Client
	now   func() time.Time
}

// NewClient returns a client of the panel at rawURL ("http(s)://host:8888")
// with API key key. It copies hc's transport and timeout (nil: a 30 s
// timeout) into a client of its own, with its own cookie jar, that does not
// follow redirects (a redirect is the panel sending us to its login page).
// now is the clock of request_time (nil: time.Now). It returns an error when
// the URL or the key is unusable; the error never contains the key.
func NewClient(rawURL, key string, hc *http.Client, now func() time.Time) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(rawURL), "/"))
	if err != nil {
		return nil, fmt.Errorf("btpanel: url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("btpanel: url %q is not http(s)://host:port", u.Redacted())
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("btpanel: url %q must have no user, query or fragment", u.Redacted())
	}
	if key == "" {
		return nil, errors.New("btpanel: key is empty")
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("btpanel: cookie jar: %w", err)
	}
	own := &http.Client{
		Timeout: 30 * time.Second,
		Jar:     jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	if hc != nil {
		own.Transport = hc.Transport
		own.Timeout = hc.Timeout
	}
	if now == nil {
		now = time.Now
	}
	return &Client{base: u, token: md5hex(key), http: own, now: now}, nil
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// sign returns request_time and request_token for the instant t:
// request_token = md5(request_time + md5(key)), lowercase hex.
func (c *Client) sign(t time.Time) (requestTime, requestToken string) {
	requestTime = strconv.FormatInt(t.Unix(), 10)
	return requestTime, md5hex(requestTime + c.token)
}

// Call posts action of module (`<url>/<module>?action=<action>`) with params
// and the signature as form fields, and returns the panel's answer as raw
// JSON: an object, or a bare list, string or number where the panel answers
// one. The caller's params are not modified.
//
// On failure it returns an *Error that wraps provider.ErrRejected when the
// panel refused the call for good ({"status":false,"msg":...}: a wrong key,
// an IP outside the whitelist, the 20-failure lockout, an unknown action,
// invalid params; or a redirect or HTML page instead of JSON, which is the
// panel's login page), and provider.ErrUnavailable when the call may pass on
// a retry (network error, timeout, HTTP 5xx, a body that is not JSON).
func (c *Client) Call(ctx context.Context, module, action string, params url.Values) (json.RawMessage, error) {
	if !namePattern.MatchString(module) || !namePattern.MatchString(action) {
		return nil, &Error{Module: module, Action: action, Err: provider.ErrRejected,
			Msg: "module and action must be letters, digits and _"}
	}
	form := url.Values{}
	for k, v := range params {
		if k != "request_time" && k != "request_token" {
			form[k] = append([]string(nil), v...)
		}
	}
	rt, tok := c.sign(c.now())
	form.Set("request_time", rt)
	form.Set("request_token", tok)

	u := c.base.JoinPath(module)
	u.RawQuery = url.Values{"action": {action}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &Error{Module: module, Action: action, Err: provider.ErrRejected, Msg: "building the request", cause: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &Error{Module: module, Action: action, Err: provider.ErrUnavailable, Msg: "request failed", cause: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, &Error{Module: module, Action: action, Err: provider.ErrUnavailable, Msg: "reading the answer", cause: err}
	}
	return decode(module, action, resp, body)
}

// decode turns one HTTP answer of the panel into raw JSON or an *Error.
func decode(module, action string, resp *http.Response, body []byte) (json.RawMessage, error) {
	fail := func(kind error, format string, args ...any) error {
		return &Error{Module: module, Action: action, Err: kind, Msg: fmt.Sprintf(format, args...)}
	}
	switch code := resp.StatusCode; {
	case code >= 300 && code < 400:
		return nil, fail(provider.ErrRejected,
			"HTTP %d redirect to %q (the login page): the API is closed, or request_time/request_token did not arrive",
			code, resp.Header.Get("Location"))
	case code >= 500:
		return nil, fail(provider.ErrUnavailable, "HTTP %d: %s", code, excerpt(body))
	case code >= 400:
		return nil, fail(provider.ErrRejected,
			"HTTP %d (the panel's answer to an unauthenticated or unknown request): %s", code, excerpt(body))
	}
	if len(body) > maxAnswer {
		return nil, fail(provider.ErrUnavailable, "answer larger than %d bytes", maxAnswer)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '<' {
		return nil, fail(provider.ErrRejected,
			"an HTML page instead of JSON (the login page?): is the API open and the URL right? %s", excerpt(trimmed))
	}
	if len(trimmed) == 0 || !json.Valid(trimmed) {
		return nil, fail(provider.ErrUnavailable, "the answer is not JSON: %s", excerpt(trimmed))
	}
	if msg, failed := refusal(trimmed); failed {
		return nil, &Error{Module: module, Action: action, Err: provider.ErrRejected, Msg: msg, Refused: true}
	}
	return json.RawMessage(trimmed), nil
}

// refusal reports whether an answer is the panel's {"status":false,"msg":...}
// and returns msg. An object with status false and no msg is an answer, not
// a refusal (GetSSL answers "status":false when a site has no certificate).
func refusal(raw []byte) (string, bool) {
	if raw[0] != '{' {
		return "", false
	}
	var head struct {
		Status *bool           `json:"status"`
		Msg    json.RawMessage `json:"msg"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Status == nil || *head.Status || head.Msg == nil {
		return "", false
	}
	var s string
	if err := json.Unmarshal(head.Msg, &s); err == nil {
		return s, true
	}
	return string(head.Msg), true
}

// excerpt quotes the start of an answer for an error message.
func excerpt(b []byte) string {
	const n = 120
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "..."
	}
	return strconv.Quote(string(b))
}

// Error is a failed panel call. Err is provider.ErrRejected,
// provider.ErrUnavailable or provider.ErrNotFound; Msg is the panel's msg
// when Refused (the panel answered {"status":false}), else what went wrong.
type Error struct {
	Module, Action string
	Msg            string
	Refused        bool
	Err            error
	cause          error
}

// Error names the call and explains the panel's best-known refusals.
func (e *Error) Error() string {
	s := fmt.Sprintf("btpanel /%s?action=%s: ", e.Module, e.Action)
	if e.Refused {
		s += hint(e.Msg) + e.Msg
	} else {
		s += e.Msg
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the provider error and the transport error, if any.
func (e *Error) Unwrap() []error {
	if e.cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.cause}
}

// hint explains the refusals of the panel's API check.
func hint(msg string) string {
	switch {
	case strings.Contains(msg, "密钥校验失败"):
		return "wrong API key: "
	case strings.Contains(msg, "IP校验失败"):
		return "this host is not in the panel's API IP whitelist: "
	case strings.Contains(msg, "连续20次验证失败"):
		return "the panel locked this IP out for an hour after 20 failed checks: "
	case isArgsErr(msg):
		return "the panel does not know this action (ARGS_ERR): "
	}
	return "the panel refused: "
}

// isArgsErr reports whether msg is the panel's ARGS_ERR, raw or translated.
func isArgsErr(msg string) bool {
	return msg == "ARGS_ERR" || strings.HasPrefix(msg, "指定参数无效") ||
		strings.HasPrefix(strings.ToLower(msg), "specify parameters are invalid")
}

// notFound turns a refusal whose message says the thing does not exist into
// an error wrapping provider.ErrNotFound; it returns other errors as they are.
func notFound(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Refused &&
		(strings.Contains(e.Msg, "不存在") || strings.Contains(e.Msg, "未获取到数据")) {
		nf := *e
		nf.Err = provider.ErrNotFound
		return &nf
	}
	return err
}
