package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"strconv"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The jobs of server orders, each with the VM driver of the order's line.
// A provisioning that the provider rejects, or that fails on its last
// attempt, ends the purchase: refunded in full and deleted, with the reason
// kept. An operation (power, reinstall, passwords) that fails for good or on
// its last attempt ends with act_status back to 0 and the reason kept in
// status_reason; one that may pass (provider.ErrUnavailable) is retried with
// act_status unchanged (orderflow's outcome rules). Each returns nil on
// success, jobs.Permanent(err) when no retry can help, and err to be retried.

// ProvisionJob creates the order's VM.
func (s *Service) ProvisionJob(ctx context.Context, a jobs.Provision, final bool) error {
	return s.Engine.ProvisionOutcome(ctx, business, a.OrderID, final, s.withVMs(ctx, a.OrderID, false, s.provision), nil)
}

// DestroyJob removes the VM of a refunded or recycled order.
func (s *Service) DestroyJob(ctx context.Context, a jobs.Destroy, _ bool) error {
	return orderflow.Outcome(s.withVMs(ctx, a.OrderID, false, func(ctx context.Context, vms provider.VMDriver, _ int64, j job) error {
		if j.ref == "" {
			return nil
		}
		if err := vms.DeleteVM(ctx, j.ref); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
		return nil
	}))
}

// ResizeJob applies an upgrade to the VM.
func (s *Service) ResizeJob(ctx context.Context, a jobs.Resize, _ bool) error {
	return orderflow.Outcome(s.withVMs(ctx, a.OrderID, false, func(ctx context.Context, vms provider.VMDriver, id int64, j job) error {
		return vms.ResizeVM(ctx, j.ref, j.spec(orderflow.Ref(business, id), ""))
	}))
}

// LockJob stops the VM of an order that expired; one renewed (or refunded)
// before the job ran is left alone.
func (s *Service) LockJob(ctx context.Context, a jobs.Lock, _ bool) error {
	return orderflow.Outcome(s.withVMs(ctx, a.OrderID, false, func(ctx context.Context, vms provider.VMDriver, id int64, j job) error {
		if lock, err := s.Engine.ShouldLock(ctx, business, id); err != nil || !lock {
			return err
		}
		return s.power(ctx, vms, id, j.ref, provider.PowerOff, orderflow.RunLocked)
	}))
}

// UnlockJob starts the VM of an order reinstated by a renewal.
func (s *Service) UnlockJob(ctx context.Context, a jobs.Unlock, _ bool) error {
	return orderflow.Outcome(s.withVMs(ctx, a.OrderID, false, func(ctx context.Context, vms provider.VMDriver, id int64, j job) error {
		if unlock, err := s.Engine.ShouldUnlock(ctx, business, id); err != nil || !unlock {
			return err
		}
		return s.power(ctx, vms, id, j.ref, provider.PowerOn, orderflow.RunRunning)
	}))
}

// StartJob, StopJob and RestartJob switch the VM's power for server_start,
// server_stop and server_restart and finish the operation with the run
// status it leaves.
func (s *Service) StartJob(ctx context.Context, a jobs.Start, final bool) error {
	return s.switchPower(ctx, a.Order, a.Kind(), final, provider.PowerOn, orderflow.RunRunning)
}

// StopJob: see StartJob.
func (s *Service) StopJob(ctx context.Context, a jobs.Stop, final bool) error {
	return s.switchPower(ctx, a.Order, a.Kind(), final, provider.PowerOff, orderflow.RunStopped)
}

// RestartJob: see StartJob.
func (s *Service) RestartJob(ctx context.Context, a jobs.Restart, final bool) error {
	return s.switchPower(ctx, a.Order, a.Kind(), final, provider.Reboot, orderflow.RunRunning)
}

// InstallJob reinstalls the VM for server_install.
func (s *Service) InstallJob(ctx context.Context, a jobs.Install, final bool) error {
	return s.Engine.OperationOutcome(ctx, business, a.OrderID, a.Kind(), final,
		s.withVMs(ctx, a.OrderID, true, func(ctx context.Context, vms provider.VMDriver, _ int64, j job) error {
			return s.reinstall(ctx, vms, a, j.ref)
		}))
}

// PasswordJob sets the root password for server_setpsw, VNCPasswordJob the
// console password for server_setvnc.
func (s *Service) PasswordJob(ctx context.Context, a jobs.Password, final bool) error {
	return s.setPassword(ctx, a.Order, a.Kind(), final, a.Password, "login_password_enc",
		func(vms provider.VMDriver) func(context.Context, string, string) error { return vms.SetVMPassword })
}

// VNCPasswordJob: see PasswordJob.
func (s *Service) VNCPasswordJob(ctx context.Context, a jobs.VNCPassword, final bool) error {
	return s.setPassword(ctx, a.Order, a.Kind(), final, a.Password, "vnc_password_enc",
		func(vms provider.VMDriver) func(context.Context, string, string) error { return vms.SetVNCPassword })
}

// withVMs reads order id's job data and opens its line's VM driver for
// do. For an operation a reseller started (operation true) on an order no
// longer 正常 (refunded, expired or recycled since) there is nothing to do:
// the operation is finished with the run state as it was.
func (s *Service) withVMs(ctx context.Context, id int64, operation bool,
	do func(ctx context.Context, vms provider.VMDriver, id int64, j job) error) error {
	j, err := s.loadJob(ctx, id)
	if err != nil {
		return err
	}
	if operation && j.status != orderflow.OrderActive {
		return s.Engine.FinishOperation(ctx, business, id, orderflow.RunKeep)
	}
	vms, err := s.Engine.VMs(ctx, s.Engine.DB, business, j.lineID)
	if err != nil {
		return err
	}
	return do(ctx, vms, id, j)
}

// Jobs are the server's job handlers, for the job runner.
func (s *Service) Jobs() jobs.Handlers {
	b := business.Name
	return jobs.Handlers{
		Provision:   map[string]jobs.Func[jobs.Provision]{b: s.ProvisionJob},
		Destroy:     map[string]jobs.Func[jobs.Destroy]{b: s.DestroyJob},
		Resize:      map[string]jobs.Func[jobs.Resize]{b: s.ResizeJob},
		Lock:        map[string]jobs.Func[jobs.Lock]{b: s.LockJob},
		Unlock:      map[string]jobs.Func[jobs.Unlock]{b: s.UnlockJob},
		Start:       map[string]jobs.Func[jobs.Start]{b: s.StartJob},
		Stop:        map[string]jobs.Func[jobs.Stop]{b: s.StopJob},
		Restart:     map[string]jobs.Func[jobs.Restart]{b: s.RestartJob},
		Install:     map[string]jobs.Func[jobs.Install]{b: s.InstallJob},
		Password:    map[string]jobs.Func[jobs.Password]{b: s.PasswordJob},
		VNCPassword: map[string]jobs.Func[jobs.VNCPassword]{b: s.VNCPasswordJob},
	}
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

// provision creates the server (the driver finds one a retried attempt
// made) and marks the order 正常; an order refunded meanwhile has its VM
// removed again.
func (s *Service) provision(ctx context.Context, vms provider.VMDriver, id int64, j job) error {
	if j.status != orderflow.OrderProvisioning {
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
	extra, err := appendIP(vm.ExtraIPs)
	if err != nil {
		return fmt.Errorf("server order %d: %w", id, err)
	}
	tag, err := s.DB.Exec(ctx, `
		UPDATE server_orders SET ip = $2, local_ip = $3, provider_ref = $4, append_ip = $5, order_status = 1,
			run_status = 1, act_status = 0, updated_at = now()
		WHERE id = $1 AND order_status = 0`, id, vm.IP, vm.LocalIP, vm.ID, extra)
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

// appendIP is getserver's append_ip for a VM's extra addresses: the JSON
// text of the list of address strings, "[]" for none (docs/decisions.md).
func appendIP(extra []string) (string, error) {
	if extra == nil {
		extra = []string{}
	}
	b, err := json.Marshal(extra)
	if err != nil {
		return "", fmt.Errorf("append_ip: %w", err)
	}
	return string(b), nil
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

// switchPower runs a power operation of kind on order o and finishes it
// with the run status run it leaves (orderflow.Engine.OperationOutcome).
func (s *Service) switchPower(ctx context.Context, o jobs.Order, kind string, final bool, op provider.PowerOp, run int) error {
	return s.Engine.OperationOutcome(ctx, business, o.OrderID, kind, final,
		s.withVMs(ctx, o.OrderID, true, func(ctx context.Context, vms provider.VMDriver, id int64, j job) error {
			if err := vms.PowerVM(ctx, j.ref, op); err != nil {
				return fmt.Errorf("server order %d: %s: %w", id, kind, err)
			}
			return s.Engine.FinishOperation(ctx, business, id, run)
		}))
}

// reinstall puts system a.SystemID on the server with the job's sealed
// password, then records the system, its login name and port, and the
// password on the order and finishes the operation, in one statement. It
// returns orderflow.ErrBroken for parameters that cannot serve, the
// driver's error, or the database's.
func (s *Service) reinstall(ctx context.Context, vms provider.VMDriver, a jobs.Install, ref string) error {
	password, err := s.Engine.JobPassword(business, a.OrderID, a.Password)
	if err != nil {
		return err
	}
	var image, loginName, port string
	err = postgres.QueryRow(ctx, s.DB, `SELECT mirror_name, login_name, port FROM systems WHERE id = $1`, a.SystemID).
		Scan(&image, &loginName, &port)
	if errors.Is(err, postgres.ErrNotFound) {
		return fmt.Errorf("server order %d: reinstall: system %d is gone: %w", a.OrderID, a.SystemID, orderflow.ErrBroken)
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
		WHERE id = $1`, a.OrderID, a.SystemID, loginName, atoi(port), a.Password)
	if err != nil {
		return fmt.Errorf("server order %d: reinstall: record: %w", a.OrderID, err)
	}
	return nil
}

// setPassword sets a password of order o (the driver's setter of set,
// the order's column) to the job's sealed one, then records it on the
// order and finishes the operation in one statement. need_reset_vnc is
// left as it is. It ends as orderflow.Engine.OperationOutcome says, the
// cause being orderflow.ErrBroken for a password that cannot be opened, the
// driver's error (provider.ErrUnsupported from a provider without console
// passwords), or the database's.
func (s *Service) setPassword(ctx context.Context, o jobs.Order, kind string, final bool, sealed []byte, column string,
	set func(provider.VMDriver) func(context.Context, string, string) error) error {
	return s.Engine.OperationOutcome(ctx, business, o.OrderID, kind, final,
		s.withVMs(ctx, o.OrderID, true, func(ctx context.Context, vms provider.VMDriver, id int64, j job) error {
			password, err := s.Engine.JobPassword(business, id, sealed)
			if err != nil {
				return err
			}
			if err := set(vms)(ctx, j.ref, password); err != nil {
				return fmt.Errorf("server order %d: %s: %w", id, kind, err)
			}
			if _, err := s.DB.Exec(ctx, `UPDATE server_orders SET `+column+` = $2, act_status = 0, updated_at = now()
				WHERE id = $1`, id, sealed); err != nil {
				return fmt.Errorf("server order %d: %s: record: %w", id, kind, err)
			}
			return nil
		}))
}
