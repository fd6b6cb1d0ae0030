package idc_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

const example = `{"bandwidth":100,"ipnum":2,"months":12}`

// billing.md §8 prices colocation with ipnum 2, but the example line
// 温州BGP offers only ip_num_list "1,4,8,16,32,64" (the API document's own
// example): on the catalogue as given that order is refused. With the
// list cleared (any count in [ip_min_size, ip_max_size]) the worked
// example holds: M = 800.00 + 10.00 * (100 - 50) + 300.00 * (2 - max(1, 1))
// + 0.00 (power 0.5A/220V, the first entry) = 1600.00 a month; 12 months
// at discount1 "0.00" (unset, not free) = 19200.00.
func TestTheWorkedColocationExampleCharges19200OnceItsIPCountIsSold(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "20000")
	s.buy(t, r, "I-1", example).Fails(t, "参数错误: content.ipnum 不在可选范围")
	require.Equal(t, "20000.00", s.Balance(t, r))

	s.Exec(t, `UPDATE idc_lines SET ip_num_list = '' WHERE guid = $1`, lineGUID)
	var c apitest.Created
	s.buy(t, r, "I-1", example).Into(t, &c)
	require.Equal(t, "19200.00", c.Amount)
	require.Equal(t, "800.00", c.Balance)

	var from, to time.Time
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT service_from, service_to
		FROM ledger_entries WHERE business = 'idc' AND order_id = $1`, c.IDs[0]).Scan(&from, &to))
	require.True(t, from.Equal(apitest.At("2026-01-01 00:00:00")))
	require.True(t, to.Equal(apitest.At("2027-01-01 00:00:00")))

	o := s.order(t, r, c.IDs[0])
	require.EqualValues(t, 0, o["order_status"], "开通中 until the machine is racked")
	require.Equal(t, "0.5A/220V", o["power"])
	require.EqualValues(t, 100, o["bandwidth"])
	require.EqualValues(t, 2, o["ipnum"])
	require.EqualValues(t, 5, o["defense"])
	require.Equal(t, "", o["login_password"], "no password at purchase")
	require.Equal(t, 1, s.Jobs(t, "idc", c.IDs[0], "provision"))
	s.Verify(t)
}

func TestAPricedPowerIsAddedToTheMonth(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.Exec(t, `UPDATE idc_products SET power = '[{"name":"0.5A/220V","price":"0.00"},{"name":"1A/220V","price":"150.00"}]'`)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "PW", `{"power":"1A/220V","months":2}`).Into(t, &c)
	require.Equal(t, "1900.00", c.Amount, "(800.00 + 150.00) * 2")
	require.Equal(t, "1A/220V", s.order(t, r, c.IDs[0])["power"])
	s.buy(t, r, "PW-X", `{"power":"3A/220V"}`).Fails(t, "参数错误: content.power 不存在")
	s.Verify(t)
}

func TestRefusedColocationPurchasesChangeNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "100")
	cases := []struct {
		name, content, msg string
		kv                 []string
	}{
		{"balance", `{}`, "余额不足", nil},
		{"bandwidth step", `{"bandwidth":55}`, "参数错误: content.bandwidth 须为10的倍数", nil},
		{"bandwidth below the product's", `{"bandwidth":40}`, "参数错误: content.bandwidth 不在可选范围", nil},
		{"ipnum not listed", `{"ipnum":3}`, "参数错误: content.ipnum 不在可选范围", nil},
		{"ipnum type", `{"ipnum":"two"}`, "参数错误: content.ipnum 应为整数", nil},
		{"defense not listed", `{"defense":50}`, "参数错误: content.defense 不在可选范围", nil},
		{"power", `{"power":"9A"}`, "参数错误: content.power 不存在", nil},
		{"months", `{"months":10}`, "参数错误: content.months 不在可选范围", nil},
		{"number above buy_order_max_num", `{"number":21}`, "参数错误: content.number 不在可选范围", nil},
		{"unknown line", `{}`, "该线路节点不存在或已下架", []string{"line_guid", "999"}},
		{"unknown product", `{}`, "参数错误: product_guid 不存在", []string{"product_guid", "999"}},
		{"no order_id", `{}`, "缺少必要参数: order_id", []string{"order_id", ""}},
	}
	for _, c := range cases {
		s.buy(t, r, "BAD-"+c.name, c.content, c.kv...).Fails(t, c.msg)
	}
	switches := []struct{ name, set, reset, msg string }{
		{"sold out", `UPDATE idc_products SET market_status = 0`, `UPDATE idc_products SET market_status = 1`, "库存不足"},
		{"product off", `UPDATE idc_products SET status = 0`, `UPDATE idc_products SET status = 1`, "库存不足"},
		{"line not selling", `UPDATE idc_lines SET buy_status = 0`, `UPDATE idc_lines SET buy_status = 1`, "库存不足"},
		{"line off", `UPDATE idc_lines SET status = 0`, `UPDATE idc_lines SET status = 1`, "该线路节点不存在或已下架"},
		{"buy_order_max_num", `UPDATE idc_lines SET buy_order_max_num = 1`, `UPDATE idc_lines SET buy_order_max_num = 20`, "参数错误: content.number 不在可选范围"},
	}
	for _, sw := range switches {
		s.Exec(t, sw.set)
		s.buy(t, r, "OFF-"+sw.name, `{"number":2}`).Fails(t, sw.msg)
		s.Exec(t, sw.reset)
	}
	require.Equal(t, "100.00", s.Balance(t, r))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM idc_orders WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM ledger_entries WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM idempotency_keys WHERE reseller_id = $1`, r.ID))
	s.Verify(t)
}

func TestARepeatedColocationOrderIDChargesOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "5000")
	var c apitest.Created
	s.buy(t, r, "DUP", `{"number":2}`).Into(t, &c)
	require.Equal(t, "1600.00", c.Amount)
	again := s.buy(t, r, "DUP", `{"number":2}`)
	require.JSONEq(t, `{"order_id":"DUP","ids":[`+fmt.Sprint(c.IDs[0])+`,`+fmt.Sprint(c.IDs[1])+`],"amount":"1600.00","balance":"3400.00"}`,
		string(again.OK(t)))
	s.buy(t, r, "DUP", `{"number":3}`).Fails(t, "订单号已存在")
	require.Equal(t, "3400.00", s.Balance(t, r))
	s.Verify(t)
}

// By hand: bought 2026-01-01 00:00 for a month at M = 800.00 (to
// 2026-02-01 00:00). Renewed on 2026-01-10 for a month from the end: 800.00,
// to 2026-03-01 00:00. On 2026-01-16 00:00 bandwidthAdd 50 makes M = 800.00
// + 10.00 * 50 = 1300.00: 500.00 * 44 days / 30 days = 733.333... ->
// 733.33 for [01-16, 03-01). A refund on 2026-01-21 00:00 pays back 11 of
// the purchase's 31 days, all of the renewal (not begun) and 39 of the
// upgrade's 44 days: 800.00 * 11/31 + 800.00 + 733.33 * 39/44 = 283.870...
// + 800.00 + 649.997... = 1733.868... -> 1733.86.
func TestColocationRenewUpgradeAndRefundFollowBillingByHand(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "5000")
	var c apitest.Created
	s.buy(t, r, "M-1", `{}`).Into(t, &c)
	id := fmt.Sprint(c.IDs[0])
	s.Post(t, r.Form("idc_upgrade", "guid", id, "bandwidthAdd", "50")).Fails(t, "业务状态异常") // 开通中
	s.Activate(t, "idc", c.IDs[0])

	s.SetNow(apitest.At("2026-01-10 00:00:00"))
	var renew map[string]any
	s.Post(t, r.Form("idc_renew", "guid", id, "months", "1", "client_order_id", "RN-1")).Into(t, &renew)
	require.Equal(t, "800.00", renew["amount"])
	require.Equal(t, "2026-03-01 00:00:00", renew["end_time"])
	var again map[string]any
	s.Post(t, r.Form("idc_renew", "guid", id, "months", "1", "client_order_id", "RN-1")).Into(t, &again)
	require.Equal(t, renew, again)

	s.SetNow(apitest.At("2026-01-16 00:00:00"))
	s.Post(t, r.Form("idc_upgrade", "guid", id, "ipnumAdd", "1")).Fails(t, "参数错误: ipnumAdd 不在可选范围")
	s.Post(t, r.Form("idc_upgrade", "guid", id, "defenseAdd", "x")).Fails(t, "参数错误: defenseAdd 应为整数")
	var up map[string]any
	s.Post(t, r.Form("idc_upgrade", "guid", id, "bandwidthAdd", "50")).Into(t, &up)
	require.Equal(t, "733.33", up["amount"])
	require.Equal(t, "2666.67", up["balance"])
	require.EqualValues(t, 100, s.order(t, r, c.IDs[0])["bandwidth"])
	require.Equal(t, 1, s.Jobs(t, "idc", c.IDs[0], "resize"))

	s.SetNow(apitest.At("2026-01-21 00:00:00"))
	var refund map[string]any
	s.Post(t, r.Form("idc_refund", "guid", id)).Into(t, &refund)
	require.Equal(t, "1733.86", refund["amount"])
	require.Equal(t, "4400.53", refund["balance"])
	require.EqualValues(t, -2, s.order(t, r, c.IDs[0])["order_status"])
	require.Equal(t, 1, s.Jobs(t, "idc", c.IDs[0], "destroy"))
	s.Verify(t)
}

func TestAnExpiredColocationOrderIsReinstatedByARenewal(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.SetNow(apitest.At("2026-01-31 10:00:00"))
	r := s.NewReseller(t, "3000")
	var c apitest.Created
	s.buy(t, r, "EX", `{}`).Into(t, &c)
	s.Exec(t, `UPDATE idc_orders SET order_status = 3, run_status = -2 WHERE id = $1`, c.IDs[0])
	s.SetNow(apitest.At("2026-03-05 00:00:00"))
	var back map[string]any
	s.Post(t, r.Form("idc_renew", "guid", fmt.Sprint(c.IDs[0]), "months", "1")).Into(t, &back)
	require.Equal(t, "2026-03-31 10:00:00", back["end_time"], "from the old end 02-28, back to the 31st")
	require.EqualValues(t, 1, s.order(t, r, c.IDs[0])["order_status"])
	require.Equal(t, 1, s.Jobs(t, "idc", c.IDs[0], "unlock"))
	s.Verify(t)
}

func TestTheColocationProductsRefundDaysRuleOverTheLines(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.Exec(t, `UPDATE idc_lines SET refund_days = 3`)
	s.Exec(t, `UPDATE idc_products SET refund_days = 10`)
	r := s.NewReseller(t, "3000")
	var c apitest.Created
	s.buy(t, r, "RD", `{"number":2}`).Into(t, &c)
	s.Activate(t, "idc", c.IDs...)
	s.SetNow(apitest.At("2026-01-06 00:00:00"))
	s.Post(t, r.Form("idc_refund", "guid", fmt.Sprint(c.IDs[0]))).OK(t) // day 5: within the product's 10
	s.Exec(t, `UPDATE idc_products SET refund_days = 0`)
	s.Post(t, r.Form("idc_refund", "guid", fmt.Sprint(c.IDs[1]))).Fails(t, "产品超出可退款时间") // the line's 3
	s.Verify(t)
}

func TestConcurrentColocationRefundsPayOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "RF", `{}`).Into(t, &c)
	s.Activate(t, "idc", c.IDs[0])
	answers := apitest.RaceN(20, func(int) apitest.Response {
		return s.Post(t, r.Form("idc_refund", "guid", fmt.Sprint(c.IDs[0])))
	})
	paid := 0
	for _, a := range answers {
		if a.Code == 1 {
			paid++
		} else {
			require.Equal(t, "业务状态异常", a.Msg)
		}
	}
	require.Equal(t, 1, paid)
	require.Equal(t, "1000.00", s.Balance(t, r))
	s.Verify(t)
}
