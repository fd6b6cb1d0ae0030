// Package mofang is the bare-metal driver for 魔方DCIM, over the API that
// providers.md §2.3 records: every call is POST <url>/index.php?m=api&a=
// <action>, form-encoded, with the account's username and password in each
// request; an answer with status "error" carries its reason in msg. It
// registers itself as the "mofang" driver; its fake lives in the
// subpackage fake.
//
// Configuration (the catalogue line's provider object):
//
//	{"driver": "mofang", "url": "https://dcim.example[/subdir]",
//	 "username": "...", "password": "...",
//	 "os_map": {"<mirror_name>": <DCIM image id>},  // else a numeric name is the id
//	 "tls_insecure_skip_verify": false, "ca_cert": "<PEM>"}  // provider.TLS
//
// A provider.Machine's ID is the DCIM server id; the order id at the end of
// its Ref ("zonkvmd-lease-7": 7) is sent as hostid, the numeric billing
// host id the DCIM records the server against, as ZJMF sends its host id.
package mofang

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

func init() {
	provider.Register("mofang", func(raw json.RawMessage, deps provider.Deps) (provider.Set, error) {
		d, err := Open(raw, deps)
		if err != nil {
			return provider.Set{}, err
		}
		return provider.Set{BareMetal: d}, nil
	})
}

// Config is the provider object of a 魔方DCIM line.
type Config struct {
	URL      string          `json:"url"`
	Username string          `json:"username"`
	Password string          `json:"password"`
	OSMap    map[string]text `json:"os_map"` // image ids, numbers or strings
}

// Driver runs leased servers through 魔方DCIM. It is safe for concurrent
// use.
type Driver struct {
	cfg  Config
	base string // url without a trailing slash
	http *http.Client
	now  func() time.Time
}

var _ provider.BareMetalDriver = (*Driver)(nil)

// Open checks a provider object and returns its driver. It returns an error
// naming the bad setting (never its value) when the object is invalid.
func Open(raw json.RawMessage, deps provider.Deps) (*Driver, error) {
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("mofang config: %w", err)
	}
	var problems []string
	for name, id := range cfg.OSMap {
		if id == "" {
			problems = append(problems, fmt.Sprintf("os_map[%q] has no image id", name))
		}
	}
	base := strings.TrimRight(cfg.URL, "/")
	u, err := url.Parse(base)
	switch {
	case cfg.URL == "":
		problems = append(problems, "url is required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		problems = append(problems, "url must be http(s)://host[/subdir]")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		problems = append(problems, "url must not carry credentials, a query or a fragment")
	}
	if cfg.Username == "" {
		problems = append(problems, "username is required")
	}
	if cfg.Password == "" {
		problems = append(problems, "password is required")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("mofang config: %s", strings.Join(problems, "; "))
	}
	hc, err := provider.HTTPClient(raw, deps.HTTP)
	if err != nil {
		return nil, fmt.Errorf("mofang config: %w", err)
	}
	d := &Driver{cfg: cfg, base: base, http: hc, now: deps.Now}
	if d.now == nil {
		d.now = time.Now
	}
	return d, nil
}

// maxBody bounds what is read of an answer.
const maxBody = 8 << 20

// call posts one action with the account's credentials and decodes the
// answer into out (nil: only checked). Failures wrap ErrUnavailable
// (network, timeout, 5xx, garbage), ErrNotFound (msg says the server does
// not exist) or ErrRejected (status "error", HTTP 4xx), with the DCIM's msg.
func (d *Driver) call(ctx context.Context, action string, params url.Values, out any) error {
	vals := url.Values{}
	for k, v := range params {
		vals[k] = v
	}
	vals.Set("username", d.cfg.Username)
	vals.Set("password", d.cfg.Password)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		d.base+"/index.php?m=api&a="+url.QueryEscape(action), strings.NewReader(vals.Encode()))
	if err != nil {
		return fmt.Errorf("mofang %s: %w", action, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := d.http.Do(req)
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return fmt.Errorf("mofang %s: %w: %w", action, provider.ErrUnavailable, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return fmt.Errorf("mofang %s: %w: reading the answer: %w", action, provider.ErrUnavailable, err)
	}
	return decode(action, res.StatusCode, body, out)
}

func decode(action string, status int, body []byte, out any) error {
	switch {
	case status >= 500 || status < 200 || (status >= 300 && status < 400):
		return fmt.Errorf("mofang %s: %w: HTTP %d", action, provider.ErrUnavailable, status)
	case status >= 400:
		return fmt.Errorf("mofang %s: %w: HTTP %d %s", action, provider.ErrRejected, status, http.StatusText(status))
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 && out == nil {
		return nil
	}
	var head struct {
		Status text            `json:"status"`
		Msg    json.RawMessage `json:"msg"`
	}
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &head) != nil {
		return fmt.Errorf("mofang %s: %w: the answer is not a JSON object", action, provider.ErrUnavailable)
	}
	if head.Status == "error" {
		msg := message(head.Msg)
		if notFound(msg) {
			return fmt.Errorf("mofang %s: %w: %s", action, provider.ErrNotFound, msg)
		}
		return fmt.Errorf("mofang %s: %w: %s", action, provider.ErrRejected, msg)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("mofang %s: %w: unexpected answer: %w", action, provider.ErrUnavailable, err)
		}
	}
	return nil
}

func message(raw json.RawMessage) string {
	var s text
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return string(s)
	}
	return "the DCIM refused the request"
}

// notFound reports whether an error msg says the server does not exist
// ("服务器不存在"): the DCIM has no error codes, so it must name both a server
// and its absence ("操作系统不存在", a missing image, is no missing server).
func notFound(msg string) bool {
	low := strings.ToLower(msg)
	return containsAny(low, "不存在", "找不到", "未找到", "not exist", "not found", "no such") &&
		containsAny(low, "服务器", "机器", "设备", "server", "machine", "id")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// machineParams are the id and hostid every server action takes. A machine
// without a DCIM id, or whose Ref ends in no order id, is rejected; an id
// that is no positive integer names no server (ErrNotFound).
func machineParams(op string, m provider.Machine) (url.Values, error) {
	if m.ID == "" {
		return nil, fmt.Errorf("mofang %s: %w: the machine has no DCIM server id", op, provider.ErrRejected)
	}
	host, err := hostID(m.Ref)
	if err != nil {
		return nil, fmt.Errorf("mofang %s %s: %w", op, m.ID, err)
	}
	n, err := strconv.ParseInt(m.ID, 10, 64)
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("mofang %s %q: %w", op, m.ID, provider.ErrNotFound)
	}
	return url.Values{"id": {strconv.FormatInt(n, 10)}, "hostid": {host}}, nil
}

// hostID is the hostid of a machine: the order id ending its Ref, a
// positive integer as ZJMF sends its host id (ZJMF-CBAP 10.4.6
// mf_dcim/logic/CloudLogic.php L136, L211, L412 ...: 'hostid' =>
// $this->hostModel['id']). It returns ErrRejected for a Ref that ends in
// none.
func hostID(ref string) (string, error) {
	num := ref[strings.LastIndex(ref, "-")+1:]
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || num[0] == '+' || num[0] == '0' {
		return "", fmt.Errorf("%w: ref %q does not end in an order id (the DCIM's hostid)", provider.ErrRejected, ref)
	}
	return num, nil
}

// text is a string the DCIM may write as a number.
type text string

// UnmarshalJSON accepts a string, a number or null.
func (t *text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = text(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*t = text(n.String())
		return nil
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*t = ""
		return nil
	}
	return fmt.Errorf("want a string, got %s", b)
}
