package manual

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Task statuses (operator_tasks.status).
const (
	StatusOpen      = "open"
	StatusDone      = "done"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// Errors of the task helpers.
var (
	// ErrNoTask: no task has that id. It wraps postgres.ErrNotFound.
	ErrNoTask = fmt.Errorf("no such task: %w", postgres.ErrNotFound)
	// ErrClosed: the task was already done, failed or cancelled; the error
	// returned is a *ClosedError.
	ErrClosed = errors.New("task is closed")
)

// ClosedError says that a task can no longer change, and why.
type ClosedError struct {
	ID     int64
	Status string // done, failed or cancelled
}

func (e *ClosedError) Error() string { return fmt.Sprintf("task %d is already %s", e.ID, e.Status) }

// Is makes errors.Is(err, ErrClosed) true.
func (e *ClosedError) Is(target error) bool { return target == ErrClosed }

// Task is one row of operator_tasks: work for staff.
type Task struct {
	ID        int64           `json:"id"`
	Business  string          `json:"business"`
	OrderID   int64           `json:"order_id"`
	Kind      string          `json:"kind"`
	Status    string          `json:"status"`
	Payload   json.RawMessage `json:"payload"`
	Result    json.RawMessage `json:"result"`
	Note      string          `json:"note"`
	CreatedAt time.Time       `json:"created_at"`
	DoneAt    *time.Time      `json:"done_at"`
}

const taskColumns = `id, business, order_id, kind, status, payload, result, note, created_at, done_at`

func scanTask(row pgx.Row) (Task, error) {
	var t Task
	err := row.Scan(&t.ID, &t.Business, &t.OrderID, &t.Kind, &t.Status, &t.Payload, &t.Result,
		&t.Note, &t.CreatedAt, &t.DoneAt)
	return t, err
}

// ListTasks returns the tasks with the given status ("" for all), oldest
// first. It returns an error for an unknown status or a database failure.
func ListTasks(ctx context.Context, db postgres.Querier, status string) ([]Task, error) {
	switch status {
	case "", StatusOpen, StatusDone, StatusFailed, StatusCancelled:
	default:
		return nil, fmt.Errorf("manual.ListTasks: unknown status %q", status)
	}
	rows, err := db.Query(ctx, `SELECT `+taskColumns+` FROM operator_tasks
		WHERE $1 = '' OR status = $1 ORDER BY id`, status)
	if err != nil {
		return nil, fmt.Errorf("manual.ListTasks: %w", err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("manual.ListTasks: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("manual.ListTasks: %w", err)
	}
	return out, nil
}

// GetTask returns task id, or an error wrapping ErrNoTask.
func GetTask(ctx context.Context, db postgres.Querier, id int64) (Task, error) {
	t, err := scanTask(postgres.QueryRow(ctx, db, `SELECT `+taskColumns+` FROM operator_tasks WHERE id = $1`, id))
	if errors.Is(err, postgres.ErrNotFound) {
		return Task{}, fmt.Errorf("manual.GetTask: task %d: %w", id, ErrNoTask)
	}
	if err != nil {
		return Task{}, fmt.Errorf("manual.GetTask: task %d: %w", id, err)
	}
	return t, nil
}

// CompleteTask marks open task id done, merges result into its result
// object and, when note is not empty, sets its note. It returns the task
// as it now is, or an error wrapping ErrNoTask (no such task) or a
// *ClosedError ("task 7 is already done", which is ErrClosed).
func CompleteTask(ctx context.Context, db *postgres.DB, id int64, result map[string]string, note string) (Task, error) {
	return closeTask(ctx, db, "manual.CompleteTask", id, StatusDone, result, note, nil)
}

// CompleteTaskWith is CompleteTask that also runs apply on the closed task
// in the same transaction (the order the work was for takes its result);
// an error from apply leaves the task open and changes nothing.
func CompleteTaskWith(ctx context.Context, db *postgres.DB, id int64, result map[string]string, note string,
	apply func(ctx context.Context, tx pgx.Tx, t Task) error) (Task, error) {
	return closeTask(ctx, db, "manual.CompleteTask", id, StatusDone, result, note, apply)
}

// FailTask marks open task id failed (staff could not do it) with note as
// the reason. It returns the task as it now is, or an error wrapping
// ErrNoTask or a *ClosedError.
func FailTask(ctx context.Context, db *postgres.DB, id int64, note string) (Task, error) {
	return closeTask(ctx, db, "manual.FailTask", id, StatusFailed, nil, note, nil)
}

func closeTask(ctx context.Context, db *postgres.DB, op string, id int64, status string, result map[string]string, note string,
	apply func(ctx context.Context, tx pgx.Tx, t Task) error) (Task, error) {
	if result == nil {
		result = map[string]string{}
	}
	body, err := json.Marshal(result)
	if err != nil {
		return Task{}, fmt.Errorf("%s: %w", op, err)
	}
	var t Task
	err = postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		var cur string
		err := postgres.QueryRow(ctx, tx, `SELECT status FROM operator_tasks WHERE id = $1 FOR UPDATE`, id).Scan(&cur)
		if errors.Is(err, postgres.ErrNotFound) {
			return fmt.Errorf("task %d: %w", id, ErrNoTask)
		}
		if err != nil {
			return err
		}
		if cur != StatusOpen {
			return &ClosedError{ID: id, Status: cur}
		}
		t, err = scanTask(tx.QueryRow(ctx, `
			UPDATE operator_tasks
			SET status = $2, result = result || $3::jsonb, done_at = now(),
			    note = CASE WHEN $4 = '' THEN note ELSE $4 END
			WHERE id = $1 RETURNING `+taskColumns, id, status, body, note))
		if err != nil || apply == nil {
			return err
		}
		return apply(ctx, tx, t)
	})
	if err != nil {
		return Task{}, fmt.Errorf("%s: %w", op, err)
	}
	return t, nil
}
