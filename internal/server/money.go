package server

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
)

// Renew serves server_renew (document 五.11): renewLength months more from
// the current end_time, expired or not, at the line's discount; an expired
// server is reinstated and its unlock job starts it again.
func (s *Service) Renew(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.Engine.Renew(ctx, req, business, func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (orderflow.Renewal, error) {
		o, err := lock(ctx, tx, resellerID, id)
		if err != nil {
			return orderflow.Renewal{}, err
		}
		return orderflow.Renewal{Held: o.Held, Unlock: true, Price: func() (time.Time, decimal.Decimal, error) {
			l, err := loadLine(ctx, tx, "", o.LineID)
			if err != nil {
				return time.Time{}, decimal.Zero, err
			}
			if l.RenewStatus != 1 {
				return time.Time{}, decimal.Zero, dispatch.ParamError("guid", "该线路暂停续费")
			}
			months, err := orderflow.RenewMonths(req.Params, "renewLength", l.Months)
			if err != nil {
				return time.Time{}, decimal.Zero, err
			}
			m, err := l.current(o.Cfg, o.SystemDisk)
			if err != nil {
				return time.Time{}, decimal.Zero, orderflow.HeldPriceError(err)
			}
			factor, err := l.discount(months)
			if err != nil {
				return time.Time{}, decimal.Zero, err
			}
			return orderflow.Extend(o.BuyTime, o.EndTime, months), pricing.PeriodCharge(m, months, factor), nil
		}}, nil
	})
}

// upgradeNames are server_upgrade's spellings of the pricing fields.
var upgradeNames = map[string]string{"cpu": "cpu", "ram": "memory", "bandwidth": "bandwidth",
	"disks": "harddisks", "defense": "defense", "ip_num": "ip_num"}

// Upgrade serves server_upgrade (document 五.10, billing.md §5): cpu,
// memory and disks may grow, bandwidth and defense change either way; the
// difference of the monthly prices is charged for what is left of the
// period, and the resize is a job.
func (s *Service) Upgrade(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.Engine.Upgrade(ctx, req, business, func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (orderflow.Upgrade, error) {
		o, err := lock(ctx, tx, resellerID, id)
		if err != nil {
			return orderflow.Upgrade{}, err
		}
		return orderflow.Upgrade{Held: o.Held, Price: func() (decimal.Decimal, decimal.Decimal, func(context.Context, pgx.Tx) error, error) {
			l, err := loadLine(ctx, tx, "", o.LineID)
			if err != nil {
				return decimal.Zero, decimal.Zero, nil, err
			}
			if l.UpgradeStatus != 1 {
				return decimal.Zero, decimal.Zero, nil, dispatch.ParamError("guid", "该线路暂停升级")
			}
			next, err := upgradedConfig(req.Params, o.Cfg)
			if err != nil {
				return decimal.Zero, decimal.Zero, nil, err
			}
			if next.equal(o.Cfg) {
				return decimal.Zero, decimal.Zero, nil, dispatch.ErrUpgradeNoChange
			}
			before, err := l.current(o.Cfg, o.SystemDisk)
			if err != nil {
				return decimal.Zero, decimal.Zero, nil, orderflow.HeldPriceError(err)
			}
			after, err := l.current(next, o.SystemDisk)
			if err != nil {
				return decimal.Zero, decimal.Zero, nil, orderflow.Named(err, upgradeNames)
			}
			return before, after, func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `
					UPDATE server_orders SET cpu = $2, memory = $3, bandwidth = $4, in_bandwidth = $5, defense = $6,
						harddisks = $7, monthly_price = $8, updated_at = now()
					WHERE id = $1`, o.ID, next.CPU, next.RAM, next.Bandwidth, itoa(l.inBandwidth(next.Bandwidth)),
					next.Defense, joinDisks(next.Disks), pricing.RoundCharge(after))
				return err
			}, nil
		}}, nil
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

// Refund serves server_refund (document 五.19, billing.md §6), within the
// line's refund_days.
func (s *Service) Refund(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.Engine.Refund(ctx, req, business, func(ctx context.Context, tx pgx.Tx, resellerID, id int64) (orderflow.Refund, error) {
		o, err := lock(ctx, tx, resellerID, id)
		if err != nil {
			return orderflow.Refund{}, err
		}
		l, err := loadLine(ctx, tx, "", o.LineID)
		if err != nil {
			return orderflow.Refund{}, err
		}
		return orderflow.Refund{Held: o.Held, RefundDays: l.RefundDays}, nil
	})
}

// equal reports whether c and d are the same configuration.
func (c config) equal(d config) bool {
	return c.CPU == d.CPU && c.RAM == d.RAM && c.Bandwidth == d.Bandwidth && c.Defense == d.Defense &&
		c.IPNum == d.IPNum && slices.Equal(c.Disks, d.Disks)
}

func itoa(n int) string { return strconv.Itoa(n) }
