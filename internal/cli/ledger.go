package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

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

func (r *runner) ledgerCmd() *cobra.Command {
	var limit int
	show := &cobra.Command{
		Use:   "show APPID [--limit N]",
		Short: "The reseller's newest ledger entries, one JSON line each, with their actor",
		Args:  exactArgs(1),
		RunE: r.run(func(e *env, args []string) error {
			if limit < 1 || limit > 100000 {
				return usagef("--limit must be from 1 to 100000")
			}
			return ledgerShow(e, args[0], limit)
		}),
	}
	show.Flags().IntVar(&limit, "limit", 50, "how many of the newest entries")
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check every invariant of the ledger (exit 1 if any fails)",
		Args:  exactArgs(0),
		RunE:  r.run(func(e *env, _ []string) error { return ledgerVerify(e) }),
	}
	return group("ledger", "Read and verify the ledger", "show APPID [--limit N] | ledger verify", show, verify)
}

func ledgerVerify(e *env) error {
	db, closeDB, err := app.OpenExistingDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer closeDB()
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

// ledgerLine is a ledger entry as ledger show prints it: with its actor
// (null: the reseller's own, through the API).
type ledgerLine struct {
	billing.LedgerEntry
	Actor *string `json:"actor"`
}

func ledgerShow(e *env, appid string, limit int) error {
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	r, err := auth.Get(e.ctx, db, appid)
	if err != nil {
		return err
	}
	entries, err := billing.Entries(e.ctx, db, r.ID, limit)
	if err != nil {
		return err
	}
	actors, err := ledgerActors(e, db, entries)
	if err != nil {
		return err
	}
	for _, en := range entries {
		if err := printJSON(e, ledgerLine{LedgerEntry: en, Actor: actors[en.ID]}); err != nil {
			return err
		}
	}
	return nil
}

// ledgerActors returns the actor of each of entries that has one.
func ledgerActors(e *env, db postgres.Querier, entries []billing.LedgerEntry) (map[int64]*string, error) {
	ids := make([]int64, len(entries))
	for i, en := range entries {
		ids[i] = en.ID
	}
	rows, err := db.Query(e.ctx, `SELECT id, actor FROM ledger_entries WHERE id = ANY($1) AND actor IS NOT NULL`, ids)
	if err != nil {
		return nil, fmt.Errorf("ledger actors: %w", err)
	}
	out := map[int64]*string{}
	var id int64
	var actor string
	_, err = pgx.ForEachRow(rows, []any{&id, &actor}, func() error {
		a := actor
		out[id] = &a
		return nil
	})
	return out, err
}

func (r *runner) sweepCmd() *cobra.Command {
	var atFlag string
	var dryRun bool
	c := &cobra.Command{
		Use:   `sweep [--at "YYYY-MM-DD HH:MM:SS"] [--dry-run]`,
		Short: "Run the lifecycle once: auto-renew, expire and recycle what is due",
		Args:  exactArgs(0),
		RunE:  r.run(func(e *env, _ []string) error { return sweep(e, atFlag, dryRun) }),
	}
	c.Flags().StringVar(&atFlag, "at", "", `the instant to sweep for, "YYYY-MM-DD HH:MM:SS" in ZONKVMD_TZ (default: now)`)
	c.Flags().BoolVar(&dryRun, "dry-run", false, "report what would change, change nothing")
	return c
}

func sweep(e *env, atFlag string, dryRun bool) error {
	var err error
	apitype.SetLocation(e.cfg.Location)
	at := time.Now()
	if strings.TrimSpace(atFlag) != "" {
		if at, err = apitype.ParseDateTime(strings.TrimSpace(atFlag)); err != nil {
			return usagef("--at %q: want YYYY-MM-DD HH:MM:SS", atFlag)
		}
	}
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	jc, err := jobs.New(db, e.log, jobs.Config{}) // insert-only: the daemon works the jobs
	if err != nil {
		return err
	}
	s := &lifecycle.Sweeper{DB: db, Jobs: jc, Log: e.log}
	actions, err := s.Sweep(e.ctx, at, dryRun)
	for _, a := range actions {
		if perr := printJSON(e, a); perr != nil {
			return perr
		}
	}
	if err != nil {
		return err
	}
	if !dryRun {
		if err := e.audit(e.ctx, db, "sweep", "", map[string]any{"at": at, "actions": len(actions)}); err != nil {
			return err
		}
	}
	word := "done"
	if dryRun {
		word = "dry run, nothing changed"
	}
	fmt.Fprintf(e.stdout, "sweep at %s: %d actions (%s)\n", apitype.FormatDateTime(at), len(actions), word)
	return nil
}
