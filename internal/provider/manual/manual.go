// Package manual is the driver for infrastructure run by hand: every
// operation becomes a row of operator_tasks for staff, who carry it out and
// close it with `zonkvmd task done ID ...` (or `task fail`). An operation
// returns as soon as its task is recorded; the job layer waits for the task
// to be closed. The driver implements provider.VMDriver,
// provider.BareMetalDriver and provider.PanelDriver, so any line of any
// business can be served by staff (colocation is, until the machine's BMC
// is known). AddTask records the work no driver call covers, such as
// racking a colocated machine.
//
// Configuration (a catalogue line's provider object): {"driver": "manual"}.
//
// A task names its order: business and order_id come from the resource's
// Ref "zonkvmd-<business>-<order id>", or, for the calls that carry only an
// id, from the provisioning task that id points back to (creates return the
// placeholder id "task-<id>"; sites and databases, whose ids are numbers,
// get the task's id itself). The payload holds what the driver was told
// (sizes, image, ports, the rule, the power operation), never a password:
// a password set by a task is the one sealed on the order, and the payload
// only says that one was given.
//
// Reads that need an answer now (consoles, traffic, rule lists, PHP
// versions, software URLs) answer provider.ErrUnsupported; power states are
// provider.StateUnknown.
package manual

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Businesses are the values of operator_tasks.business, the <business> of a
// Ref.
var Businesses = []string{"server", "lease", "idc", "hosting", "sql"}

// placeholderPrefix starts the ids that creates return.
const placeholderPrefix = "task-"

// Driver records operations as operator tasks. It is safe for concurrent use.
type Driver struct {
	db  *postgres.DB
	now func() time.Time
}

var (
	_ provider.VMDriver        = (*Driver)(nil)
	_ provider.BareMetalDriver = (*Driver)(nil)
	_ provider.PanelDriver     = (*Driver)(nil)
)

func init() {
	provider.Register("manual", open)
}

// open is the registry's factory: it accepts only {"driver":"manual"} and
// needs deps.DB.
func open(raw json.RawMessage, deps provider.Deps) (provider.Set, error) {
	var obj struct {
		Driver string `json:"driver"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&obj); err != nil {
		return provider.Set{}, fmt.Errorf("manual: configuration: %w", err)
	}
	if deps.DB == nil {
		return provider.Set{}, errors.New("manual: needs the database (Deps.DB) to record tasks")
	}
	d := New(deps.DB, deps.Now)
	return provider.Set{VM: d, BareMetal: d, Panel: d}, nil
}

// New returns a driver recording tasks in db, stamped with now (nil:
// time.Now).
func New(db *postgres.DB, now func() time.Time) *Driver {
	if now == nil {
		now = time.Now
	}
	return &Driver{db: db, now: now}
}

// order is the order a task belongs to.
type order struct {
	business string
	id       int64
}

// ParseRef splits a Ref "zonkvmd-<business>-<order id>" into its business
// and order id. It returns an error wrapping provider.ErrRejected when ref
// is not of that form.
func ParseRef(ref string) (business string, orderID int64, err error) {
	rest, ok := strings.CutPrefix(ref, "zonkvmd-")
	if ok {
		var num string
		business, num, ok = strings.Cut(rest, "-")
		if ok && isBusiness(business) {
			orderID, err = strconv.ParseInt(num, 10, 64)
			if err == nil && orderID > 0 && num[0] != '+' {
				return business, orderID, nil
			}
		}
	}
	return "", 0, fmt.Errorf("manual: ref %q is not \"zonkvmd-<business>-<order id>\": %w", ref, provider.ErrRejected)
}

func isBusiness(s string) bool {
	for _, b := range Businesses {
		if s == b {
			return true
		}
	}
	return false
}

func orderOfRef(ref string) (order, error) {
	b, id, err := ParseRef(ref)
	return order{business: b, id: id}, err
}

// placeholder is the id a create returns for its task.
func placeholder(taskID int64) string {
	return placeholderPrefix + strconv.FormatInt(taskID, 10)
}

// orderOfID finds the order of a resource known by an id: a placeholder
// "task-<id>" (the order of that task) or a Ref. It returns an error
// wrapping provider.ErrNotFound when the task does not exist and
// provider.ErrRejected for any other id.
func (d *Driver) orderOfID(ctx context.Context, id string) (order, error) {
	if num, ok := strings.CutPrefix(id, placeholderPrefix); ok {
		taskID, err := strconv.ParseInt(num, 10, 64)
		if err == nil && taskID > 0 {
			return d.orderOfTask(ctx, taskID)
		}
	}
	if strings.HasPrefix(id, "zonkvmd-") {
		return orderOfRef(id)
	}
	return order{}, fmt.Errorf("manual: id %q is neither \"task-<id>\" nor a ref: %w", id, provider.ErrRejected)
}

// orderOfTask returns the order of task taskID, or an error wrapping
// provider.ErrNotFound when there is no such task.
func (d *Driver) orderOfTask(ctx context.Context, taskID int64) (order, error) {
	if taskID <= 0 {
		return order{}, fmt.Errorf("manual: no task id: %w", provider.ErrRejected)
	}
	var o order
	err := postgres.QueryRow(ctx, d.db, `SELECT business, order_id FROM operator_tasks WHERE id = $1`, taskID).
		Scan(&o.business, &o.id)
	if errors.Is(err, postgres.ErrNotFound) {
		return order{}, fmt.Errorf("manual: task %d: %w", taskID, provider.ErrNotFound)
	}
	if err != nil {
		return order{}, fmt.Errorf("manual: task %d: %w: %w", taskID, provider.ErrUnavailable, err)
	}
	return o, nil
}

// record adds a task of kind for o; see AddTask. Database errors wrap
// provider.ErrUnavailable.
func (d *Driver) record(ctx context.Context, o order, kind string, payload map[string]any) (int64, error) {
	t, err := addTask(ctx, d.db, d.now(), o, kind, payload)
	if err != nil {
		return 0, fmt.Errorf("manual %s %s-%d: %w: %w", kind, o.business, o.id, provider.ErrUnavailable, err)
	}
	return t.ID, nil
}

// AddTask records an open task of kind (provision, start, ...) for order
// orderID of business, with payload (which must hold no secret), and
// returns it. It is for the work no driver call covers, such as racking a
// colocated machine. When an open task with the same order, kind and
// payload exists (a job that retried) or, for kind "provision", the order
// has a provisioning task that is open or done, it returns that task
// instead, so staff are never asked twice. It returns an error for an
// unknown business, an order id below 1, or a database failure.
func AddTask(ctx context.Context, db *postgres.DB, business string, orderID int64, kind string, payload map[string]any) (Task, error) {
	if !isBusiness(business) || orderID < 1 || kind == "" {
		return Task{}, fmt.Errorf("manual.AddTask: business %q, order %d, kind %q: no such order or kind", business, orderID, kind)
	}
	t, err := addTask(ctx, db, time.Now(), order{business: business, id: orderID}, kind, payload)
	if err != nil {
		return Task{}, fmt.Errorf("manual.AddTask: %w", err)
	}
	return t, nil
}

func addTask(ctx context.Context, db *postgres.DB, now time.Time, o order, kind string, payload map[string]any) (Task, error) {
	if payload == nil {
		payload = map[string]any{}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return Task{}, fmt.Errorf("payload: %w", err)
	}
	var t Task
	err = postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		// One order's tasks are recorded one at a time.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			fmt.Sprintf("operator_tasks:%s:%d", o.business, o.id)); err != nil {
			return err
		}
		t, err = scanTask(postgres.QueryRow(ctx, tx, `
			SELECT `+taskColumns+` FROM operator_tasks
			WHERE business = $1 AND order_id = $2 AND kind = $3
			  AND (status = 'open' AND payload = $4::jsonb
			       OR $3 = 'provision' AND status IN ('open', 'done'))
			ORDER BY id LIMIT 1`, o.business, o.id, kind, body))
		if err == nil || !errors.Is(err, postgres.ErrNotFound) {
			return err
		}
		t, err = scanTask(tx.QueryRow(ctx, `
			INSERT INTO operator_tasks (business, order_id, kind, payload, created_at)
			VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING `+taskColumns,
			o.business, o.id, kind, body, now))
		return err
	})
	return t, err
}

// recordRef records a task for the order of ref; see record.
func (d *Driver) recordRef(ctx context.Context, ref, kind string, payload map[string]any) (int64, error) {
	o, err := orderOfRef(ref)
	if err != nil {
		return 0, fmt.Errorf("manual %s: %w", kind, err)
	}
	payload["ref"] = ref
	return d.record(ctx, o, kind, payload)
}

// recordID records a task for the order of a resource known by id; see
// record and orderOfID.
func (d *Driver) recordID(ctx context.Context, id, kind string, payload map[string]any) error {
	o, err := d.orderOfID(ctx, id)
	if err != nil {
		return fmt.Errorf("manual %s: %w", kind, err)
	}
	payload["id"] = id
	_, err = d.record(ctx, o, kind, payload)
	return err
}

// recordTask records a task for the order of the provisioning task taskID
// (a site's or a database's id); see record.
func (d *Driver) recordTask(ctx context.Context, taskID int64, kind string, payload map[string]any) error {
	o, err := d.orderOfTask(ctx, taskID)
	if err != nil {
		return fmt.Errorf("manual %s: %w", kind, err)
	}
	payload["task"] = taskID
	_, err = d.record(ctx, o, kind, payload)
	return err
}

// powerKind names the task of a power operation, or returns an error
// wrapping provider.ErrRejected for an unknown one.
func powerKind(op provider.PowerOp) (string, error) {
	switch op {
	case provider.PowerOn:
		return "start", nil
	case provider.PowerOff:
		return "stop", nil
	case provider.Reboot:
		return "restart", nil
	case provider.HardOff:
		return "hard_stop", nil
	case provider.HardReboot:
		return "hard_restart", nil
	}
	return "", fmt.Errorf("manual: unknown power operation %q: %w", op, provider.ErrRejected)
}

// unsupported is the error of a read that staff cannot answer at once.
func unsupported(what string) error {
	return fmt.Errorf("manual: %s: %w", what, provider.ErrUnsupported)
}
