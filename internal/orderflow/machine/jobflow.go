package machine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
	_ "github.com/zonkvm/zonkvmd/internal/provider/ipmi" // MachineDriver opens it for colocated machines' BMCs
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
)

// The job plumbing that lease and idc share (idc calls these).

// SimDriver is the built-in simulator's driver name: work that staff would
// do on another driver counts as done at once on it.
const SimDriver = "sim"

// ManualDriver is the driver whose every operation is a task for staff.
const ManualDriver = "manual"

// Target is an order's machine as its jobs and operations reach it.
type Target struct {
	Status  int   // the order's order_status
	LineID  int64 // the order's line, whose driver runs the machine
	Machine provider.Machine
	// PowerByBMC sends power through IPMI with Machine.BMC instead of
	// through the line's driver: set for a colocated machine whose BMC
	// staff recorded when they racked it (operator.md). A leased machine's
	// power always goes through its line's driver, which is itself ipmi on
	// a line of machines run by their BMCs alone.
	PowerByBMC bool
}

// ipmiObject is the provider object MachineDriver opens for a BMC: the
// ipmi driver's defaults (lanplus, 15 s a call).
var ipmiObject = json.RawMessage(`{"driver":"ipmi"}`)

// MachineDriver opens what reaches t's machine for an operation: for a
// power operation (power true) of a target with PowerByBMC, the ipmi
// driver (provider.Open with the engine's provider deps; the BMC is
// t.Machine's); otherwise the bare-metal driver of t's line (BareMetal).
// It returns BareMetal's errors, or an error naming ipmi when that driver
// cannot be opened (not linked into the binary).
func MachineDriver(ctx context.Context, e *orderflow.Engine, b Business, t Target, power bool) (provider.BareMetalDriver, error) {
	if !power || !t.PowerByBMC {
		return e.BareMetal(ctx, e.DB, b, t.LineID)
	}
	set, err := provider.Open(ipmiObject, e.Providers)
	if err != nil {
		return nil, fmt.Errorf("%s line %d: the BMC's driver: %w", b.Name, t.LineID, err)
	}
	return set.BareMetal, nil
}

// Power switches t's machine (of order orderID) with op through
// MachineDriver, a machine the provider no longer knows counting as done,
// and records run as the order's run_status. It returns the driver's or
// the database's error.
func Power(ctx context.Context, e *orderflow.Engine, b Business, orderID int64, t Target, op provider.PowerOp, run int) error {
	drv, err := MachineDriver(ctx, e, b, t, true)
	if err != nil {
		return err
	}
	if err := drv.PowerMachine(ctx, t.Machine, op); err != nil && !errors.Is(err, provider.ErrNotFound) {
		return fmt.Errorf("%s order %d: power %s: %w", b.Name, orderID, op, err)
	}
	if _, err := e.DB.Exec(ctx, `UPDATE `+b.Orders+` SET run_status = $2, updated_at = now() WHERE id = $1`,
		orderID, run); err != nil {
		return fmt.Errorf("%s order %d: run status: %w", b.Name, orderID, err)
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
	if _, err := manual.AddTask(ctx, e.DB, b.Name, orderID, kind, payload); err != nil {
		return fmt.Errorf("%s order %d: %s task: %w", b.Name, orderID, kind, err)
	}
	return nil
}
