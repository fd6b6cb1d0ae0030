package manual

import (
	"context"
	"fmt"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The operations below return nil (or a placeholder) once their task is
// recorded. Each fails with an error wrapping provider.ErrRejected when the
// Ref or id does not name an order, provider.ErrNotFound when the
// placeholder's task does not exist, and provider.ErrUnavailable when the
// database fails.

// CreateVM records a "provision" task for spec.Ref and returns a VM whose ID
// is the placeholder "task-<id>". A retry returns the same task.
func (d *Driver) CreateVM(ctx context.Context, spec provider.VMSpec) (provider.VM, error) {
	id, err := d.recordRef(ctx, spec.Ref, "provision", vmSpecPayload(spec))
	if err != nil {
		return provider.VM{}, err
	}
	return provider.VM{ID: placeholder(id), Password: spec.Password}, nil
}

// vmSpecPayload is what staff need to build a VM: everything but the
// password.
func vmSpecPayload(spec provider.VMSpec) map[string]any {
	return map[string]any{
		"cpu": spec.CPU, "memory_gb": spec.MemoryGB, "system_disk_gb": spec.SystemDiskGB,
		"data_disks_gb": spec.DataDisksGB, "bandwidth_mbps": spec.BandwidthMbps,
		"in_bandwidth_mbps": spec.InBandwidthMbps, "defense_gb": spec.DefenseGB,
		"ip_num": spec.IPNum, "image": spec.Image, "port": spec.Port,
		"password_given": spec.Password != "",
	}
}

// DeleteVM records a "delete" task for the VM id.
func (d *Driver) DeleteVM(ctx context.Context, id string) error {
	return d.recordID(ctx, id, "delete", map[string]any{})
}

// PowerVM records a task named after op (start, stop, restart, hard_stop,
// hard_restart); an unknown op is rejected.
func (d *Driver) PowerVM(ctx context.Context, id string, op provider.PowerOp) error {
	kind, err := powerKind(op)
	if err != nil {
		return err
	}
	return d.recordID(ctx, id, kind, map[string]any{"op": string(op)})
}

// VMState returns provider.StateUnknown: only staff know.
func (d *Driver) VMState(context.Context, string) (provider.PowerState, error) {
	return provider.StateUnknown, nil
}

// ReinstallVM records an "install" task (image and port; the password is
// the order's).
func (d *Driver) ReinstallVM(ctx context.Context, id, image, password string, port int) error {
	return d.recordID(ctx, id, "install", map[string]any{
		"image": image, "port": port, "password_given": password != "",
	})
}

// SetVMPassword records a "password" task (the password is the order's).
func (d *Driver) SetVMPassword(ctx context.Context, id, _ string) error {
	return d.recordID(ctx, id, "password", map[string]any{})
}

// SetVNCPassword records a "vnc_password" task (the password is the
// order's).
func (d *Driver) SetVNCPassword(ctx context.Context, id, _ string) error {
	return d.recordID(ctx, id, "vnc_password", map[string]any{})
}

// VMConsole returns provider.ErrUnsupported.
func (d *Driver) VMConsole(context.Context, string) (provider.Console, error) {
	return provider.Console{}, unsupported("console")
}

// ResizeVM records a "resize" task with the new sizes.
func (d *Driver) ResizeVM(ctx context.Context, id string, spec provider.VMSpec) error {
	return d.recordID(ctx, id, "resize", vmSpecPayload(spec))
}

// VMTraffic returns provider.ErrUnsupported.
func (d *Driver) VMTraffic(context.Context, string, time.Time, time.Time) ([]provider.TrafficPoint, error) {
	return nil, unsupported("traffic")
}

// ListRules returns provider.ErrUnsupported.
func (d *Driver) ListRules(context.Context, string) ([]provider.Rule, error) {
	return nil, unsupported("list rules")
}

// AddRule records an "add_rule" task and returns r with the placeholder ID
// "task-<id>".
func (d *Driver) AddRule(ctx context.Context, id string, r provider.Rule) (provider.Rule, error) {
	o, err := d.orderOfID(ctx, id)
	if err != nil {
		return provider.Rule{}, fmt.Errorf("manual add_rule: %w", err)
	}
	taskID, err := d.record(ctx, o, "add_rule", map[string]any{"id": id, "rule": map[string]any{
		"name": r.Name, "direction": r.Direction, "protocol": r.Protocol, "action": r.Action,
		"remote_ip": r.RemoteIP, "local_port": r.LocalPort, "weight": r.Weight,
	}})
	if err != nil {
		return provider.Rule{}, err
	}
	r.ID = placeholder(taskID)
	return r, nil
}

// DeleteRule records a "delete_rule" task.
func (d *Driver) DeleteRule(ctx context.Context, id, ruleID string) error {
	return d.recordID(ctx, id, "delete_rule", map[string]any{"rule_id": ruleID})
}

// machinePayload is what staff need to find a machine: its ids and BMC
// address, never the BMC password.
func machinePayload(m provider.Machine) map[string]any {
	p := map[string]any{}
	if m.ID != "" {
		p["machine_id"] = m.ID
	}
	if m.BMC.Host != "" {
		p["bmc_host"], p["bmc_port"], p["bmc_username"] = m.BMC.Host, m.BMC.Port, m.BMC.Username
	}
	return p
}

// PowerMachine records a task named after op for m.Ref.
func (d *Driver) PowerMachine(ctx context.Context, m provider.Machine, op provider.PowerOp) error {
	kind, err := powerKind(op)
	if err != nil {
		return err
	}
	p := machinePayload(m)
	p["op"] = string(op)
	_, err = d.recordRef(ctx, m.Ref, kind, p)
	return err
}

// MachineState returns provider.StateUnknown: only staff know.
func (d *Driver) MachineState(context.Context, provider.Machine) (provider.PowerState, error) {
	return provider.StateUnknown, nil
}

// ReinstallMachine records an "install" task for m.Ref (the password is
// the order's).
func (d *Driver) ReinstallMachine(ctx context.Context, m provider.Machine, in provider.Install) error {
	p := machinePayload(m)
	p["image"], p["port"], p["partition"], p["partition_size_gb"] = in.Image, in.Port, in.Partition, in.PartitionSize
	p["password_given"] = in.Password != ""
	_, err := d.recordRef(ctx, m.Ref, "install", p)
	return err
}

// SetMachinePassword records a "password" task for m.Ref (the password is
// the order's).
func (d *Driver) SetMachinePassword(ctx context.Context, m provider.Machine, _ string) error {
	_, err := d.recordRef(ctx, m.Ref, "password", machinePayload(m))
	return err
}

// MachineConsole returns provider.ErrUnsupported.
func (d *Driver) MachineConsole(context.Context, provider.Machine) (provider.Console, error) {
	return provider.Console{}, unsupported("console")
}

// MachineTraffic returns provider.ErrUnsupported.
func (d *Driver) MachineTraffic(context.Context, provider.Machine, time.Time, time.Time) ([]provider.TrafficPoint, error) {
	return nil, unsupported("traffic")
}

// CreateSite records a "provision" task for s.Ref and returns a Site whose
// ID is the task's id (its placeholder). A retry returns the same task.
func (d *Driver) CreateSite(ctx context.Context, s provider.SiteSpec) (provider.Site, error) {
	id, err := d.recordRef(ctx, s.Ref, "provision", map[string]any{
		"domain": s.Domain, "path": s.Path, "php_version": s.PHPVersion,
		"ftp_user": s.FTPUser, "db_name": s.DBName, "db_user": s.DBUser, "db_code": s.DBCode,
		"password_given": s.FTPPassword != "" || s.DBPassword != "",
	})
	if err != nil {
		return provider.Site{}, err
	}
	return provider.Site{ID: id, Name: s.Domain, Path: s.Path}, nil
}

// sitePayload identifies a site for staff.
func sitePayload(s provider.Site) map[string]any {
	return map[string]any{"name": s.Name, "path": s.Path}
}

// DeleteSite records a "delete" task for the site made by task s.ID.
func (d *Driver) DeleteSite(ctx context.Context, s provider.Site) error {
	return d.recordTask(ctx, s.ID, "delete", sitePayload(s))
}

// StopSite records a "stop" task for the site made by task s.ID.
func (d *Driver) StopSite(ctx context.Context, s provider.Site) error {
	return d.recordTask(ctx, s.ID, "stop", sitePayload(s))
}

// StartSite records a "start" task for the site made by task s.ID.
func (d *Driver) StartSite(ctx context.Context, s provider.Site) error {
	return d.recordTask(ctx, s.ID, "start", sitePayload(s))
}

// PHPVersions returns provider.ErrUnsupported.
func (d *Driver) PHPVersions(context.Context) ([]provider.PHPVersion, error) {
	return nil, unsupported("php versions")
}

// SoftURL returns provider.ErrUnsupported.
func (d *Driver) SoftURL(context.Context, string) (string, error) {
	return "", unsupported("software url")
}

// CreateDatabase records a "provision" task for the database order named
// by spec.Ref (never its password); the task id is the database's id.
func (d *Driver) CreateDatabase(ctx context.Context, spec provider.DBSpec) (provider.Database, error) {
	id, err := d.recordRef(ctx, spec.Ref, "provision", map[string]any{
		"db_name": spec.Name, "db_user": spec.User, "db_code": spec.Code, "access": spec.Access,
		"password_given": spec.Password != "",
	})
	if err != nil {
		return provider.Database{}, err
	}
	return provider.Database{ID: id, Name: spec.Name}, nil
}

// DeleteDatabase records a "delete" task for the database made by task
// db.ID.
func (d *Driver) DeleteDatabase(ctx context.Context, db provider.Database) error {
	return d.recordTask(ctx, db.ID, "delete", map[string]any{"name": db.Name})
}
