package idc_test

import (
	"fmt"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/idc"
)

// The example catalogue's line 温州BGP and its product 1U (800.00,
// bandwidth 50, defense 5, ipnum 1, power 0.5A/220V at 0.00).
const (
	lineGUID    = "20250409132657673520"
	productGUID = "20250409132727581219"
)

// shop is apitest's Shop with this business's purchase, lookups and
// jobs.
type shop struct{ *apitest.Shop }

// newShop is a shop without job workers, its clock fixed at
// apitest.ShopStart.
func newShop(t *testing.T) *shop {
	t.Helper()
	return &shop{apitest.NewShop(t)}
}

// openShop is newShop, or with workers a daemon that works its jobs, on
// the real clock (its workers read the clock, which cannot be swapped once
// they run).
func openShop(t *testing.T, workers bool) *shop {
	t.Helper()
	if workers {
		return &shop{apitest.NewShop(t, apitest.WithWorkers())}
	}
	return newShop(t)
}

// buy calls create_idc on the example line and product; kv overrides or
// adds parameters.
func (s *shop) buy(t *testing.T, r apitest.Reseller, orderNo, content string, kv ...string) apitest.Response {
	t.Helper()
	form := r.Form("create_order", append([]string{"obj_type", "create_idc", "order_id", orderNo,
		"line_guid", lineGUID, "product_guid", productGUID, "content", content}, kv...)...)
	return s.Post(t, form)
}

func (s *shop) order(t *testing.T, r apitest.Reseller, id int64) map[string]any {
	t.Helper()
	var o map[string]any
	s.Post(t, r.Form("getidc", "guid", fmt.Sprint(id))).Into(t, &o)
	return o
}

// do runs a job of the idc service by hand (the shop has no workers).
func (s *shop) do(t *testing.T, id int64, op string, final bool) error {
	t.Helper()
	svc := &idc.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}
	return apitest.Do(svc.Jobs(), "idc", id, op, final)
}
