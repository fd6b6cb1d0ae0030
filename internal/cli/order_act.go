package cli

import (
	"errors"
	"fmt"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// suspendedPrefix begins the status_reason of an order the operator
// suspended; unsuspend looks for it.
const suspendedPrefix = orderflow.SuspendedPrefix

// orderAct is one order command's checked input.
type orderAct struct {
	verb, business, note string
	id                   int64
	to                   time.Time
}

func (a orderAct) target() string { return a.business + " " + strconv.FormatInt(a.id, 10) }

func (r *runner) orderActCmd(use, short string, noteRequired bool) *cobra.Command {
	verb := firstWord(use)
	var note, to string
	c := &cobra.Command{Use: use, Short: short, Args: exactArgs(2),
		RunE: r.run(func(e *env, args []string) error {
			a := orderAct{verb: verb, note: strings.TrimSpace(note)}
			var err error
			if a.business, a.id, err = orderRef(args); err != nil {
				return err
			}
			if noteRequired && a.note == "" {
				return usagef("order %s needs --note saying why", verb)
			}
			if verb == "extend" {
				apitype.SetLocation(e.cfg.Location)
				if a.to, err = apitype.ParseDateTime(strings.TrimSpace(to)); err != nil {
					return usagef(`--to %q: want "YYYY-MM-DD HH:MM:SS" in ZONKVMD_TZ`, to)
				}
			}
			return orderActRun(e, a)
		})}
	c.Flags().StringVar(&note, "note", "", "why (kept on the order, the ledger and the audit trail)")
	if verb == "extend" {
		c.Flags().StringVar(&to, "to", "", `the new end_time, "YYYY-MM-DD HH:MM:SS" in ZONKVMD_TZ`)
	}
	return c
}

func orderActRun(e *env, a orderAct) error {
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	if a.verb == "refund" {
		return orderRefund(e, db, a)
	}
	jc, err := jobs.New(db, e.log, jobs.Config{}) // insert-only: the daemon works the jobs
	if err != nil {
		return err
	}
	detail := map[string]string{"note": a.note}
	if a.verb == "extend" {
		detail["to"] = apitype.FormatDateTime(a.to)
	}
	err = e.changeTx(db, "order "+a.verb, a.target(), detail, func(tx pgx.Tx) error {
		o, resellerID, err := lockOrder(e, tx, a.business, a.id)
		if err != nil {
			return err
		}
		switch a.verb {
		case "suspend":
			return suspend(e, tx, jc, a, o)
		case "unsuspend":
			return unsuspend(e, tx, jc, a, o)
		}
		return extend(e, tx, a, o, resellerID)
	})
	if err != nil {
		return err
	}
	return orderShowIn(e, db, a.business, a.id)
}

// lockOrder reads one order under its row lock, with its reseller's id.
func lockOrder(e *env, tx pgx.Tx, business string, id int64) (orderRow, int64, error) {
	var resellerID int64
	err := postgres.QueryRow(e.ctx, tx, `SELECT reseller_id FROM `+orderTables[business]+` WHERE id = $1 FOR UPDATE`, id).Scan(&resellerID)
	if errors.Is(err, postgres.ErrNotFound) {
		return orderRow{}, 0, fmt.Errorf("no %s order %d", business, id)
	}
	if err != nil {
		return orderRow{}, 0, err
	}
	o, err := loadOrder(e, tx, business, id)
	return o, resellerID, err
}

func notNormal(a orderAct, o orderRow) error {
	return fmt.Errorf("%s is not 正常 (order_status %d); nothing changed", a.target(), o.OrderStatus)
}

// suspend locks the resource with the lifecycle's own lock job (the one an
// expiry writes): the business's job handler powers it off and sets
// run_status -2.
func suspend(e *env, tx pgx.Tx, jc *jobs.Client, a orderAct, o orderRow) error {
	if o.OrderStatus != orderflow.OrderActive {
		return notNormal(a, o)
	}
	if strings.HasPrefix(o.StatusReason, suspendedPrefix) {
		return fmt.Errorf("%s is suspended already; nothing changed", a.target())
	}
	if _, err := tx.Exec(e.ctx, `UPDATE `+orderTables[a.business]+` SET run_status = -2,
		status_reason = $2, updated_at = now() WHERE id = $1`, a.id, suspendedPrefix+a.note); err != nil {
		return err
	}
	return jc.Insert(e.ctx, tx, jobs.Lock{Order: jobs.Order{Business: a.business, OrderID: a.id}})
}

// unsuspend writes the unlock job a renewal writes when it reinstates an
// order: the business's job handler powers it on and sets run_status 1.
func unsuspend(e *env, tx pgx.Tx, jc *jobs.Client, a orderAct, o orderRow) error {
	if !strings.HasPrefix(o.StatusReason, suspendedPrefix) || o.OrderStatus != orderflow.OrderActive {
		return fmt.Errorf("%s is not suspended; nothing changed", a.target())
	}
	if _, err := tx.Exec(e.ctx, `UPDATE `+orderTables[a.business]+` SET status_reason = '',
		updated_at = now() WHERE id = $1`, a.id); err != nil {
		return err
	}
	return jc.Insert(e.ctx, tx, jobs.Unlock{Order: jobs.Order{Business: a.business, OrderID: a.id}})
}

// extend moves end_time to a.to for free: a renew entry of 0.00 for the
// added window, with the note.
func extend(e *env, tx pgx.Tx, a orderAct, o orderRow, resellerID int64) error {
	if o.OrderStatus != orderflow.OrderActive {
		return notNormal(a, o)
	}
	if !a.to.After(o.EndTime) {
		return fmt.Errorf("--to %s is not after the order's end_time %s; nothing changed",
			apitype.FormatDateTime(a.to), apitype.FormatDateTime(o.EndTime))
	}
	if _, err := tx.Exec(e.ctx, `UPDATE `+orderTables[a.business]+` SET end_time = $2, updated_at = now()
		WHERE id = $1`, a.id, a.to); err != nil {
		return err
	}
	_, err := billing.Credit(e.ctx, tx, resellerID, billing.Entry{Kind: "renew", Amount: decimal.Zero,
		Business: a.business, OrderID: a.id, Reference: o.OrderNo, From: o.EndTime, To: a.to,
		Note: "free extension: " + a.note})
	return err
}

// orderRefund refunds one order for its reseller through the business's
// own refund (the daemon's action table); its ledger entry names the
// actor (openDB), and the audit trail records it.
func orderRefund(e *env, db *postgres.DB, a orderAct) error {
	o, err := loadOrder(e, db, a.business, a.id)
	if err != nil {
		return err
	}
	var resellerID int64
	if err := db.QueryRow(e.ctx, `SELECT id FROM resellers WHERE appid = $1`, o.AppID).Scan(&resellerID); err != nil {
		return err
	}
	box, err := app.OpenBox(e.ctx, e.cfg, db)
	if err != nil {
		return err
	}
	d, err := app.New(e.cfg, e.log, db, box)
	if err != nil {
		return err
	}
	answer, err := d.Table.Call(e.ctx, dispatch.Reseller{ID: resellerID, AppID: o.AppID}, app.RefundCall(a.business, a.id))
	if err != nil {
		return fmt.Errorf("%s: %w; nothing changed", a.target(), err)
	}
	if err := e.audit(e.ctx, db, "order refund", a.target(), map[string]any{"note": a.note, "answer": answer}); err != nil {
		return err
	}
	return printJSON(e, answer)
}

// orderShowIn prints the order as order show does, on an open database.
func orderShowIn(e *env, db *postgres.DB, business string, id int64) error {
	o, err := loadOrder(e, db, business, id)
	if err != nil {
		return err
	}
	return printJSON(e, o)
}
