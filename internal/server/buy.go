package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
)

// createNames are create_server's spellings of the pricing engine's fields.
var createNames = map[string]string{
	"cpu": "content.cpu", "ram": "content.ram", "bandwidth": "content.bandwidth",
	"disks": "content.harddisksValues", "defense": "content.defense", "ip_num": "content.ip_num",
	"months": "content.months", "number": "content.number",
}

// Create serves create_order with obj_type=create_server (document
// 五.5): it checks the line, the system and every parameter, prices the
// order, and buys content.number servers in one transaction, each in
// state 开通中 with its provisioning job.
func (s *Service) Create(ctx context.Context, req *dispatch.Request) (any, error) {
	pu, err := orderflow.ParsePurchase(req.Params)
	if err != nil {
		return nil, err
	}
	lineGUID, err := req.Params.RequiredText("line_guid")
	if err != nil {
		return nil, err
	}
	l, err := loadLine(ctx, s.DB, lineGUID, 0)
	if err != nil {
		return nil, err
	}
	sys, err := orderflow.LoadSystem(ctx, s.DB, "system_guid", req.Params.String("system_guid"))
	if err != nil {
		return nil, err
	}
	if err := l.forSale(); err != nil {
		return nil, err
	}
	cfg, err := readConfig(pu.Content, sys.SystemHarddisk, l)
	if err != nil {
		return nil, err
	}
	if err := sys.Check("system_guid", "create", "server", l.ZoneGUID, cfg.CPU, cfg.RAM); err != nil {
		return nil, err
	}
	if err := checkMonths(l.Months, pu.Months, "content.months"); err != nil {
		return nil, err
	}
	m, err := l.monthly(cfg, sys.SystemHarddisk)
	if err != nil {
		return nil, orderflow.Named(err, createNames)
	}
	factor, err := l.discount(pu.Months)
	if err != nil {
		return nil, err
	}
	password, err := orderflow.Password(pu.Content, "loginPassword", true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	end := orderflow.Extend(now, now, pu.Months)
	row := orderRow{resellerID: req.Reseller.ID, orderNo: pu.OrderNo, userID: pu.UserID, lineID: l.ID,
		systemID: sys.ID, cfg: cfg, inBandwidth: l.inBandwidth(cfg.Bandwidth), loginName: sys.LoginName,
		password: s.Box.SealString(password), port: atoi(sys.Port), buy: now, end: end, months: pu.Months,
		monthly: pricing.RoundCharge(m), renewAuto: pu.RenewAuto}
	return s.Engine.Buy(ctx, req, pu, orderflow.BuyPlan{
		Business: business, PerOrder: pricing.PeriodCharge(m, pu.Months, factor), From: now, To: end,
		Insert: func(ctx context.Context, tx pgx.Tx, _ int) (int64, error) { return row.insert(ctx, tx) },
	})
}

// business is this package's name in the ledger and the jobs.
var business = orderflow.Server

func (s *Service) now() time.Time { return s.Engine.Now().In(apitype.Location()) }

func checkMonths(list string, months int, name string) error {
	allowed, err := pricing.ParseMonths(list)
	if err != nil {
		return fmt.Errorf("months list %q: %w", list, err)
	}
	if pricing.CheckMonths(months, allowed) != nil {
		return dispatch.ParamError(name, "不在可选范围")
	}
	return nil
}

// readConfig reads create_server's content: cpu, ram and bandwidth are
// required; harddisksValues defaults to the system's disk, defense to the
// line's minimum, ip_num to 1.
func readConfig(c dispatch.Params, sysDisk int, l line) (config, error) {
	var cfg config
	for _, f := range []struct {
		name string
		dst  *int
	}{{"cpu", &cfg.CPU}, {"ram", &cfg.RAM}, {"bandwidth", &cfg.Bandwidth}} {
		if strings.TrimSpace(c.String(f.name)) == "" {
			return cfg, dispatch.MissingParam("content." + f.name)
		}
		v, err := c.IntIn(f.name, 0, 1, 1<<20)
		if err != nil {
			return cfg, err
		}
		*f.dst = int(v)
	}
	defense, err := c.IntIn("defense", int64(l.Pricing.DefenseMin), 0, 1<<20)
	if err != nil {
		return cfg, err
	}
	ip, err := c.IntIn("ip_num", 1, 1, 1<<10)
	if err != nil {
		return cfg, err
	}
	cfg.Defense, cfg.IPNum = int(defense), int(ip)
	disks := c.String("harddisksValues")
	if strings.TrimSpace(disks) == "" {
		disks = strconv.Itoa(sysDisk)
	}
	cfg.Disks, err = parseDisks("content.harddisksValues", disks)
	return cfg, err
}

// parseDisks reads "40,80" (system disk first).
func parseDisks(name, s string) ([]int, error) {
	parts := strings.Split(s, ",")
	if len(parts) > 16 {
		return nil, dispatch.ParamError(name, "数量不在可选范围")
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 1<<20 {
			return nil, dispatch.ParamError(name, "格式应为逗号分隔的整数")
		}
		out[i] = n
	}
	return out, nil
}

func joinDisks(d []int) string {
	s := make([]string, len(d))
	for i, v := range d {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}
