package idc

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/orderflow/machine"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The jobs of idc orders besides the operations (machine.Operations'
// StartJob ... PasswordJob). A provisioning that fails for good, or on its
// last attempt, ends the purchase (orderflow.Engine.ProvisionOutcome).
// Each returns nil on success, jobs.Permanent(err) when no retry can help,
// and err to be retried.

// ProvisionJob delivers the order (see provision).
func (s *Service) ProvisionJob(ctx context.Context, a jobs.Provision, final bool) error {
	return s.Engine.ProvisionOutcome(ctx, orderflow.IDC, a.OrderID, final, s.withJob(ctx, a.OrderID, s.provision),
		nil)
}

// DestroyJob asks staff to unrack the machine of a refunded or recycled
// order and hand it back.
func (s *Service) DestroyJob(ctx context.Context, a jobs.Destroy, _ bool) error {
	return orderflow.Outcome(s.withJob(ctx, a.OrderID, func(ctx context.Context, id int64, j job) error {
		if j.status != orderflow.OrderRecycled && j.status != orderflow.OrderDeleted {
			return nil
		}
		return machine.AskStaff(ctx, s.Engine, orderflow.IDC, j.driver, id, "destroy",
			map[string]any{"cabinet_sn": j.cabinet, "ip": j.ip})
	}))
}

// ResizeJob applies an upgrade: bandwidth, IPs and defense are the
// network's, so staff change them (a task; closed with --ip, it gives the
// order's addresses anew). On the simulator, where there are no staff, the
// order gets its ipnum simulated addresses at once.
func (s *Service) ResizeJob(ctx context.Context, a jobs.Resize, _ bool) error {
	return orderflow.Outcome(s.withJob(ctx, a.OrderID, func(ctx context.Context, id int64, j job) error {
		if j.driver == machine.SimDriver {
			return s.readdress(ctx, id, j.cfg.IPNum)
		}
		return machine.AskStaff(ctx, s.Engine, orderflow.IDC, j.driver, id, "resize",
			map[string]any{"bandwidth": j.cfg.Bandwidth, "defense": j.cfg.Defense, "ipnum": j.cfg.IPNum})
	}))
}

// readdress gives a delivered order on the simulator its n simulated
// addresses (the first stays what it was).
func (s *Service) readdress(ctx context.Context, id int64, n int) error {
	ip, err := simAddresses(id, n)
	if err != nil {
		return err
	}
	if _, err := s.DB.Exec(ctx, `UPDATE idc_orders SET ip = $2, updated_at = now()
		WHERE id = $1 AND order_status IN (1, 3)`, id, ip); err != nil {
		return fmt.Errorf("idc order %d: addresses: %w", id, err)
	}
	return nil
}

// withJob reads order id's job data for do.
func (s *Service) withJob(ctx context.Context, id int64, do func(ctx context.Context, id int64, j job) error) error {
	j, err := s.loadJob(ctx, id)
	if err != nil {
		return err
	}
	return do(ctx, id, j)
}

// Jobs are the idc's job handlers, for the job runner: its own and those
// machine.Operations does.
func (s *Service) Jobs() jobs.Handlers {
	return s.Operations().Jobs(s.ProvisionJob, s.DestroyJob, s.ResizeJob)
}

// job is what a colocation job needs of its order.
type job struct {
	status                int
	lineID                int64
	driver                string
	lineGUID, productGUID string
	power, cabinet, ip    string
	cfg                   pricing.LeaseOrder
	machine               provider.Machine
}

// loadJob reads order id; the driver's Machine is the customer's machine
// as the operator recorded it: no provider id, the order's Ref and the
// BMC from the order. It returns an error wrapping orderflow.ErrBroken when
// the BMC password does not open.
func (s *Service) loadJob(ctx context.Context, id int64) (job, error) {
	var j job
	var bmcPassword []byte
	bmc := &j.machine.BMC
	err := s.DB.QueryRow(ctx, `
		SELECT o.order_status, o.line_id, l.provider_driver, l.guid, p.guid, o.power, o.cabinet_sn, o.ip,
		       o.bandwidth, o.defense, o.ipnum, o.bmc_host, o.bmc_port, o.bmc_username, o.bmc_password_enc
		FROM idc_orders o
		JOIN idc_lines l ON l.id = o.line_id
		JOIN idc_products p ON p.id = o.product_id
		WHERE o.id = $1`, id).Scan(&j.status, &j.lineID, &j.driver, &j.lineGUID, &j.productGUID, &j.power,
		&j.cabinet, &j.ip, &j.cfg.Bandwidth, &j.cfg.Defense, &j.cfg.IPNum, &bmc.Host, &bmc.Port,
		&bmc.Username, &bmcPassword)
	if err != nil {
		return j, fmt.Errorf("idc job: order %d: %w", id, err)
	}
	j.machine.Ref = orderflow.Ref(orderflow.IDC, id)
	if bmc.Password, err = s.Box.OpenString(bmcPassword); err != nil {
		return j, fmt.Errorf("idc job: order %d: BMC password: %w: %w", id, orderflow.ErrBroken, err)
	}
	return j, nil
}

// target is the job's order and machine as operations reach them: power
// goes through IPMI once staff recorded the machine's BMC (bmc_host set
// when they racked it, operator.md), through the line's driver otherwise
// (the simulator completes it at once, manual records a task for staff).
func (j job) target() machine.Target {
	return machine.Target{Status: j.status, LineID: j.lineID, Machine: j.machine,
		PowerByBMC: j.machine.BMC.Host != ""}
}

// target reads order id's machine for an operation (machine.Operations.Find).
// It fails as loadJob does.
func (s *Service) target(ctx context.Context, id int64) (machine.Target, error) {
	j, err := s.loadJob(ctx, id)
	if err != nil {
		return machine.Target{}, err
	}
	return j.target(), nil
}

// provision delivers a colocation order. The machine is the customer's,
// so racking it is work for staff: on any driver but the simulator the
// job records a provisioning task (once, however often it retries) and
// the order stays 开通中 until staff close the task with the machine's
// addresses, cabinet and BMC (`zonkvmd task done ID --ip ... --cabinet
// ... --bmc-host ...`), which completes the order; that step belongs to
// the provider work, not to this job. On the simulator it completes at
// once: 正常 from now, with simulated addresses.
func (s *Service) provision(ctx context.Context, id int64, j job) error {
	if j.status != orderflow.OrderProvisioning {
		return nil
	}
	if j.driver != machine.SimDriver {
		return machine.AskStaff(ctx, s.Engine, orderflow.IDC, j.driver, id, "provision", map[string]any{
			"line_guid": j.lineGUID, "product_guid": j.productGUID, "power": j.power,
			"bandwidth": j.cfg.Bandwidth, "defense": j.cfg.Defense, "ipnum": j.cfg.IPNum})
	}
	ip, err := simAddresses(id, j.cfg.IPNum)
	if err != nil {
		return err
	}
	if _, err := s.DB.Exec(ctx, `
		UPDATE idc_orders SET order_status = 1, run_status = 1, act_status = 0, start_time = $2, ip = $3,
			updated_at = now()
		WHERE id = $1 AND order_status = 0`, id, s.now(), ip); err != nil {
		return fmt.Errorf("idc order %d: mark delivered: %w", id, err)
	}
	return nil
}

// simAddresses are the simulator's addresses for order id: n of them (at
// least 1, at most 253) in 203.0.113.0/24 (TEST-NET-3; the simulator's
// cloud servers use TEST-NET-2), as the ip JSON of getidc.
func simAddresses(id int64, n int) (string, error) {
	n = min(max(n, 1), 253)
	list := make([]catalog.MachineIP, n)
	for k := range list {
		host := 2 + (int(id%253)+k)%253
		list[k] = catalog.MachineIP{IP: fmt.Sprintf("203.0.113.%d", host), Subnet: "255.255.255.0", Gateway: "203.0.113.1"}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", fmt.Errorf("idc: simulated addresses: %w", err)
	}
	return string(b), nil
}
