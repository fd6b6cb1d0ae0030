package mofangyun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// cloud is the detail of GET clouds/{id} (and a row of GET clouds), with
// the fields this driver reads.
type cloud struct {
	ID           num    `json:"id"`
	Hostname     text   `json:"hostname"`
	RootPassword text   `json:"rootpassword"`
	MainIP       text   `json:"mainip"`
	Status       text   `json:"status"`
	Type         text   `json:"type"`
	NodeID       num    `json:"node_id"`
	KVMID        text   `json:"kvmid"`
	UserID       num    `json:"user_id"`
	CPU          num    `json:"cpu"`
	Memory       num    `json:"memory"` // MB
	InBW         num    `json:"in_bw"`
	OutBW        num    `json:"out_bw"`
	Disk         []disk `json:"disk"`
	IPNum        num    `json:"ip_num"`
	IP           []struct {
		Address text `json:"ipaddress"`
	} `json:"ip"`
	IPv6 []struct {
		Address text `json:"ipv6"`
	} `json:"ipv6"`
}

// addresses are the cloud's main address and the others, as ZJMF reads
// them (ZJMF-CBAP 10.4.6 mf_cloud/model/HostLinkModel.php syncIp
// L3501-3511: every ip[].ipaddress and ipv6[].ipv6 but mainip).
func (c cloud) addresses() provider.Addresses {
	a := provider.Addresses{IP: string(c.MainIP)}
	add := func(ip text) {
		if ip != "" && ip != c.MainIP && !slices.Contains(a.Extra, string(ip)) {
			a.Extra = append(a.Extra, string(ip))
		}
	}
	for _, ip := range c.IP {
		add(ip.Address)
	}
	for _, ip := range c.IPv6 {
		add(ip.Address)
	}
	return a
}

type disk struct {
	ID   num  `json:"id"`
	Name text `json:"name"`
	Size num  `json:"size"` // GB
	Type text `json:"type"` // system | data
}

func (c cloud) rowID() string   { return c.ID.idString() }
func (c cloud) rowName() string { return string(c.Hostname) }

// CreateVM creates a cloud named spec.Ref (its hostname), or returns the one
// that already has that name, so a retried create makes no second machine.
// It returns ErrRejected for an incomplete spec, an image the provider does
// not have or a refused create, ErrUnavailable when the provider fails.
func (d *Driver) CreateVM(ctx context.Context, spec provider.VMSpec) (provider.VM, error) {
	if err := checkSpec(spec); err != nil {
		return provider.VM{}, err
	}
	found, ok, err := findByName[cloud](ctx, d.c, "clouds", spec.Ref)
	if err != nil {
		return provider.VM{}, fmt.Errorf("mofangyun CreateVM %s: looking for an existing cloud: %w", spec.Ref, err)
	}
	if ok {
		return d.vm(ctx, found.rowID(), spec.Password)
	}
	osID, err := d.imageID(ctx, spec.Image)
	if err != nil {
		return provider.VM{}, err
	}
	client, err := d.userID(ctx, spec.Owner)
	if err != nil {
		return provider.VM{}, fmt.Errorf("mofangyun CreateVM %s: %w", spec.Ref, err)
	}
	f := d.createForm(spec, osID)
	f["client"] = client
	var res struct {
		ID num `json:"id"`
	}
	if err := d.c.call(ctx, http.MethodPost, "clouds", f, &res); err != nil {
		return provider.VM{}, fmt.Errorf("mofangyun CreateVM %s: %w", spec.Ref, err)
	}
	if res.ID <= 0 {
		return provider.VM{}, fmt.Errorf("mofangyun CreateVM %s: %w: the answer has no cloud id", spec.Ref, provider.ErrUnavailable)
	}
	return d.vm(ctx, res.ID.idString(), spec.Password)
}

func checkSpec(spec provider.VMSpec) error {
	switch {
	case spec.Ref == "":
		return fmt.Errorf("mofangyun CreateVM: %w: the spec has no Ref", provider.ErrRejected)
	case spec.CPU <= 0 || spec.MemoryGB <= 0 || spec.SystemDiskGB <= 0:
		return fmt.Errorf("mofangyun CreateVM %s: %w: cpu, memory and system disk must be positive", spec.Ref, provider.ErrRejected)
	case spec.Password == "":
		return fmt.Errorf("mofangyun CreateVM %s: %w: a root password is required", spec.Ref, provider.ErrRejected)
	case spec.Owner == "":
		return fmt.Errorf("mofangyun CreateVM %s: %w: the spec names no owner (the reseller its 魔方云 user is for)", spec.Ref, provider.ErrRejected)
	}
	return nil
}

// createForm is the body of POST clouds (HostLinkModel::createAccount).
func (d *Driver) createForm(spec provider.VMSpec, osID ID) form {
	in := spec.InBandwidthMbps
	if in <= 0 {
		in = spec.BandwidthMbps
	}
	ipNum := spec.IPNum
	if ipNum <= 0 {
		ipNum = 1
	}
	f := form{
		"hostname":         spec.Ref,
		"cpu":              spec.CPU,
		"memory":           spec.MemoryGB * 1024,
		"system_disk_size": spec.SystemDiskGB,
		"in_bw":            in,
		"out_bw":           spec.BandwidthMbps,
		"ip_num":           ipNum,
		"os":               osID,
		"password_type":    0,
		"rootpass":         spec.Password,
		"num":              1,
	}
	if spec.Port > 0 {
		f["port"] = spec.Port
	}
	for key, v := range map[string]ID{"node": d.cfg.Node, "area": d.cfg.Area, "node_group": d.cfg.NodeGroup,
		"store": d.cfg.Store} {
		if v != "" {
			f[key] = v
		}
	}
	if d.cfg.Type != "" {
		f["type"] = d.cfg.Type
	}
	if len(spec.DataDisksGB) > 0 {
		disks := make([]form, 0, len(spec.DataDisksGB))
		for _, gb := range spec.DataDisksGB {
			one := form{"size": gb}
			if d.cfg.Store != "" {
				one["store"] = d.cfg.Store
			}
			disks = append(disks, one)
		}
		f["other_data_disk"] = disks
	}
	return f
}

// vm reads a cloud's detail as a provider.VM. password is what was asked
// for, used when the detail shows none.
func (d *Driver) vm(ctx context.Context, id, password string) (provider.VM, error) {
	c, err := d.detail(ctx, "CreateVM", id)
	if err != nil {
		return provider.VM{}, err
	}
	a := c.addresses()
	vm := provider.VM{ID: id, IP: a.IP, Password: string(c.RootPassword), ExtraIPs: a.Extra}
	if vm.Password == "" {
		vm.Password = password
	}
	return vm, nil
}

// detail is GET clouds/{id}. It returns ErrNotFound for an unknown cloud.
func (d *Driver) detail(ctx context.Context, op, id string) (cloud, error) {
	var c cloud
	if err := d.c.call(ctx, http.MethodGet, "clouds/"+id, nil, &c); err != nil {
		return cloud{}, fmt.Errorf("mofangyun %s %s: %w", op, id, err)
	}
	return c, nil
}

// imageID maps a mirror_name to the provider's image id: os_map first, then
// POST images/search. It returns ErrRejected when the provider has no such
// image.
func (d *Driver) imageID(ctx context.Context, name string) (ID, error) {
	if id, ok := d.cfg.OSMap[name]; ok {
		return id, nil
	}
	if name == "" {
		return "", fmt.Errorf("mofangyun: %w: no image given", provider.ErrRejected)
	}
	var raw json.RawMessage
	err := d.c.call(ctx, http.MethodPost, "images/search", form{"filename": name}, &raw)
	if errors.Is(err, provider.ErrNotFound) {
		return "", fmt.Errorf("mofangyun image %q: %w: the provider has no such image", name, provider.ErrRejected)
	}
	if err != nil {
		return "", fmt.Errorf("mofangyun image %q: %w", name, err)
	}
	if id := searchResult(raw, name); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("mofangyun image %q: %w: the provider has no such image", name, provider.ErrRejected)
}

// searchResult reads the answer of images/search: {"id": N, ...}, or a list
// (bare or under "data") of {"id", "filename"} where the filename matches.
func searchResult(raw json.RawMessage, name string) ID {
	type image struct {
		ID       num  `json:"id"`
		Filename text `json:"filename"`
	}
	var one image
	if json.Unmarshal(raw, &one) == nil && one.ID > 0 {
		return ID(one.ID.idString())
	}
	var pg page[image]
	if json.Unmarshal(raw, &pg) != nil {
		return ""
	}
	for _, im := range pg.Data {
		if im.ID > 0 && (string(im.Filename) == name || len(pg.Data) == 1) {
			return ID(im.ID.idString())
		}
	}
	return ""
}

// DeleteVM deletes a cloud at once (force=1, not to the recycle bin), then
// drops the security group this driver made for it, if any (best effort).
// It returns ErrNotFound when the cloud does not exist.
func (d *Driver) DeleteVM(ctx context.Context, id string) error {
	id, err := cloudID("DeleteVM", id)
	if err != nil {
		return err
	}
	if err := d.c.call(ctx, http.MethodDelete, "clouds/"+id, form{"force": 1}, nil); err != nil {
		return fmt.Errorf("mofangyun DeleteVM %s: %w", id, err)
	}
	d.dropGroup(ctx, id)
	return nil
}

// powerPaths maps a power action to its endpoint.
var powerPaths = map[provider.PowerOp]string{
	provider.PowerOn:    "on",
	provider.PowerOff:   "off",
	provider.Reboot:     "reboot",
	provider.HardOff:    "hardoff",
	provider.HardReboot: "hard_reboot",
}

// PowerVM runs a power action (POST clouds/{id}/on|off|reboot|hardoff|
// hard_reboot). It returns ErrNotFound for an unknown cloud and
// ErrUnsupported for an unknown action.
func (d *Driver) PowerVM(ctx context.Context, id string, op provider.PowerOp) error {
	id, err := cloudID("PowerVM", id)
	if err != nil {
		return err
	}
	action, ok := powerPaths[op]
	if !ok {
		return fmt.Errorf("mofangyun PowerVM %s: %w: power action %q", id, provider.ErrUnsupported, op)
	}
	if err := d.c.call(ctx, http.MethodPost, "clouds/"+id+"/"+action, nil, nil); err != nil {
		return fmt.Errorf("mofangyun PowerVM %s %s: %w", id, op, err)
	}
	return nil
}

// VMState reads GET clouds/{id}/status: on, wait_reboot and paused are on,
// off is off, anything else (task, migrating, suspended, ...) unknown. It
// returns ErrNotFound for an unknown cloud.
func (d *Driver) VMState(ctx context.Context, id string) (provider.PowerState, error) {
	id, err := cloudID("VMState", id)
	if err != nil {
		return provider.StateUnknown, err
	}
	var res struct {
		Status text `json:"status"`
	}
	if err := d.c.call(ctx, http.MethodGet, "clouds/"+id+"/status", nil, &res); err != nil {
		return provider.StateUnknown, fmt.Errorf("mofangyun VMState %s: %w", id, err)
	}
	return powerState(string(res.Status)), nil
}

func powerState(s string) provider.PowerState {
	switch s {
	case "on", "wait_reboot", "paused":
		return provider.StateOn
	case "off":
		return provider.StateOff
	default:
		return provider.StateUnknown
	}
}

// ReinstallVM reinstalls a cloud with an image (mirror_name) and a root
// password (PUT clouds/{id}/reinstall). It returns ErrNotFound for an
// unknown cloud and ErrRejected for an unknown image or a refused request.
func (d *Driver) ReinstallVM(ctx context.Context, id, image, password string, port int) error {
	id, err := cloudID("ReinstallVM", id)
	if err != nil {
		return err
	}
	if password == "" {
		return fmt.Errorf("mofangyun ReinstallVM %s: %w: a root password is required", id, provider.ErrRejected)
	}
	osID, err := d.imageID(ctx, image)
	if err != nil {
		return err
	}
	f := form{"os": osID, "password": password, "password_type": 0}
	if port > 0 {
		f["port"] = port
	}
	if err := d.c.call(ctx, http.MethodPut, "clouds/"+id+"/reinstall", f, nil); err != nil {
		return fmt.Errorf("mofangyun ReinstallVM %s: %w", id, err)
	}
	return nil
}

// SetVMPassword sets the root password (PUT clouds/{id}/password). It
// returns ErrNotFound for an unknown cloud.
func (d *Driver) SetVMPassword(ctx context.Context, id, password string) error {
	id, err := cloudID("SetVMPassword", id)
	if err != nil {
		return err
	}
	if password == "" {
		return fmt.Errorf("mofangyun SetVMPassword %s: %w: empty password", id, provider.ErrRejected)
	}
	if err := d.c.call(ctx, http.MethodPut, "clouds/"+id+"/password", form{"password": password}, nil); err != nil {
		return fmt.Errorf("mofangyun SetVMPassword %s: %w", id, err)
	}
	return nil
}

// SetVNCPassword returns ErrUnsupported: 魔方云 has no endpoint that sets a
// console password. Every POST clouds/{id}/vnc hands out a fresh one-time
// token (and its own vnc_pass), which is what VMConsole uses. An unknown
// cloud still answers ErrNotFound.
func (d *Driver) SetVNCPassword(ctx context.Context, id, _ string) error {
	id, err := cloudID("SetVNCPassword", id)
	if err != nil {
		return err
	}
	if _, err := d.detail(ctx, "SetVNCPassword", id); err != nil {
		return err
	}
	return fmt.Errorf("mofangyun SetVNCPassword %s: %w: 魔方云 issues a console password per session", id, provider.ErrUnsupported)
}

// VMAddresses reads the cloud's addresses from its detail (GET
// clouds/{id}). It returns ErrNotFound for an unknown cloud.
func (d *Driver) VMAddresses(ctx context.Context, id string) (provider.Addresses, error) {
	id, err := cloudID("VMAddresses", id)
	if err != nil {
		return provider.Addresses{}, err
	}
	c, err := d.detail(ctx, "VMAddresses", id)
	if err != nil {
		return provider.Addresses{}, err
	}
	return c.addresses(), nil
}
