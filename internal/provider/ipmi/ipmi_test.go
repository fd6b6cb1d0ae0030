package ipmi_test

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/ipmi"
	"github.com/zonkvm/zonkvmd/internal/provider/ipmi/ipmitest"
)

func newDriver(t *testing.T, config string) provider.BareMetalDriver {
	t.Helper()
	set, err := provider.Open(json.RawMessage(config), provider.Deps{})
	require.NoError(t, err)
	require.Equal(t, "ipmi", set.Driver)
	require.Nil(t, set.VM)
	require.Nil(t, set.Panel)
	require.NotNil(t, set.BareMetal)
	return set.BareMetal
}

func machine(b provider.BMC) provider.Machine {
	return provider.Machine{Ref: "zonkvmd-lease-7", BMC: b}
}

func TestPowerOnOffAndStateThroughTheBMC(t *testing.T) {
	t.Parallel()
	for _, iface := range []string{"lanplus", "lan"} {
		t.Run(iface, func(t *testing.T) {
			t.Parallel()
			b, ch := ipmitest.StartBMC(t, ipmitest.PoweredOff)
			d := newDriver(t, `{"driver":"ipmi","timeout_ms":5000,"interface":"`+iface+`"}`)
			ctx := context.Background()
			m := machine(b)

			st, err := d.MachineState(ctx, m)
			require.NoError(t, err)
			require.Equal(t, provider.StateOff, st)

			require.NoError(t, d.PowerMachine(ctx, m, provider.PowerOn))
			st, err = d.MachineState(ctx, m)
			require.NoError(t, err)
			require.Equal(t, provider.StateOn, st)

			require.NoError(t, d.PowerMachine(ctx, m, provider.PowerOff))
			st, err = d.MachineState(ctx, m)
			require.NoError(t, err)
			require.Equal(t, provider.StateOff, st)
			require.Equal(t, []string{"up", "soft"}, ch.Calls(), "off is a soft shutdown")
		})
	}
}

func TestEachPowerOperationSendsItsChassisCommand(t *testing.T) {
	t.Parallel()
	b, ch := ipmitest.StartBMC(t, ipmitest.PoweredOff)
	d := newDriver(t, `{"driver":"ipmi"}`)
	ctx := context.Background()
	m := machine(b)

	require.NoError(t, d.PowerMachine(ctx, m, provider.Reboot))
	require.Equal(t, []string{"up"}, ch.Calls(), "a reboot of a machine that is off powers it up")
	steps := []struct {
		op   provider.PowerOp
		call string
		then provider.PowerState
	}{
		{provider.Reboot, "cycle", provider.StateOn},
		{provider.HardReboot, "reset", provider.StateOn},
		{provider.HardOff, "down", provider.StateOff},
		{provider.HardReboot, "up", provider.StateOn},
		{provider.PowerOff, "soft", provider.StateOff},
		{provider.PowerOn, "up", provider.StateOn},
	}
	for i, s := range steps {
		require.NoError(t, d.PowerMachine(ctx, m, s.op), s.op)
		calls := ch.Calls()
		require.Equal(t, s.call, calls[len(calls)-1], "step %d: %s", i, s.op)
		st, err := d.MachineState(ctx, m)
		require.NoError(t, err)
		require.Equal(t, s.then, st, "step %d: %s", i, s.op)
	}
}

func TestWrongPasswordIsRejectedWithoutShowingIt(t *testing.T) {
	t.Parallel()
	b, ch := ipmitest.StartBMC(t, ipmitest.PoweredOff)
	lanplus := newDriver(t, `{"driver":"ipmi","timeout_ms":5000}`)
	lan := newDriver(t, `{"driver":"ipmi","timeout_ms":5000,"interface":"lan"}`)
	for _, bad := range []provider.BMC{
		{Host: b.Host, Port: b.Port, Username: ipmitest.User, Password: "not-the-Pa55word"},
		{Host: b.Host, Port: b.Port, Username: "nobody", Password: ipmitest.Password},
	} {
		for _, d := range []provider.BareMetalDriver{lanplus, lan} {
			wrongCredentials(t, d, bad)
		}
	}
	require.Empty(t, ch.Calls(), "nothing reached the chassis")
}

// wrongCredentials checks that d refuses bad for good, without echoing
// the password.
func wrongCredentials(t *testing.T, d provider.BareMetalDriver, bad provider.BMC) {
	t.Helper()
	err := d.PowerMachine(context.Background(), machine(bad), provider.PowerOn)
	require.ErrorIs(t, err, provider.ErrRejected, "%v", err)
	require.NotContains(t, err.Error(), bad.Password)
	require.NotContains(t, err.Error(), "\n")
	require.Contains(t, err.Error(), "ipmi power on 127.0.0.1:")

	st, err := d.MachineState(context.Background(), machine(bad))
	require.ErrorIs(t, err, provider.ErrRejected, "%v", err)
	require.Equal(t, provider.StateUnknown, st)
}

func TestABMCThatDoesNotAnswerIsUnavailable(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: the kernel refuses at once.
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	closedPort := pc.LocalAddr().(*net.UDPAddr).Port
	require.NoError(t, pc.Close())
	// A socket that swallows every packet: only the timeout ends the call.
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = silent.Close() })
	silentPort := silent.LocalAddr().(*net.UDPAddr).Port

	d := newDriver(t, `{"driver":"ipmi","timeout_ms":700}`)
	for name, port := range map[string]int{"closed": closedPort, "silent": silentPort} {
		b := provider.BMC{Host: "127.0.0.1", Port: port, Username: ipmitest.User, Password: ipmitest.Password}
		start := time.Now()
		err := d.PowerMachine(context.Background(), machine(b), provider.PowerOn)
		require.ErrorIs(t, err, provider.ErrUnavailable, "%s: %v", name, err)
		require.NotContains(t, err.Error(), ipmitest.Password)
		require.Less(t, time.Since(start), 3*time.Second, name)

		start = time.Now()
		st, err := d.MachineState(context.Background(), machine(b))
		require.ErrorIs(t, err, provider.ErrUnavailable, "%s: %v", name, err)
		require.Equal(t, provider.StateUnknown, st)
		require.Less(t, time.Since(start), 3*time.Second, name)
	}
}

func TestACancelledCallStops(t *testing.T) {
	t.Parallel()
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = silent.Close() })
	b := provider.BMC{Host: "127.0.0.1", Port: silent.LocalAddr().(*net.UDPAddr).Port, Username: "u", Password: "p"}
	d := newDriver(t, `{"driver":"ipmi","timeout_ms":60000}`)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = d.MachineState(ctx, machine(b))
	require.ErrorIs(t, err, provider.ErrUnavailable)
	require.Less(t, time.Since(start), 3*time.Second)
}

func TestMachineWithoutBMCOrBadOpIsRejected(t *testing.T) {
	t.Parallel()
	d := newDriver(t, `{"driver":"ipmi"}`)
	ctx := context.Background()
	err := d.PowerMachine(ctx, provider.Machine{Ref: "zonkvmd-idc-3"}, provider.PowerOn)
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "zonkvmd-idc-3")
	_, err = d.MachineState(ctx, provider.Machine{})
	require.ErrorIs(t, err, provider.ErrRejected)
	err = d.PowerMachine(ctx, machine(provider.BMC{Host: "127.0.0.1", Port: 70000}), provider.PowerOn)
	require.ErrorIs(t, err, provider.ErrRejected)
	err = d.PowerMachine(ctx, machine(provider.BMC{Host: "127.0.0.1"}), "sideways")
	require.ErrorIs(t, err, provider.ErrRejected)
}

func TestWhatIPMICannotDoIsUnsupported(t *testing.T) {
	t.Parallel()
	d := newDriver(t, `{"driver":"ipmi"}`)
	ctx := context.Background()
	m := machine(provider.BMC{Host: "127.0.0.1", Port: 1, Username: "u", Password: "p"})
	require.ErrorIs(t, d.ReinstallMachine(ctx, m, provider.Install{Image: "debian12"}), provider.ErrUnsupported)
	require.ErrorIs(t, d.SetMachinePassword(ctx, m, "x"), provider.ErrUnsupported)
	_, err := d.MachineConsole(ctx, m)
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = d.MachineTraffic(ctx, m, time.Now().Add(-time.Hour), time.Now())
	require.ErrorIs(t, err, provider.ErrUnsupported)
}

func TestConfiguration(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`{"driver":"ipmi","interface":"serial"}`,
		`{"driver":"ipmi","timeout_ms":-1}`,
		`{"driver":"ipmi","timeout_ms":300001}`,
		`{"driver":"ipmi","timeout":5}`,
		`{"driver":"ipmi","timeout_ms":"5"}`,
	} {
		_, err := provider.Open(json.RawMessage(bad), provider.Deps{})
		require.Error(t, err, bad)
		require.Contains(t, err.Error(), "ipmi", bad)
	}
	for _, good := range []ipmi.Config{{}, {TimeoutMS: 1, Interface: "lan"}, {TimeoutMS: 300000, Interface: "lanplus"}} {
		_, err := ipmi.New(good)
		require.NoError(t, err, "%+v", good)
	}
	require.Contains(t, provider.Registered(), "ipmi")
}
