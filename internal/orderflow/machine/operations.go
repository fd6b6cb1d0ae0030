package machine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Operations serves the actions that operate a delivered lease or
// colocation order (document 六.7-11, 六.14-15 and 托管 22-26, 30-31),
// which differ only in their tables and in how an order's machine is
// reached (Find).
//
// Power, reinstall and password changes are durable jobs (semantics.md
// §4): the call locks the order, checks it is 正常 with no operation
// running, sets actStatus and records the job in one transaction, and
// answers at once; the job (Run) clears actStatus. A new system or
// password is written on the order by the job once the provider has
// taken it, so an order always describes its machine as it is; an
// operation that fails for good changes nothing but actStatus and
// status_reason. The new password travels in the job's parameters sealed
// with Box, never in clear.
//
// Consoles and charts are answered synchronously from the provider: they
// are quick, the reseller waits for their answer, and a retry later would
// have no one to answer to.
type Operations struct {
	Business Business
	Engine   *orderflow.Engine
	Box      *secret.Box // seals the passwords of jobs and orders
	// Find reads order id's machine; it fails with the database's error
	// or orderflow.ErrBroken for stored data that cannot serve.
	Find func(ctx context.Context, id int64) (Target, error)
	// Fit reads what a system must fit to be installed on order id: its
	// line's zone and its machine's cores and memory (0: not checked).
	Fit func(ctx context.Context, tx pgx.Tx, id int64) (zone string, cpu, ram int, err error)
}

// Start serves lease_start and idc_start, Stop lease_stop and idc_stop,
// Restart lease_restart and idc_restart: each sets its actStatus and
// writes its power job. They answer 未找到产品记录, 业务状态异常 (not 正常)
// or 有操作正在进行中 and change nothing then.
func (o Operations) Start(ctx context.Context, req *dispatch.Request) (any, error) {
	return nil, o.Engine.StartOperation(ctx, req, o.Business, orderflow.MachineActStarting,
		func(o jobs.Order) jobs.Args { return jobs.Start{Order: o} }, nil)
}

// Stop: see Start.
func (o Operations) Stop(ctx context.Context, req *dispatch.Request) (any, error) {
	return nil, o.Engine.StartOperation(ctx, req, o.Business, orderflow.MachineActStopping,
		func(o jobs.Order) jobs.Args { return jobs.Stop{Order: o} }, nil)
}

// Restart: see Start.
func (o Operations) Restart(ctx context.Context, req *dispatch.Request) (any, error) {
	return nil, o.Engine.StartOperation(ctx, req, o.Business, orderflow.MachineActRestarting,
		func(o jobs.Order) jobs.Args { return jobs.Restart{Order: o} }, nil)
}

// Install serves lease_install and idc_install (document 六.10, 托管 25): systemID must be
// enabled, offer "install", support the business, serve the line's zone
// and (a lease) fit the machine model's cores and memory; port is 1 to
// 65535 (default: the system's); password (required) must be strong;
// system_partition, system_partition_size and install_reason as
// readInstall says. The job reinstalls, then records the system, its
// login name, the port and the password. Each refusal changes nothing.
func (o Operations) Install(ctx context.Context, req *dispatch.Request) (any, error) {
	if _, err := req.Params.OrderID(); err != nil {
		return nil, err
	}
	sys, err := orderflow.LoadSystem(ctx, o.Engine.DB, "systemID", req.Params.String("systemID"))
	if err != nil {
		return nil, err
	}
	job, err := readInstall(req.Params, sys)
	if err != nil {
		return nil, err
	}
	password, err := orderflow.Password(req.Params, "password", false)
	if err != nil {
		return nil, err
	}
	job.Password = o.Engine.SealForJob(password)
	return nil, o.Engine.StartOperation(ctx, req, o.Business, orderflow.MachineActReinstall,
		func(order jobs.Order) jobs.Args { job.Order = order; return job },
		func(ctx context.Context, tx pgx.Tx, op orderflow.Operation) error {
			zone, cpu, ram, err := o.Fit(ctx, tx, op.ID)
			if err != nil {
				return err
			}
			return sys.Check("systemID", "install", o.Business.Name, zone, cpu, ram)
		})
}

// partitions maps system_partition to what a driver is told (provider.
// Install.Partition): "all" formats the whole disk, "first" only the
// first partition (the DCIM's part_type 0 and 1, which are accepted too);
// absent or empty is "all".
var partitions = map[string]string{"": "all", "all": "all", "0": "all", "first": "first", "1": "first"}

// Bounds of the install parameters.
const (
	maxPartitionGB = 1 << 20 // 1 PB: anything larger is a typing error
	maxReason      = 255     // install_reason, in characters
)

// readInstall reads lease_install's and idc_install's parameters besides
// guid, systemID and password into an install job: its system, port
// (1 to 65535; absent or empty: the system's port), partition
// (system_partition, see partitions), partition_size (system_partition_
// size in GB: absent, empty or 0 leaves the driver's default, else at
// least the system's system_harddisk) and reason (install_reason, at most
// 255 characters, kept for the operator in the job). It answers 参数错误:
// <name> <why> for a value outside these.
func readInstall(p dispatch.Params, sys orderflow.System) (jobs.Install, error) {
	port, err := readPort(p, sys.Port)
	if err != nil {
		return jobs.Install{}, err
	}
	partText, err := p.Text("system_partition")
	if err != nil {
		return jobs.Install{}, err
	}
	part, ok := partitions[strings.ToLower(strings.TrimSpace(partText))]
	if !ok {
		return jobs.Install{}, dispatch.ParamError("system_partition", "应为all(全盘)或first(第一分区)")
	}
	size, err := p.IntIn("system_partition_size", 0, 0, maxPartitionGB)
	if err != nil {
		return jobs.Install{}, err
	}
	if size > 0 && size < int64(sys.SystemHarddisk) {
		return jobs.Install{}, dispatch.ParamError("system_partition_size", fmt.Sprintf("不能小于系统要求的%dGB", sys.SystemHarddisk))
	}
	reason, err := p.Text("install_reason")
	if err != nil {
		return jobs.Install{}, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxReason {
		return jobs.Install{}, dispatch.ParamError("install_reason", fmt.Sprintf("长度不能超过%d个字符", maxReason))
	}
	return jobs.Install{SystemID: sys.ID, Port: port, Partition: part, PartitionSize: int(size), Reason: reason}, nil
}

// readPort reads port: 1 to 65535, or the system's port (systemPort, 0
// when it is not a port: the driver's default) when absent or empty.
func readPort(p dispatch.Params, systemPort string) (int, error) {
	text, err := p.Text("port")
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(text) == "" {
		if n := atoi(systemPort); n >= 1 && n <= 65535 {
			return n, nil
		}
		return 0, nil
	}
	n, err := p.Int("port", 0)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > 65535 {
		return 0, dispatch.ParamError("port", "应为1-65535的端口")
	}
	return int(n), nil
}

// ZoneFit is the Fit of an order whose machine is unknown (a colocated
// machine is the customer's): its line's zone, and 0 cores and memory (not
// checked). It returns the database's error.
func ZoneFit(b Business) func(ctx context.Context, tx pgx.Tx, id int64) (string, int, int, error) {
	return func(ctx context.Context, tx pgx.Tx, id int64) (string, int, int, error) {
		var zone string
		err := tx.QueryRow(ctx, `SELECT z.guid FROM `+b.Orders+` o JOIN `+b.Lines+` l ON l.id = o.line_id
			JOIN zones z ON z.id = l.zone_id WHERE o.id = $1`, id).Scan(&zone)
		if err != nil {
			return "", 0, 0, fmt.Errorf("%s_install: order %d: %w", b.Name, id, err)
		}
		return zone, 0, 0, nil
	}
}

// SetPassword serves lease_setpsw and idc_setpsw (document 六.11, 托管 26): password is
// required and must be strong. The job sets it and then records it as the
// order's login password. A driver without passwords (ipmi) ends the job
// with actStatus 0 and the reason kept for the operator.
func (o Operations) SetPassword(ctx context.Context, req *dispatch.Request) (any, error) {
	if _, err := req.Params.OrderID(); err != nil {
		return nil, err
	}
	password, err := orderflow.Password(req.Params, "password", false)
	if err != nil {
		return nil, err
	}
	sealed := o.Engine.SealForJob(password)
	return nil, o.Engine.StartOperation(ctx, req, o.Business, orderflow.MachineActPassword,
		func(order jobs.Order) jobs.Args { return jobs.Password{Order: order, Password: sealed} }, nil)
}

// Console serves lease_getvncurl and idc_getvncurl (document 六.14, 托管 30): a short-lived
// console address from the line's driver, never its credentials. It
// answers 暂未开放 when the driver has no consoles (ipmi, manual) and
// 系统繁忙 (the cause logged) when the provider fails.
func (o Operations) Console(ctx context.Context, req *dispatch.Request) (any, error) {
	op, err := o.Engine.ActiveOrder(ctx, req, o.Business)
	if err != nil {
		return nil, err
	}
	drv, t, err := o.readout(ctx, op.ID)
	if err != nil {
		return nil, orderflow.ProviderAnswer(o.Business, op.ID, "console", err)
	}
	c, err := drv.MachineConsole(ctx, t.Machine)
	if err != nil {
		return nil, orderflow.ProviderAnswer(o.Business, op.ID, "console", err)
	}
	return orderflow.ConsoleAnswer(c), nil
}

// Chart serves get_lease_chart and get_idc_chart (document 六.15, 托管 31): a point every five
// minutes in bits per second between start_time and end_time
// (milliseconds; absent: the last 24 hours), with the message 获取成功. It
// answers 参数错误 for a window that ends before it starts or spans more
// than 31 days, 暂未开放 when the line's driver has no charts (ipmi,
// manual) and 系统繁忙 when the provider fails.
func (o Operations) Chart(ctx context.Context, req *dispatch.Request) (any, error) {
	op, err := o.Engine.ActiveOrder(ctx, req, o.Business)
	if err != nil {
		return nil, err
	}
	from, to, err := orderflow.ChartWindow(req.Params, o.Engine.Now())
	if err != nil {
		return nil, err
	}
	drv, t, err := o.readout(ctx, op.ID)
	if err != nil {
		return nil, orderflow.ProviderAnswer(o.Business, op.ID, "chart", err)
	}
	pts, err := drv.MachineTraffic(ctx, t.Machine, from, to)
	if err != nil {
		return nil, orderflow.ProviderAnswer(o.Business, op.ID, "chart", err)
	}
	return orderflow.ChartAnswer(pts, from, to), nil
}

// readout finds order id's machine and opens its line's driver, which
// answers consoles and charts (a BMC has neither). It returns Find's or
// MachineDriver's error.
func (o Operations) readout(ctx context.Context, id int64) (provider.BareMetalDriver, Target, error) {
	t, err := o.Find(ctx, id)
	if err != nil {
		return nil, Target{}, err
	}
	drv, err := MachineDriver(ctx, o.Engine, o.Business, t, false)
	return drv, t, err
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}
