// Package jobs runs zonkvmd's durable jobs on PostgreSQL with River
// (riverqueue/river): provisioning, power, reinstall, passwords, resize and
// destroy. A job is inserted in the same transaction as the order change
// that needs it (InsertTx), so an order never exists without its job and a
// rolled-back purchase leaves none; River retries with backoff, and jobs
// survive a restart because they are rows. The businesses do the work: each
// registers a Handler for its name.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Operations a job can carry out on an order.
const (
	OpProvision   = "provision"
	OpStart       = "start"
	OpStop        = "stop"
	OpRestart     = "restart"
	OpInstall     = "install"
	OpPassword    = "password"
	OpVNCPassword = "vnc_password"
	OpResize      = "resize"
	OpDestroy     = "destroy"
	OpLock        = "lock"   // expired: stop and lock
	OpUnlock      = "unlock" // reinstated by a renewal
)

// Args is the one job kind: an operation on one order of one business.
// Params carry what the operation needs (a reinstall's system, a
// password sealed with the secret box, ...).
type Args struct {
	Business string            `json:"business"`
	OrderID  int64             `json:"order_id"`
	Op       string            `json:"op"`
	Params   map[string]string `json:"params,omitempty"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return "order_op" }

// Handler does one business's jobs. A returned error makes River retry
// with backoff; Permanent(err) fails the job at once. Attempt counts from 1;
// final reports whether this is the last attempt, so the handler can undo
// (refund a purchase) when it fails.
type Handler interface {
	Do(ctx context.Context, a Args, attempt int, final bool) error
}

// Permanent marks an error that no retry can fix.
func Permanent(err error) error { return river.JobCancel(err) }

// MaxAttempts is how often a job runs before it is given up.
const MaxAttempts = 8

// Client inserts jobs and, when started, works them.
type Client struct {
	river *river.Client[pgx.Tx]
}

// worker dispatches jobs to the business handlers.
type worker struct {
	river.WorkerDefaults[Args]
	handlers map[string]Handler
	log      *zap.Logger
	timeout  time.Duration
}

// NextRetry backs off 2s, 4s, 8s ... up to 5 minutes.
func (w *worker) NextRetry(job *river.Job[Args]) time.Time {
	d := time.Duration(1<<min(job.Attempt, 8)) * time.Second
	return time.Now().Add(min(d, 5*time.Minute))
}

// Timeout bounds one attempt.
func (w *worker) Timeout(*river.Job[Args]) time.Duration { return w.timeout }

func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	h, ok := w.handlers[job.Args.Business]
	if !ok {
		return Permanent(fmt.Errorf("jobs: no handler for business %q", job.Args.Business))
	}
	final := job.Attempt >= job.MaxAttempts
	err := h.Do(ctx, job.Args, job.Attempt, final)
	if err != nil {
		w.log.Warn("job failed", zap.Int64("job", job.ID), zap.String("business", job.Args.Business),
			zap.Int64("order", job.Args.OrderID), zap.String("op", job.Args.Op),
			zap.Int("attempt", job.Attempt), zap.Bool("final", final), zap.Error(err))
	}
	return err
}

// Config says how a Client works.
type Config struct {
	Handlers map[string]Handler // by business; nil for an insert-only client
	Workers  int                // concurrent jobs (default 10)
	Poll     time.Duration      // how often to look for jobs besides notifications (default 1s)
	// Timeout bounds one attempt (default 1 minute): its context ends then.
	Timeout time.Duration
	// RescueAfter is how long a job may stay running before it is taken
	// for dead (its daemon was killed) and run again (default Timeout plus
	// 30 seconds); it must exceed Timeout, so a live attempt is never run
	// twice. River's leader rescues with its own setting.
	RescueAfter time.Duration
}

// New returns a client on db. It works jobs only after Start. It returns
// an error when RescueAfter does not exceed Timeout.
func New(db *postgres.DB, log *zap.Logger, cfg Config) (*Client, error) {
	timeout := cmpOr(cfg.Timeout, time.Minute)
	rescue := cmpOr(cfg.RescueAfter, timeout+30*time.Second)
	if rescue <= timeout {
		return nil, fmt.Errorf("jobs.New: the rescue window %s must exceed the attempt timeout %s", rescue, timeout)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{handlers: cfg.Handlers, log: log, timeout: timeout})
	poll := cmpOr(cfg.Poll, time.Second)
	rc := &river.Config{
		Workers:              workers,
		MaxAttempts:          MaxAttempts,
		FetchPollInterval:    poll,
		FetchCooldown:        min(poll, 50*time.Millisecond),
		JobTimeout:           timeout,
		RescueStuckJobsAfter: rescue,
		Logger:               newSlogLogger(log, slog.LevelWarn),
	}
	if cfg.Handlers != nil {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cmpOr(cfg.Workers, 10)}}
	}
	c, err := river.NewClient(riverpgxv5.New(db), rc)
	if err != nil {
		return nil, fmt.Errorf("jobs.New: %w", err)
	}
	return &Client{river: c}, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Insert records a job in tx; it runs once tx commits.
func (c *Client) Insert(ctx context.Context, tx pgx.Tx, a Args) error {
	if _, err := c.river.InsertTx(ctx, tx, a, nil); err != nil {
		return fmt.Errorf("jobs.Insert %s %s %d: %w", a.Op, a.Business, a.OrderID, err)
	}
	return nil
}

// Start works jobs until Stop.
func (c *Client) Start(ctx context.Context) error { return c.river.Start(ctx) }

// Stop waits for running jobs to finish (until ctx ends) and stops.
func (c *Client) Stop(ctx context.Context) error {
	err := c.river.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("jobs.Stop: jobs still running at the deadline: %w", err)
	}
	return err
}
