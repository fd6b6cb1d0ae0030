// Package ipmi is the bare-metal driver that powers machines through their
// BMC over IPMI (leased machines and colocated ones whose BMC is known),
// with github.com/bougou/go-ipmi. It opens one session per call with the
// machine's own BMC credentials and closes it before returning. IPMI can
// switch and read power, nothing more: reinstalls, passwords, consoles and
// traffic answer provider.ErrUnsupported.
//
// Power operations map to IPMI Chassis Control (IPMI v2.0 §28.3):
//
//	on          power up
//	off         soft shutdown (ACPI power button; the OS shuts down)
//	hardoff     power down (immediate)
//	reboot      power cycle (off, at least 1 s, on)
//	hard_reboot hard reset (the reset line; power stays on)
//
// IPMI has no graceful reboot, so both reboots are abrupt for the operating
// system. "reboot" takes the power cycle because it is the full restart a
// customer expects (the hardware loses power and comes back), and
// "hard_reboot" the reset line, which acts at once and works when the power
// path is wedged. A BMC refuses a power cycle of a machine that is off (spec:
// not supported in S4/S5), so both reboots of a machine found off power it up
// instead, leaving it running as a restart would.
//
// Configuration (a catalogue line's provider object):
//
//	{"driver": "ipmi", "timeout_ms": 15000, "interface": "lanplus"}
//
// timeout_ms bounds a call's connect and commands (default 15000; closing
// the session may add up to 2 s), interface is "lanplus" (IPMI v2.0 / RMCP+, the default) or "lan" (IPMI
// v1.5).
//
// With lanplus the cipher suite is negotiated by trial: go-ipmi opens the
// session with each suite of its preference list (types.PreferredCiphers:
// 17, 3, ...) until the BMC accepts one; OpenIPMI's ipmi_sim, which has no
// suite 17, ends on 3. The driver hands go-ipmi that list itself rather than
// letting it first ask the BMC for its suites, because go-ipmi sends that
// question (Get Channel Cipher Suites) in RMCP+ framing before the session,
// which ipmi_sim and BMCs like it never answer: every call would first wait
// some five seconds for nothing.
package ipmi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/chassis"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// DefaultTimeout bounds one call when the configuration sets no timeout_ms.
const DefaultTimeout = 15 * time.Second

// DefaultPort is the RMCP port of a BMC whose port is not set.
const DefaultPort = 623

// maxTimeout is the largest timeout_ms accepted (5 minutes).
const maxTimeout = 5 * time.Minute

// exchangeTimeout is the wait for one UDP answer before go-ipmi resends
// (ipmitool's lanplus value); the call's deadline cuts it shorter.
const exchangeTimeout = time.Second

// Config is the driver's part of a provider object.
type Config struct {
	// TimeoutMS bounds one call in milliseconds; 0 means DefaultTimeout.
	TimeoutMS int `json:"timeout_ms"`
	// Interface is "lanplus" (default) or "lan".
	Interface string `json:"interface"`
}

// Driver powers machines through their BMCs. It keeps no connection between
// calls and is safe for concurrent use.
type Driver struct {
	timeout time.Duration
	iface   client.Interface
}

var _ provider.BareMetalDriver = (*Driver)(nil)

func init() {
	provider.Register("ipmi", open)
}

// open is the registry's factory: it reads the provider object and returns
// a Set with only BareMetal.
func open(raw json.RawMessage, _ provider.Deps) (provider.Set, error) {
	var obj struct {
		Config
		Driver string `json:"driver"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&obj); err != nil {
		return provider.Set{}, fmt.Errorf("ipmi: configuration: %w", err)
	}
	d, err := New(obj.Config)
	if err != nil {
		return provider.Set{}, err
	}
	return provider.Set{BareMetal: d}, nil
}

// New returns a driver for cfg. It returns an error naming the field when
// timeout_ms is negative or above five minutes, or the interface is not
// lanplus or lan.
func New(cfg Config) (*Driver, error) {
	d := &Driver{timeout: DefaultTimeout, iface: client.InterfaceLanplus}
	if cfg.TimeoutMS < 0 || time.Duration(cfg.TimeoutMS)*time.Millisecond > maxTimeout {
		return nil, fmt.Errorf("ipmi: timeout_ms %d: must be between 0 (the default, %d) and %d",
			cfg.TimeoutMS, DefaultTimeout.Milliseconds(), maxTimeout.Milliseconds())
	}
	if cfg.TimeoutMS > 0 {
		d.timeout = time.Duration(cfg.TimeoutMS) * time.Millisecond
	}
	switch cfg.Interface {
	case "", "lanplus":
	case "lan":
		d.iface = client.InterfaceLan
	default:
		return nil, fmt.Errorf(`ipmi: interface %q: must be "lanplus" or "lan"`, cfg.Interface)
	}
	return d, nil
}

// PowerMachine switches m's power (see the package comment for the IPMI
// command of each op). It returns nil once the BMC accepted the command,
// which for "off" (a soft shutdown) is before the machine is off. It
// returns an error wrapping provider.ErrRejected for an unknown op, a
// machine without BMC, bad credentials or a command the BMC refuses, and
// provider.ErrUnavailable when the BMC does not answer in time or answers
// that it is busy.
func (d *Driver) PowerMachine(ctx context.Context, m provider.Machine, op provider.PowerOp) error {
	name := "power " + string(op)
	var control chassis.ChassisControl
	switch op {
	case provider.PowerOn:
		control = chassis.ChassisControlPowerUp
	case provider.PowerOff:
		control = chassis.ChassisControlSoftShutdown
	case provider.HardOff:
		control = chassis.ChassisControlPowerDown
	case provider.Reboot:
		control = chassis.ChassisControlPowerCycle
	case provider.HardReboot:
		control = chassis.ChassisControlHardReset
	default:
		return fmt.Errorf("ipmi %s: unknown power operation: %w", name, provider.ErrRejected)
	}
	return d.session(ctx, m, name, func(ctx context.Context, c *client.Client) error {
		if op == provider.Reboot || op == provider.HardReboot {
			st, err := c.GetChassisStatus(ctx)
			if err != nil {
				return fmt.Errorf("get chassis status: %w", err)
			}
			if !st.PowerIsOn {
				control = chassis.ChassisControlPowerUp
			}
		}
		if _, err := c.ChassisControl(ctx, control); err != nil {
			return fmt.Errorf("chassis control %#02x: %w", uint8(control), err)
		}
		return nil
	})
}

// MachineState reads m's power from the BMC's chassis status: StateOn or
// StateOff. On failure it returns StateUnknown and an error wrapping
// provider.ErrRejected (no BMC, bad credentials) or provider.ErrUnavailable
// (no answer in time).
func (d *Driver) MachineState(ctx context.Context, m provider.Machine) (provider.PowerState, error) {
	state := provider.StateUnknown
	err := d.session(ctx, m, "state", func(ctx context.Context, c *client.Client) error {
		st, err := c.GetChassisStatus(ctx)
		if err != nil {
			return fmt.Errorf("get chassis status: %w", err)
		}
		state = provider.StateOff
		if st.PowerIsOn {
			state = provider.StateOn
		}
		return nil
	})
	if err != nil {
		return provider.StateUnknown, err
	}
	return state, nil
}

// ReinstallMachine returns provider.ErrUnsupported: IPMI cannot install an
// operating system.
func (d *Driver) ReinstallMachine(context.Context, provider.Machine, provider.Install) error {
	return fmt.Errorf("ipmi: reinstall: %w", provider.ErrUnsupported)
}

// SetMachinePassword returns provider.ErrUnsupported: IPMI cannot reach the
// operating system's accounts.
func (d *Driver) SetMachinePassword(context.Context, provider.Machine, string) error {
	return fmt.Errorf("ipmi: set password: %w", provider.ErrUnsupported)
}

// MachineConsole returns provider.ErrUnsupported: a serial-over-LAN session
// is not a web console address.
func (d *Driver) MachineConsole(context.Context, provider.Machine) (provider.Console, error) {
	return provider.Console{}, fmt.Errorf("ipmi: console: %w", provider.ErrUnsupported)
}

// MachineTraffic returns provider.ErrUnsupported: a BMC does not count the
// machine's network traffic.
func (d *Driver) MachineTraffic(context.Context, provider.Machine, time.Time, time.Time) ([]provider.TrafficPoint, error) {
	return nil, fmt.Errorf("ipmi: traffic: %w", provider.ErrUnsupported)
}

// MachineAddresses returns provider.ErrUnsupported: a BMC hands out no
// addresses; the inventory (lease_machines.ip) has them.
func (d *Driver) MachineAddresses(context.Context, provider.Machine) (provider.Addresses, error) {
	return provider.Addresses{}, fmt.Errorf("ipmi: addresses: %w", provider.ErrUnsupported)
}

// session connects to m's BMC, runs fn and closes the session, all within
// the driver's timeout. Its errors name the operation and the BMC address,
// never the password, and wrap ErrRejected or ErrUnavailable.
func (d *Driver) session(ctx context.Context, m provider.Machine, op string, fn func(context.Context, *client.Client) error) error {
	b := m.BMC
	if b.Host == "" {
		return fmt.Errorf("ipmi %s: machine %q has no BMC address: %w", op, m.Ref, provider.ErrRejected)
	}
	port := b.Port
	if port == 0 {
		port = DefaultPort
	}
	addr := net.JoinHostPort(b.Host, strconv.Itoa(port))
	if port < 0 || port > 65535 {
		return fmt.Errorf("ipmi %s %s: invalid BMC port: %w", op, addr, provider.ErrRejected)
	}
	c, err := client.NewClient(b.Host, port, b.Username, b.Password)
	if err != nil {
		return fmt.Errorf("ipmi %s %s: %w: %s", op, addr, provider.ErrRejected, redact(err, b.Password))
	}
	c.WithInterface(d.iface).WithTimeout(min(exchangeTimeout, d.timeout))
	if d.iface == client.InterfaceLanplus {
		// A copy: go-ipmi keeps and may edit the slice it is given.
		c.WithCipherSuiteID(slices.Clone(types.PreferredCiphers)...)
	}

	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		release(c)
		return classify(op, addr, b.Password, fmt.Errorf("connect: %w", err))
	}
	runErr := fn(ctx, c)
	// Close the session even when the call's time is up, briefly.
	closeCtx, closeCancel := context.WithTimeout(context.WithoutCancel(ctx), 2*exchangeTimeout)
	defer closeCancel()
	_ = c.Close(closeCtx) // the BMC drops an idle session by itself
	if runErr != nil {
		return classify(op, addr, b.Password, runErr)
	}
	return nil
}

// release frees the socket of a client whose Connect failed. With a
// cancelled context go-ipmi's Close sends nothing and only closes the socket.
func release(c *client.Client) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = c.Close(ctx)
}
