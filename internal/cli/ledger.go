package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/lifecycle"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// errInvariants makes `ledger verify` exit non-zero.
var errInvariants = errors.New("ledger invariants broken")

func cmdLedger(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: zonkvmd ledger show APPID [--limit N] | ledger verify")
	}
	fs := flag.NewFlagSet("ledger", flag.ContinueOnError)
	limit := fs.Int("limit", 50, "how many of the newest entries")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "show":
		if err := want(pos, 1, "ledger show APPID [--limit N]"); err != nil {
			return err
		}
		if *limit < 1 || *limit > 100000 {
			return usagef("--limit must be from 1 to 100000")
		}
	case "verify":
		if err := want(pos, 0, "ledger verify"); err != nil {
			return err
		}
	default:
		return usagef("unknown ledger command %q", args[0])
	}
	db, closeDB, err := app.OpenDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer closeDB()
	if args[0] == "verify" {
		problems, err := billing.Verify(e.ctx, db)
		if err != nil {
			return err
		}
		for _, p := range problems {
			fmt.Fprintln(e.stdout, p)
		}
		if len(problems) > 0 {
			return fmt.Errorf("%w: %d problems", errInvariants, len(problems))
		}
		fmt.Fprintln(e.stdout, "ledger ok")
		return nil
	}
	r, err := auth.Get(e.ctx, db, pos[0])
	if err != nil {
		return err
	}
	entries, err := billing.Entries(e.ctx, db, r.ID, *limit)
	if err != nil {
		return err
	}
	for _, en := range entries {
		if err := printJSON(e, en); err != nil {
			return err
		}
	}
	return nil
}

func cmdSweep(e *env, args []string) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	atFlag := fs.String("at", "", `the instant to sweep for, "YYYY-MM-DD HH:MM:SS" (default: now)`)
	dryRun := fs.Bool("dry-run", false, "report what would change, change nothing")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := want(pos, 0, `sweep [--at "YYYY-MM-DD HH:MM:SS"] [--dry-run]`); err != nil {
		return err
	}
	apitype.SetLocation(e.cfg.Location)
	at := time.Now()
	if strings.TrimSpace(*atFlag) != "" {
		if at, err = apitype.ParseDateTime(strings.TrimSpace(*atFlag)); err != nil {
			return usagef("--at %q: want YYYY-MM-DD HH:MM:SS", *atFlag)
		}
	}
	db, closeDB, err := app.OpenDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := postgres.CheckSchema(e.ctx, db); err != nil {
		return err
	}
	jc, err := jobs.New(db, e.log, jobs.Config{}) // insert-only: the daemon works the jobs
	if err != nil {
		return err
	}
	s := &lifecycle.Sweeper{DB: db, Jobs: jc, Log: e.log}
	actions, err := s.Sweep(e.ctx, at, *dryRun)
	for _, a := range actions {
		if perr := printJSON(e, a); perr != nil {
			return perr
		}
	}
	if err != nil {
		return err
	}
	word := "done"
	if *dryRun {
		word = "dry run, nothing changed"
	}
	fmt.Fprintf(e.stdout, "sweep at %s: %d actions (%s)\n", apitype.FormatDateTime(at), len(actions), word)
	return nil
}
