package server

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
)

// The actions that operate a running server (document 五.6-9 and 五.12-18).
//
// Power, reinstall and password changes are durable jobs (semantics.md
// §4): the call locks the order, checks it is 正常 with no operation
// running, sets actStatus and records the job in one transaction, and
// answers at once; the job clears actStatus. A new system or password is
// written on the order by the job once the provider has taken it, so an
// order always describes its machine as it is: until then getserver
// answers the old loginPassword (actStatus says the change is under way),
// and an operation that fails for good changes nothing but actStatus and
// status_reason. The new password travels in the job's parameters sealed
// with the service's box, never in clear.
//
// Consoles, charts and security policies are answered synchronously from
// the provider: they are quick, the reseller waits for their answer, and
// a retry later would have no one to answer to.

// Start serves server_start, Stop server_stop and Restart server_restart
// (document 五.6-8): each sets its actStatus and writes its power job. They
// answer 未找到产品记录, 业务状态异常 (not 正常: 开通中, 已过期 and locked,
// ...) or 有操作正在进行中 and change nothing then.
func (s *Service) Start(ctx context.Context, req *dispatch.Request) (any, error) {
	return nil, s.Engine.StartOperation(ctx, req, business, orderflow.ServerActStarting,
		func(o jobs.Order) jobs.Args { return jobs.Start{Order: o} }, nil)
}

// Stop: see Start.
func (s *Service) Stop(ctx context.Context, req *dispatch.Request) (any, error) {
	return nil, s.Engine.StartOperation(ctx, req, business, orderflow.ServerActStopping,
		func(o jobs.Order) jobs.Args { return jobs.Stop{Order: o} }, nil)
}

// Restart: see Start.
func (s *Service) Restart(ctx context.Context, req *dispatch.Request) (any, error) {
	return nil, s.Engine.StartOperation(ctx, req, business, orderflow.ServerActRestarting,
		func(o jobs.Order) jobs.Args { return jobs.Restart{Order: o} }, nil)
}

// Install serves server_install (document 五.9): systemID must be enabled,
// offer "install", support servers, serve the line's zone and fit the
// order's cpu and memory; password (required) must be strong. The job
// reinstalls and then records the system, its login name and port and the
// password.
func (s *Service) Install(ctx context.Context, req *dispatch.Request) (any, error) {
	if _, err := req.Params.OrderID(); err != nil {
		return nil, err
	}
	sys, err := orderflow.LoadSystem(ctx, s.DB, "systemID", req.Params.String("systemID"))
	if err != nil {
		return nil, err
	}
	password, err := orderflow.Password(req.Params, "password", false)
	if err != nil {
		return nil, err
	}
	sealed := s.Engine.SealForJob(password)
	return nil, s.Engine.StartOperation(ctx, req, business, orderflow.ServerActReinstall,
		func(o jobs.Order) jobs.Args { return jobs.Install{Order: o, SystemID: sys.ID, Password: sealed} },
		func(ctx context.Context, tx pgx.Tx, o orderflow.Operation) error {
			var cpu, ram int
			var zone, disks string
			if err := tx.QueryRow(ctx, `
				SELECT o.cpu, o.memory, o.harddisks, z.guid
				FROM server_orders o JOIN server_lines l ON l.id = o.line_id JOIN zones z ON z.id = l.zone_id
				WHERE o.id = $1`, o.ID).Scan(&cpu, &ram, &disks, &zone); err != nil {
				return fmt.Errorf("server_install: order %d: %w", o.ID, err)
			}
			if err := sys.Check("systemID", "install", business.Name, zone, cpu, ram); err != nil {
				return err
			}
			return systemDiskFits(sys, o.ID, disks)
		})
}

// systemDiskFits refuses a system whose smallest system disk
// (system_harddisk) exceeds the order's system disk, the first of its
// harddisks (参数错误: systemID 系统盘不足): a reinstall never grows a
// disk, so that renewals and upgrades price the order as it is
// (docs/decisions.md).
func systemDiskFits(sys orderflow.System, id int64, harddisks string) error {
	disks, err := parseDisks("harddisks", harddisks)
	if err != nil {
		return fmt.Errorf("server_install: order %d: stored disks %q: %w", id, harddisks, err)
	}
	if sys.SystemHarddisk > disks[0] {
		return dispatch.ParamError("systemID", "系统盘不足")
	}
	return nil
}

// SetPassword serves server_setpsw and SetVNCPassword server_setvnc
// (document 五.13, 五.14): password is required and must be strong. The job
// sets it and then records it (loginPassword, or the console password kept
// at rest). A provider without console passwords ends the job with
// actStatus 0 and the reason kept for the operator.
func (s *Service) SetPassword(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.passwordJob(ctx, req, orderflow.ServerActPassword,
		func(o jobs.Order, sealed []byte) jobs.Args { return jobs.Password{Order: o, Password: sealed} })
}

// SetVNCPassword: see SetPassword.
func (s *Service) SetVNCPassword(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.passwordJob(ctx, req, orderflow.ServerActVNCPassword,
		func(o jobs.Order, sealed []byte) jobs.Args { return jobs.VNCPassword{Order: o, Password: sealed} })
}

func (s *Service) passwordJob(ctx context.Context, req *dispatch.Request, act int,
	job func(o jobs.Order, sealed []byte) jobs.Args) (any, error) {
	if _, err := req.Params.OrderID(); err != nil {
		return nil, err
	}
	password, err := orderflow.Password(req.Params, "password", false)
	if err != nil {
		return nil, err
	}
	sealed := s.Engine.SealForJob(password)
	return nil, s.Engine.StartOperation(ctx, req, business, act,
		func(o jobs.Order) jobs.Args { return job(o, sealed) }, nil)
}

// Console serves server_getvncurl (document 五.12): a short-lived console
// address from the provider, never its credentials. It answers 暂未开放
// when the line's driver has no console and 系统繁忙 (the cause logged)
// when the provider fails.
func (s *Service) Console(ctx context.Context, req *dispatch.Request) (any, error) {
	o, err := s.Engine.ActiveOrder(ctx, req, business)
	if err != nil {
		return nil, err
	}
	vms, err := s.Engine.VMs(ctx, s.Engine.DB, business, o.LineID)
	if err != nil {
		return nil, orderflow.ProviderAnswer(business, o.ID, "console", err)
	}
	c, err := vms.VMConsole(ctx, o.ProviderRef)
	if err != nil {
		return nil, orderflow.ProviderAnswer(business, o.ID, "console", err)
	}
	return orderflow.ConsoleAnswer(c), nil
}

// Chart serves get_server_chart (document 五.15): a point every five
// minutes in bits per second between start_time and end_time
// (milliseconds; absent: the last 24 hours), times in the operator's
// zone, with the message 获取成功. It answers 参数错误 for a window that
// ends before it starts or spans more than 31 days, 暂未开放 when the
// driver has no charts and 系统繁忙 when the provider fails.
func (s *Service) Chart(ctx context.Context, req *dispatch.Request) (any, error) {
	o, err := s.Engine.ActiveOrder(ctx, req, business)
	if err != nil {
		return nil, err
	}
	from, to, err := orderflow.ChartWindow(req.Params, s.Engine.Now())
	if err != nil {
		return nil, err
	}
	vms, err := s.Engine.VMs(ctx, s.Engine.DB, business, o.LineID)
	if err != nil {
		return nil, orderflow.ProviderAnswer(business, o.ID, "chart", err)
	}
	pts, err := vms.VMTraffic(ctx, o.ProviderRef, from, to)
	if err != nil {
		return nil, orderflow.ProviderAnswer(business, o.ID, "chart", err)
	}
	return orderflow.ChartAnswer(pts, from, to), nil
}
