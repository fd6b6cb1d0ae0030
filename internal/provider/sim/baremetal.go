package sim

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

type machine struct {
	state    provider.PowerState
	image    string
	password string
	extra    []string // extra addresses handed out
}

// withMachine runs f on a machine (by ID, else Ref) under the store's lock,
// after the call's delay; a machine is met the first time it is used,
// running. It returns ErrRejected for a machine with neither ID nor Ref and
// ErrNotFound for one outside the configured "machines".
func (d *Driver) withMachine(ctx context.Context, op string, m provider.Machine, f func(*machine) error) error {
	if err := d.wait(ctx, op); err != nil {
		return err
	}
	key := m.ID
	if key == "" {
		key = m.Ref
	}
	if key == "" {
		return fmt.Errorf("sim %s: %w: the machine has neither id nor ref", op, provider.ErrRejected)
	}
	if d.cfg.Machines != nil && !slices.Contains(d.cfg.Machines, key) {
		return fmt.Errorf("sim %s %q: %w", op, key, provider.ErrNotFound)
	}
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	mc := d.st.machines[key]
	if mc == nil {
		mc = &machine{state: provider.StateOn}
		d.st.machines[key] = mc
	}
	return f(mc)
}

// PowerMachine runs a power action. It returns ErrNotFound for an unknown
// machine and ErrUnsupported for an unknown action.
func (d *Driver) PowerMachine(ctx context.Context, m provider.Machine, op provider.PowerOp) error {
	return d.withMachine(ctx, "PowerMachine", m, func(mc *machine) error {
		to, err := powerResult(op)
		if err != nil {
			return err
		}
		mc.state = to
		return nil
	})
}

// MachineState returns a machine's power state. It returns ErrNotFound for
// an unknown machine.
func (d *Driver) MachineState(ctx context.Context, m provider.Machine) (provider.PowerState, error) {
	state := provider.StateUnknown
	err := d.withMachine(ctx, "MachineState", m, func(mc *machine) error {
		state = mc.state
		return nil
	})
	return state, err
}

// ReinstallMachine reinstalls a machine, which comes back running. It
// returns ErrNotFound for an unknown machine and ErrRejected without image
// or password.
func (d *Driver) ReinstallMachine(ctx context.Context, m provider.Machine, in provider.Install) error {
	return d.withMachine(ctx, "ReinstallMachine", m, func(mc *machine) error {
		if in.Image == "" || in.Password == "" {
			return fmt.Errorf("sim ReinstallMachine: %w: image and password are required", provider.ErrRejected)
		}
		mc.image, mc.password, mc.state = in.Image, in.Password, provider.StateOn
		return nil
	})
}

// SetMachinePassword sets the root password. It returns ErrNotFound for an
// unknown machine and ErrRejected for an empty password.
func (d *Driver) SetMachinePassword(ctx context.Context, m provider.Machine, password string) error {
	return d.withMachine(ctx, "SetMachinePassword", m, func(mc *machine) error {
		if password == "" {
			return fmt.Errorf("sim SetMachinePassword: %w: empty password", provider.ErrRejected)
		}
		mc.password = password
		return nil
	})
}

// MachineConsole returns https://console.sim.invalid/vnc/<random token>,
// valid five minutes. It returns ErrNotFound for an unknown machine.
func (d *Driver) MachineConsole(ctx context.Context, m provider.Machine) (provider.Console, error) {
	var c provider.Console
	err := d.withMachine(ctx, "MachineConsole", m, func(*machine) error {
		c = d.console()
		return nil
	})
	return c, err
}

// MachineTraffic returns a plausible chart, the same for one machine and
// window every time. It returns ErrNotFound for an unknown machine and
// ErrRejected when to is not after from.
func (d *Driver) MachineTraffic(ctx context.Context, m provider.Machine, from, to time.Time) ([]provider.TrafficPoint, error) {
	var pts []provider.TrafficPoint
	err := d.withMachine(ctx, "MachineTraffic", m, func(*machine) error {
		var err error
		pts, err = chart("machine/"+m.ID+"/"+m.Ref, from, to)
		return err
	})
	return pts, err
}
