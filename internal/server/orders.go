package server

import (
	"context"

	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderquery"
)

// Get serves getserver (one order) and List getservers (a page of them),
// both answering the fields of getserver.
func (s *Service) Get(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().Get(ctx, s.DB, req)
}

// List: see Get.
func (s *Service) List(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.orderQuery().List(ctx, s.DB, req)
}

// serverOrder is one order as getserver answers it (document 五.3): every
// field of its table and of its example, in the document's order.
type serverOrder struct {
	ID                 int64            `json:"id"`
	ClientUserID       int64            `json:"client_user_id"`
	NeedResetVNC       int              `json:"need_reset_vnc"`
	LineGUID           string           `json:"line_guid"`
	LineID             int64            `json:"lineID"`
	SystemGUID         string           `json:"system_guid"`
	IP                 string           `json:"ip"`
	LocalIP            string           `json:"localIP"`
	CPU                int              `json:"cpu"`
	Memory             int              `json:"memory"`
	Harddisks          string           `json:"harddisks"`
	Bandwidth          int              `json:"bandwidth"`
	InBandwidth        string           `json:"in_bandwidth"`
	Defense            int              `json:"defense"`
	LoginName          string           `json:"loginName"`
	LoginPassword      string           `json:"loginPassword"`
	BuyTime            apitype.DateTime `json:"buyTime"`
	EndTime            apitype.DateTime `json:"endTime"`
	OrderStatus        int              `json:"orderStatus"`
	RunStatus          int              `json:"runStatus"`
	ActStatus          int              `json:"actStatus"`
	SnapStatus         int              `json:"snapStatus"`
	VNCPort            int              `json:"vnc_port"`
	ShareType          int              `json:"share_type"`
	LoginPort          int              `json:"login_port"`
	ShareIP            string           `json:"share_ip"`
	AppendIP           string           `json:"append_ip"`          // JSON text, as stored
	SecurityPolicyList string           `json:"securityPolicyList"` // JSON text of securityPolicy rows
	Port               string           `json:"port"`               // JSON text of the port forwards
	APIType            string           `json:"api_type"`
}

// securityPolicy is one rule of an order's security group, with the fields
// of get_security_policy (document 五.16).
type securityPolicy struct {
	ID          int64            `json:"id"`
	ProductID   int64            `json:"product_id"`
	GUID        string           `json:"guid"`
	Name        string           `json:"name"`
	Weight      int              `json:"weight"`
	Direction   string           `json:"direction"`
	Protocol    string           `json:"protocol"`
	Action      string           `json:"action"`
	RemoteIP    string           `json:"remote_ip"`
	LocalPort   string           `json:"local_port"`
	ServiceType string           `json:"service_type"`
	Status      int              `json:"status"`
	CreateTime  apitype.DateTime `json:"create_time"`
}

// selectServerOrders is the one SELECT behind getserver and getservers; the
// queries below add their WHERE clauses. It reads one row of server_orders:
// the line's and system's guids, the driver and the security policies are
// kept on the order by migration 13's triggers. The policies come as a
// JSON array (create_time as PostgreSQL writes a timestamptz), turned into
// the API's text by scanServerOrder.
const selectServerOrders = `
SELECT o.id, o.client_user_id, o.need_reset_vnc, o.line_guid, o.line_id, o.system_guid,
       o.ip, o.local_ip, o.cpu, o.memory, o.harddisks, o.bandwidth,
       o.in_bandwidth, o.defense, o.login_name, o.login_password_enc,
       o.buy_time, o.end_time, o.order_status,
       CASE WHEN o.order_status = 0 THEN -1 ELSE o.run_status END, o.act_status,
       o.snap_status, o.vnc_port, o.share_type, o.login_port, o.share_ip,
       o.append_ip, o.security_policies, o.port_forwards, o.api_type
FROM server_orders o`

// orderQuery is the SQL of this business's order queries.
func (s *Service) orderQuery() orderquery.Query[serverOrder] {
	return orderquery.Query[serverOrder]{
		Name:  "server",
		One:   selectServerOrders + ` WHERE o.reseller_id = $1 AND o.id = $2`,
		Count: `SELECT coalesce(max(position), 0) FROM server_orders WHERE reseller_id = $1`,
		Page:  selectServerOrders + ` WHERE o.reseller_id = $1 AND o.position > $2 AND o.position <= $3 ORDER BY o.id`,
		Scan:  s.scanServerOrder,
	}
}

// scanServerOrder reads a row of selectServerOrders, opening the login
// password and writing the security policies as JSON text.
func (s *Service) scanServerOrder(row pgx.Row) (serverOrder, error) {
	var o serverOrder
	var password, policies []byte
	err := row.Scan(&o.ID, &o.ClientUserID, &o.NeedResetVNC, &o.LineGUID, &o.LineID, &o.SystemGUID,
		&o.IP, &o.LocalIP, &o.CPU, &o.Memory, &o.Harddisks, &o.Bandwidth,
		&o.InBandwidth, &o.Defense, &o.LoginName, &password,
		&o.BuyTime, &o.EndTime, &o.OrderStatus, &o.RunStatus, &o.ActStatus,
		&o.SnapStatus, &o.VNCPort, &o.ShareType, &o.LoginPort, &o.ShareIP,
		&o.AppendIP, &policies, &o.Port, &o.APIType)
	if err != nil {
		return serverOrder{}, err
	}
	if o.LoginPassword, err = orderquery.OpenPassword(s.Box, "login_password_enc", password); err != nil {
		return serverOrder{}, fmt.Errorf("server order %d: %w", o.ID, err)
	}
	if o.SecurityPolicyList, err = policyListText(policies); err != nil {
		return serverOrder{}, fmt.Errorf("server order %d: %w", o.ID, err)
	}
	return o, nil
}

// policyListText turns the JSON array of selectServerOrders into the API's
// securityPolicyList text, with create_time in the operator's zone. It
// returns an error when the array cannot be read.
func policyListText(raw []byte) (string, error) {
	if string(raw) == "[]" { // most orders: nothing to decode
		return "[]", nil
	}
	var rows []struct {
		securityPolicy
		CreateTime time.Time `json:"create_time"` // shadows the embedded field when decoding
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return "", fmt.Errorf("security policies: %w", err)
	}
	list := make([]securityPolicy, len(rows))
	for i, r := range rows {
		list[i] = r.securityPolicy
		list[i].CreateTime = apitype.At(r.CreateTime)
	}
	b, err := dispatch.Encode(list)
	if err != nil {
		return "", fmt.Errorf("security policies: %w", err)
	}
	return string(b), nil
}
