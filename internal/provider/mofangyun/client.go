package mofangyun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// defaultHTTP is used when Deps carries no client.
var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// tokenLife is how long a login token is reused (ZJMF caches it for 12 h;
// a 401 before that re-logs in).
const tokenLife = 12 * time.Hour

// maxBody bounds what is read of an answer.
const maxBody = 8 << 20

// client speaks the transport of providers.md §2.1.
type client struct {
	base       string // "https://host[/subdir]", no trailing slash
	user, pass string
	http       *http.Client
	now        func() time.Time

	mu      sync.Mutex // held during a login, so concurrent callers share one
	token   string
	expires time.Time
}

// call sends one request to <base>/v1/<path> with a token, re-logging in
// once on a 401, and decodes a 2xx JSON answer into out (nil: the answer is
// only checked to be JSON or empty). Failures wrap ErrUnavailable (network,
// timeout, 5xx, garbage), ErrNotFound (404) or ErrRejected (other 4xx, a
// second 401), with the provider's message.
func (c *client) call(ctx context.Context, method, path string, params form, out any) error {
	tok, err := c.login(ctx, "")
	if err != nil {
		return err
	}
	status, body, err := c.send(ctx, method, path, params, tok)
	if err != nil {
		return err
	}
	if status == http.StatusUnauthorized {
		if tok, err = c.login(ctx, tok); err != nil {
			return err
		}
		if status, body, err = c.send(ctx, method, path, params, tok); err != nil {
			return err
		}
		if status == http.StatusUnauthorized {
			return fmt.Errorf("mofangyun %s %s: %w: token refused right after a new login: %s",
				method, path, provider.ErrRejected, errorText(status, body))
		}
	}
	return decode(method+" "+path, status, body, out)
}

// login returns the cached token, or logs in when there is none or when the
// cached one is stale (the token a 401 just refused).
func (c *client) login(ctx context.Context, stale string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.token != stale && c.now().Before(c.expires) {
		return c.token, nil
	}
	c.token = ""
	vals := url.Values{"username": {c.user}, "password": {c.pass}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/login?a=a",
		strings.NewReader(vals.Encode()))
	if err != nil {
		return "", fmt.Errorf("mofangyun login: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, body, err := c.do(req, "login")
	if err != nil {
		return "", err
	}
	if status < 200 || status > 299 {
		err := decode("login", status, body, nil)
		if status == http.StatusNotFound { // no login endpoint: a wrong url
			err = fmt.Errorf("mofangyun login: %w: no login endpoint at the configured url", provider.ErrRejected)
		}
		return "", err
	}
	var tok string
	if err := json.Unmarshal(bytes.TrimSpace(body), &tok); err != nil || strings.TrimSpace(tok) == "" {
		return "", fmt.Errorf("mofangyun login: %w: the answer is not a token string", provider.ErrUnavailable)
	}
	c.token, c.expires = tok, c.now().Add(tokenLife)
	return tok, nil
}

// send makes one authenticated request: GET with params in the query,
// other methods with a form body.
func (c *client) send(ctx context.Context, method, path string, params form, tok string) (int, []byte, error) {
	u := c.base + "/v1/" + strings.TrimLeft(path, "/")
	var body io.Reader
	enc := params.encode()
	if method == http.MethodGet {
		if enc != "" {
			u += "?" + enc
		}
	} else {
		body = strings.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, nil, fmt.Errorf("mofangyun %s %s: %w", method, path, err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("access-token", tok)
	req.Header.Set("Accept", "application/json")
	return c.do(req, method+" "+path)
}

// do runs a request and reads its answer. Transport failures (refused,
// reset, timeout, cancelled) wrap ErrUnavailable and the cause.
func (c *client) do(req *http.Request, op string) (int, []byte, error) {
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("mofangyun %s: %w: %w", op, provider.ErrUnavailable, transportError(err))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return 0, nil, fmt.Errorf("mofangyun %s: %w: reading the answer: %w", op, provider.ErrUnavailable, transportError(err))
	}
	return res.StatusCode, body, nil
}

// transportError strips the URL an *url.Error carries (it may name the
// provider's host and path; never credentials, but keep messages short).
func transportError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// decode maps a status and body to the driver's errors, or decodes a 2xx
// body into out.
func decode(op string, status int, body []byte, out any) error {
	switch {
	case status >= 200 && status <= 299:
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 {
			if out != nil {
				return fmt.Errorf("mofangyun %s: %w: empty answer", op, provider.ErrUnavailable)
			}
			return nil
		}
		if !json.Valid(trimmed) {
			return fmt.Errorf("mofangyun %s: %w: answer is not JSON", op, provider.ErrUnavailable)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(trimmed, out); err != nil {
			return fmt.Errorf("mofangyun %s: %w: unexpected answer: %w", op, provider.ErrUnavailable, err)
		}
		return nil
	case status == http.StatusNotFound:
		return fmt.Errorf("mofangyun %s: %w: %s", op, provider.ErrNotFound, errorText(status, body))
	case status >= 400 && status <= 499:
		return fmt.Errorf("mofangyun %s: %w: %s", op, provider.ErrRejected, errorText(status, body))
	default:
		return fmt.Errorf("mofangyun %s: %w: %s", op, provider.ErrUnavailable, errorText(status, body))
	}
}

// errorText is the provider's {"error": "..."} message, or the HTTP status.
func errorText(status int, body []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
		Msg   string          `json:"msg"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &e) == nil {
		var s string
		if json.Unmarshal(e.Error, &s) == nil && s != "" {
			return s
		}
		if e.Msg != "" {
			return e.Msg
		}
	}
	return fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
}
