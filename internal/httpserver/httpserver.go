// Package httpserver is zonkvmd's HTTP front: the router with the API
// endpoint, /healthz and /readyz, request ids, the client address behind
// trusted proxies, and the server's timeouts and graceful shutdown.
package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/clientip"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// APIPath is the one endpoint of the API.
const APIPath = "/api/same/index"

// Routes returns the router: api at POST APIPath (any other method: 405),
// GET /healthz (the process is up) and GET /readyz (ready returns nil).
func Routes(api http.Handler, ready func(context.Context) error, proxies clientip.Resolver, log *zap.Logger) http.Handler {
	r := chi.NewRouter()
	r.Use(requestID(proxies), proxies.Middleware, recoverer(log))
	r.Post(APIPath, api.ServeHTTP)
	r.MethodNotAllowed(methodNotAllowed)
	r.NotFound(notFound)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	r.Get("/readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil { // the details (hosts, users) only in the log
			log.Warn("not ready", zap.String("request_id", middleware.GetReqID(req.Context())), zap.Error(err))
			writeText(w, http.StatusServiceUnavailable, "database unavailable")
			return
		}
		writeText(w, http.StatusOK, "ready")
	})
	return r
}

func methodNotAllowed(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	dispatch.WriteError(w, &dispatch.Error{Msg: dispatch.ErrBadRequest.Msg, Status: http.StatusMethodNotAllowed})
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	dispatch.WriteError(w, &dispatch.Error{Msg: dispatch.ErrBadRequest.Msg, Status: http.StatusNotFound})
}

func writeText(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(s + "\n"))
}

// requestID gives each request its id: the X-Request-Id of a trusted proxy
// (nginx's $request_id) when it is a plain token of at most 64 characters,
// else a new random one, so a caller cannot mix its lines into another
// request's. The id is echoed to the caller, who can quote it to support.
func requestID(proxies clientip.Resolver) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !proxies.TrustedPeer(r) || !plainToken(id) {
				id = newRequestID()
			}
			w.Header().Set("X-Request-Id", id)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), middleware.RequestIDKey, id)))
		})
	}
}

// plainToken reports whether s is 1 to 64 letters, digits, '-', '_' or '.'.
func plainToken(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// newRequestID returns 32 random hex digits, the shape of nginx's ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recoverer turns a panic outside the API handler (which has its own) into
// a 500 envelope with the details logged.
func recoverer(log *zap.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					log.Error("panic", zap.String("request_id", middleware.GetReqID(r.Context())), zap.Any("panic", p), zap.Stack("stack"))
					dispatch.WriteError(w, &dispatch.Error{Msg: dispatch.ErrBusy.Msg, Status: http.StatusInternalServerError})
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// Server is an http.Server with zonkvmd's timeouts.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen binds addr ("host:port"; port 0 picks one) and returns the server,
// not yet serving.
func Listen(addr string, h http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{ln: ln, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}}, nil
}

// Addr returns the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Shutdown; it returns nil after a clean shutdown.
func (s *Server) Serve() error {
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting and waits for requests in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
