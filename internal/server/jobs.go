package server

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

// Do carries out one job on a server order (jobs.Handler). A provisioning
// that the provider rejects, or that fails on its last attempt, ends the
// purchase: refunded in full and deleted, with the reason kept. An
// operation (power, reinstall, passwords) that fails for good or on its
// last attempt ends with act_status back to 0 and the reason kept in
// status_reason; one that may pass (provider.ErrUnavailable) is retried
// with act_status unchanged. It returns nil on success, jobs.Permanent(err)
// when no retry can help, and err to be retried.
func (s *Service) Do(ctx context.Context, a jobs.Args, attempt int, final bool) error {
	return s.Engine.JobOutcome(ctx, business, a, final, s.do(ctx, a), nil)
}

// job is what a server job needs of its order.
type job struct {
	status, port int
	lineID       int64
	ref, image   string
	password     []byte
	cfg          config
	inBandwidth  string
	resellerID   int64 // the VM's owner at the provider (魔方云 files it under the reseller's user)
}

func (s *Service) loadJob(ctx context.Context, id int64) (job, error) {
	var j job
	var disks string
	err := s.DB.QueryRow(ctx, `
		SELECT o.order_status, o.login_port, o.line_id, o.provider_ref, s.mirror_name, o.login_password_enc,
		       o.cpu, o.memory, o.bandwidth, o.in_bandwidth, o.defense, o.ip_num, o.harddisks, o.reseller_id
		FROM server_orders o JOIN systems s ON s.id = o.system_id WHERE o.id = $1`, id).
		Scan(&j.status, &j.port, &j.lineID, &j.ref, &j.image, &j.password, &j.cfg.CPU, &j.cfg.RAM,
			&j.cfg.Bandwidth, &j.inBandwidth, &j.cfg.Defense, &j.cfg.IPNum, &disks, &j.resellerID)
	if err != nil {
		return j, fmt.Errorf("server job: order %d: %w", id, err)
	}
	j.cfg.Disks, err = parseDisks("harddisks", disks)
	return j, err
}

func (j job) spec(ref, password string) provider.VMSpec {
	spec := provider.VMSpec{Ref: ref, CPU: j.cfg.CPU, MemoryGB: j.cfg.RAM, BandwidthMbps: j.cfg.Bandwidth,
		InBandwidthMbps: atoi(j.inBandwidth), DefenseGB: j.cfg.Defense, IPNum: j.cfg.IPNum, Image: j.image,
		Password: password, Port: j.port, Owner: strconv.FormatInt(j.resellerID, 10)}
	if len(j.cfg.Disks) > 0 {
		spec.SystemDiskGB, spec.DataDisksGB = j.cfg.Disks[0], j.cfg.Disks[1:]
	}
	return spec
}

func (s *Service) do(ctx context.Context, a jobs.Args) error {
	j, err := s.loadJob(ctx, a.OrderID)
	if err != nil {
		return err
	}
	if orderflow.IsOperation(a.Op) && j.status != 1 { // refunded, expired or recycled since: nothing to do
		return s.Engine.FinishOperation(ctx, business, a.OrderID, 0)
	}
	vms, err := s.Engine.VMs(ctx, business, j.lineID)
	if err != nil {
		return err
	}
	switch a.Op {
	case jobs.OpProvision:
		return s.provision(ctx, vms, a.OrderID, j)
	case jobs.OpDestroy:
		if j.ref == "" {
			return nil
		}
		if err := vms.DeleteVM(ctx, j.ref); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
		return nil
	case jobs.OpResize:
		return vms.ResizeVM(ctx, j.ref, j.spec(orderflow.Ref(business, a.OrderID), ""))
	case jobs.OpLock:
		return s.power(ctx, vms, a.OrderID, j.ref, provider.PowerOff, -2)
	case jobs.OpUnlock:
		return s.power(ctx, vms, a.OrderID, j.ref, provider.PowerOn, 1)
	case jobs.OpStart, jobs.OpStop, jobs.OpRestart:
		return s.switchPower(ctx, vms, a, j.ref)
	case jobs.OpInstall:
		return s.reinstall(ctx, vms, a, j.ref)
	case jobs.OpPassword, jobs.OpVNCPassword:
		return s.setPassword(ctx, vms, a, j.ref)
	}
	return fmt.Errorf("server job: unknown operation %q: %w", a.Op, orderflow.ErrBroken)
}

// provision creates the server (the driver finds one a retried attempt
// made) and marks the order 正常; an order refunded meanwhile has its VM
// removed again.
func (s *Service) provision(ctx context.Context, vms provider.VMDriver, id int64, j job) error {
	if j.status != 0 {
		return nil
	}
	password, err := s.Box.OpenString(j.password)
	if err != nil {
		return fmt.Errorf("server order %d: password: %w: %w", id, orderflow.ErrBroken, err)
	}
	vm, err := vms.CreateVM(ctx, j.spec(orderflow.Ref(business, id), password))
	if err != nil {
		return err
	}
	tag, err := s.DB.Exec(ctx, `
		UPDATE server_orders SET ip = $2, local_ip = $3, provider_ref = $4, order_status = 1, run_status = 1,
			act_status = 0, updated_at = now()
		WHERE id = $1 AND order_status = 0`, id, vm.IP, vm.LocalIP, vm.ID)
	if err != nil {
		return fmt.Errorf("server order %d: record VM %s: %w", id, vm.ID, err)
	}
	if tag.RowsAffected() == 0 { // refunded while we created it
		if err := vms.DeleteVM(ctx, vm.ID); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
	}
	return nil
}

// power switches the VM and records the run status.
func (s *Service) power(ctx context.Context, vms provider.VMDriver, id int64, ref string, op provider.PowerOp, run int) error {
	if ref != "" {
		if err := vms.PowerVM(ctx, ref, op); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
	}
	_, err := s.DB.Exec(ctx, `UPDATE server_orders SET run_status = $2, updated_at = now() WHERE id = $1`, id, run)
	return err
}

// operationRun is the run status each operation leaves its server in (0:
// unchanged).
var operationRun = map[string]int{jobs.OpStart: 1, jobs.OpStop: -1, jobs.OpRestart: 1, jobs.OpInstall: 1,
	jobs.OpPassword: 0, jobs.OpVNCPassword: 0}

// powerOps are the power actions of server_start, server_stop and
// server_restart.
var powerOps = map[string]provider.PowerOp{jobs.OpStart: provider.PowerOn, jobs.OpStop: provider.PowerOff,
	jobs.OpRestart: provider.Reboot}

// switchPower runs a power operation and finishes it with the run status
// it leaves. It returns the driver's error (the server unknown to the
// provider: provider.ErrNotFound) or the database's.
func (s *Service) switchPower(ctx context.Context, vms provider.VMDriver, a jobs.Args, ref string) error {
	if err := vms.PowerVM(ctx, ref, powerOps[a.Op]); err != nil {
		return fmt.Errorf("server order %d: %s: %w", a.OrderID, a.Op, err)
	}
	return s.Engine.FinishOperation(ctx, business, a.OrderID, operationRun[a.Op])
}

// reinstall puts the system of the job's system_id on the server with the
// job's sealed password, then records the system, its login name and
// port, and the password on the order and finishes the operation, in one
// statement. It returns orderflow.ErrBroken for parameters that cannot serve, the
// driver's error, or the database's.
func (s *Service) reinstall(ctx context.Context, vms provider.VMDriver, a jobs.Args, ref string) error {
	password, sealed, err := s.Engine.JobPassword(business, a)
	if err != nil {
		return err
	}
	sysID, err := strconv.ParseInt(a.Params["system_id"], 10, 64)
	if err != nil {
		return fmt.Errorf("server order %d: reinstall: system_id %q: %w", a.OrderID, a.Params["system_id"], orderflow.ErrBroken)
	}
	var image, loginName, port string
	err = s.DB.QueryRow(ctx, `SELECT mirror_name, login_name, port FROM systems WHERE id = $1`, sysID).
		Scan(&image, &loginName, &port)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("server order %d: reinstall: system %d is gone: %w", a.OrderID, sysID, orderflow.ErrBroken)
	}
	if err != nil {
		return fmt.Errorf("server order %d: reinstall: %w", a.OrderID, err)
	}
	if err := vms.ReinstallVM(ctx, ref, image, password, atoi(port)); err != nil {
		return fmt.Errorf("server order %d: reinstall: %w", a.OrderID, err)
	}
	_, err = s.DB.Exec(ctx, `
		UPDATE server_orders SET system_id = $2, login_name = $3, login_port = $4, login_password_enc = $5,
			act_status = 0, run_status = 1, updated_at = now()
		WHERE id = $1`, a.OrderID, sysID, loginName, atoi(port), sealed)
	if err != nil {
		return fmt.Errorf("server order %d: reinstall: record: %w", a.OrderID, err)
	}
	return nil
}

// setPassword sets the root (OpPassword) or console (OpVNCPassword)
// password to the job's sealed one, then records it on the order and
// finishes the operation in one statement. need_reset_vnc is left as it
// is. It returns orderflow.ErrBroken for a password that cannot be opened, the
// driver's error (provider.ErrUnsupported from a provider without console
// passwords), or the database's.
func (s *Service) setPassword(ctx context.Context, vms provider.VMDriver, a jobs.Args, ref string) error {
	password, sealed, err := s.Engine.JobPassword(business, a)
	if err != nil {
		return err
	}
	set, column := vms.SetVMPassword, "login_password_enc"
	if a.Op == jobs.OpVNCPassword {
		set, column = vms.SetVNCPassword, "vnc_password_enc"
	}
	if err := set(ctx, ref, password); err != nil {
		return fmt.Errorf("server order %d: %s: %w", a.OrderID, a.Op, err)
	}
	if _, err := s.DB.Exec(ctx, `UPDATE server_orders SET `+column+` = $2, act_status = 0, updated_at = now()
		WHERE id = $1`, a.OrderID, sealed); err != nil {
		return fmt.Errorf("server order %d: %s: record: %w", a.OrderID, a.Op, err)
	}
	return nil
}
