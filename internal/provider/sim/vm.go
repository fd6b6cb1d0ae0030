package sim

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// store is the state of one configuration.
type store struct {
	mu         sync.Mutex
	seq        int64
	vmCount    int
	vms        map[string]*vm
	refs       map[string]string // VM Ref → id
	machines   map[string]*machine
	sites      map[int64]*site
	siteRefs   map[string]int64
	dbs        map[int64]*database
	dbNames    map[string]int64
	softTokens map[string]string
	extraCount int                // extra addresses handed out
	siteOps    map[int64]*siteOps // siteops.go, made on first use
}

func newStore() *store {
	return &store{
		seq: 1000, vms: map[string]*vm{}, refs: map[string]string{}, machines: map[string]*machine{},
		sites: map[int64]*site{}, siteRefs: map[string]int64{}, dbs: map[int64]*database{},
		dbNames: map[string]int64{}, softTokens: map[string]string{},
	}
}

// next returns a fresh id.
func (s *store) next() int64 {
	s.seq++
	return s.seq
}

type vm struct {
	provider.VM
	spec        provider.VMSpec
	state       provider.PowerState
	vncPassword string
	rules       []provider.Rule
}

// maxRules is the most rules a VM has (semantics.md §6).
const maxRules = 50

// CreateVM makes a running VM, or returns the one made before with the same
// Ref. Addresses come from 198.51.100.0/24 (public; IPNum-1 extra ones from
// 198.18.0.0/15) and 10.0.0.0/8 (local);
// a missing password is generated. It returns ErrRejected for an incomplete
// spec, and always when the configuration says fail "create".
func (d *Driver) CreateVM(ctx context.Context, spec provider.VMSpec) (provider.VM, error) {
	if err := d.wait(ctx, "CreateVM"); err != nil {
		return provider.VM{}, err
	}
	switch {
	case d.cfg.Fail == "create":
		return provider.VM{}, fmt.Errorf("sim CreateVM %s: %w: this line is set to fail creates", spec.Ref, provider.ErrRejected)
	case spec.Ref == "" || spec.Image == "":
		return provider.VM{}, fmt.Errorf("sim CreateVM: %w: Ref and Image are required", provider.ErrRejected)
	case spec.CPU <= 0 || spec.MemoryGB <= 0 || spec.SystemDiskGB <= 0:
		return provider.VM{}, fmt.Errorf("sim CreateVM %s: %w: cpu, memory and system disk must be positive", spec.Ref, provider.ErrRejected)
	}
	st := d.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if id, ok := st.refs[spec.Ref]; ok {
		return st.vms[id].copyVM(), nil
	}
	n := st.vmCount
	st.vmCount++
	v := &vm{spec: spec, state: provider.StateOn}
	v.ID = strconv.FormatInt(st.next(), 10)
	v.IP = fmt.Sprintf("198.51.100.%d", 2+n%253)
	local := n + 256
	v.LocalIP = fmt.Sprintf("10.%d.%d.%d", local>>16&255, local>>8&255, local&255)
	v.Password = spec.Password
	if v.Password == "" {
		v.Password = "Sim" + token(6) + "!"
	}
	v.ExtraIPs = st.setExtra(nil, spec.IPNum)
	st.vms[v.ID] = v
	st.refs[spec.Ref] = v.ID
	return v.copyVM(), nil
}

// copyVM is the VM as a caller may keep it (its slices its own).
func (v *vm) copyVM() provider.VM {
	out := v.VM
	out.ExtraIPs = append([]string(nil), v.ExtraIPs...)
	return out
}

// withVM runs f on a VM under the store's lock, after the call's delay. It
// returns ErrNotFound for an unknown id.
func (d *Driver) withVM(ctx context.Context, op, id string, f func(*vm) error) error {
	if err := d.wait(ctx, op); err != nil {
		return err
	}
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	v := d.st.vms[id]
	if v == nil {
		return fmt.Errorf("sim %s %q: %w", op, id, provider.ErrNotFound)
	}
	return f(v)
}

// DeleteVM deletes a VM. It returns ErrNotFound when there is none.
func (d *Driver) DeleteVM(ctx context.Context, id string) error {
	return d.withVM(ctx, "DeleteVM", id, func(v *vm) error {
		delete(d.st.vms, id)
		delete(d.st.refs, v.spec.Ref)
		return nil
	})
}

// PowerVM runs a power action. It returns ErrNotFound for an unknown VM and
// ErrUnsupported for an unknown action.
func (d *Driver) PowerVM(ctx context.Context, id string, op provider.PowerOp) error {
	return d.withVM(ctx, "PowerVM", id, func(v *vm) error {
		to, err := powerResult(op)
		if err != nil {
			return err
		}
		v.state = to
		return nil
	})
}

// powerResult is the state a power action leaves a machine in.
func powerResult(op provider.PowerOp) (provider.PowerState, error) {
	switch op {
	case provider.PowerOn, provider.Reboot, provider.HardReboot:
		return provider.StateOn, nil
	case provider.PowerOff, provider.HardOff:
		return provider.StateOff, nil
	}
	return provider.StateUnknown, fmt.Errorf("sim: %w: power action %q", provider.ErrUnsupported, op)
}

// VMState returns a VM's power state. It returns ErrNotFound for an
// unknown VM.
func (d *Driver) VMState(ctx context.Context, id string) (provider.PowerState, error) {
	state := provider.StateUnknown
	err := d.withVM(ctx, "VMState", id, func(v *vm) error {
		state = v.state
		return nil
	})
	return state, err
}

// ReinstallVM reinstalls a VM, which comes back running. It returns
// ErrNotFound for an unknown VM and ErrRejected without image or password.
func (d *Driver) ReinstallVM(ctx context.Context, id, image, password string, port int) error {
	return d.withVM(ctx, "ReinstallVM", id, func(v *vm) error {
		if image == "" || password == "" {
			return fmt.Errorf("sim ReinstallVM %s: %w: image and password are required", id, provider.ErrRejected)
		}
		v.spec.Image, v.Password, v.state = image, password, provider.StateOn
		if port > 0 {
			v.spec.Port = port
		}
		return nil
	})
}

// SetVMPassword sets the root password. It returns ErrNotFound for an
// unknown VM and ErrRejected for an empty password.
func (d *Driver) SetVMPassword(ctx context.Context, id, password string) error {
	return d.withVM(ctx, "SetVMPassword", id, func(v *vm) error {
		if password == "" {
			return fmt.Errorf("sim SetVMPassword %s: %w: empty password", id, provider.ErrRejected)
		}
		v.Password = password
		return nil
	})
}

// SetVNCPassword sets the console password. It returns ErrNotFound for an
// unknown VM and ErrRejected for an empty password.
func (d *Driver) SetVNCPassword(ctx context.Context, id, password string) error {
	return d.withVM(ctx, "SetVNCPassword", id, func(v *vm) error {
		if password == "" {
			return fmt.Errorf("sim SetVNCPassword %s: %w: empty password", id, provider.ErrRejected)
		}
		v.vncPassword = password
		return nil
	})
}

// VMConsole returns https://console.sim.invalid/vnc/<random token>, valid
// five minutes. It returns ErrNotFound for an unknown VM.
func (d *Driver) VMConsole(ctx context.Context, id string) (provider.Console, error) {
	var c provider.Console
	err := d.withVM(ctx, "VMConsole", id, func(*vm) error {
		c = d.console()
		return nil
	})
	return c, err
}

// ResizeVM applies the positive fields of spec. Disks only grow; data disks
// beyond the current ones are added; IPNum adds or drops extra addresses. It returns ErrNotFound for an unknown
// VM and ErrRejected for a shrinking disk.
func (d *Driver) ResizeVM(ctx context.Context, id string, spec provider.VMSpec) error {
	return d.withVM(ctx, "ResizeVM", id, func(v *vm) error {
		if spec.SystemDiskGB > 0 && spec.SystemDiskGB < v.spec.SystemDiskGB {
			return fmt.Errorf("sim ResizeVM %s: %w: the system disk cannot shrink", id, provider.ErrRejected)
		}
		for i, gb := range spec.DataDisksGB {
			if i < len(v.spec.DataDisksGB) && gb < v.spec.DataDisksGB[i] {
				return fmt.Errorf("sim ResizeVM %s: %w: data disk %d cannot shrink", id, provider.ErrRejected, i+1)
			}
		}
		for _, f := range []struct{ to, from *int }{
			{&v.spec.CPU, &spec.CPU}, {&v.spec.MemoryGB, &spec.MemoryGB}, {&v.spec.SystemDiskGB, &spec.SystemDiskGB},
			{&v.spec.BandwidthMbps, &spec.BandwidthMbps}, {&v.spec.InBandwidthMbps, &spec.InBandwidthMbps},
		} {
			if *f.from > 0 {
				*f.to = *f.from
			}
		}
		if len(spec.DataDisksGB) >= len(v.spec.DataDisksGB) {
			v.spec.DataDisksGB = append([]int(nil), spec.DataDisksGB...)
		}
		if spec.IPNum > 0 {
			v.spec.IPNum = spec.IPNum
			v.ExtraIPs = d.st.setExtra(v.ExtraIPs, spec.IPNum)
		}
		return nil
	})
}

// VMTraffic returns a plausible chart, the same for one VM and time window
// every time. It returns ErrNotFound for an unknown VM and ErrRejected when
// to is not after from.
func (d *Driver) VMTraffic(ctx context.Context, id string, from, to time.Time) ([]provider.TrafficPoint, error) {
	var pts []provider.TrafficPoint
	err := d.withVM(ctx, "VMTraffic", id, func(*vm) error {
		var err error
		pts, err = chart("vm/"+id, from, to)
		return err
	})
	return pts, err
}

// ListRules returns a VM's rules. It returns ErrNotFound for an unknown VM.
func (d *Driver) ListRules(ctx context.Context, id string) ([]provider.Rule, error) {
	var rules []provider.Rule
	err := d.withVM(ctx, "ListRules", id, func(v *vm) error {
		rules = append([]provider.Rule{}, v.rules...)
		return nil
	})
	return rules, err
}

// AddRule adds a rule and returns it with its id. It returns ErrNotFound
// for an unknown VM and ErrRejected for an invalid rule or the 51st.
func (d *Driver) AddRule(ctx context.Context, id string, r provider.Rule) (provider.Rule, error) {
	err := d.withVM(ctx, "AddRule", id, func(v *vm) error {
		if len(v.rules) >= maxRules {
			return fmt.Errorf("sim AddRule %s: %w: at most %d rules", id, provider.ErrRejected, maxRules)
		}
		var err error
		if r, err = checkRule(r); err != nil {
			return fmt.Errorf("sim AddRule %s: %w", id, err)
		}
		r.ID = strconv.FormatInt(d.st.next(), 10)
		v.rules = append(v.rules, r)
		return nil
	})
	if err != nil {
		return provider.Rule{}, err
	}
	return r, nil
}

// DeleteRule deletes a rule. It returns ErrNotFound for an unknown VM or a
// rule the VM does not have.
func (d *Driver) DeleteRule(ctx context.Context, id, ruleID string) error {
	return d.withVM(ctx, "DeleteRule", id, func(v *vm) error {
		for i, r := range v.rules {
			if r.ID == ruleID {
				v.rules = append(v.rules[:i], v.rules[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("sim DeleteRule %s rule %q: %w", id, ruleID, provider.ErrNotFound)
	})
}

// checkRule validates a rule as semantics.md §6 states it and normalizes
// it (a CIDR masked, no port for icmp/all, weight 0 → 90).
func checkRule(r provider.Rule) (provider.Rule, error) {
	r.Protocol = strings.ToLower(r.Protocol)
	switch {
	case r.Direction != "Inbound" && r.Direction != "Outbound":
		return r, fmt.Errorf("%w: direction %q", provider.ErrRejected, r.Direction)
	case r.Action != "allow" && r.Action != "deny":
		return r, fmt.Errorf("%w: action %q", provider.ErrRejected, r.Action)
	case r.Protocol != "tcp" && r.Protocol != "udp" && r.Protocol != "icmp" && r.Protocol != "all":
		return r, fmt.Errorf("%w: protocol %q", provider.ErrRejected, r.Protocol)
	}
	if r.Weight == 0 {
		r.Weight = 90
	}
	if r.Weight < 1 || r.Weight > 1000 {
		return r, fmt.Errorf("%w: weight %d is not within 1..1000", provider.ErrRejected, r.Weight)
	}
	if p, err := netip.ParsePrefix(r.RemoteIP); err == nil {
		r.RemoteIP = p.Masked().String()
	} else if _, err := netip.ParseAddr(r.RemoteIP); err != nil {
		return r, fmt.Errorf("%w: remote address %q", provider.ErrRejected, r.RemoteIP)
	}
	if r.Protocol == "icmp" || r.Protocol == "all" {
		r.LocalPort = ""
		return r, nil
	}
	lo, hi, isRange := strings.Cut(r.LocalPort, "-")
	from, err1 := strconv.Atoi(lo)
	to, err2 := from, error(nil)
	if isRange {
		to, err2 = strconv.Atoi(hi)
	}
	if err1 != nil || err2 != nil || from < 1 || to > 65535 || from > to {
		return r, fmt.Errorf("%w: port %q", provider.ErrRejected, r.LocalPort)
	}
	return r, nil
}
