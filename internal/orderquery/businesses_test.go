package orderquery_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// business is one of the five businesses as the list tests and the
// benchmark see it: its order table, its single-order and list actions, and
// how the example catalogue sells and refunds one of its orders.
type business struct {
	name      string // the ledger's name; its orders are in name_orders
	get, list string
	// buy is the create_order form of purchase i (number orders at once).
	buy func(r apitest.Reseller, orderNo string, number int) url.Values
	// refund is the form that refunds order id.
	refund func(r apitest.Reseller, id int64) url.Values
}

// The example catalogue's products: the worked examples of each business's
// own tests (internal/server, lease, idc, hosting and database).
const (
	serverLine   = "1696808021765605"
	serverSystem = "1659170726623836"
	leaseLine    = "20250409132657673528"
	leaseZone    = "20250409132657673526"
	leaseProduct = "1721941250649658"
	leaseSystem  = "1659170791658716"
	idcLine      = "20250409132657673520"
	idcProduct   = "20250409132727581219"
)

func content(body string, number int) string {
	return fmt.Sprintf(`{%s,"number":%d}`, body, number)
}

func guid(id int64) string { return fmt.Sprint(id) }

var businesses = []business{{
	name: "server", get: "getserver", list: "getservers",
	buy: func(r apitest.Reseller, no string, n int) url.Values {
		return r.Form("create_order", "obj_type", "create_server", "order_id", no, "line_guid", serverLine,
			"system_guid", serverSystem, "content",
			content(`"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"ip_num":1`, n))
	},
	refund: func(r apitest.Reseller, id int64) url.Values { return r.Form("server_refund", "guid", guid(id)) },
}, {
	name: "lease", get: "getlease", list: "lease_orders",
	buy: func(r apitest.Reseller, no string, n int) url.Values {
		return r.Form("create_order", "obj_type", "create_lease", "order_id", no, "line_guid", leaseLine,
			"product_guid", leaseProduct, "system_guid", leaseSystem, "content",
			content(`"bandwidth":50,"defense":100,"ip_num":4,"months":12`, n))
	},
	refund: func(r apitest.Reseller, id int64) url.Values { return r.Form("lease_refund", "guid", guid(id)) },
}, {
	name: "idc", get: "getidc", list: "idc_orders",
	buy: func(r apitest.Reseller, no string, n int) url.Values {
		return r.Form("create_order", "obj_type", "create_idc", "order_id", no, "line_guid", idcLine,
			"product_guid", idcProduct, "content", content(`"bandwidth":60`, n))
	},
	refund: func(r apitest.Reseller, id int64) url.Values { return r.Form("idc_refund", "guid", guid(id)) },
}, {
	name: "hosting", get: "gethosting", list: "hosting_orders",
	buy: func(r apitest.Reseller, no string, n int) url.Values {
		return r.Form("create_order", "obj_type", "create_hosting", "order_id", no,
			"line_guid", apitest.PanelLineGUID, "product_guid", apitest.HostingProductGUID,
			"prefix", "web", "pwd", apitest.PanelPassword, "content", content(`"flow":50,"months":12`, n))
	},
	refund: func(r apitest.Reseller, id int64) url.Values {
		return r.Form("hosting_operate", "operate", "hosting_refund", "guid", guid(id))
	},
}, {
	name: "sql", get: "getsql", list: "sql_orders",
	buy: func(r apitest.Reseller, no string, n int) url.Values {
		return r.Form("create_order", "obj_type", "create_database", "order_id", no,
			"line_guid", apitest.PanelLineGUID, "product_guid", apitest.DatabaseProductGUID,
			"prefix", "shop", "pwd", apitest.PanelPassword, "content", content(`"months":12`, n))
	},
	refund: func(r apitest.Reseller, id int64) url.Values {
		return r.Form("sql_operate", "operate", "sql_refund", "guid", guid(id))
	},
}}

// openShop is a shop without workers whose lease line has machines for
// machines more orders and whose lease system may be installed there (as
// internal/lease's tests set it up).
func openShop(t testing.TB, machines int) *apitest.Shop {
	t.Helper()
	s := apitest.NewShop(t)
	s.Exec(t, `UPDATE systems SET zone_guids = array_append(zone_guids, $1) WHERE guid = $2`, leaseZone, leaseSystem)
	s.Exec(t, `
		INSERT INTO lease_machines (guid, product_id, line_id, name, cabinet_sn, main_board, ip, status)
		SELECT 'list-' || g, p.id, l.id, 'list-' || g, 'C-' || g, p.main_board,
		       '[{"ip":"10.9.' || g / 250 || '.' || g % 250 + 1 || '","subnet":"255.255.255.0","gateway":"10.9.0.1"}]', 'free'
		FROM lease_products p, lease_lines l, generate_series(1, $3::int) g
		WHERE p.guid = $1 AND l.guid = $2`, leaseProduct, leaseLine, machines)
	return s
}
