// Package jobs runs zonkvmd's durable jobs on PostgreSQL with River
// (riverqueue/river): provisioning, power, reinstall, passwords, resize,
// lock, unlock and destroy. A job is inserted in the same transaction as the
// order change that needs it (Insert), so an order never exists without its
// job and a rolled-back purchase leaves none; River retries with backoff, and
// jobs survive a restart because they are rows.
//
// Each kind of job has its own args type (Provision, Stop, Install, ...),
// named by its Kind once, and its own River worker; the businesses do the
// work through Handlers, typed per kind, so a handler that does not fit its
// kind fails to compile.
package jobs

import (
	"context"
	"encoding/json"
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

// The kinds of job, River's Kind of each args type. Every one acts on one
// order of one business.
const (
	KindProvision   = "provision"    // create the order's resource
	KindDestroy     = "destroy"      // remove it (refunded or recycled)
	KindResize      = "resize"       // apply an upgrade
	KindLock        = "lock"         // expired: stop it
	KindUnlock      = "unlock"       // reinstated by a renewal: start it
	KindStart       = "start"        // the reseller's power on
	KindStop        = "stop"         // the reseller's power off
	KindRestart     = "restart"      // the reseller's reboot
	KindInstall     = "install"      // the reseller's reinstall
	KindPassword    = "password"     // the reseller's new root password
	KindVNCPassword = "vnc_password" // the reseller's new console password
	KindDBBackup    = "db_backup"    // the reseller's backup of a cloud database
	KindDBImport    = "db_import"    // the reseller's import of a backup into it
)

// Order names the order a job acts on.
type Order struct {
	Business string `json:"business"`
	OrderID  int64  `json:"order_id"`
}

func (o Order) order() Order { return o }

// The args of each kind. A password travels sealed with the secret box
// (base64 in the job's row), never in clear.
type (
	Provision struct{ Order }
	Destroy   struct{ Order }
	Resize    struct{ Order }
	Lock      struct{ Order }
	Unlock    struct{ Order }
	Start     struct{ Order }
	Stop      struct{ Order }
	Restart   struct{ Order }
	DBBackup  struct{ Order }
	DBImport  struct{ Order }
	// Install reinstalls SystemID (systems.id). Port (0: the system's),
	// Partition ("all" or "first"), PartitionSize (GB, 0: the driver's
	// default) and Reason (kept for the operator) are what lease_install
	// and idc_install add.
	Install struct {
		Order
		SystemID      int64  `json:"system_id"`
		Port          int    `json:"port,omitempty"`
		Partition     string `json:"partition,omitempty"`
		PartitionSize int    `json:"partition_size,omitempty"`
		Reason        string `json:"reason,omitempty"`
		Password      []byte `json:"password"`
	}
	Password struct {
		Order
		Password []byte `json:"password"`
	}
	VNCPassword struct {
		Order
		Password []byte `json:"password"`
	}
)

// Kind implements river.JobArgs for each kind.
func (Provision) Kind() string   { return KindProvision }
func (Destroy) Kind() string     { return KindDestroy }
func (Resize) Kind() string      { return KindResize }
func (Lock) Kind() string        { return KindLock }
func (Unlock) Kind() string      { return KindUnlock }
func (Start) Kind() string       { return KindStart }
func (Stop) Kind() string        { return KindStop }
func (Restart) Kind() string     { return KindRestart }
func (Install) Kind() string     { return KindInstall }
func (Password) Kind() string    { return KindPassword }
func (VNCPassword) Kind() string { return KindVNCPassword }
func (DBBackup) Kind() string    { return KindDBBackup }
func (DBImport) Kind() string    { return KindDBImport }

// Args is any of the kinds above.
type Args interface {
	river.JobArgs
	order() Order
}

// Func does one job of kind A for one business. final reports whether this
// is the last attempt, so the handler can undo (refund a purchase) when it
// fails. A returned error makes River retry with backoff; Permanent(err)
// fails the job at once.
type Func[A Args] func(ctx context.Context, a A, final bool) error

// Handlers are the work of each kind, by business name. A kind a business
// has no handler for fails its jobs for good.
type Handlers struct {
	Provision   map[string]Func[Provision]
	Destroy     map[string]Func[Destroy]
	Resize      map[string]Func[Resize]
	Lock        map[string]Func[Lock]
	Unlock      map[string]Func[Unlock]
	Start       map[string]Func[Start]
	Stop        map[string]Func[Stop]
	Restart     map[string]Func[Restart]
	Install     map[string]Func[Install]
	Password    map[string]Func[Password]
	VNCPassword map[string]Func[VNCPassword]
	DBBackup    map[string]Func[DBBackup]
	DBImport    map[string]Func[DBImport]
}

// Permanent marks an error that no retry can fix.
func Permanent(err error) error { return river.JobCancel(err) }

// MaxAttempts is how often a job runs before it is given up.
const MaxAttempts = 8

// Merge returns the handlers of every hs together (each business brings
// its own). A business that two of them name for one kind panics: a
// programming error.
func Merge(hs ...Handlers) Handlers {
	var m Handlers
	for _, h := range hs {
		merge(&m.Provision, h.Provision)
		merge(&m.Destroy, h.Destroy)
		merge(&m.Resize, h.Resize)
		merge(&m.Lock, h.Lock)
		merge(&m.Unlock, h.Unlock)
		merge(&m.Start, h.Start)
		merge(&m.Stop, h.Stop)
		merge(&m.Restart, h.Restart)
		merge(&m.Install, h.Install)
		merge(&m.Password, h.Password)
		merge(&m.VNCPassword, h.VNCPassword)
		merge(&m.DBBackup, h.DBBackup)
		merge(&m.DBImport, h.DBImport)
	}
	return m
}

func merge[A Args](dst *map[string]Func[A], src map[string]Func[A]) {
	for business, f := range src {
		if *dst == nil {
			*dst = map[string]Func[A]{}
		}
		if _, dup := (*dst)[business]; dup {
			var a A
			panic(fmt.Sprintf("jobs: two %s handlers for business %q", a.Kind(), business))
		}
		(*dst)[business] = f
	}
}

// Work runs one attempt of a job of kind from its args as stored in its
// row (JSON), through h, as its worker would, without River: for tests and
// for the operator retrying by hand. It returns the handler's answer, or an
// error for a kind there is none of.
func Work(ctx context.Context, h Handlers, kind string, args []byte, final bool) error {
	for _, k := range h.kinds() {
		if k.kind == kind {
			return k.work(ctx, args, final)
		}
	}
	return fmt.Errorf("jobs.Work: unknown kind %q", kind)
}

// kindEntry is one kind of job as New and Work see it.
type kindEntry struct {
	kind string
	add  func(workers *river.Workers, log *zap.Logger, timeout time.Duration)
	work func(ctx context.Context, raw []byte, final bool) error
}

// kinds lists every kind with its handlers.
func (h Handlers) kinds() []kindEntry {
	return []kindEntry{kindOf(h.Provision), kindOf(h.Destroy), kindOf(h.Resize), kindOf(h.Lock), kindOf(h.Unlock),
		kindOf(h.Start), kindOf(h.Stop), kindOf(h.Restart), kindOf(h.Install), kindOf(h.Password),
		kindOf(h.VNCPassword), kindOf(h.DBBackup), kindOf(h.DBImport)}
}

func kindOf[A Args](handlers map[string]Func[A]) kindEntry {
	var zero A
	return kindEntry{
		kind: zero.Kind(),
		add: func(workers *river.Workers, log *zap.Logger, timeout time.Duration) {
			river.AddWorker(workers, &worker[A]{handlers: handlers, log: log, timeout: timeout})
		},
		work: func(ctx context.Context, raw []byte, final bool) error {
			var a A
			if err := json.Unmarshal(raw, &a); err != nil {
				return Permanent(fmt.Errorf("jobs: %s args: %w", zero.Kind(), err))
			}
			return (&worker[A]{handlers: handlers}).do(ctx, a, final)
		},
	}
}

// Client inserts jobs and, when started, works them.
type Client struct {
	river *river.Client[pgx.Tx]
}

// worker is River's worker of kind A: it hands each job to the handler of
// the job's business.
type worker[A Args] struct {
	river.WorkerDefaults[A]
	handlers map[string]Func[A]
	log      *zap.Logger
	timeout  time.Duration
}

// NextRetry backs off 2s, 4s, 8s ... up to 5 minutes.
func (w *worker[A]) NextRetry(job *river.Job[A]) time.Time {
	d := time.Duration(1<<min(job.Attempt, 8)) * time.Second
	return time.Now().Add(min(d, 5*time.Minute))
}

// Timeout bounds one attempt.
func (w *worker[A]) Timeout(*river.Job[A]) time.Duration { return w.timeout }

func (w *worker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	final := job.Attempt >= job.MaxAttempts
	err := w.do(ctx, job.Args, final)
	if err != nil {
		o := job.Args.order()
		w.log.Warn("job failed", zap.Int64("job", job.ID), zap.String("kind", job.Kind),
			zap.String("business", o.Business), zap.Int64("order", o.OrderID),
			zap.Int("attempt", job.Attempt), zap.Bool("final", final), zap.Error(err))
	}
	return err
}

func (w *worker[A]) do(ctx context.Context, a A, final bool) error {
	o := a.order()
	h, ok := w.handlers[o.Business]
	if !ok {
		return Permanent(fmt.Errorf("jobs: no %s handler for business %q", a.Kind(), o.Business))
	}
	return h(ctx, a, final)
}

// Config says how a Client works.
type Config struct {
	Handlers Handlers      // the work; a client without Start needs none
	Work     bool          // work jobs (after Start); false for an insert-only client
	Workers  int           // concurrent jobs (default 10)
	Poll     time.Duration // how often to look for jobs besides notifications (default 1s)
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
	c := &Client{}
	workers := river.NewWorkers()
	for _, k := range cfg.Handlers.kinds() {
		k.add(workers, log, timeout)
	}
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
	if cfg.Work {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cmpOr(cfg.Workers, 10)}}
	}
	var err error
	if c.river, err = river.NewClient(riverpgxv5.New(db), rc); err != nil {
		return nil, fmt.Errorf("jobs.New: %w", err)
	}
	return c, nil
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
		o := a.order()
		return fmt.Errorf("jobs.Insert %s %s %d: %w", a.Kind(), o.Business, o.OrderID, err)
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

// Note records why a job left its order alone as the job's output (River
// keeps it in the job's metadata; its UI shows it). Outside a River worker
// (a job run by hand) it does nothing.
func Note(ctx context.Context, why string) {
	_ = river.RecordOutput(ctx, map[string]string{"note": why}) // only fails outside a worker
}
