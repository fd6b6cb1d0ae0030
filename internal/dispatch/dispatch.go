// Package dispatch owns POST /api/same/index: it parses both form encodings
// (and JSON), authenticates the reseller, applies the rate limits, finds the
// action in the table and writes the five-key envelope. Every API message
// lives in messages.go; every internal error becomes 系统繁忙 with the
// details in the log.
package dispatch

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/clientip"
)

// Reseller is the authenticated caller.
type Reseller struct {
	ID    int64
	AppID string
}

// Request is one authenticated API call.
type Request struct {
	ID       string // request id, as logged
	Action   string
	Sub      string // obj_type or operate, for actions that dispatch on one
	Params   Params
	Files    *multipart.Form // multipart uploads, else nil
	Reseller Reseller
	IP       netip.Addr
}

// Authenticator checks an appid and appkey from a client address. It
// returns ok false for every refusal (unknown appid, wrong key, disabled
// reseller or API, address not allowed) and an error only when it could not
// decide.
type Authenticator interface {
	Authenticate(ctx context.Context, appid, appkey string, ip netip.Addr) (r Reseller, ok bool, err error)
}

// Limiter throttles callers.
type Limiter interface {
	// LoginBlocked reports whether ip failed to log in too often lately.
	LoginBlocked(ip netip.Addr) bool
	// LoginFailed records one failed login from ip.
	LoginFailed(ip netip.Addr)
	// Allow takes one request from the reseller's budget.
	Allow(appid string) bool
}

// Handler serves the API. All fields are required.
type Handler struct {
	Table   *Table
	Auth    Authenticator
	Limits  Limiter
	Log     *zap.Logger
	MaxBody int64 // bytes
	// Observe, when set, is told each request's action, envelope code and
	// duration (the admin listener's metrics).
	Observe func(action string, code int, took time.Duration)
}

// outcome is what the access log says of one request.
type outcome struct {
	action, sub, appid string
	code               int
	msg                string
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := middleware.GetReqID(r.Context())
	ip := clientip.From(r.Context())
	var out outcome
	status, env := h.serve(r, reqID, ip, &out)
	out.code, out.msg = env.Code, env.Msg
	writeEnvelope(w, status, env)
	h.Log.Info("api",
		zap.String("request_id", reqID),
		zap.String("action", out.action),
		zap.String("sub", out.sub),
		zap.String("appid", out.appid),
		zap.String("ip", ip.String()),
		zap.Int("status", status),
		zap.Int("code", out.code),
		zap.String("msg", out.msg),
		zap.Duration("duration", time.Since(start)),
	)
	if h.Observe != nil {
		h.Observe(out.action, out.code, time.Since(start))
	}
}

func (h *Handler) serve(r *http.Request, reqID string, ip netip.Addr, out *outcome) (int, Envelope) {
	if h.Limits.LoginBlocked(ip) {
		return h.fail(ErrTooFrequent)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, h.MaxBody)
	params, files, err := parseBody(r)
	if files != nil {
		defer func() { _ = files.RemoveAll() }()
	}
	if err != nil {
		return h.fail(err)
	}
	appid, _ := params.Text("appid")
	appkey, _ := params.Text("appkey")
	action, _ := params.Text("action")
	out.action = action
	if appid == "" || appkey == "" || action == "" {
		return h.fail(ErrMissingParams)
	}
	ctx := r.Context()
	reseller, ok, err := h.Auth.Authenticate(ctx, appid, appkey, ip)
	if err != nil {
		h.Log.Error("authenticate", zap.String("request_id", reqID), zap.Error(err))
		return h.fail(ErrBusy)
	}
	if !ok {
		h.Limits.LoginFailed(ip)
		return h.fail(ErrForbidden)
	}
	out.appid = reseller.AppID
	if !h.Limits.Allow(reseller.AppID) {
		return h.fail(ErrTooFrequent)
	}
	handler, sub, err := h.Table.lookup(action, params)
	out.sub = sub
	if err != nil {
		return h.fail(err)
	}
	req := &Request{ID: reqID, Action: action, Sub: sub, Params: params, Files: files, Reseller: reseller, IP: ip}
	data, err := h.call(ctx, handler, req)
	if err != nil {
		if e := asAPIError(err); e != nil {
			return h.fail(e)
		}
		switch {
		case errors.Is(err, errPanic): // logged with its stack already
		case errors.Is(err, context.Canceled):
			h.Log.Warn("action cancelled", zap.String("request_id", reqID), zap.String("action", action))
		default:
			h.Log.Error("action failed", zap.String("request_id", reqID), zap.String("action", action),
				zap.String("sub", sub), zap.Error(err))
		}
		return h.fail(ErrBusy)
	}
	return http.StatusOK, success(data)
}

// call runs a handler, turning a panic into an internal error with its stack.
func (h *Handler) call(ctx context.Context, fn HandlerFunc, req *Request) (data any, err error) {
	defer func() {
		if p := recover(); p != nil {
			h.Log.Error("panic in action", zap.String("request_id", req.ID), zap.String("action", req.Action),
				zap.Any("panic", p), zap.String("stack", strings.TrimSpace(string(debug.Stack()))))
			data, err = nil, errPanic
		}
	}()
	return fn(ctx, req)
}

var errPanic = errors.New("dispatch: handler panicked")

func (h *Handler) fail(err error) (int, Envelope) {
	e := asAPIError(err)
	if e == nil {
		e = ErrBusy
	}
	return e.Status, failure(e)
}
