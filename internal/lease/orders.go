package lease

import (
	"context"

	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderquery"
)

// Get serves getlease (one order) and List lease_orders (a page of them).
func (s *Service) Get(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().Get(ctx, s.DB, req)
}

// List: see Get.
func (s *Service) List(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().List(ctx, s.DB, req)
}

// leaseOrder is one order as getlease answers it (document 六.4): every
// field of its table and of its example, in the example's order.
type leaseOrder struct {
	ID             int64            `json:"id"`
	ProductGUID    string           `json:"product_guid"`
	LineGUID       string           `json:"line_guid"`
	Name           string           `json:"name"` // the machine's
	Size           int              `json:"size"`
	CabinetSN      string           `json:"cabinet_sn"`
	MainBoard      string           `json:"main_board"`
	CPUValue       int              `json:"cpu_value"`
	CPU            string           `json:"cpu"`
	CPUNum         int              `json:"cpu_num"`
	CPUMaxNum      int              `json:"cpu_max_num"`
	Memory         string           `json:"memory"`
	MemoryNum      int              `json:"memory_num"`
	MemoryMaxNum   int              `json:"memory_max_num"`
	HarddiskGUID   string           `json:"harddisk_guid"`
	HarddiskMaxNum int              `json:"harddisk_max_num"`
	RaidTips       string           `json:"raid_tips"`
	Bandwidth      int              `json:"bandwidth"`
	Defense        int              `json:"defense"`
	IPNum          int              `json:"ipnum"`
	SystemGUID     string           `json:"system_guid"` // "" before a system is chosen
	LoginName      string           `json:"login_name"`
	LoginPassword  string           `json:"login_password"`
	SystemPort     string           `json:"system_port"`
	BuyTime        apitype.DateTime `json:"buy_time"`
	StartTime      apitype.DateTime `json:"start_time"` // buy_time until delivered
	EndTime        apitype.DateTime `json:"end_time"`
	OrderStatus    int              `json:"order_status"`
	RunStatus      int              `json:"run_status"`
	ActStatus      int              `json:"act_status"`
	IP             string           `json:"ip"` // JSON text of the machine's addresses, then the extra ones
	APIType        string           `json:"api_type"`
}

// selectLeaseOrders is the one SELECT behind getlease and lease_orders; the
// queries below add their WHERE clauses. The product's fields come from
// lease_products; name, cabinet, board and addresses from the machine the
// order holds (none yet: "", the product's board, "[]").
const selectLeaseOrders = `
SELECT o.id, p.guid, l.guid, COALESCE(m.name, ''), p.size,
       COALESCE(m.cabinet_sn, ''), COALESCE(NULLIF(m.main_board, ''), p.main_board),
       p.cpu_value, p.cpu, p.cpu_num, p.cpu_max_num, p.memory, p.memory_num,
       p.memory_max_num, p.harddisk_guid, p.harddisk_max_num, p.raid_tips,
       o.bandwidth, o.defense, o.ipnum, COALESCE(sy.guid, ''), o.login_name,
       o.login_password_enc, o.system_port, o.buy_time, COALESCE(o.start_time, o.buy_time), o.end_time,
       o.order_status, CASE WHEN o.order_status = 0 THEN -1 ELSE o.run_status END, o.act_status, COALESCE(m.ip, '[]'),
       o.extra_ips,
       l.provider_driver
FROM lease_orders o
JOIN lease_lines l ON l.id = o.line_id
JOIN lease_products p ON p.id = o.product_id
LEFT JOIN lease_machines m ON m.id = o.machine_id
LEFT JOIN systems sy ON sy.id = o.system_id`

// orderQuery is the SQL of this business's order queries.
func (s *Service) orderQuery() orderquery.Query[leaseOrder] {
	return orderquery.Query[leaseOrder]{
		Name:  "lease",
		One:   selectLeaseOrders + ` WHERE o.reseller_id = $1 AND o.id = $2`,
		Count: `SELECT coalesce(max(position), 0) FROM lease_orders WHERE reseller_id = $1`,
		Page:  selectLeaseOrders + ` WHERE o.reseller_id = $1 AND o.position > $2 AND o.position <= $3 ORDER BY o.id`,
		Scan:  s.scanLeaseOrder,
	}
}

// scanLeaseOrder reads a row of selectLeaseOrders, opening the login
// password.
func (s *Service) scanLeaseOrder(row pgx.Row) (leaseOrder, error) {
	var o leaseOrder
	var password []byte
	var extra string
	err := row.Scan(&o.ID, &o.ProductGUID, &o.LineGUID, &o.Name, &o.Size,
		&o.CabinetSN, &o.MainBoard,
		&o.CPUValue, &o.CPU, &o.CPUNum, &o.CPUMaxNum, &o.Memory, &o.MemoryNum,
		&o.MemoryMaxNum, &o.HarddiskGUID, &o.HarddiskMaxNum, &o.RaidTips,
		&o.Bandwidth, &o.Defense, &o.IPNum, &o.SystemGUID, &o.LoginName,
		&password, &o.SystemPort, &o.BuyTime, &o.StartTime, &o.EndTime,
		&o.OrderStatus, &o.RunStatus, &o.ActStatus, &o.IP, &extra,
		&o.APIType)
	if err != nil {
		return leaseOrder{}, err
	}
	if o.LoginPassword, err = orderquery.OpenPassword(s.Box, "login_password_enc", password); err != nil {
		return leaseOrder{}, fmt.Errorf("lease order %d: %w", o.ID, err)
	}
	if o.IP, err = addressesText(o.IP, extra); err != nil {
		return leaseOrder{}, fmt.Errorf("lease order %d: %w", o.ID, err)
	}
	return o, nil
}
