package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// orderRow is a new server order.
type orderRow struct {
	resellerID, userID, lineID, systemID int64
	orderNo                              string
	cfg                                  config
	inBandwidth                          int
	loginName                            string
	password                             []byte
	port                                 int
	buy, end                             time.Time
	months                               int
	monthly                              decimal.Decimal
	renewAuto                            int
}

func (r orderRow) insert(ctx context.Context, tx pgx.Tx) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO server_orders (reseller_id, order_no, user_id, client_user_id, line_id, system_id,
			cpu, memory, harddisks, bandwidth, in_bandwidth, defense, ip_num, login_name, login_password_enc,
			login_port, buy_time, end_time, months, monthly_price, renew_auto, order_status)
		VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 0)
		RETURNING id`,
		r.resellerID, r.orderNo, r.userID, r.lineID, r.systemID, r.cfg.CPU, r.cfg.RAM, joinDisks(r.cfg.Disks),
		r.cfg.Bandwidth, fmt.Sprint(r.inBandwidth), r.cfg.Defense, r.cfg.IPNum, r.loginName, r.password,
		r.port, r.buy, r.end, r.months, r.monthly, r.renewAuto).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("server: insert order: %w", err)
	}
	return id, nil
}

// held is an order read under its row lock, for a change of money.
type held struct {
	orderflow.Held
	LineID, SystemID int64
	RunStatus        int
	Cfg              config
	SystemDisk       int
}

// lock reads the caller's order id FOR UPDATE inside tx; another
// reseller's or an unknown order answers 未找到产品记录.
func lock(ctx context.Context, tx pgx.Tx, resellerID, id int64) (held, error) {
	var h held
	var disks string
	err := postgres.QueryRow(ctx, tx, `
		SELECT o.id, o.line_id, o.system_id, o.order_no, o.order_status, o.run_status, o.act_status,
		       o.buy_time, o.end_time, o.cpu, o.memory, o.bandwidth, o.defense, o.ip_num, o.harddisks,
		       s.system_harddisk
		FROM server_orders o JOIN systems s ON s.id = o.system_id
		WHERE o.id = $1 AND o.reseller_id = $2
		FOR UPDATE OF o`, id, resellerID).Scan(&h.ID, &h.LineID, &h.SystemID, &h.OrderNo, &h.Status,
		&h.RunStatus, &h.Act, &h.BuyTime, &h.EndTime, &h.Cfg.CPU, &h.Cfg.RAM, &h.Cfg.Bandwidth,
		&h.Cfg.Defense, &h.Cfg.IPNum, &disks, &h.SystemDisk)
	if errors.Is(err, postgres.ErrNotFound) {
		return held{}, dispatch.ErrOrderNotFound
	}
	if err != nil {
		return held{}, fmt.Errorf("server: lock order %d: %w", id, err)
	}
	if h.Cfg.Disks, err = parseDisks("harddisks", disks); err != nil {
		return held{}, fmt.Errorf("server order %d: stored disks %q: %w", id, disks, err)
	}
	return h, nil
}
