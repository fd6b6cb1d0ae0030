// Package apitest runs the whole daemon (the same app.App that serve
// builds) on an httptest server over a real test database, and speaks the
// API to it as a reseller's finance system would: form posts to
// /api/same/index, envelopes checked for their five keys.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/config"
	"github.com/zonkvm/zonkvmd/internal/httpserver"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// TestKey is the secret key every test daemon seals with.
var TestKey = bytes.Repeat([]byte{0x5a}, secret.KeySize)

// Env is one running daemon.
type Env struct {
	App    *app.App
	DB     *postgres.DB
	Server *httptest.Server
}

// New starts a daemon on db with its job workers. configure may change the
// configuration (defaults: operator.md's, with a generous rate limit so
// tests are not throttled unless they mean to be). The server stops at
// cleanup.
func New(t testing.TB, db *postgres.DB, configure ...func(*config.Config)) *Env {
	t.Helper()
	return start(t, db, true, configure)
}

// NewWithoutWorkers starts a daemon that records jobs but works none, so a
// test sees orders exactly as the API left them.
func NewWithoutWorkers(t testing.TB, db *postgres.DB, configure ...func(*config.Config)) *Env {
	t.Helper()
	return start(t, db, false, configure)
}

func start(t testing.TB, db *postgres.DB, workers bool, configure []func(*config.Config)) *Env {
	t.Helper()
	cfg, err := config.FromEnv(func(string) string { return "" })
	require.NoError(t, err)
	cfg.RateLimit, cfg.RateBurst = 1e6, 1e6
	cfg.MaxInFlight = 4096 // the tests race hundreds of requests; the cap has tests of its own
	for _, f := range configure {
		f(&cfg)
	}
	box, err := secret.New(TestKey)
	require.NoError(t, err)
	cfg.JobPoll = 20 * time.Millisecond
	a, err := app.New(cfg, testLogger(), db, box)
	require.NoError(t, err)
	if workers {
		require.NoError(t, a.Start(context.Background()))
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if workers {
			_ = a.Stop(ctx)
		}
	})
	return &Env{App: a, DB: db, Server: srv}
}

// Reseller is a reseller made for a test, with its key in clear.
type Reseller struct {
	ID     int64
	AppID  string
	AppKey string
}

var names atomic.Int64

// NewReseller creates a reseller with a unique name and the given opening
// balance ("" for none).
func (e *Env) NewReseller(t testing.TB, balance string) Reseller {
	t.Helper()
	ctx := context.Background()
	var c auth.Created
	err := postgres.Tx(ctx, e.DB, func(tx pgx.Tx) error {
		var err error
		name := t.Name() + "-" + decimal.NewFromInt(names.Add(1)).String()
		if c, err = auth.CreateTx(ctx, tx, name, nil); err != nil {
			return err
		}
		if balance != "" {
			_, err = billing.Topup(ctx, tx, c.ID, decimal.RequireFromString(balance), "test")
		}
		return err
	})
	require.NoError(t, err)
	return Reseller{ID: c.ID, AppID: c.AppID, AppKey: c.AppKey}
}

// Form returns the credentials and action of r plus key/value pairs.
func (r Reseller) Form(action string, kv ...string) url.Values {
	v := url.Values{"appid": {r.AppID}, "appkey": {r.AppKey}, "action": {action}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// Response is one answer of the API.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	Code   int
	Msg    string
	Data   json.RawMessage
	Keys   []string // the envelope's top-level keys, sorted
}

// Post sends form url-encoded to the API.
func (e *Env) Post(t testing.TB, form url.Values) Response {
	t.Helper()
	return e.Do(t, "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
}

// Do sends a POST with the given content type, body and extra headers.
func (e *Env) Do(t testing.TB, contentType string, body []byte, header http.Header) Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.Server.URL+httpserver.APIPath, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := e.Server.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Parse(t, resp.StatusCode, resp.Header, raw)
}

// Parse reads an envelope and fails the test unless it has exactly the five
// keys with code an integer 0 or 1.
func Parse(t testing.TB, status int, header http.Header, raw []byte) Response {
	t.Helper()
	r := Response{Status: status, Header: header, Body: raw}
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &top), "body: %s", raw)
	for k := range top {
		r.Keys = append(r.Keys, k)
	}
	sort.Strings(r.Keys)
	require.Equal(t, []string{"code", "data", "msg", "url", "wait"}, r.Keys, "envelope keys of %s", raw)
	require.Contains(t, []string{"0", "1"}, string(top["code"]), "code must be the integer 0 or 1: %s", raw)
	require.NoError(t, json.Unmarshal(top["code"], &r.Code))
	require.NoError(t, json.Unmarshal(top["msg"], &r.Msg))
	r.Data = top["data"]
	if r.Code == 0 {
		require.JSONEq(t, `{}`, string(r.Data), "a failure's data is {}: %s", raw)
	}
	require.False(t, strings.Contains(string(raw), `\u`), "JSON must not escape characters: %s", raw)
	return r
}

// OK fails the test unless the answer is code 1, and returns its data.
func (r Response) OK(t testing.TB) json.RawMessage {
	t.Helper()
	require.Equal(t, 1, r.Code, "answer: %s", r.Body)
	require.Equal(t, http.StatusOK, r.Status)
	return r.Data
}

// Into decodes the data of a successful answer into v.
func (r Response) Into(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.OK(t), v))
}

// Fails fails the test unless the answer is code 0 with msg.
func (r Response) Fails(t testing.TB, msg string) {
	t.Helper()
	require.Equal(t, 0, r.Code, "answer: %s", r.Body)
	require.Equal(t, msg, r.Msg, "answer: %s", r.Body)
}

func testLogger() *zap.Logger {
	if os.Getenv("ZONKVMD_TEST_LOG") != "" {
		l, _ := zap.NewDevelopment()
		return l
	}
	return zap.NewNop()
}
