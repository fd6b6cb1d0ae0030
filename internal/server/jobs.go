package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Do carries out one job on a server order (jobs.Handler). A provisioning
// that the provider rejects, or that fails on its last attempt, ends the
// purchase: refunded in full and deleted, with the reason kept.
func (s *Service) Do(ctx context.Context, a jobs.Args, attempt int, final bool) error {
	err := s.do(ctx, a)
	if err == nil {
		return nil
	}
	if a.Op == jobs.OpProvision && (final || errors.Is(err, provider.ErrRejected) || errors.Is(err, provider.ErrUnsupported)) {
		if ferr := s.Engine.FailPurchase(ctx, business, a.OrderID, err.Error(), nil); ferr != nil {
			return fmt.Errorf("%w (and ending the purchase failed: %v)", err, ferr)
		}
		return jobs.Permanent(err)
	}
	if errors.Is(err, provider.ErrRejected) || errors.Is(err, provider.ErrUnsupported) {
		return jobs.Permanent(err)
	}
	return err
}

// job is what a server job needs of its order.
type job struct {
	status, port int
	lineID       int64
	ref, image   string
	password     []byte
	cfg          config
	inBandwidth  string
}

func (s *Service) loadJob(ctx context.Context, id int64) (job, error) {
	var j job
	var disks string
	err := s.DB.QueryRow(ctx, `
		SELECT o.order_status, o.login_port, o.line_id, o.provider_ref, s.mirror_name, o.login_password_enc,
		       o.cpu, o.memory, o.bandwidth, o.in_bandwidth, o.defense, o.ip_num, o.harddisks
		FROM server_orders o JOIN systems s ON s.id = o.system_id WHERE o.id = $1`, id).
		Scan(&j.status, &j.port, &j.lineID, &j.ref, &j.image, &j.password, &j.cfg.CPU, &j.cfg.RAM,
			&j.cfg.Bandwidth, &j.inBandwidth, &j.cfg.Defense, &j.cfg.IPNum, &disks)
	if err != nil {
		return j, fmt.Errorf("server job: order %d: %w", id, err)
	}
	j.cfg.Disks, err = parseDisks("harddisks", disks)
	return j, err
}

func (j job) spec(ref, password string) provider.VMSpec {
	spec := provider.VMSpec{Ref: ref, CPU: j.cfg.CPU, MemoryGB: j.cfg.RAM, BandwidthMbps: j.cfg.Bandwidth,
		InBandwidthMbps: atoi(j.inBandwidth), DefenseGB: j.cfg.Defense, IPNum: j.cfg.IPNum, Image: j.image,
		Password: password, Port: j.port}
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
	set, err := s.Engine.Provider(ctx, business, j.lineID)
	if err != nil {
		return jobs.Permanent(err)
	}
	if set.VM == nil {
		return fmt.Errorf("server line %d: driver %s runs no cloud servers: %w", j.lineID, set.Driver, provider.ErrUnsupported)
	}
	switch a.Op {
	case jobs.OpProvision:
		return s.provision(ctx, set.VM, a.OrderID, j)
	case jobs.OpDestroy:
		if j.ref == "" {
			return nil
		}
		if err := set.VM.DeleteVM(ctx, j.ref); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
		return nil
	case jobs.OpResize:
		return set.VM.ResizeVM(ctx, j.ref, j.spec(orderflow.Ref(business, a.OrderID), ""))
	case jobs.OpLock:
		return s.power(ctx, set.VM, a.OrderID, j.ref, provider.PowerOff, -2)
	case jobs.OpUnlock:
		return s.power(ctx, set.VM, a.OrderID, j.ref, provider.PowerOn, 1)
	}
	return jobs.Permanent(fmt.Errorf("server job: unknown operation %q", a.Op))
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
		return jobs.Permanent(fmt.Errorf("server order %d: password: %w", id, err))
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
