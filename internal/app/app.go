// Package app wires zonkvmd together: the logger, the database (a given
// DATABASE_URL or the private cluster), the secret box, every business
// service in the action table, and the HTTP handler. The serve command and
// the end-to-end tests build the same App.
package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/zonkvm/zonkvmd/internal/admin"
	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/clientip"
	"github.com/zonkvm/zonkvmd/internal/config"
	"github.com/zonkvm/zonkvmd/internal/database"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/hosting"
	"github.com/zonkvm/zonkvmd/internal/httpserver"
	"github.com/zonkvm/zonkvmd/internal/idc"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/lease"
	"github.com/zonkvm/zonkvmd/internal/lifecycle"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
	"github.com/zonkvm/zonkvmd/internal/server"
)

// App is one wired daemon.
type App struct {
	Config  config.Config
	Log     *zap.Logger
	DB      *postgres.DB
	Box     *secret.Box
	Engine  *orderflow.Engine
	Jobs    *jobs.Client
	Table   *dispatch.Table
	Limits  *auth.Limiter
	Auth    *auth.Service
	Handler http.Handler
	Sweeper *lifecycle.Sweeper
	Metrics *admin.Metrics // the admin listener's (admin.go)

	stopSweeps context.CancelFunc
	sweeps     chan struct{}
	stopListen context.CancelFunc
	listening  chan struct{}
}

// New wires the services over an open database. It sets the API's time
// zone from cfg. Jobs are inserted at once but worked only after Start.
func New(cfg config.Config, log *zap.Logger, db *postgres.DB, box *secret.Box) (*App, error) {
	apitype.SetLocation(cfg.Location)
	a := &App{Config: cfg, Log: log, DB: db, Box: box}
	a.Engine = &orderflow.Engine{DB: db, Now: time.Now, Box: box}
	services := newServices(db, box, a.Engine)
	var err error
	if a.Jobs, err = jobs.New(db, log, jobs.Config{Handlers: services.jobs(), Work: true, Poll: cfg.JobPoll,
		RescueAfter: cfg.JobRescueAfter, Timeout: cfg.JobTimeout, Workers: cfg.JobWorkers}); err != nil {
		return nil, err
	}
	a.Engine.Jobs = a.Jobs
	a.Sweeper = &lifecycle.Sweeper{DB: db, Jobs: a.Jobs, Log: log}
	a.Table = services.table()
	a.Limits = auth.NewLimiter(cfg.RateLimit, cfg.RateBurst, cfg.LoginFailures, cfg.LoginWindow, nil)
	a.Auth = &auth.Service{DB: db}
	api := &dispatch.Handler{
		Table:   a.Table,
		Auth:    a.Auth,
		Limits:  a.Limits,
		Log:     log,
		MaxBody: cfg.MaxBodyBytes,

		MaxInFlight: cfg.MaxInFlight,
		Timeout:     cfg.RequestTimeout,
	}
	a.Handler = httpserver.Routes(a.instrument(api), a.Ready, clientip.Resolver{Trusted: cfg.TrustedProxies}, log)
	return a, nil
}

// Start starts the job workers, the periodic lifecycle sweep and the
// authentication cache's listener.
func (a *App) Start(ctx context.Context) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	listenCtx, stopListen := context.WithCancel(context.WithoutCancel(ctx))
	a.stopListen, a.listening = stopListen, make(chan struct{})
	go func() {
		defer close(a.listening)
		a.Auth.Listen(listenCtx, a.Log)
	}()
	sweepCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.stopSweeps, a.sweeps = cancel, make(chan struct{})
	go func() {
		defer close(a.sweeps)
		a.Sweeper.Run(sweepCtx, a.Config.SweepEvery, func() time.Time { return a.Engine.Now() })
	}()
	return nil
}

// Stop ends the sweeps, waits for running jobs (until ctx ends) and stops
// the workers.
func (a *App) Stop(ctx context.Context) error {
	if a.stopListen != nil {
		a.stopListen()
		<-a.listening
	}
	if a.stopSweeps != nil {
		a.stopSweeps()
		<-a.sweeps
	}
	return a.Jobs.Stop(ctx)
}

// services are the business services of one daemon.
type services struct {
	db       *postgres.DB
	engine   *orderflow.Engine
	server   *server.Service
	lease    *lease.Service
	idc      *idc.Service
	hosting  *hosting.Service
	database *database.Service
}

func newServices(db *postgres.DB, box *secret.Box, e *orderflow.Engine) services {
	return services{
		db:       db,
		engine:   e,
		server:   &server.Service{DB: db, Box: box, Engine: e},
		lease:    &lease.Service{DB: db, Box: box, Engine: e},
		idc:      &idc.Service{DB: db, Box: box, Engine: e},
		hosting:  &hosting.Service{DB: db, Box: box, Engine: e},
		database: &database.Service{DB: db, Box: box, Engine: e},
	}
}

func (s services) table() *dispatch.Table { return dispatch.NewTable(s.routes()) }

// NewTable returns the action table with every business registered, as a
// daemon has it (db and box may be nil when only the table's shape is
// wanted, as for the README's coverage table).
func NewTable(db *postgres.DB, box *secret.Box) *dispatch.Table {
	return newServices(db, box, &orderflow.Engine{DB: db, Box: box, Now: time.Now}).table()
}

// Ready reports whether the database answers and its schema is current.
func (a *App) Ready(ctx context.Context) error {
	if err := a.DB.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return postgres.CheckSchema(ctx, a.DB)
}

// NewLogger builds the zap logger of cfg, writing to stderr.
func NewLogger(cfg config.Config) (*zap.Logger, error) {
	zc := zap.NewProductionConfig()
	if cfg.LogFormat == "console" {
		zc = zap.NewDevelopmentConfig()
		zc.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
	}
	zc.Level = cfg.LogLevel
	zc.EncoderConfig.TimeKey = "time"
	zc.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	zc.OutputPaths = []string{"stderr"}
	zc.ErrorOutputPaths = []string{"stderr"}
	zc.Sampling = nil
	return zc.Build()
}

// LoadBox returns the secret box of ZONKVMD_SECRET_KEY, or of the key file
// under the var folder (created on first run).
func LoadBox(cfg config.Config) (*secret.Box, error) {
	var key []byte
	var err error
	if cfg.SecretKey != "" {
		key, err = secret.ParseKey(cfg.SecretKey)
	} else {
		key, err = secret.LoadOrCreateKeyFile(filepath.Join(cfg.VarDir, "secret.key"))
	}
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return secret.New(key)
}

// OpenDB opens DATABASE_URL, or starts the private cluster under the var
// folder when it is unset. close releases the pool and stops the cluster.
func OpenDB(ctx context.Context, cfg config.Config, log *zap.Logger) (db *postgres.DB, closeFn func(), err error) {
	if cfg.DatabaseURL != "" {
		db, err = postgres.OpenWith(ctx, cfg.DatabaseURL, poolOptions(cfg))
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	}
	dir, err := privateClusterDir(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	cluster, err := postgres.StartCluster(ctx, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("private cluster: %w", err)
	}
	db, err = postgres.OpenWith(ctx, cluster.URL(), poolOptions(cfg))
	if err != nil {
		_ = cluster.Stop(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	return db, func() {
		db.Close()
		if err := cluster.Stop(context.Background()); err != nil {
			log.Error("stop private cluster", zap.Error(err))
		}
	}, nil
}

// poolOptions sizes the pool for the API and the job workers together and
// bounds every statement (config.Config's DBMaxConns, StatementTimeout).
func poolOptions(cfg config.Config) postgres.Options {
	return postgres.Options{MaxConns: cfg.DBMaxConns, StatementTimeout: cfg.StatementTimeout}
}
