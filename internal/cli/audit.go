package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// auditEntry is one line of the audit trail.
type auditEntry struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Origin  string          `json:"origin"`
	Command string          `json:"command"`
	Target  string          `json:"target"`
	Detail  json.RawMessage `json:"detail"`
}

// origin says where a command runs from: the host, and the SSH client's
// address when there is one.
func (e *env) origin() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	if ssh := strings.Fields(e.getenv("SSH_CLIENT")); len(ssh) > 0 {
		return host + " via ssh from " + ssh[0]
	}
	return host
}

// audit appends one entry to the audit trail: e's actor ran command on
// target. q is the transaction of the change when there is one, so that
// the change and its record commit together.
func (e *env) audit(ctx context.Context, q postgres.Querier, command, target string, detail any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `
		INSERT INTO audit_log (actor, origin, command, target, detail)
		VALUES ($1, $2, $3, $4, $5)`, e.actor, e.origin(), command, target, b)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// changeTx runs fn in one transaction that records command on target in
// the audit trail.
func (e *env) changeTx(db *postgres.DB, command, target string, detail any, fn func(tx pgx.Tx) error) error {
	return postgres.Tx(e.ctx, db, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return e.audit(e.ctx, tx, command, target, detail)
	})
}

// actorParam is the setting that names the actor of the ledger entries a
// session writes (the ledger_entries.actor column's default).
const actorParam = "zonkvmd.actor"

// openDB opens the database of an operator's command and checks its
// schema. Every session of the pool names e's actor, so each ledger entry
// the command writes, through whichever business's code, names it too.
func openDB(e *env) (*postgres.DB, func(), error) {
	db, closeDB, err := app.OpenExistingDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return nil, nil, err
	}
	if err := postgres.CheckSchema(e.ctx, db); err != nil {
		closeDB()
		return nil, nil, err
	}
	cfg := db.Config()
	cfg.ConnConfig.RuntimeParams[actorParam] = e.actor
	acting, err := pgxpool.NewWithConfig(e.ctx, cfg)
	if err != nil {
		closeDB()
		return nil, nil, fmt.Errorf("open the database as %s: %w", e.actor, err)
	}
	db.Close() // the cluster, if any, stays up until closeDB
	return acting, func() { acting.Close(); closeDB() }, nil
}

func (r *runner) auditCmd() *cobra.Command {
	var limit int
	show := &cobra.Command{
		Use:   "show [--limit N]",
		Short: "The newest entries of the audit trail, one JSON line each (newest first)",
		Args:  exactArgs(0),
		RunE: r.run(func(e *env, _ []string) error {
			if limit < 1 || limit > 100000 {
				return usagef("--limit must be from 1 to 100000")
			}
			db, closeDB, err := openDB(e)
			if err != nil {
				return err
			}
			defer closeDB()
			rows, err := db.Query(e.ctx, `
				SELECT id, at, actor, origin, command, target, detail
				FROM audit_log ORDER BY id DESC LIMIT $1`, limit)
			if err != nil {
				return err
			}
			list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (auditEntry, error) {
				var a auditEntry
				err := row.Scan(&a.ID, &a.At, &a.Actor, &a.Origin, &a.Command, &a.Target, &a.Detail)
				return a, err
			})
			if err != nil {
				return err
			}
			for _, a := range list {
				if err := printJSON(e, a); err != nil {
					return err
				}
			}
			return nil
		}),
	}
	show.Flags().IntVar(&limit, "limit", 50, "how many of the newest entries")
	return group("audit", "The audit trail of the commands that changed something", "show [--limit N]", show)
}
