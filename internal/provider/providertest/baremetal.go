package providertest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// BareMetalContract checks a BareMetalDriver on the machine open returns:
// power and state, then reinstall, password, console and traffic (each may
// answer ErrUnsupported, as IPMI-only drivers do), and ErrNotFound for a
// machine id the provider does not know (skipped when the machine has no
// provider id). The subtests run one after another on that one machine.
func BareMetalContract(t *testing.T, open func(t *testing.T) (provider.BareMetalDriver, provider.Machine)) {
	t.Run("power cycle", func(t *testing.T) {
		d, m := open(t)
		state := func() (provider.PowerState, error) { return d.MachineState(ctx(t), m) }
		for _, step := range []struct {
			op   provider.PowerOp
			want provider.PowerState
		}{
			{provider.PowerOn, provider.StateOn},
			{provider.PowerOff, provider.StateOff},
			{provider.PowerOn, provider.StateOn},
			{provider.Reboot, provider.StateOn},
			{provider.HardOff, provider.StateOff},
			{provider.HardReboot, provider.StateOn},
		} {
			require.NoError(t, d.PowerMachine(ctx(t), m, step.op), "power %s", step.op)
			eventually(t, "after "+string(step.op), step.want, state)
		}
	})
	t.Run("reinstall and password", func(t *testing.T) {
		d, m := open(t)
		in := provider.Install{Image: ReinstallImage, Password: reinstallPassword, Port: 22}
		supported(t, d.ReinstallMachine(ctx(t), m, in), "ReinstallMachine")
		supported(t, d.SetMachinePassword(ctx(t), m, resetPassword), "SetMachinePassword")
	})
	t.Run("console is short-lived and carries no password", func(t *testing.T) {
		d, m := open(t)
		c, err := d.MachineConsole(ctx(t), m)
		if supported(t, err, "MachineConsole") {
			checkConsole(t, c, m.BMC.Password, reinstallPassword, resetPassword)
		}
	})
	t.Run("traffic points are 5 minutes apart within the window", func(t *testing.T) {
		d, m := open(t)
		to := time.Now()
		from := to.Add(-2 * time.Hour)
		pts, err := d.MachineTraffic(ctx(t), m, from, to)
		if supported(t, err, "MachineTraffic") {
			checkTraffic(t, pts, from, to)
		}
	})
	t.Run("addresses are valid and distinct", func(t *testing.T) {
		d, m := open(t)
		a, err := d.MachineAddresses(ctx(t), m)
		if supported(t, err, "MachineAddresses") {
			if a.IP == "" {
				a.IP = "0.0.0.0" // the inventory's
			}
			checkAddresses(t, a, len(a.Extra))
		}
	})
	t.Run("an unknown machine answers ErrNotFound", func(t *testing.T) {
		d, m := open(t)
		if m.ID == "" {
			t.Skip("the machine has no provider id")
		}
		m.ID = UnknownID
		notFound := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, provider.ErrUnsupported) {
				require.ErrorIs(t, err, provider.ErrNotFound, what)
			}
		}
		require.ErrorIs(t, d.PowerMachine(ctx(t), m, provider.PowerOn), provider.ErrNotFound)
		_, err := d.MachineState(ctx(t), m)
		require.ErrorIs(t, err, provider.ErrNotFound)
		notFound("ReinstallMachine", d.ReinstallMachine(ctx(t), m, provider.Install{Image: Image, Password: reinstallPassword, Port: 22}))
		notFound("SetMachinePassword", d.SetMachinePassword(ctx(t), m, resetPassword))
		_, err = d.MachineConsole(ctx(t), m)
		notFound("MachineConsole", err)
		_, err = d.MachineTraffic(ctx(t), m, time.Now().Add(-time.Hour), time.Now())
		notFound("MachineTraffic", err)
		_, err = d.MachineAddresses(ctx(t), m)
		notFound("MachineAddresses", err)
	})
}

// MachineAddressesContract checks what MachineAddresses reports for the
// machine open returns, which its provider gave extra addresses: no error,
// and exactly extra distinct valid extra addresses besides the main one
// (which may be "" where only the inventory knows it).
func MachineAddressesContract(t *testing.T, extra int, open func(t *testing.T) (provider.BareMetalDriver, provider.Machine)) {
	d, m := open(t)
	a, err := d.MachineAddresses(ctx(t), m)
	require.NoError(t, err)
	if a.IP == "" {
		a.IP = "0.0.0.0" // the inventory's; checked as distinct from the extra ones only
	}
	checkAddresses(t, a, extra)
}
