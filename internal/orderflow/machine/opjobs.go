package machine

import (
	"context"
	"errors"
	"fmt"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"strconv"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// StartJob, StopJob and RestartJob switch the power of the order's machine
// (lease_start ... idc_restart) and finish the operation with the run
// status they leave; InstallJob reinstalls it and PasswordJob sets its root
// password, each then recording what the order now has. An order that is
// no longer 正常 (refunded, expired or recycled since) is finished with
// nothing done. Power goes through MachineDriver (IPMI for a target with
// PowerByBMC), the rest through the line's driver. Each ends as
// orderflow.Engine.OperationOutcome says, the cause being
// orderflow.ErrBroken for parameters that cannot serve, the driver's error
// (provider.ErrNotFound for a machine the provider lost,
// provider.ErrUnsupported for a driver that cannot), or the database's.
func (o Operations) StartJob(ctx context.Context, a jobs.Start, final bool) error {
	return o.powerJob(ctx, a.OrderID, a.Kind(), final, provider.PowerOn, orderflow.RunRunning)
}

// StopJob: see StartJob.
func (o Operations) StopJob(ctx context.Context, a jobs.Stop, final bool) error {
	return o.powerJob(ctx, a.OrderID, a.Kind(), final, provider.PowerOff, orderflow.RunStopped)
}

// RestartJob: see StartJob.
func (o Operations) RestartJob(ctx context.Context, a jobs.Restart, final bool) error {
	return o.powerJob(ctx, a.OrderID, a.Kind(), final, provider.Reboot, orderflow.RunRunning)
}

// InstallJob: see StartJob.
func (o Operations) InstallJob(ctx context.Context, a jobs.Install, final bool) error {
	return o.operate(ctx, a.OrderID, a.Kind(), final, false, func(drv provider.BareMetalDriver, t Target) error {
		return o.reinstall(ctx, drv, a, t.Machine)
	})
}

// PasswordJob: see StartJob.
func (o Operations) PasswordJob(ctx context.Context, a jobs.Password, final bool) error {
	return o.operate(ctx, a.OrderID, a.Kind(), final, false, func(drv provider.BareMetalDriver, t Target) error {
		return o.changePassword(ctx, drv, a, t.Machine)
	})
}

// LockJob powers off the machine of an order that expired (or that the
// operator suspended); one renewed or refunded since the job was written is
// left alone (orderflow.Engine.ShouldLock). UnlockJob powers on the machine
// of an order reinstated by a renewal.
func (o Operations) LockJob(ctx context.Context, a jobs.Lock, _ bool) error {
	return orderflow.Outcome(o.lifecycle(ctx, a.OrderID, o.Engine.ShouldLock, provider.PowerOff, orderflow.RunLocked))
}

// UnlockJob: see LockJob.
func (o Operations) UnlockJob(ctx context.Context, a jobs.Unlock, _ bool) error {
	return orderflow.Outcome(o.lifecycle(ctx, a.OrderID, o.Engine.ShouldUnlock, provider.PowerOn, orderflow.RunRunning))
}

func (o Operations) lifecycle(ctx context.Context, id int64,
	should func(context.Context, orderflow.Business, int64) (bool, error), op provider.PowerOp, run int) error {
	if ok, err := should(ctx, o.Business, id); err != nil || !ok {
		return err
	}
	t, err := o.Find(ctx, id)
	if err != nil {
		return err
	}
	return Power(ctx, o.Engine, o.Business, id, t, op, run)
}

func (o Operations) powerJob(ctx context.Context, id int64, kind string, final bool, op provider.PowerOp, run int) error {
	return o.operate(ctx, id, kind, final, true, func(drv provider.BareMetalDriver, t Target) error {
		if err := drv.PowerMachine(ctx, t.Machine, op); err != nil {
			return fmt.Errorf("%s order %d: %s: %w", o.Business.Name, id, kind, err)
		}
		return o.Engine.FinishOperation(ctx, o.Business, id, run)
	})
}

// operate finds order id's machine and its driver (for power when power)
// and runs do on them, unless the order is no longer 正常.
func (o Operations) operate(ctx context.Context, id int64, kind string, final, power bool,
	do func(drv provider.BareMetalDriver, t Target) error) error {
	err := func() error {
		t, err := o.Find(ctx, id)
		if err != nil {
			return err
		}
		if t.Status != orderflow.OrderActive {
			return o.Engine.FinishOperation(ctx, o.Business, id, orderflow.RunKeep)
		}
		drv, err := MachineDriver(ctx, o.Engine, o.Business, t, power)
		if err != nil {
			return err
		}
		return do(drv, t)
	}()
	return o.Engine.OperationOutcome(ctx, o.Business, id, kind, final, err)
}

// reinstall puts the system of the job's system_id on machine m with the
// job's sealed password, port and partitioning, then records the system,
// its login name, the port and the password on the order and finishes the
// operation, in one statement. It returns orderflow.ErrBroken for
// parameters that cannot serve, the driver's error, or the database's.
func (o Operations) reinstall(ctx context.Context, drv provider.BareMetalDriver, a jobs.Install, m provider.Machine) error {
	b := o.Business.Name
	password, err := o.Engine.JobPassword(o.Business, a.OrderID, a.Password)
	if err != nil {
		return err
	}
	sysID, port, size, sealed := a.SystemID, a.Port, a.PartitionSize, a.Password
	var image, loginName string
	err = postgres.QueryRow(ctx, o.Engine.DB, `SELECT mirror_name, login_name FROM systems WHERE id = $1`, sysID).
		Scan(&image, &loginName)
	if errors.Is(err, postgres.ErrNotFound) {
		return fmt.Errorf("%s order %d: reinstall: system %d is gone: %w", b, a.OrderID, sysID, orderflow.ErrBroken)
	}
	if err != nil {
		return fmt.Errorf("%s order %d: reinstall: %w", b, a.OrderID, err)
	}
	in := provider.Install{Image: image, Password: password, Port: port, Partition: a.Partition,
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
		WHERE id = $1`, a.OrderID, sysID, loginName, systemPort, sealed, orderflow.RunRunning)
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
func (o Operations) changePassword(ctx context.Context, drv provider.BareMetalDriver, a jobs.Password, m provider.Machine) error {
	b := o.Business.Name
	password, err := o.Engine.JobPassword(o.Business, a.OrderID, a.Password)
	if err != nil {
		return err
	}
	sealed := a.Password
	if err := drv.SetMachinePassword(ctx, m, password); err != nil {
		return fmt.Errorf("%s order %d: %s: %w", b, a.OrderID, a.Kind(), err)
	}
	if _, err := o.Engine.DB.Exec(ctx, `UPDATE `+o.Business.Orders+` SET login_password_enc = $2, act_status = 0,
		updated_at = now() WHERE id = $1`, a.OrderID, sealed); err != nil {
		return fmt.Errorf("%s order %d: %s: record: %w", b, a.OrderID, a.Kind(), err)
	}
	return nil
}

// Jobs are the job handlers of a business that sells whole machines: its
// own provisioning, destroy and resize, and the lifecycle and operation
// jobs Operations does.
func (o Operations) Jobs(provision jobs.Func[jobs.Provision], destroy jobs.Func[jobs.Destroy],
	resize jobs.Func[jobs.Resize]) jobs.Handlers {
	b := o.Business.Name
	return jobs.Handlers{
		Provision: map[string]jobs.Func[jobs.Provision]{b: provision},
		Destroy:   map[string]jobs.Func[jobs.Destroy]{b: destroy},
		Resize:    map[string]jobs.Func[jobs.Resize]{b: resize},
		Lock:      map[string]jobs.Func[jobs.Lock]{b: o.LockJob},
		Unlock:    map[string]jobs.Func[jobs.Unlock]{b: o.UnlockJob},
		Start:     map[string]jobs.Func[jobs.Start]{b: o.StartJob},
		Stop:      map[string]jobs.Func[jobs.Stop]{b: o.StopJob},
		Restart:   map[string]jobs.Func[jobs.Restart]{b: o.RestartJob},
		Install:   map[string]jobs.Func[jobs.Install]{b: o.InstallJob},
		Password:  map[string]jobs.Func[jobs.Password]{b: o.PasswordJob},
	}
}
