package machine

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The job side of Operations: what a power, reinstall or password job does
// once the job runner hands it over (the handler's Do turns the outcome
// into a retry or an end with orderflow.Engine.JobOutcome).

// powerOps are the power actions of b_start, b_stop and b_restart.
var powerOps = map[string]provider.PowerOp{jobs.OpStart: provider.PowerOn, jobs.OpStop: provider.PowerOff,
	jobs.OpRestart: provider.Reboot}

// operationRun is the run status each operation leaves its machine in (0:
// unchanged).
var operationRun = map[string]int{jobs.OpStart: orderflow.RunRunning, jobs.OpStop: orderflow.RunStopped,
	jobs.OpRestart: orderflow.RunRunning, jobs.OpInstall: orderflow.RunRunning,
	jobs.OpPassword: orderflow.RunKeep}

// Run carries out operation job a (start, stop, restart, install,
// password) on t, the machine of order a.OrderID, and finishes it:
// act_status back to 0 with the run status it leaves and, for a reinstall
// or a password, what the order now has. An order that is no longer 正常
// (refunded, expired or recycled since) is finished with nothing done.
// Power goes through MachineDriver (IPMI for a target with PowerByBMC),
// the rest through the line's driver. It returns orderflow.ErrBroken for
// parameters that cannot serve, the driver's error (provider.ErrNotFound
// for a machine the provider lost, provider.ErrUnsupported for a driver
// that cannot), or the database's.
func (o Operations) Run(ctx context.Context, a jobs.Args, t Target) error {
	b := o.Business.Name
	if t.Status != orderflow.OrderActive {
		return o.Engine.FinishOperation(ctx, o.Business, a.OrderID, orderflow.RunKeep)
	}
	powerOp, isPower := powerOps[a.Op]
	drv, err := MachineDriver(ctx, o.Engine, o.Business, t, isPower)
	if err != nil {
		return err
	}
	switch {
	case isPower:
		if err := drv.PowerMachine(ctx, t.Machine, powerOp); err != nil {
			return fmt.Errorf("%s order %d: %s: %w", b, a.OrderID, a.Op, err)
		}
		return o.Engine.FinishOperation(ctx, o.Business, a.OrderID, operationRun[a.Op])
	case a.Op == jobs.OpInstall:
		return o.reinstall(ctx, drv, a, t.Machine)
	case a.Op == jobs.OpPassword:
		return o.changePassword(ctx, drv, a, t.Machine)
	}
	return fmt.Errorf("%s job: unknown operation %q: %w", b, a.Op, orderflow.ErrBroken)
}

// reinstall puts the system of the job's system_id on machine m with the
// job's sealed password, port and partitioning, then records the system,
// its login name, the port and the password on the order and finishes the
// operation, in one statement. It returns orderflow.ErrBroken for
// parameters that cannot serve, the driver's error, or the database's.
func (o Operations) reinstall(ctx context.Context, drv provider.BareMetalDriver, a jobs.Args, m provider.Machine) error {
	b := o.Business.Name
	password, sealed, err := o.Engine.JobPassword(o.Business, a)
	if err != nil {
		return err
	}
	sysID, errID := strconv.ParseInt(a.Params["system_id"], 10, 64)
	port, errPort := strconv.Atoi(a.Params["port"])
	size, errSize := strconv.Atoi(a.Params["partition_size"])
	if errID != nil || errPort != nil || errSize != nil {
		return fmt.Errorf("%s order %d: reinstall: parameters %q, %q, %q: %w", b, a.OrderID,
			a.Params["system_id"], a.Params["port"], a.Params["partition_size"], orderflow.ErrBroken)
	}
	var image, loginName string
	err = o.Engine.DB.QueryRow(ctx, `SELECT mirror_name, login_name FROM systems WHERE id = $1`, sysID).
		Scan(&image, &loginName)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s order %d: reinstall: system %d is gone: %w", b, a.OrderID, sysID, orderflow.ErrBroken)
	}
	if err != nil {
		return fmt.Errorf("%s order %d: reinstall: %w", b, a.OrderID, err)
	}
	in := provider.Install{Image: image, Password: password, Port: port, Partition: a.Params["partition"],
		PartitionSize: size}
	if err := drv.ReinstallMachine(ctx, m, in); err != nil {
		return fmt.Errorf("%s order %d: reinstall: %w", b, a.OrderID, err)
	}
	systemPort := "" // the system names no port: unknown
	if port > 0 {
		systemPort = strconv.Itoa(port)
	}
	_, err = o.Engine.DB.Exec(ctx, `
		UPDATE `+o.Business.Orders+` SET system_id = $2, login_name = $3,
			system_port = $4, login_password_enc = $5,
			act_status = 0, run_status = $6, updated_at = now()
		WHERE id = $1`, a.OrderID, sysID, loginName, systemPort, sealed, operationRun[jobs.OpInstall])
	if err != nil {
		return fmt.Errorf("%s order %d: reinstall: record: %w", b, a.OrderID, err)
	}
	return nil
}

// changePassword sets the root password of machine m to the job's sealed
// one, then records it as the order's login password and finishes the
// operation, in one statement. It returns orderflow.ErrBroken for a
// password that cannot be opened, the driver's error
// (provider.ErrUnsupported from ipmi), or the database's.
func (o Operations) changePassword(ctx context.Context, drv provider.BareMetalDriver, a jobs.Args, m provider.Machine) error {
	b := o.Business.Name
	password, sealed, err := o.Engine.JobPassword(o.Business, a)
	if err != nil {
		return err
	}
	if err := drv.SetMachinePassword(ctx, m, password); err != nil {
		return fmt.Errorf("%s order %d: %s: %w", b, a.OrderID, a.Op, err)
	}
	if _, err := o.Engine.DB.Exec(ctx, `UPDATE `+o.Business.Orders+` SET login_password_enc = $2, act_status = 0,
		updated_at = now() WHERE id = $1`, a.OrderID, sealed); err != nil {
		return fmt.Errorf("%s order %d: %s: record: %w", b, a.OrderID, a.Op, err)
	}
	return nil
}
