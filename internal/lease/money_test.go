package lease_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// billing.md §8: M = 550.00 + 16.00 * (50 - 30) + 100.00 * (4 - max(1, 1))
// + 0.00 * (100 - 100) = 1170.00 a month; 12 months at discount1 "1.00"
// (unset) = 14040.00.
func TestTheWorkedLeaseExampleCharges14040AndTakesAMachine(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "20000")
	var c apitest.Created
	s.buy(t, r, "L-1", example).Into(t, &c)
	require.Equal(t, "L-1", c.OrderID)
	require.Len(t, c.IDs, 1)
	require.Equal(t, "14040.00", c.Amount)
	require.Equal(t, "5960.00", c.Balance)
	require.Equal(t, "5960.00", s.Balance(t, r))

	var from, to time.Time
	var amount string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT amount::text, service_from, service_to
		FROM ledger_entries WHERE business = 'lease' AND order_id = $1`, c.IDs[0]).Scan(&amount, &from, &to))
	require.Equal(t, "-14040.00", amount)
	require.True(t, from.Equal(apitest.At("2026-01-01 00:00:00")))
	require.True(t, to.Equal(apitest.At("2027-01-01 00:00:00")))

	require.Equal(t, "1744175217000001", s.machineOf(t, c.IDs[0]), "the first free machine")
	require.Equal(t, 2, s.free(t))
	o := s.order(t, r, c.IDs[0])
	require.EqualValues(t, 0, o["order_status"], "开通中 until its job runs")
	require.Equal(t, "ZJ2-A01", o["name"])
	require.EqualValues(t, 50, o["bandwidth"])
	require.EqualValues(t, 4, o["ipnum"])
	require.EqualValues(t, 100, o["defense"])
	require.Equal(t, systemGUID, o["system_guid"])
	require.Equal(t, "root", o["login_name"])
	require.Equal(t, "23543", o["system_port"])
	require.Equal(t, "2027-01-01 00:00:00", o["end_time"])
	require.Len(t, o["login_password"], 16, "a password is generated when none is given")
	require.Equal(t, 1, s.Jobs(t, "lease", c.IDs[0], "provision"))
	require.Equal(t, "1170.00", s.text(t, `SELECT monthly_price::text FROM lease_orders WHERE id = $1`, c.IDs[0]))
	s.Verify(t)
}

func (s *shop) text(t *testing.T, sql string, args ...any) string {
	t.Helper()
	var v string
	require.NoError(t, s.DB.QueryRow(context.Background(), sql, args...).Scan(&v))
	return v
}

// billing.md §8: the same with discount1 0.95: 14040.00 * 0.95 = 13338.00.
func TestTwelveLeaseMonthsWithDiscount1Charge13338(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.Exec(t, `UPDATE lease_lines SET discount1 = 0.95 WHERE guid = $1`, lineGUID)
	r := s.NewReseller(t, "20000")
	var c apitest.Created
	s.buy(t, r, "L-95", example, "content", `{"bandwidth":50,"defense":100,"ip_num":4,"months":12,"loginPassword":"Good-Passw0rd"}`).Into(t, &c)
	require.Equal(t, "13338.00", c.Amount)
	require.Equal(t, "6662.00", c.Balance)
	require.Equal(t, "Good-Passw0rd", s.order(t, r, c.IDs[0])["login_password"], "the given password, sealed and opened")
	s.Verify(t)
}

func TestWithoutFreeMachinesAPurchaseIsOutOfStockAndChangesNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "10000")
	s.buy(t, r, "N-4", `{"number":4}`).Fails(t, "库存不足") // three machines: four or none
	require.Equal(t, "10000.00", s.Balance(t, r))
	require.Equal(t, 3, s.free(t))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM lease_orders`))

	var c apitest.Created
	s.buy(t, r, "N-3", `{"number":3}`).Into(t, &c)
	require.Len(t, c.IDs, 3)
	require.Equal(t, "1650.00", c.Amount, "3 * 550.00")
	require.Equal(t, 0, s.free(t))
	seen := map[string]bool{}
	for _, id := range c.IDs {
		seen[s.machineOf(t, id)] = true
	}
	require.Len(t, seen, 3, "one machine each")

	s.buy(t, r, "N-1", `{}`).Fails(t, "库存不足")
	require.Equal(t, "8350.00", s.Balance(t, r))
	require.Equal(t, 3, s.Count(t, `SELECT count(*) FROM ledger_entries WHERE reseller_id = $1 AND kind = 'purchase'`, r.ID))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM idempotency_keys WHERE reseller_id = $1`, r.ID),
		"a refused purchase may be tried again with its order_id")
	s.Verify(t)
}

func TestARefundFreesTheMachineForTheNextPurchase(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "10000")
	var c apitest.Created
	s.buy(t, r, "ALL", `{"number":3}`).Into(t, &c)
	s.buy(t, r, "MORE", `{}`).Fails(t, "库存不足")
	s.Activate(t, "lease", c.IDs[1])
	given := s.machineOf(t, c.IDs[1])

	var refund map[string]any
	s.Post(t, r.Form("lease_refund", "guid", fmt.Sprint(c.IDs[1]))).Into(t, &refund)
	require.Equal(t, "550.00", refund["amount"], "refunded in full at the instant of purchase")
	require.Equal(t, 1, s.free(t))
	require.Equal(t, 1, s.Jobs(t, "lease", c.IDs[1], "destroy"))
	require.EqualValues(t, -2, s.order(t, r, c.IDs[1])["order_status"])

	var again apitest.Created
	s.buy(t, r, "MORE", `{}`).Into(t, &again)
	require.Equal(t, given, s.machineOf(t, again.IDs[0]), "the refunded machine, sold again")
	require.Equal(t, 0, s.free(t))
	require.Equal(t, "8350.00", s.Balance(t, r))
	s.Verify(t)
}

func TestARepeatedLeaseOrderIDAnswersTheFirstAnswerAndTakesOneMachine(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "20000")
	first := s.buy(t, r, "DUP-1", example)
	first.OK(t)
	again := s.buy(t, r, "DUP-1", example)
	require.JSONEq(t, string(first.Data), string(again.Data))
	require.Equal(t, "5960.00", s.Balance(t, r))
	require.Equal(t, 2, s.free(t))
	s.buy(t, r, "DUP-1", `{"bandwidth":60,"months":12}`).Fails(t, "订单号已存在")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM lease_orders WHERE reseller_id = $1`, r.ID))
	s.Verify(t)
}

func TestRefusedLeasePurchasesChangeNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "100")
	cases := []struct {
		name, content, msg string
		kv                 []string
	}{
		{"balance", `{}`, "余额不足", nil},
		{"bandwidth type", `{"bandwidth":"fast"}`, "参数错误: content.bandwidth 应为整数", nil},
		{"bandwidth below the model's", `{"bandwidth":20}`, "参数错误: content.bandwidth 不在可选范围", nil},
		{"bandwidth step", `{"bandwidth":55}`, "参数错误: content.bandwidth 须为10的倍数", nil},
		{"bandwidth above the line's", `{"bandwidth":1030}`, "参数错误: content.bandwidth 不在可选范围", nil},
		{"ip_num not listed", `{"ip_num":2}`, "参数错误: content.ip_num 不在可选范围", nil},
		{"defense not listed", `{"defense":150}`, "参数错误: content.defense 不在可选范围", nil},
		{"negative defense", `{"defense":-100}`, "参数错误: content.defense 不在可选范围", nil},
		{"months", `{"months":10}`, "参数错误: content.months 不在可选范围", nil},
		{"number above buy_order_max_num", `{"number":21}`, "参数错误: content.number 不在可选范围", nil},
		{"number above 100", `{"number":101}`, "参数错误: content.number 不在可选范围", nil},
		{"weak password", `{"loginPassword":"password"}`, "参数错误: content.loginPassword 须包含大写字母、小写字母、数字、符号中的至少三种", nil},
		{"bad content", `{bandwidth:`, "参数错误: content 不是有效的JSON对象", nil},
		{"unknown line", `{}`, "该线路节点不存在或已下架", []string{"line_guid", "999"}},
		{"no product", `{}`, "缺少必要参数: product_guid", []string{"product_guid", ""}},
		{"unknown product", `{}`, "参数错误: product_guid 不存在", []string{"product_guid", "999"}},
		{"another line's product", `{}`, "参数错误: product_guid 不支持该线路", []string{"product_guid", "1721941250649700"}},
		{"no system", `{}`, "缺少必要参数: system_guid", []string{"system_guid", ""}},
		{"unknown system", `{}`, "参数错误: system_guid 不存在", []string{"system_guid", "999"}},
		{"system of other zones", `{}`, "参数错误: system_guid 不支持该线路", []string{"system_guid", "1659170726623836"}},
	}
	for _, c := range cases {
		s.buy(t, r, "BAD-"+c.name, c.content, c.kv...).Fails(t, c.msg)
	}
	switches := []struct{ name, set, reset, msg string }{
		{"model switched off", `UPDATE lease_products SET status = 0`, `UPDATE lease_products SET status = 1`, "库存不足"},
		{"line not selling", `UPDATE lease_lines SET buy_status = 0`, `UPDATE lease_lines SET buy_status = 1`, "库存不足"},
		{"line switched off", `UPDATE lease_lines SET status = 0`, `UPDATE lease_lines SET status = 1`, "该线路节点不存在或已下架"},
		{"machines broken", `UPDATE lease_machines SET status = 'broken'`, `UPDATE lease_machines SET status = 'free'`, "库存不足"},
	}
	for _, sw := range switches {
		s.Exec(t, sw.set)
		s.buy(t, r, "OFF-"+sw.name, `{}`).Fails(t, sw.msg)
		s.Exec(t, sw.reset)
	}
	require.Equal(t, "100.00", s.Balance(t, r))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM lease_orders WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM ledger_entries WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM idempotency_keys WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 3, s.free(t))
	s.Verify(t)
}

func TestALeaseRenewalExtendsFromTheAnchorDay(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.SetNow(apitest.At("2026-01-31 10:00:00"))
	r := s.NewReseller(t, "3000")
	var c apitest.Created
	s.buy(t, r, "R-1", `{}`).Into(t, &c) // M = 550.00, to 2026-02-28 10:00
	id := fmt.Sprint(c.IDs[0])
	s.Post(t, r.Form("lease_renew", "guid", id)).Fails(t, "业务状态异常") // still 开通中
	s.Activate(t, "lease", c.IDs[0])

	var first map[string]any
	s.Post(t, r.Form("lease_renew", "guid", id, "months", "1", "client_order_id", "RN-1", "client_user_id", "77")).Into(t, &first)
	require.Equal(t, "2026-03-31 10:00:00", first["end_time"], "02-28 then back to the 31st")
	require.Equal(t, "550.00", first["amount"])
	require.Equal(t, "1900.00", first["balance"])
	var again map[string]any
	s.Post(t, r.Form("lease_renew", "guid", id, "months", "1", "client_order_id", "RN-1", "client_user_id", "77")).Into(t, &again)
	require.Equal(t, first, again, "a repeated client_order_id charges once")
	s.Post(t, r.Form("lease_renew", "guid", id, "months", "2", "client_order_id", "RN-1")).Fails(t, "订单号已存在")
	s.Post(t, r.Form("lease_renew", "guid", id, "months", "10")).Fails(t, "参数错误: months 不在可选范围")
	s.Post(t, r.Form("lease_renew", "guid", "999999")).Fails(t, "未找到产品记录")
	require.Equal(t, "1900.00", s.Balance(t, r))
	require.Equal(t, "77", s.text(t, `SELECT client_user_id::text FROM lease_orders WHERE id = $1`, c.IDs[0]))

	// An expired order is renewed from its old end and reinstated; its
	// unlock job starts the machine again.
	s.Exec(t, `UPDATE lease_orders SET order_status = 3, run_status = -2 WHERE id = $1`, c.IDs[0])
	s.SetNow(apitest.At("2026-04-05 00:00:00"))
	var back map[string]any
	s.Post(t, r.Form("lease_renew", "guid", id)).Into(t, &back)
	require.Equal(t, "2026-04-30 10:00:00", back["end_time"])
	require.Equal(t, "1350.00", back["balance"])
	require.EqualValues(t, 1, s.order(t, r, c.IDs[0])["order_status"])
	require.Equal(t, 1, s.Jobs(t, "lease", c.IDs[0], "unlock"))

	s.Exec(t, `UPDATE lease_lines SET renew_status = 0 WHERE guid = $1`, lineGUID)
	s.Post(t, r.Form("lease_renew", "guid", id)).Fails(t, "参数错误: guid 该线路暂停续费")
	s.Verify(t)
}

// The upgrade and refund of billing.md §5 and §6, by hand. Bought
// 2026-01-01 00:00 for one month at M = 550.00 (ends 2026-02-01 00:00).
// On 2026-01-16 00:00 bandwidthAdd 20 and ipnumAdd 3 make M = 550.00 +
// 16.00 * 20 + 100.00 * 3 = 1170.00: (1170.00 - 550.00) * 16 days / 30
// days = 330.666... -> 330.67. A refund on 2026-01-21 00:00 pays back 11
// of the purchase's 31 days and 11 of the upgrade's 16: 550.00 * 11/31 +
// 330.67 * 11/16 = 195.161... + 227.335... = 422.496... -> 422.49.
func TestALeaseUpgradeAndRefundFollowBillingByHand(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "UP-1", `{}`).Into(t, &c)
	id := fmt.Sprint(c.IDs[0])
	s.Activate(t, "lease", c.IDs[0])

	s.SetNow(apitest.At("2026-01-16 00:00:00"))
	s.Post(t, r.Form("lease_upgrade", "guid", id, "ipnumAdd", "1")).Fails(t, "参数错误: ipnumAdd 不在可选范围")
	s.Post(t, r.Form("lease_upgrade", "guid", id, "bandwidthAdd", "5")).Fails(t, "参数错误: bandwidthAdd 须为10的倍数")
	s.Post(t, r.Form("lease_upgrade", "guid", id, "bandwidthAdd", "-10")).Fails(t, "参数错误: bandwidthAdd 不在可选范围")
	s.Post(t, r.Form("lease_upgrade", "guid", id, "defenseAdd", "50")).Fails(t, "参数错误: defenseAdd 不在可选范围")
	var up map[string]any
	s.Post(t, r.Form("lease_upgrade", "guid", id, "bandwidthAdd", "20", "ipnumAdd", "3", "client_order_id", "UP-A")).Into(t, &up)
	require.Equal(t, "330.67", up["amount"])
	require.Equal(t, "1119.33", up["balance"])
	require.Equal(t, "2026-02-01 00:00:00", up["end_time"])
	o := s.order(t, r, c.IDs[0])
	require.EqualValues(t, 50, o["bandwidth"])
	require.EqualValues(t, 4, o["ipnum"])
	require.Equal(t, "1170.00", s.text(t, `SELECT monthly_price::text FROM lease_orders WHERE id = $1`, c.IDs[0]))
	require.Equal(t, 1, s.Jobs(t, "lease", c.IDs[0], "resize"))

	s.SetNow(apitest.At("2026-01-21 00:00:00"))
	var refund map[string]any
	s.Post(t, r.Form("lease_refund", "guid", id)).Into(t, &refund)
	require.Equal(t, "422.49", refund["amount"])
	require.Equal(t, "1541.82", refund["balance"])
	s.Post(t, r.Form("lease_refund", "guid", id)).Fails(t, "业务状态异常")
	s.Post(t, r.Form("lease_upgrade", "guid", id, "bandwidthAdd", "10")).Fails(t, "业务状态异常")
	require.Equal(t, 3, s.free(t))
	s.Verify(t)
}

func TestALeaseRefundPastTheModelsRefundDaysIsRefused(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	// The model's refund_days (3) rules over the line's (30) when set.
	s.Exec(t, `UPDATE lease_lines SET refund_days = 30`)
	s.Exec(t, `UPDATE lease_products SET refund_days = 3 WHERE guid = $1`, productGUID)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "RD", `{}`).Into(t, &c)
	s.Activate(t, "lease", c.IDs[0])
	s.SetNow(apitest.At("2026-01-05 00:00:00"))
	s.Post(t, r.Form("lease_refund", "guid", fmt.Sprint(c.IDs[0]))).Fails(t, "产品超出可退款时间")
	require.Equal(t, 2, s.free(t))
	s.Exec(t, `UPDATE lease_products SET refund_days = 0 WHERE guid = $1`, productGUID)
	s.Post(t, r.Form("lease_refund", "guid", fmt.Sprint(c.IDs[0]))).OK(t) // the line's 30 days
	require.Equal(t, 3, s.free(t))
	s.Verify(t)
}

func TestTwentyConcurrentPurchasesShareThreeMachines(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "20000")
	answers := apitest.RaceN(20, func(i int) apitest.Response { return s.buy(t, r, fmt.Sprintf("RACE-%d", i), `{}`) })
	ok := 0
	for _, a := range answers {
		if a.Code == 1 {
			ok++
		} else {
			require.Equal(t, "库存不足", a.Msg)
		}
	}
	require.Equal(t, 3, ok)
	require.Equal(t, 0, s.free(t))
	require.Equal(t, 3, s.Count(t, `SELECT count(DISTINCT machine_id) FROM lease_orders WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 3, s.Count(t, `SELECT count(*) FROM ledger_entries WHERE reseller_id = $1 AND kind = 'purchase'`, r.ID))
	require.Equal(t, "18350.00", s.Balance(t, r), "20000.00 - 3 * 550.00")
	s.Verify(t)
}

func TestConcurrentLeaseRefundsPayOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "RF", `{}`).Into(t, &c)
	s.Activate(t, "lease", c.IDs[0])
	answers := apitest.RaceN(20, func(int) apitest.Response {
		return s.Post(t, r.Form("lease_refund", "guid", fmt.Sprint(c.IDs[0])))
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
	require.Equal(t, "1000.00", s.Balance(t, r), "refunded in full at the instant of purchase")
	require.Equal(t, 3, s.free(t))
	s.Verify(t)
}
