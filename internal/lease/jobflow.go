package lease

import (
	"context"
	"errors"
	"fmt"

	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
)

// The job plumbing that lease and idc share (idc calls these).

// SimDriver is the built-in simulator's driver name: work that staff would
// do on another driver counts as done at once on it.
const SimDriver = "sim"

// BareMetal opens the bare-metal driver of b's line lineID. It returns an
// error wrapping provider.ErrUnsupported when the line's driver runs no
// bare metal, and orderflow's error when the line's provider cannot be
// opened (retried: the last attempt of a provisioning ends the purchase).
func BareMetal(ctx context.Context, e *orderflow.Engine, b Business, lineID int64) (provider.BareMetalDriver, error) {
	set, err := e.Provider(ctx, b.name, lineID)
	if err != nil {
		return nil, err
	}
	if set.BareMetal == nil {
		return nil, fmt.Errorf("%s line %d: driver %s runs no bare metal: %w", b.name, lineID, set.Driver, provider.ErrUnsupported)
	}
	return set.BareMetal, nil
}

// Power switches machine m of order orderID (on b's line lineID) with op,
// a machine the provider no longer knows counting as done, and records run
// as the order's run_status. It returns the driver's or the database's
// error.
func Power(ctx context.Context, e *orderflow.Engine, b Business, lineID, orderID int64, m provider.Machine,
	op provider.PowerOp, run int) error {
	drv, err := BareMetal(ctx, e, b, lineID)
	if err != nil {
		return err
	}
	if err := drv.PowerMachine(ctx, m, op); err != nil && !errors.Is(err, provider.ErrNotFound) {
		return fmt.Errorf("%s order %d: power %s: %w", b.name, orderID, op, err)
	}
	if _, err := e.DB.Exec(ctx, `UPDATE `+b.orders+` SET run_status = $2, updated_at = now() WHERE id = $1`,
		orderID, run); err != nil {
		return fmt.Errorf("%s order %d: run status: %w", b.name, orderID, err)
	}
	return nil
}

// AskStaff records work that no driver call covers (racking a colocated
// machine, a change of bandwidth, IPs or defense) as an operator task of
// kind for order orderID of b, with payload (never a secret), through the
// manual driver's task book, which finds the open task of a retried job
// instead of adding one. On a line whose driver is the simulator
// (driverName SimDriver) there are no staff and nothing is recorded. It
// returns the task book's error.
func AskStaff(ctx context.Context, e *orderflow.Engine, b Business, driverName string, orderID int64, kind string,
	payload map[string]any) error {
	if driverName == SimDriver {
		return nil
	}
	if _, err := manual.AddTask(ctx, e.DB, b.name, orderID, kind, payload); err != nil {
		return fmt.Errorf("%s order %d: %s task: %w", b.name, orderID, kind, err)
	}
	return nil
}
