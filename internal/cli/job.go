package cli

import (
	"encoding/json"
	"fmt"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/spf13/cobra"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// jobRow is one River job as job list and order show print it.
type jobRow struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	State       string          `json:"state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	Args        json.RawMessage `json:"args"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	ScheduledAt time.Time       `json:"scheduled_at"`
	FinalizedAt *time.Time      `json:"finalized_at"`
}

// jobColumns reads river_job, River's own table (read only: changes go
// through River's client).
const jobColumns = `id, kind, state::text, attempt, max_attempts, args,
	coalesce(errors[array_length(errors, 1)]->>'error', ''), created_at, scheduled_at, finalized_at`

func collectJobs(rows pgx.Rows) ([]jobRow, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (jobRow, error) {
		var j jobRow
		err := row.Scan(&j.ID, &j.Kind, &j.State, &j.Attempt, &j.MaxAttempts, &j.Args, &j.LastError,
			&j.CreatedAt, &j.ScheduledAt, &j.FinalizedAt)
		return j, err
	})
}

// orderJobs returns the jobs of one order, oldest first.
func orderJobs(e *env, q postgres.Querier, business string, id int64) ([]jobRow, error) {
	rows, err := q.Query(e.ctx, `SELECT `+jobColumns+` FROM river_job
		WHERE args->>'business' = $1 AND args->>'order_id' = $2 ORDER BY id`, business, strconv.FormatInt(id, 10))
	if err != nil {
		return nil, fmt.Errorf("order jobs: %w", err)
	}
	return collectJobs(rows)
}

func jobStates() []string {
	var out []string
	for _, s := range rivertype.JobStates() {
		out = append(out, string(s))
	}
	return out
}

func (r *runner) jobCmd() *cobra.Command {
	var state string
	var limit int
	list := &cobra.Command{
		Use:   "list [--state STATE] [--limit N]",
		Short: "Jobs, newest first, one JSON line each",
		Args:  exactArgs(0),
		RunE: r.run(func(e *env, _ []string) error {
			if state != "" && !slices.Contains(jobStates(), state) {
				return usagef("--state %q: must be one of %s", state, strings.Join(jobStates(), ", "))
			}
			if limit < 1 || limit > 100000 {
				return usagef("--limit must be from 1 to 100000")
			}
			return jobList(e, state, limit)
		}),
	}
	list.Flags().StringVar(&state, "state", "", "only jobs in this state: "+strings.Join(jobStates(), ", "))
	list.Flags().IntVar(&limit, "limit", 100, "at most this many")
	act := func(use, short string, fn func(e *env, db *postgres.DB, id int64) (*rivertype.JobRow, error)) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: exactArgs(1),
			RunE: r.run(func(e *env, args []string) error { return jobAct(e, firstWord(use), args[0], fn) })}
	}
	return group("job", "List, retry and cancel the background jobs", "list|retry|cancel ...", list,
		act("retry ID", "Run a failed (discarded, cancelled or retryable) job again now", jobRetry),
		act("cancel ID", "Cancel a job that has not finished", jobCancel))
}

func jobList(e *env, state string, limit int) error {
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	rows, err := db.Query(e.ctx, `SELECT `+jobColumns+` FROM river_job
		WHERE ($1 = '' OR state::text = $1) ORDER BY id DESC LIMIT $2`, state, limit)
	if err != nil {
		return fmt.Errorf("job list: %w", err)
	}
	list, err := collectJobs(rows)
	if err != nil {
		return fmt.Errorf("job list: %w", err)
	}
	for _, j := range list {
		if err := printJSON(e, j); err != nil {
			return err
		}
	}
	return nil
}

// jobAct checks ID, runs fn and records it in the audit trail.
func jobAct(e *env, verb, idArg string, fn func(e *env, db *postgres.DB, id int64) (*rivertype.JobRow, error)) error {
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id <= 0 {
		return usagef("ID %q: must be a job number", idArg)
	}
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	row, err := fn(e, db, id)
	if err != nil {
		return err
	}
	if err := e.audit(e.ctx, db, "job "+verb, idArg, map[string]string{"kind": row.Kind, "state": string(row.State)}); err != nil {
		return err
	}
	return printJSON(e, map[string]any{"id": row.ID, "kind": row.Kind, "state": row.State, "args": json.RawMessage(row.EncodedArgs)})
}

// riverClient is an insert-only River client: it changes jobs, never works them.
func riverClient(db *postgres.DB) (*river.Client[pgx.Tx], error) {
	return river.NewClient(riverpgxv5.New(db), &river.Config{})
}

// jobRetry makes a failed job available at once. It refuses a job that
// finished well or is still due, and one whose order is deleted or
// recycled (a purchase refunded when its job failed must not be
// provisioned after all).
func jobRetry(e *env, db *postgres.DB, id int64) (*rivertype.JobRow, error) {
	j, err := jobByID(e, db, id)
	if err != nil {
		return nil, err
	}
	switch rivertype.JobState(j.State) {
	case rivertype.JobStateDiscarded, rivertype.JobStateCancelled, rivertype.JobStateRetryable:
	default:
		return nil, fmt.Errorf("job %d is %s: only a discarded, cancelled or retryable job is retried; nothing changed", id, j.State)
	}
	var a jobs.Order
	if json.Unmarshal(j.Args, &a) == nil && orderTables[a.Business] != "" && j.Kind != jobs.KindDestroy {
		o, err := loadOrder(e, db, a.Business, a.OrderID)
		if err == nil && (o.OrderStatus == orderflow.OrderRecycled || o.OrderStatus == orderflow.OrderDeleted) {
			return nil, fmt.Errorf("job %d acts on %s order %d, which is %s; nothing changed", id, a.Business, a.OrderID,
				map[int]string{orderflow.OrderRecycled: "recycled", orderflow.OrderDeleted: "deleted"}[o.OrderStatus])
		}
	}
	c, err := riverClient(db)
	if err != nil {
		return nil, err
	}
	return c.JobRetry(e.ctx, id)
}

// jobCancel cancels a job that has not finished.
func jobCancel(e *env, db *postgres.DB, id int64) (*rivertype.JobRow, error) {
	j, err := jobByID(e, db, id)
	if err != nil {
		return nil, err
	}
	switch rivertype.JobState(j.State) {
	case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return nil, fmt.Errorf("job %d is %s already; nothing changed", id, j.State)
	}
	c, err := riverClient(db)
	if err != nil {
		return nil, err
	}
	return c.JobCancel(e.ctx, id)
}

func jobByID(e *env, q postgres.Querier, id int64) (jobRow, error) {
	rows, err := q.Query(e.ctx, `SELECT `+jobColumns+` FROM river_job WHERE id = $1`, id)
	if err != nil {
		return jobRow{}, err
	}
	list, err := collectJobs(rows)
	if err != nil {
		return jobRow{}, err
	}
	if len(list) == 0 {
		return jobRow{}, fmt.Errorf("no job %d", id)
	}
	return list[0], nil
}
