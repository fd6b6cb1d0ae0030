package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// LeaseMachine is a physical machine of the bare-metal inventory
// (operator.md, file key lease_machines); no API action shows it. A lease
// purchase takes a free machine of its product and line.
type LeaseMachine struct {
	GUID        string      `json:"guid"`
	ProductGUID string      `json:"product_guid" cat:"required"`
	LineGUID    string      `json:"line_guid" cat:"required"`
	Name        string      `json:"name" cat:"required"`
	CabinetSN   string      `json:"cabinet_sn"`
	MainBoard   string      `json:"main_board"`
	IP          []MachineIP `json:"ip"`
	BMC         BMC         `json:"bmc"`
	Status      string      `json:"status" cat:"oneof=free used broken"`

	held bool // a live lease order holds it: it stays "used"
}

// MachineIP is one address of a machine.
type MachineIP struct {
	IP      string `json:"ip" cat:"required,ip"`
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway" cat:"ip"`
}

// BMC is how to reach a machine's management controller (IPMI). The
// password is sealed at rest.
type BMC struct {
	Host     string `json:"host"`
	Port     int    `json:"port" cat:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
}

var leaseMachineSpec = spec[LeaseMachine]{
	key:        "lease_machines",
	identField: "guid",
	fresh: func() LeaseMachine {
		return LeaseMachine{IP: []MachineIP{}, BMC: BMC{Port: 623}, Status: "free"}
	},
	ident: func(m *LeaseMachine) string { return m.GUID },
	guid:  func(m *LeaseMachine) *string { return &m.GUID },
	check: checkMachine,
	load:  loadMachines,
	sql: buildWrite("lease_machines", []string{"guid", "product_id", "line_id", "name", "cabinet_sn",
		"main_board", "ip", "bmc_host", "bmc_port", "bmc_username", "bmc_password_enc", "status"},
		map[string]string{"product_id": leaseProductByGUID, "line_id": leaseLineByGUID}),
	args: func(m *LeaseMachine, box *secret.Box) ([]any, error) {
		ip, err := json.Marshal(m.IP)
		return []any{m.GUID, m.ProductGUID, m.LineGUID, m.Name, m.CabinetSN,
			m.MainBoard, string(ip), m.BMC.Host, m.BMC.Port, m.BMC.Username, box.SealString(m.BMC.Password),
			m.Status}, err
	},
	prepare: func(m, old *LeaseMachine, _ time.Time) {
		if old != nil && old.held {
			m.Status, m.held = "used", true
		}
	},
}

func checkMachine(m *LeaseMachine, r *refs) []fieldProblem {
	out := r.missing("product_guid", "lease_product", "lease product", m.ProductGUID)
	out = append(out, r.missing("line_guid", "lease_lines", "lease line", m.LineGUID)...)
	if len(out) == 0 && m.ProductGUID != "" && m.LineGUID != "" &&
		!slices.Contains(r.productLines[m.ProductGUID], m.LineGUID) {
		out = append(out, fieldProblem{"line_guid", fmt.Sprintf("lease product %q is not sold on lease line %q", m.ProductGUID, m.LineGUID)})
	}
	return out
}

func loadMachines(ctx context.Context, q postgres.Querier, box *secret.Box) ([]stored[LeaseMachine], error) {
	type sealed struct {
		ip       string
		password []byte
	}
	return loadRows(ctx, q, `
		SELECT m.id, m.guid, p.guid, l.guid, m.name, m.cabinet_sn, m.main_board, m.ip, m.bmc_host,
		       m.bmc_port, m.bmc_username, m.bmc_password_enc, m.status,
		       EXISTS (SELECT 1 FROM lease_orders o WHERE o.machine_id = m.id AND o.order_status IN (0, 1, 3))
		FROM lease_machines m
		JOIN lease_products p ON p.id = m.product_id
		JOIN lease_lines l ON l.id = m.line_id
		ORDER BY m.id`,
		func(m *LeaseMachine, x *sealed) []any {
			return []any{&m.GUID, &m.ProductGUID, &m.LineGUID, &m.Name, &m.CabinetSN, &m.MainBoard, &x.ip,
				&m.BMC.Host, &m.BMC.Port, &m.BMC.Username, &x.password, &m.Status, &m.held}
		},
		func(m *LeaseMachine, x *sealed) error {
			m.IP = []MachineIP{}
			if err := json.Unmarshal([]byte(x.ip), &m.IP); err != nil {
				return fmt.Errorf("machine %s: ip: %w", m.GUID, err)
			}
			var err error
			if m.BMC.Password, err = box.OpenString(x.password); err != nil {
				return fmt.Errorf("machine %s: open BMC password: %w", m.GUID, err)
			}
			return nil
		})
}

// Coupon is a coupon of billing.md §7 (file key coupons); no API action
// shows it. AppID is the reseller it belongs to, nil for every reseller.
// Rows are matched by id.
type Coupon struct {
	ID         int64            `json:"id" cat:"required,positive"`
	AppID      *string          `json:"appid"`
	Business   []string         `json:"business" cat:"required,oneof=server lease idc hosting sql"`
	Kind       string           `json:"kind" cat:"required,oneof=amount percent"`
	Value      apitype.Money    `json:"value" cat:"required,positive"`
	MinAmount  apitype.Money    `json:"min_amount"`
	ValidFrom  apitype.DateTime `json:"valid_from" cat:"required"`
	ValidUntil apitype.DateTime `json:"valid_until" cat:"required"`
	Uses       int              `json:"uses" cat:"required"`
}

var couponSpec = spec[Coupon]{
	key:        "coupons",
	identField: "id",
	fresh:      func() Coupon { return Coupon{} },
	ident: func(c *Coupon) string {
		if c.ID <= 0 {
			return ""
		}
		return strconv.FormatInt(c.ID, 10)
	},
	check: checkCoupon,
	load: func(ctx context.Context, q postgres.Querier, _ *secret.Box) ([]stored[Coupon], error) {
		return loadRows(ctx, q, `
			SELECT c.id, c.id, r.appid, c.businesses, c.kind, c.value, c.min_amount, c.valid_from,
			       c.valid_until, c.uses
			FROM coupons c LEFT JOIN resellers r ON r.id = c.reseller_id
			ORDER BY c.id`,
			func(c *Coupon, _ *struct{}) []any {
				return []any{&c.ID, &c.AppID, &c.Business, &c.Kind, &c.Value, &c.MinAmount, &c.ValidFrom,
					&c.ValidUntil, &c.Uses}
			}, nil)
	},
	sql: buildWrite("coupons", []string{"id", "reseller_id", "businesses", "kind", "value", "min_amount",
		"valid_from", "valid_until", "uses"}, map[string]string{"reseller_id": resellerByAppID}),
	args: func(c *Coupon, _ *secret.Box) ([]any, error) {
		return []any{c.ID, c.AppID, c.Business, c.Kind, c.Value, c.MinAmount, c.ValidFrom, c.ValidUntil, c.Uses}, nil
	},
}

func checkCoupon(c *Coupon, r *refs) []fieldProblem {
	var out []fieldProblem
	if c.AppID != nil && !r.appids[*c.AppID] {
		out = append(out, fieldProblem{"appid", fmt.Sprintf("unknown reseller appid %q (null: every reseller)", *c.AppID)})
	}
	seen := map[string]bool{}
	for _, b := range c.Business {
		if seen[b] {
			out = append(out, fieldProblem{"business", fmt.Sprintf("%q given twice", b)})
		}
		seen[b] = true
	}
	if c.Kind == "percent" && c.Value.GreaterThan(apitype.MustMoney("100").Decimal) {
		out = append(out, fieldProblem{"value", "a percentage must be at most 100"})
	}
	if c.ValidFrom.Valid && c.ValidUntil.Valid && !c.ValidFrom.Time.Before(c.ValidUntil.Time) {
		out = append(out, fieldProblem{"valid_until", "must be after valid_from"})
	}
	if c.Uses < 0 {
		out = append(out, fieldProblem{"uses", "must not be negative"})
	}
	return out
}
