package mofang

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// consoleTTL is how long a console address is announced as valid (ZJMF
// keeps a DCIM console 30 minutes; this driver promises less).
const consoleTTL = 5 * time.Minute

// powerActions maps a power action to the DCIM's; the DCIM has no separate
// hard actions, so HardOff is ipmiOff and HardReboot ipmiReboot (both are
// IPMI chassis commands already).
var powerActions = map[provider.PowerOp]string{
	provider.PowerOn:    "ipmiOn",
	provider.PowerOff:   "ipmiOff",
	provider.Reboot:     "ipmiReboot",
	provider.HardOff:    "ipmiOff",
	provider.HardReboot: "ipmiReboot",
}

// PowerMachine runs a power action through the server's IPMI. It returns
// ErrNotFound for an unknown server, ErrRejected when the DCIM refuses and
// ErrUnsupported for an unknown action.
func (d *Driver) PowerMachine(ctx context.Context, m provider.Machine, op provider.PowerOp) error {
	p, err := machineParams("PowerMachine", m)
	if err != nil {
		return err
	}
	action, ok := powerActions[op]
	if !ok {
		return fmt.Errorf("mofang PowerMachine %s: %w: power action %q", m.ID, provider.ErrUnsupported, op)
	}
	if err := d.call(ctx, action, p, nil); err != nil {
		return fmt.Errorf("mofang PowerMachine %s %s: %w", m.ID, op, err)
	}
	return nil
}

// MachineState reads ipmiPowerSync: msg on or off; nonsupport (no IPMI) and
// anything else are unknown. It returns ErrNotFound for an unknown server.
func (d *Driver) MachineState(ctx context.Context, m provider.Machine) (provider.PowerState, error) {
	p, err := machineParams("MachineState", m)
	if err != nil {
		return provider.StateUnknown, err
	}
	var res struct {
		Msg text `json:"msg"`
	}
	if err := d.call(ctx, "ipmiPowerSync", p, &res); err != nil {
		return provider.StateUnknown, fmt.Errorf("mofang MachineState %s: %w", m.ID, err)
	}
	switch res.Msg {
	case "on":
		return provider.StateOn, nil
	case "off":
		return provider.StateOff, nil
	}
	return provider.StateUnknown, nil
}

// ReinstallMachine starts a reinstall (reinstallSystem: mos, rootpass,
// port, part_type). in.Image goes through os_map, else must be the DCIM
// image id itself; in.Partition "" / "all" formats the whole disk
// (part_type 0), "first" only the first partition (part_type 1);
// in.PartitionSize has no DCIM parameter and is not sent. It returns
// ErrNotFound for an unknown server and ErrRejected for an unknown image or
// partition mode, or a refused request.
func (d *Driver) ReinstallMachine(ctx context.Context, m provider.Machine, in provider.Install) error {
	p, err := machineParams("ReinstallMachine", m)
	if err != nil {
		return err
	}
	mos := string(d.cfg.OSMap[in.Image])
	if n, err := strconv.Atoi(in.Image); mos == "" && err == nil && n > 0 {
		mos = in.Image
	}
	if mos == "" {
		return fmt.Errorf("mofang ReinstallMachine %s: %w: image %q is not in os_map", m.ID, provider.ErrRejected, in.Image)
	}
	part, ok := map[string]string{"": "0", "0": "0", "all": "0", "1": "1", "first": "1"}[strings.ToLower(in.Partition)]
	if !ok {
		return fmt.Errorf("mofang ReinstallMachine %s: %w: partition mode %q (want all or first)", m.ID, provider.ErrRejected, in.Partition)
	}
	if in.Password == "" {
		return fmt.Errorf("mofang ReinstallMachine %s: %w: a root password is required", m.ID, provider.ErrRejected)
	}
	p.Set("mos", mos)
	p.Set("rootpass", in.Password)
	p.Set("part_type", part)
	if in.Port > 0 {
		p.Set("port", strconv.Itoa(in.Port))
	}
	if err := d.call(ctx, "reinstallSystem", p, nil); err != nil {
		return fmt.Errorf("mofang ReinstallMachine %s: %w", m.ID, err)
	}
	return nil
}

// SetMachinePassword resets the root password (ipmiCrackPwd). It returns
// ErrNotFound for an unknown server and ErrRejected when the DCIM refuses.
func (d *Driver) SetMachinePassword(ctx context.Context, m provider.Machine, password string) error {
	p, err := machineParams("SetMachinePassword", m)
	if err != nil {
		return err
	}
	if password == "" {
		return fmt.Errorf("mofang SetMachinePassword %s: %w: empty password", m.ID, provider.ErrRejected)
	}
	p.Set("crack_password", password)
	if err := d.call(ctx, "ipmiCrackPwd", p, nil); err != nil {
		return fmt.Errorf("mofang SetMachinePassword %s: %w", m.ID, err)
	}
	return nil
}

// MachineConsole opens a KVM-over-IP session (ipmiVnc) and returns its
// websocket: ws(s)://<vnc_link_url> when the DCIM names an external proxy,
// else ws(s)://<url>/websockify_<house_id>?token=<token> (ws or wss after
// the configured url's scheme). The address carries the session token and
// the session's VNC password (pass, which ZJMF's console page passes to
// noVNC: mf_dcim/logic/CloudLogic.php L412-L427 'vnc_pass' => $res['pass'],
// mf_dcim/view/vnc_page.html L133), never the account's. It returns
// ErrNotFound for an unknown server and ErrUnavailable when the answer has
// no token.
func (d *Driver) MachineConsole(ctx context.Context, m provider.Machine) (provider.Console, error) {
	p, err := machineParams("MachineConsole", m)
	if err != nil {
		return provider.Console{}, err
	}
	var res struct {
		Token      text `json:"token"`
		HouseID    text `json:"house_id"`
		VNCLinkURL text `json:"vnc_link_url"`
		Pass       text `json:"pass"`
	}
	if err := d.call(ctx, "ipmiVnc", p, &res); err != nil {
		return provider.Console{}, fmt.Errorf("mofang MachineConsole %s: %w", m.ID, err)
	}
	scheme := "ws://"
	if strings.HasPrefix(d.base, "https://") {
		scheme = "wss://"
	}
	var u string
	switch {
	case res.VNCLinkURL != "":
		u = scheme + strings.TrimPrefix(strings.TrimPrefix(string(res.VNCLinkURL), "wss://"), "ws://")
	case res.Token != "" && res.HouseID != "":
		host := strings.TrimPrefix(strings.TrimPrefix(d.base, "https://"), "http://")
		u = scheme + host + "/websockify_" + url.PathEscape(string(res.HouseID)) + "?token=" + url.QueryEscape(string(res.Token))
	default:
		return provider.Console{}, fmt.Errorf("mofang MachineConsole %s: %w: the answer has no console token", m.ID, provider.ErrUnavailable)
	}
	if strings.Contains(u, d.cfg.Password) {
		return provider.Console{}, fmt.Errorf("mofang MachineConsole %s: %w: the console address carries credentials", m.ID, provider.ErrUnavailable)
	}
	c := provider.Console{URL: u, ExpireAt: d.now().Add(consoleTTL)}
	return c.WithPassword(string(res.Pass)), nil
}
