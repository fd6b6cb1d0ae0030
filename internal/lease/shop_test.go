package lease_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// The example catalogue's line 浙江专线二区, its machine model 基础型 (550.00,
// bandwidth 30, defense 100, ipnum 1; three free machines) and the system
// CentOS 7.9: the lease of billing.md §8.
const (
	lineGUID    = "20250409132657673528"
	zoneGUID    = "20250409132657673526"
	productGUID = "1721941250649658"
	systemGUID  = "1659170791658716"
	example     = `{"bandwidth":50,"defense":100,"ip_num":4,"months":12}`
)

// shop is apitest's Shop with this business's purchase and lookups.
type shop struct{ *apitest.Shop }

// newShop is a shop without job workers, its clock fixed at
// apitest.ShopStart.
func newShop(t *testing.T) *shop {
	t.Helper()
	return openShop(t, false)
}

// openShop is newShop, or with workers a daemon that works its jobs, on
// the real clock (its workers read the clock, which cannot be swapped once
// they run).
func openShop(t *testing.T, workers bool) *shop {
	t.Helper()
	var opts []apitest.ShopOption
	if workers {
		opts = append(opts, apitest.WithWorkers())
	}
	s := &shop{apitest.NewShop(t, opts...)}
	// The example catalogue's systems list only 德阳电信's zone, so none of
	// them may be installed on 浙江专线二区, the line of the worked example;
	// CentOS is allowed there too, as an operator would set it up.
	s.Exec(t, `UPDATE systems SET zone_guids = array_append(zone_guids, $1) WHERE guid = $2`, zoneGUID, systemGUID)
	return s
}

// buy calls create_lease on the example line, model and system; kv
// overrides or adds parameters.
func (s *shop) buy(t *testing.T, r apitest.Reseller, orderNo, content string, kv ...string) apitest.Response {
	t.Helper()
	form := r.Form("create_order", append([]string{"obj_type", "create_lease", "order_id", orderNo,
		"line_guid", lineGUID, "product_guid", productGUID, "system_guid", systemGUID, "content", content}, kv...)...)
	return s.Post(t, form)
}

// free counts the free machines of the example model on the example line.
func (s *shop) free(t *testing.T) int {
	t.Helper()
	return s.Count(t, `SELECT count(*) FROM lease_machines m JOIN lease_products p ON p.id = m.product_id
		JOIN lease_lines l ON l.id = m.line_id WHERE p.guid = $1 AND l.guid = $2 AND m.status = 'free'`,
		productGUID, lineGUID)
}

// machineOf is the guid of the machine order id holds.
func (s *shop) machineOf(t *testing.T, id int64) string {
	t.Helper()
	var guid string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT m.guid FROM lease_orders o
		JOIN lease_machines m ON m.id = o.machine_id WHERE o.id = $1`, id).Scan(&guid))
	return guid
}

func (s *shop) order(t *testing.T, r apitest.Reseller, id int64) map[string]any {
	t.Helper()
	var o map[string]any
	s.Post(t, r.Form("getlease", "guid", fmt.Sprint(id))).Into(t, &o)
	return o
}
