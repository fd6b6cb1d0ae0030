package lease

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/orderflow/machine"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The jobs of lease orders besides the operations (machine.Operations'
// StartJob ... PasswordJob). A provisioning that fails for good, or on its
// last attempt, ends the purchase (orderflow.Engine.ProvisionOutcome) and gives the machine back to the inventory.
// Each returns nil on success, jobs.Permanent(err) when no retry can help,
// and err to be retried.

// ProvisionJob delivers the order (see provision).
func (s *Service) ProvisionJob(ctx context.Context, a jobs.Provision, final bool) error {
	return s.Engine.ProvisionOutcome(ctx, orderflow.Lease, a.OrderID, final, s.withJob(ctx, a.OrderID, s.provision),
		func(ctx context.Context, tx pgx.Tx) error { return FreeMachine(ctx, tx, a.OrderID) })
}

// DestroyJob ends a refunded or recycled order (see destroy).
func (s *Service) DestroyJob(ctx context.Context, a jobs.Destroy, _ bool) error {
	return orderflow.Outcome(s.withJob(ctx, a.OrderID, s.destroy))
}

// ResizeJob applies an upgrade: bandwidth, IPs and defense are the
// network's, so staff change them (a task); the extra addresses are then
// read again from the provider (recordAddresses).
func (s *Service) ResizeJob(ctx context.Context, a jobs.Resize, _ bool) error {
	return orderflow.Outcome(s.withJob(ctx, a.OrderID, func(ctx context.Context, id int64, j job) error {
		if err := machine.AskStaff(ctx, s.Engine, orderflow.Lease, j.driver, id, "resize", map[string]any{
			"machine_id": j.machine.ID, "bandwidth": j.cfg.Bandwidth, "defense": j.cfg.Defense, "ipnum": j.cfg.IPNum}); err != nil {
			return err
		}
		return s.recordAddresses(ctx, id, j)
	}))
}

// withJob reads order id's job data for do.
func (s *Service) withJob(ctx context.Context, id int64, do func(ctx context.Context, id int64, j job) error) error {
	j, err := s.loadJob(ctx, id)
	if err != nil {
		return err
	}
	return do(ctx, id, j)
}

// Jobs are the lease's job handlers, for the job runner: its own and those
// machine.Operations does.
func (s *Service) Jobs() jobs.Handlers {
	return s.Operations().Jobs(s.ProvisionJob, s.DestroyJob, s.ResizeJob)
}

// job is what a lease job needs of its order and its machine.
type job struct {
	status    int
	lineID    int64
	driver    string
	machineID *int64
	machine   provider.Machine
	image     string
	port      string
	password  []byte
	cfg       pricing.LeaseOrder
}

// loadJob reads order id with its machine: the driver's Machine is the
// order's provider_ref (or the machine's guid), its Ref and the machine's
// BMC. It returns an error wrapping orderflow.ErrBroken when the BMC password does
// not open.
func (s *Service) loadJob(ctx context.Context, id int64) (job, error) {
	var j job
	var bmcPassword []byte
	m := &j.machine
	err := s.DB.QueryRow(ctx, `
		SELECT o.order_status, o.line_id, l.provider_driver, o.machine_id,
		       COALESCE(NULLIF(o.provider_ref, ''), m.guid, ''), COALESCE(m.bmc_host, ''),
		       COALESCE(m.bmc_port, 0), COALESCE(m.bmc_username, ''), m.bmc_password_enc,
		       COALESCE(sy.mirror_name, ''), o.login_password_enc, o.system_port,
		       o.bandwidth, o.defense, o.ipnum
		FROM lease_orders o
		JOIN lease_lines l ON l.id = o.line_id
		LEFT JOIN lease_machines m ON m.id = o.machine_id
		LEFT JOIN systems sy ON sy.id = o.system_id
		WHERE o.id = $1`, id).Scan(&j.status, &j.lineID, &j.driver, &j.machineID, &m.ID, &m.BMC.Host,
		&m.BMC.Port, &m.BMC.Username, &bmcPassword, &j.image, &j.password, &j.port, &j.cfg.Bandwidth,
		&j.cfg.Defense, &j.cfg.IPNum)
	if err != nil {
		return j, fmt.Errorf("lease job: order %d: %w", id, err)
	}
	m.Ref = orderflow.Ref(orderflow.Lease, id)
	m.IPNum = j.cfg.IPNum
	if m.BMC.Password, err = s.Box.OpenString(bmcPassword); err != nil {
		return j, fmt.Errorf("lease job: order %d: BMC password: %w: %w", id, orderflow.ErrBroken, err)
	}
	return j, nil
}

// target is the job's order and machine as operations reach them.
func (j job) target() machine.Target {
	return machine.Target{Status: j.status, LineID: j.lineID, Machine: j.machine}
}

// target reads order id's machine for an operation (machine.Operations.Find). It
// fails as loadJob does.
func (s *Service) target(ctx context.Context, id int64) (machine.Target, error) {
	j, err := s.loadJob(ctx, id)
	if err != nil {
		return machine.Target{}, err
	}
	return j.target(), nil
}

// provision delivers a lease: it installs the order's system on the
// machine the purchase took and marks the order 正常. Where no driver call
// can install a system (the manual driver, or an IPMI-only line: power
// but no reinstall) delivering is staff work: the job records a
// provisioning task (once, however often it retries) and the order stays
// 开通中 until staff close the task (`zonkvmd task done ID`), which
// delivers it (Delivered), or fail it, which refunds it.
func (s *Service) provision(ctx context.Context, id int64, j job) error {
	if j.status != orderflow.OrderProvisioning {
		return nil
	}
	if j.machineID == nil {
		return fmt.Errorf("lease order %d has no machine: %w", id, orderflow.ErrBroken)
	}
	password, err := s.Box.OpenString(j.password)
	if err != nil {
		return fmt.Errorf("lease order %d: password: %w: %w", id, orderflow.ErrBroken, err)
	}
	drv, err := s.Engine.BareMetal(ctx, s.Engine.DB, orderflow.Lease, j.lineID)
	if err != nil {
		return err
	}
	if j.driver != machine.ManualDriver {
		if err := s.recordAddresses(ctx, id, j); err != nil {
			return err
		}
		err = drv.ReinstallMachine(ctx, j.machine, provider.Install{Image: j.image, Password: password, Port: atoi(j.port)})
	}
	if j.driver == machine.ManualDriver || errors.Is(err, provider.ErrUnsupported) {
		return machine.AskStaff(ctx, s.Engine, orderflow.Lease, j.driver, id, "provision", map[string]any{
			"machine_id": j.machine.ID, "image": j.image, "port": j.port}) // the password stays sealed on the order
	}
	if err != nil {
		return fmt.Errorf("lease order %d: install: %w", id, err)
	}
	return Delivered(ctx, s.DB, id, s.now())
}

// Delivered marks a lease 正常 from now: its machine is installed. It runs
// in the job or in the transaction of the provisioning task staff closed;
// an order no longer 开通中 (refunded meanwhile) is left alone.
func Delivered(ctx context.Context, q postgres.Querier, id int64, now time.Time) error {
	if _, err := q.Exec(ctx, `
		UPDATE lease_orders SET order_status = 1, run_status = 1, act_status = 0, start_time = $2,
			updated_at = now()
		WHERE id = $1 AND order_status = 0`, id, now); err != nil {
		return fmt.Errorf("lease order %d: mark delivered: %w", id, err)
	}
	return nil
}

// destroy ends a refunded or recycled order: it powers its machine off
// and gives the machine back to the inventory (a refund gave it back
// already). A machine that another order has taken since is left alone;
// its own provisioning reinstalls it.
func (s *Service) destroy(ctx context.Context, id int64, j job) error {
	if (j.status != orderflow.OrderRecycled && j.status != orderflow.OrderDeleted) || j.machineID == nil {
		return nil
	}
	var taken bool
	if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM lease_orders
		WHERE machine_id = $1 AND id <> $2 AND order_status IN (0, 1, 3))`, *j.machineID, id).Scan(&taken); err != nil {
		return fmt.Errorf("lease order %d: destroy: %w", id, err)
	}
	if taken {
		return nil
	}
	drv, err := s.Engine.BareMetal(ctx, s.Engine.DB, orderflow.Lease, j.lineID)
	if err == nil {
		err = drv.PowerMachine(ctx, j.machine, provider.PowerOff)
	}
	if err != nil && !errors.Is(err, provider.ErrNotFound) && !errors.Is(err, provider.ErrUnsupported) {
		return fmt.Errorf("lease order %d: power off: %w", id, err)
	}
	return FreeMachine(ctx, s.DB, id)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}
