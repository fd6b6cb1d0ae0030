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
	"sync"
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
	// LoginBlocked reports whether ip (its /64 for IPv6) failed to log in
	// too often lately. Only failing requests are asked about it.
	LoginBlocked(ip netip.Addr) bool
	// LoginFailed records one failed login from ip.
	LoginFailed(ip netip.Addr)
	// Allow takes one request from the reseller's budget.
	Allow(appid string) bool
}

// Handler serves the API. Table, Auth, Limits, Log and MaxBody are
// required.
type Handler struct {
	Table   *Table
	Auth    Authenticator
	Limits  Limiter
	Log     *zap.Logger
	MaxBody int64 // bytes
	// MaxInFlight caps the requests served at once (0: no cap); a request
	// beyond it is answered at once with 503 and 系统繁忙.
	MaxInFlight int
	// Timeout is every request's deadline from the moment its body is read
	// (0: none); an action still running then answers 系统繁忙.
	Timeout time.Duration

	slotsOnce sync.Once
	slots     chan struct{}
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
	var status int
	var env Envelope
	if h.acquire() {
		status, env = h.serve(r, reqID, ip, &out)
		h.release()
	} else {
		status, env = h.fail(ErrOverloaded)
	}
	out.code, out.msg = env.Code, env.Msg
	writeEnvelope(w, status, env)
	took := time.Since(start)
	h.Log.Info("api",
		zap.String("request_id", reqID),
		zap.String("action", out.action),
		zap.String("sub", out.sub),
		zap.String("appid", out.appid),
		zap.Stringer("ip", ip),
		zap.Int("status", status),
		zap.Int("code", out.code),     // the envelope's code
		zap.String("answer", out.msg), // the envelope's msg ("msg" is zap's message, "api")
		zap.Duration("duration", took),
	)
	if h.Observe != nil {
		h.Observe(out.action, out.code, took)
	}
}

// acquire takes a slot for one request, or reports that none is free.
func (h *Handler) acquire() bool {
	if h.MaxInFlight <= 0 {
		return true
	}
	h.slotsOnce.Do(func() { h.slots = make(chan struct{}, h.MaxInFlight) })
	select {
	case h.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (h *Handler) release() {
	if h.MaxInFlight > 0 {
		<-h.slots
	}
}

func (h *Handler) serve(r *http.Request, reqID string, ip netip.Addr, out *outcome) (int, Envelope) {
	r.Body = http.MaxBytesReader(nil, r.Body, h.MaxBody)
	params, files, err := parseBody(r)
	if files != nil {
		defer func() { _ = files.RemoveAll() }()
	}
	if err != nil {
		return h.refuse(ip, err)
	}
	if a := params.String("action"); len(a) <= 64 && validText(a) {
		out.action = a
	}
	ctx := r.Context()
	if h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.Timeout)
		defer cancel()
	}
	reseller, err := h.authenticate(ctx, params, ip)
	if err != nil {
		if asAPIError(err) != nil {
			return h.refuse(ip, err)
		}
		h.Log.Error("authenticate", zap.String("request_id", reqID), zap.Error(err))
		return h.fail(ErrBusy)
	}
	out.appid = reseller.AppID
	if !h.Limits.Allow(reseller.AppID) {
		return h.fail(ErrTooFrequent)
	}
	action, err := params.Text("action")
	if err != nil || action == "" {
		return h.fail(ErrMissingParams)
	}
	if err := params.checkText(); err != nil {
		return h.fail(err)
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
				zap.String("sub", sub), zap.Bool("deadline", errors.Is(ctx.Err(), context.DeadlineExceeded)), zap.Error(err))
		}
		return h.fail(ErrBusy)
	}
	return http.StatusOK, success(data)
}

// authenticate checks the request's appid and appkey. It returns an *Error
// (缺少必要参数 or 权限不足) for every refusal, and another error only when
// the authenticator could not decide. A malformed appid or appkey is
// refused without asking the authenticator.
func (h *Handler) authenticate(ctx context.Context, params Params, ip netip.Addr) (Reseller, error) {
	appid, err1 := params.Text("appid")
	appkey, err2 := params.Text("appkey")
	if err1 == nil && err2 == nil && (appid == "" || appkey == "") {
		return Reseller{}, ErrMissingParams
	}
	if err1 != nil || err2 != nil || !validCredential(appid) || !validCredential(appkey) {
		return Reseller{}, ErrForbidden
	}
	reseller, ok, err := h.Auth.Authenticate(ctx, appid, appkey, ip)
	if err != nil {
		return Reseller{}, err
	}
	if !ok {
		return Reseller{}, ErrForbidden
	}
	return reseller, nil
}

// refuse answers a request that did not authenticate (a body that could not
// be read, missing or wrong credentials): it counts as a failed login from
// ip, and once ip has failed too often the answer is 请求过于频繁. A correct
// appid and appkey are never refused for their address's failures.
func (h *Handler) refuse(ip netip.Addr, err error) (int, Envelope) {
	blocked := h.Limits.LoginBlocked(ip)
	h.Limits.LoginFailed(ip)
	if blocked {
		return h.fail(ErrTooFrequent)
	}
	return h.fail(err)
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
