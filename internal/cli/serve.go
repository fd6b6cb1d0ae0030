package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/examples"
	"github.com/zonkvm/zonkvmd/internal/admin"
	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/httpserver"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// shutdownGrace is how long requests in flight may finish at shutdown.
const shutdownGrace = 15 * time.Second

func (r *runner) serveCmd() *cobra.Command {
	var demo, migrate bool
	c := &cobra.Command{
		Use:   "serve [--demo] [--migrate]",
		Short: "Run the API, the admin listener and the background workers",
		Long: "serve runs the API at ZONKVMD_ADDR, the admin listener (/metrics, /jobs/) at\n" +
			"ZONKVMD_ADMIN_ADDR and the job workers. Without DATABASE_URL it starts a private\n" +
			"PostgreSQL cluster under ZONKVMD_VAR_DIR (see README.md).",
		Args: exactArgs(0),
		RunE: r.run(func(e *env, _ []string) error { return serve(e, demo, migrate) }),
	}
	c.Flags().BoolVar(&demo, "demo", false, "load the example catalogue and a demo reseller (implies --migrate)")
	c.Flags().BoolVar(&migrate, "migrate", false, "apply pending schema migrations before serving")
	return c
}

func serve(e *env, demo, migrate bool) error {
	e.log.Info("starting zonkvmd", e.cfg.Fields()...)
	db, closeDB, err := app.OpenDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer closeDB()
	if demo || migrate {
		if err := postgres.MigrateUp(e.ctx, db); err != nil {
			return err
		}
	}
	if err := postgres.CheckSchema(e.ctx, db); err != nil {
		return err
	}
	box, err := app.OpenBox(e.ctx, e.cfg, db)
	if err != nil {
		return err
	}
	a, err := app.New(e.cfg, e.log, db, box)
	if err != nil {
		return err
	}
	srv, err := httpserver.Listen(e.cfg.Addr, a.Handler)
	if err != nil {
		return fmt.Errorf("listen %s: %w", e.cfg.Addr, err)
	}
	if demo {
		if err := setUpDemo(e, db, box, srv.Addr()); err != nil {
			return err
		}
	}
	if err := a.Start(e.ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	defer func() { // after HTTP: let running jobs finish, then the pool closes
		ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), shutdownGrace)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			e.log.Error("stop workers", zap.Error(err))
		}
	}()
	adm, err := a.StartAdmin(e.ctx)
	if err != nil {
		return err
	}
	if adm != nil {
		defer func() { // with the API, before the workers
			ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), shutdownGrace)
			defer cancel()
			if err := adm.Shutdown(ctx); err != nil {
				e.log.Error("stop admin listener", zap.Error(err))
			}
		}()
		if demo {
			fmt.Fprintf(e.stdout, "zonkvmd demo: metrics at http://%s/metrics, jobs at http://%s%s\n", adm.Addr(), adm.Addr(), admin.JobsPath)
		}
	}
	return run(e, srv)
}

// run serves until the context ends or the server fails, then shuts the
// HTTP side down first; the deferred calls stop the workers, then release
// the pool and the cluster.
func run(e *env, srv *httpserver.Server) error {
	e.log.Info("listening", zap.String("addr", srv.Addr()), zap.String("api", "POST "+httpserver.APIPath))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case err := <-errc:
		return err
	case <-e.ctx.Done():
	}
	e.log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-errc
}

// demoReseller is the name of the reseller --demo creates.
const demoReseller = "demo"

// setUpDemo loads the example catalogue and creates the demo reseller with
// 10000.00 unless it exists. The key is stored only hashed, so an existing
// demo reseller gets a new key, printed like a new one.
func setUpDemo(e *env, db *postgres.DB, box *secret.Box, addr string) error {
	if _, err := catalog.Import(e.ctx, db, box, bytes.NewReader(examples.Catalog)); err != nil {
		return fmt.Errorf("demo catalogue: %w", err)
	}
	var creds auth.Created
	err := postgres.Tx(e.ctx, db, func(tx pgx.Tx) error {
		var appid string
		err := postgres.QueryRow(e.ctx, tx, `SELECT appid FROM resellers WHERE name = $1`, demoReseller).Scan(&appid)
		if err == nil {
			key, err := auth.RotateKey(e.ctx, tx, appid)
			creds = auth.Created{AppID: appid, AppKey: key}
			return err
		}
		if !errors.Is(err, postgres.ErrNotFound) {
			return err
		}
		if creds, err = auth.CreateTx(e.ctx, tx, demoReseller, nil); err != nil {
			return err
		}
		if _, err = billing.Topup(e.ctx, tx, creds.ID, decimal.NewFromInt(10000), "demo balance"); err != nil {
			return err
		}
		return e.audit(e.ctx, tx, "serve --demo", creds.AppID, map[string]string{"balance": "10000.00"})
	})
	if err != nil {
		return fmt.Errorf("demo reseller: %w", err)
	}
	line, _ := json.Marshal(creds)
	fmt.Fprintf(e.stdout, "zonkvmd demo: API at http://%s%s\n", addr, httpserver.APIPath)
	fmt.Fprintf(e.stdout, "zonkvmd demo: appid=%s appkey=%s\n%s\n", creds.AppID, creds.AppKey, line)
	return nil
}
