package testfactory

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// One order per business. Each factory takes the sealing box (passwords are
// given in clear and stored sealed; "" stores NULL), the owning reseller and
// a func that may change the defaults. Defaults are the values of the
// document's example for that business, a normal (1) order bought at
// DefaultBuyTime for one month; a line or product id left 0 gets a new row.

// DefaultBuyTime is the buy time of every order made without one.
var DefaultBuyTime = MustTime("2025-01-01 10:00:00")

// ServerOrderRow is a row of server_orders.
type ServerOrderRow struct {
	ID            int64
	ResellerID    int64
	OrderNo       string
	ClientUserID  int64
	LineID        int64 // 0: a new server line
	SystemID      int64 // 0: a new system
	IP            string
	LocalIP       string
	CPU           int
	Memory        int
	Harddisks     string
	Bandwidth     int
	InBandwidth   string
	Defense       int
	LoginName     string
	LoginPassword string // clear; stored sealed
	BuyTime       time.Time
	EndTime       time.Time
	OrderStatus   int
	RunStatus     int
	ActStatus     int
	SnapStatus    int
	NeedResetVNC  int
	VNCPort       int
	ShareType     int
	LoginPort     int
	ShareIP       string
	AppendIP      string // JSON text
	PortForwards  string // JSON text, the API's "port"
}

// ServerOrder inserts a cloud-server order of resellerID.
func ServerOrder(t testing.TB, db postgres.Querier, box *secret.Box, resellerID int64, opt func(*ServerOrderRow)) ServerOrderRow {
	t.Helper()
	r := ServerOrderRow{
		ResellerID: resellerID, OrderNo: unique("S"), IP: "192.168.1.100", LocalIP: "10.0.0.1",
		CPU: 4, Memory: 8, Harddisks: "40", Bandwidth: 20, InBandwidth: "10", Defense: 10,
		LoginName: "root", LoginPassword: "Srv-Passw0rd!", BuyTime: DefaultBuyTime,
		EndTime: DefaultBuyTime.AddDate(0, 1, 0), OrderStatus: 1, RunStatus: 1,
		VNCPort: 5900, LoginPort: 23543, AppendIP: "[]", PortForwards: "[]",
	}
	apply(&r, opt)
	if r.LineID == 0 {
		r.LineID = ServerLine(t, db, nil).ID
	}
	if r.SystemID == 0 {
		r.SystemID = System(t, db, nil).ID
	}
	err := db.QueryRow(t.Context(), `
		INSERT INTO server_orders (reseller_id, order_no, client_user_id, line_id, system_id,
		    ip, local_ip, cpu, memory, harddisks, bandwidth, in_bandwidth, defense,
		    login_name, login_password_enc, buy_time, end_time, order_status,
		    run_status, act_status, snap_status, need_reset_vnc, vnc_port,
		    share_type, login_port, share_ip, append_ip, port_forwards)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
		    $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)
		RETURNING id`,
		r.ResellerID, r.OrderNo, r.ClientUserID, r.LineID, r.SystemID,
		r.IP, r.LocalIP, r.CPU, r.Memory, r.Harddisks, r.Bandwidth, r.InBandwidth, r.Defense,
		r.LoginName, box.SealString(r.LoginPassword), r.BuyTime, r.EndTime, r.OrderStatus,
		r.RunStatus, r.ActStatus, r.SnapStatus, r.NeedResetVNC, r.VNCPort,
		r.ShareType, r.LoginPort, r.ShareIP, r.AppendIP, r.PortForwards).Scan(&r.ID)
	require.NoError(t, err, "insert server order")
	return r
}

// SecurityPolicyRow is a row of server_security_policies.
type SecurityPolicyRow struct {
	ID         int64
	OrderID    int64
	GUID       string
	Name       string
	Weight     int
	Direction  string
	Protocol   string
	Action     string
	RemoteIP   string
	LocalPort  string
	Status     int
	CreateTime time.Time
}

// SecurityPolicy inserts a rule into a server order's security group, with
// the get_security_policy example's values.
func SecurityPolicy(t testing.TB, db postgres.Querier, orderID int64, opt func(*SecurityPolicyRow)) SecurityPolicyRow {
	t.Helper()
	r := SecurityPolicyRow{
		OrderID: orderID, GUID: unique("SP"), Name: "允许HTTP访问", Weight: 100, Direction: "Inbound",
		Protocol: "tcp", Action: "allow", RemoteIP: "0.0.0.0/0", LocalPort: "80", Status: 1,
		CreateTime: MustTime("2026-05-25 10:00:00"),
	}
	apply(&r, opt)
	err := db.QueryRow(t.Context(), `
		INSERT INTO server_security_policies (order_id, guid, name, weight, direction,
		    protocol, action, remote_ip, local_port, status, create_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		r.OrderID, r.GUID, r.Name, r.Weight, r.Direction,
		r.Protocol, r.Action, r.RemoteIP, r.LocalPort, r.Status, r.CreateTime).Scan(&r.ID)
	require.NoError(t, err, "insert security policy")
	return r
}

// LeaseOrderRow is a row of lease_orders.
type LeaseOrderRow struct {
	ID            int64
	ResellerID    int64
	OrderNo       string
	ClientUserID  int64
	LineID        int64 // 0: a new lease line
	ProductID     int64 // 0: a new lease product
	MachineID     int64 // 0: a new machine of the line and product, unless NoMachine
	NoMachine     bool  // no machine yet (machine_id NULL)
	SystemID      int64 // 0: none (system_id NULL)
	Bandwidth     int
	Defense       int
	IPNum         int
	LoginName     string
	LoginPassword string // clear; stored sealed
	SystemPort    string
	BuyTime       time.Time
	StartTime     *time.Time // nil: not delivered yet (NULL)
	EndTime       time.Time
	OrderStatus   int
	RunStatus     int
	ActStatus     int
}

// LeaseOrder inserts a bare-metal order of resellerID.
func LeaseOrder(t testing.TB, db postgres.Querier, box *secret.Box, resellerID int64, opt func(*LeaseOrderRow)) LeaseOrderRow {
	t.Helper()
	start := DefaultBuyTime.Add(2 * time.Hour)
	r := LeaseOrderRow{
		ResellerID: resellerID, OrderNo: unique("L"), Bandwidth: 100, Defense: 10, IPNum: 1,
		LoginName: "root", LoginPassword: "Lease-Passw0rd!", SystemPort: "23543",
		BuyTime: DefaultBuyTime, StartTime: &start, EndTime: start.AddDate(0, 1, 0),
		OrderStatus: 1, RunStatus: 1,
	}
	apply(&r, opt)
	if r.LineID == 0 {
		r.LineID = LeaseLine(t, db, nil).ID
	}
	if r.ProductID == 0 {
		r.ProductID = LeaseProduct(t, db, nil).ID
	}
	if r.MachineID == 0 && !r.NoMachine {
		r.MachineID = LeaseMachine(t, db, func(m *LeaseMachineRow) { m.LineID, m.ProductID = r.LineID, r.ProductID }).ID
	}
	err := db.QueryRow(t.Context(), `
		INSERT INTO lease_orders (reseller_id, order_no, client_user_id, line_id, product_id,
		    machine_id, system_id, bandwidth, defense, ipnum, login_name,
		    login_password_enc, system_port, buy_time, start_time, end_time,
		    order_status, run_status, act_status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		RETURNING id`,
		r.ResellerID, r.OrderNo, r.ClientUserID, r.LineID, r.ProductID,
		nullID(r.MachineID), nullID(r.SystemID), r.Bandwidth, r.Defense, r.IPNum, r.LoginName,
		box.SealString(r.LoginPassword), r.SystemPort, r.BuyTime, r.StartTime, r.EndTime,
		r.OrderStatus, r.RunStatus, r.ActStatus).Scan(&r.ID)
	require.NoError(t, err, "insert lease order")
	return r
}

// IdcOrderRow is a row of idc_orders.
type IdcOrderRow struct {
	ID            int64
	ResellerID    int64
	OrderNo       string
	ClientUserID  int64
	LineID        int64 // 0: a new idc line
	ProductID     int64 // 0: a new idc product
	Name          string
	Power         string
	Bandwidth     int
	Defense       int
	IPNum         int
	IP            string // JSON text
	SystemPort    string
	LoginName     string
	LoginPassword string // clear; stored sealed
	BuyTime       time.Time
	StartTime     *time.Time // nil: not racked yet (NULL)
	EndTime       time.Time
	OrderStatus   int
	RunStatus     int
	ActStatus     int
}

// IdcOrder inserts a colocation order of resellerID.
func IdcOrder(t testing.TB, db postgres.Querier, box *secret.Box, resellerID int64, opt func(*IdcOrderRow)) IdcOrderRow {
	t.Helper()
	start := DefaultBuyTime.Add(4 * time.Hour)
	r := IdcOrderRow{
		ResellerID: resellerID, OrderNo: unique("I"), Name: "托管服务器-001", Power: "0.5A/220V",
		Bandwidth: 50, Defense: 10, IPNum: 1,
		IP:         `[{"ip":"192.168.2.100","subnet":"255.255.255.0","gateway":"192.168.2.1"}]`,
		SystemPort: "23543", LoginName: "root", LoginPassword: "Idc-Passw0rd!",
		BuyTime: DefaultBuyTime, StartTime: &start, EndTime: start.AddDate(0, 1, 0),
		OrderStatus: 1, RunStatus: 1,
	}
	apply(&r, opt)
	if r.LineID == 0 {
		r.LineID = IdcLine(t, db, nil).ID
	}
	if r.ProductID == 0 {
		r.ProductID = IdcProduct(t, db, nil).ID
	}
	err := db.QueryRow(t.Context(), `
		INSERT INTO idc_orders (reseller_id, order_no, client_user_id, line_id, product_id,
		    name, power, bandwidth, defense, ipnum, ip, system_port, login_name,
		    login_password_enc, buy_time, start_time, end_time, order_status,
		    run_status, act_status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
		RETURNING id`,
		r.ResellerID, r.OrderNo, r.ClientUserID, r.LineID, r.ProductID,
		r.Name, r.Power, r.Bandwidth, r.Defense, r.IPNum, r.IP, r.SystemPort, r.LoginName,
		box.SealString(r.LoginPassword), r.BuyTime, r.StartTime, r.EndTime, r.OrderStatus,
		r.RunStatus, r.ActStatus).Scan(&r.ID)
	require.NoError(t, err, "insert idc order")
	return r
}

// nullID binds 0 as NULL, for the nullable references of an order.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
