package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"go.uber.org/zap"
	"riverqueue.com/riverui"

	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/httpserver"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// JobsPath is where River's dashboard is mounted.
const JobsPath = "/jobs/"

// VerifyEvery is how often the ledger is verified for the metrics.
const VerifyEvery = 5 * time.Minute

// Server is a running admin listener.
type Server struct {
	srv  *httpserver.Server
	stop context.CancelFunc
	done chan struct{}
	errc chan error
	// Metric is what the listener serves at /metrics.
	Metric *Metrics
}

// Start listens on addr and serves /metrics and the job dashboard, and
// verifies the ledger every VerifyEvery. It returns an error when it
// cannot listen or the dashboard cannot be built.
func Start(ctx context.Context, addr string, m *Metrics, db *postgres.DB, log *zap.Logger) (*Server, error) {
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	ui, err := dashboard(bg, db)
	if err != nil {
		stop()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle(JobsPath, ui)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "zonkvmd admin: /metrics (Prometheus), %s (jobs)\n", JobsPath)
	})
	srv, err := httpserver.Listen(addr, mux)
	if err != nil {
		stop()
		return nil, fmt.Errorf("admin listener %s: %w", addr, err)
	}
	s := &Server{srv: srv, stop: stop, done: make(chan struct{}), errc: make(chan error, 1), Metric: m}
	go func() {
		defer close(s.done)
		m.VerifyLedger(bg, VerifyEvery, func(ctx context.Context) ([]string, error) { return billing.Verify(ctx, db) })
	}()
	go func() { s.errc <- srv.Serve() }()
	log.Info("admin listening", zap.String("addr", srv.Addr()), zap.String("metrics", "/metrics"), zap.String("jobs", JobsPath))
	return s, nil
}

// dashboard is River's UI over its own insert-only client.
func dashboard(ctx context.Context, db *postgres.DB) (http.Handler, error) {
	// River logs in slog: its warnings and errors go to stderr as JSON,
	// like zap's.
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	client, err := river.NewClient[pgx.Tx](riverpgxv5.New(db), &river.Config{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("job dashboard: %w", err)
	}
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    logger,
		Prefix:    JobsPath[:len(JobsPath)-1],
	})
	if err != nil {
		return nil, fmt.Errorf("job dashboard: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("job dashboard: %w", err)
	}
	return h, nil
}

// Addr is the address the listener is bound to.
func (s *Server) Addr() string { return s.srv.Addr() }

// Shutdown stops serving (waiting for requests in flight until ctx ends)
// and stops the ledger verification and the dashboard.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.stop()
	<-s.done
	if serr := <-s.errc; err == nil {
		err = serr
	}
	return err
}
