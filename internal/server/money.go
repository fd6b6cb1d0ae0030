package server

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
)

// Renew serves server_renew (document 五.11): renewLength months more from
// the current end_time, expired or not; an expired server is reinstated.
// Idempotent on client_order_id.
func (s *Service) Renew(ctx context.Context, req *dispatch.Request) (any, error) {
	ch, err := orderflow.ParseChange(req.Params)
	if err != nil {
		return nil, err
	}
	id, clientUser, clientOrder := ch.OrderID, ch.ClientUser, ch.ClientOrder
	return s.Engine.OnceClient(ctx, req, clientOrder, func(tx pgx.Tx) (any, error) {
		o, err := lock(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		if o.Status != orderflow.OrderActive && o.Status != orderflow.OrderExpired {
			return nil, dispatch.ErrStatusAbnormal
		}
		l, err := loadLine(ctx, tx, "", o.LineID)
		if err != nil {
			return nil, err
		}
		if l.RenewStatus != 1 {
			return nil, dispatch.ParamError("guid", "该线路暂停续费")
		}
		months, err := orderflow.RenewMonths(req.Params, "renewLength", l.Months)
		if err != nil {
			return nil, err
		}
		m, err := l.monthly(o.Cfg, o.SystemDisk)
		if err != nil {
			return nil, orderflow.APIError(err)
		}
		factor, err := l.discount(months)
		if err != nil {
			return nil, err
		}
		end := orderflow.Extend(o.BuyTime, o.EndTime, months)
		acct, amount, err := s.Engine.ChargeOne(ctx, tx, req.Reseller.ID, billing.Entry{Kind: "renew",
			Amount: pricing.PeriodCharge(m, months, factor), Business: business.Name, OrderID: o.ID,
			Reference: clientOrder, From: o.EndTime, To: end}, 0)
		if err != nil {
			return nil, err
		}
		if err := s.extend(ctx, tx, o, end, clientUser); err != nil {
			return nil, err
		}
		return orderflow.NewChargeAnswer(o.ID, end, amount, acct), nil
	})
}

// extend moves the end, reinstating an expired order (its unlock job
// starts it again).
func (s *Service) extend(ctx context.Context, tx pgx.Tx, o held, end time.Time, clientUser int64) error {
	_, err := tx.Exec(ctx, `
		UPDATE server_orders SET end_time = $2, order_status = 1,
			client_user_id = CASE WHEN $3::bigint >= 0 THEN $3 ELSE client_user_id END, updated_at = now()
		WHERE id = $1`, o.ID, end, clientUser)
	if err != nil {
		return err
	}
	if o.Status == orderflow.OrderExpired {
		return s.Engine.Jobs.Insert(ctx, tx, jobs.Unlock{Order: jobs.Order{Business: business.Name, OrderID: o.ID}})
	}
	return nil
}

// upgradeNames are server_upgrade's spellings of the pricing fields.
var upgradeNames = map[string]string{"cpu": "cpu", "ram": "memory", "bandwidth": "bandwidth",
	"disks": "harddisks", "defense": "defense", "ip_num": "ip_num"}

// Upgrade serves server_upgrade (document 五.10, billing.md §5): cpu,
// memory and disks may grow, bandwidth and defense change either way; the
// difference of the monthly prices is charged for what is left of the
// period, and the resize is a job.
func (s *Service) Upgrade(ctx context.Context, req *dispatch.Request) (any, error) {
	id, err := req.Params.OrderID()
	if err != nil {
		return nil, err
	}
	clientOrder, err := req.Params.Text("client_order_id")
	if err != nil {
		return nil, err
	}
	return s.Engine.OnceClient(ctx, req, clientOrder, func(tx pgx.Tx) (any, error) {
		o, err := lock(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		if o.Status != orderflow.OrderActive {
			return nil, dispatch.ErrStatusAbnormal
		}
		if o.Act != orderflow.ActNone {
			return nil, dispatch.ErrOperationRunning
		}
		l, err := loadLine(ctx, tx, "", o.LineID)
		if err != nil {
			return nil, err
		}
		if l.UpgradeStatus != 1 {
			return nil, dispatch.ParamError("guid", "该线路暂停升级")
		}
		next, err := upgradedConfig(req.Params, o.Cfg)
		if err != nil {
			return nil, err
		}
		oldM, err := l.monthly(o.Cfg, o.SystemDisk)
		if err != nil {
			return nil, orderflow.APIError(err)
		}
		newM, err := l.monthly(next, o.SystemDisk)
		if err != nil {
			return nil, orderflow.Named(err, upgradeNames)
		}
		now := s.now()
		if !now.Before(o.EndTime) {
			return nil, dispatch.ErrStatusAbnormal
		}
		acct, amount, err := s.Engine.ChargeOne(ctx, tx, req.Reseller.ID, billing.Entry{Kind: "upgrade",
			Amount: pricing.UpgradeCharge(oldM, newM, now, o.EndTime), Business: business.Name, OrderID: o.ID,
			Reference: clientOrder, From: now, To: o.EndTime}, 0)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE server_orders SET cpu = $2, memory = $3, bandwidth = $4, in_bandwidth = $5, defense = $6,
				harddisks = $7, monthly_price = $8, updated_at = now()
			WHERE id = $1`, o.ID, next.CPU, next.RAM, next.Bandwidth, itoa(l.inBandwidth(next.Bandwidth)),
			next.Defense, joinDisks(next.Disks), pricing.RoundCharge(newM)); err != nil {
			return nil, err
		}
		if err := s.Engine.Jobs.Insert(ctx, tx, jobs.Resize{Order: jobs.Order{Business: business.Name, OrderID: o.ID}}); err != nil {
			return nil, err
		}
		return orderflow.NewChargeAnswer(o.ID, o.EndTime, amount, acct), nil
	})
}

// upgradedConfig applies server_upgrade's parameters to cur: cpu, memory
// and each disk may not shrink and disks may be added, not removed.
func upgradedConfig(p dispatch.Params, cur config) (config, error) {
	next := cur
	for _, f := range []struct {
		name      string
		dst       *int
		mayShrink bool
	}{{"cpu", &next.CPU, false}, {"memory", &next.RAM, false}, {"bandwidth", &next.Bandwidth, true},
		{"defense", &next.Defense, true}} {
		v, err := p.IntIn(f.name, int64(*f.dst), 0, 1<<20)
		if err != nil {
			return next, err
		}
		if !f.mayShrink && int(v) < *f.dst {
			return next, dispatch.ParamError(f.name, "不能低于原配置")
		}
		*f.dst = int(v)
	}
	if d := p.String("harddisks"); d != "" {
		disks, err := parseDisks("harddisks", d)
		if err != nil {
			return next, err
		}
		if len(disks) < len(cur.Disks) {
			return next, dispatch.ParamError("harddisks", "不能减少磁盘")
		}
		for i, old := range cur.Disks {
			if disks[i] < old {
				return next, dispatch.ParamError("harddisks", "不能低于原配置")
			}
		}
		next.Disks = disks
	}
	return next, nil
}

// Refund serves server_refund (document 五.19, billing.md §6).
func (s *Service) Refund(ctx context.Context, req *dispatch.Request) (any, error) {
	id, err := req.Params.OrderID()
	if err != nil {
		return nil, err
	}
	return s.Engine.OnceClient(ctx, req, "", func(tx pgx.Tx) (any, error) {
		o, err := lock(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return nil, err
		}
		l, err := loadLine(ctx, tx, "", o.LineID)
		if err != nil {
			return nil, err
		}
		answer, err := s.Engine.Refund(ctx, tx, orderflow.Refundable{Business: business.Name, OrderID: o.ID,
			ResellerID: req.Reseller.ID, OrderStatus: o.Status, BuyTime: o.BuyTime, RefundDays: l.RefundDays,
			Reference: o.OrderNo}, s.now())
		if err != nil {
			return nil, err
		}
		_, err = tx.Exec(ctx, `UPDATE server_orders SET order_status = -2, status_reason = 'refunded',
			updated_at = now() WHERE id = $1`, o.ID)
		return answer, err
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
