package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// The document's example line 德阳电信 and system 2016 数据中心版.
const (
	lineGUID   = "1696808021765605"
	systemGUID = "1659170726623836"
	example    = `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"ip_num":1}`
)

// shop is apitest's Shop with this business's purchase.
type shop struct{ *apitest.Shop }

func newShop(t testing.TB) *shop {
	t.Helper()
	return &shop{apitest.NewShop(t)}
}

func (s *shop) buy(t *testing.T, r apitest.Reseller, orderNo, content string, kv ...string) apitest.Response {
	t.Helper()
	form := r.Form("create_order", append([]string{"obj_type", "create_server", "order_id", orderNo,
		"line_guid", lineGUID, "system_guid", systemGUID, "content", content}, kv...)...)
	return s.Post(t, form)
}

func TestBuyingTheWorkedExampleCharges270(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "A-1", example).Into(t, &c)
	require.Equal(t, "A-1", c.OrderID)
	require.Len(t, c.IDs, 1)
	require.Equal(t, "270.00", c.Amount)
	require.Equal(t, "730.00", c.Balance)
	require.Equal(t, "730.00", s.Balance(t, r))

	var from, to time.Time
	var amount string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT amount::text, service_from, service_to
		FROM ledger_entries WHERE business = 'server' AND order_id = $1`, c.IDs[0]).Scan(&amount, &from, &to))
	require.Equal(t, "-270.00", amount)
	require.True(t, from.Equal(apitest.At("2026-01-01 00:00:00")))
	require.True(t, to.Equal(apitest.At("2026-02-01 00:00:00")))

	var order map[string]any
	s.Post(t, r.Form("getserver", "guid", fmt.Sprint(c.IDs[0]))).Into(t, &order)
	require.EqualValues(t, 0, order["orderStatus"], "开通中 until its job runs")
	require.Equal(t, "40,80", order["harddisks"])
	require.Equal(t, "2026-02-01 00:00:00", order["endTime"])
	require.Len(t, order["loginPassword"], 16, "a password is generated when none is given")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM river_job WHERE args->>'business' = 'server'
		AND (args->>'order_id')::bigint = $1 AND kind = 'provision'`, c.IDs[0]))
	s.Verify(t)
}

func TestTwelveMonthsWithTheDiscountCharge2754(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	_, err := s.DB.Exec(context.Background(), `UPDATE server_lines SET
		discount = '[{"month":"1","discount":"1"},{"month":"12","discount":"0.85"}]' WHERE guid = $1`, lineGUID)
	require.NoError(t, err)
	r := s.NewReseller(t, "5000")
	var c apitest.Created
	s.buy(t, r, "A-12", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"ip_num":1,"months":12}`).Into(t, &c)
	require.Equal(t, "2754.00", c.Amount)
	require.Equal(t, "2246.00", c.Balance)
}

func TestARepeatedOrderIDAnswersTheFirstAnswerAndChargesOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	first := s.buy(t, r, "DUP-1", example)
	first.OK(t)
	again := s.buy(t, r, "DUP-1", example)
	require.JSONEq(t, string(first.Data), string(again.Data))
	require.Equal(t, "730.00", s.Balance(t, r))
	s.buy(t, r, "DUP-1", `{"cpu":8,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5}`).Fails(t, "订单号已存在")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM server_orders WHERE reseller_id = $1`, r.ID))

	other := s.NewReseller(t, "1000")
	s.buy(t, other, "DUP-1", example).OK(t) // order numbers are per reseller
}

func TestARetryAfterTheCatalogueChangedStillGetsTheFirstAnswer(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	first := s.buy(t, r, "LOST-1", example)
	first.OK(t)
	// The answer was lost on the way; meanwhile the operator closed the line
	// and raised its prices. The reseller's retry must still learn that it
	// bought (and paid for) the server.
	s.Exec(t, `UPDATE server_lines SET status = 0, cpu_price = 99.00 WHERE guid = $1`, lineGUID)
	again := s.buy(t, r, "LOST-1", example)
	require.JSONEq(t, string(first.Data), string(again.Data))
	s.buy(t, r, "LOST-1", `{"cpu":8,"ram":8,"bandwidth":20}`).Fails(t, "订单号已存在")
	s.buy(t, r, "NEW-1", example).Fails(t, "该线路节点不存在或已下架")
	require.Equal(t, "730.00", s.Balance(t, r))
}

func TestNumberBuysThatManyOrdersInOneCharge(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "N-3", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"number":3}`).Into(t, &c)
	require.Len(t, c.IDs, 3)
	require.Equal(t, "810.00", c.Amount)
	require.Equal(t, "190.00", c.Balance)
	require.Equal(t, 3, s.Count(t, `SELECT count(*) FROM ledger_entries WHERE reseller_id = $1 AND kind = 'purchase'`, r.ID))
	s.Verify(t)
}

func TestRefusedPurchasesChangeNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "100")
	cases := []struct {
		name, content, msg string
		kv                 []string
	}{
		{"balance", example, "余额不足", nil},
		{"cpu type", `{"cpu":"four","ram":8,"bandwidth":20}`, "参数错误: content.cpu 应为整数", nil},
		{"cpu missing", `{"ram":8,"bandwidth":20}`, "缺少必要参数: content.cpu", nil},
		{"cpu range", `{"cpu":65,"ram":8,"bandwidth":20}`, "参数错误: content.cpu 不在可选范围", nil},
		{"bandwidth range", `{"cpu":4,"ram":8,"bandwidth":301}`, "参数错误: content.bandwidth 不在可选范围", nil},
		{"disk step", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,85"}`, "", nil},
		{"system disk too small", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"20"}`, "", nil},
		{"months", `{"cpu":4,"ram":8,"bandwidth":20,"months":10}`, "参数错误: content.months 不在可选范围", nil},
		{"number", `{"cpu":4,"ram":8,"bandwidth":20,"number":101}`, "参数错误: content.number 不在可选范围", nil},
		{"weak password", `{"cpu":4,"ram":8,"bandwidth":20,"loginPassword":"password"}`, "", nil},
		{"system below its limits", `{"cpu":2,"ram":2,"bandwidth":20}`, "参数错误: system_guid 配置低于系统要求", nil},
		{"bad content", `{cpu:4`, "参数错误: content 不是有效的JSON对象", nil},
		{"unknown line", example, "该线路节点不存在或已下架", []string{"line_guid", "999"}},
		{"unknown system", example, "参数错误: system_guid 不存在", []string{"system_guid", "999"}},
	}
	for _, c := range cases {
		resp := s.buy(t, r, "BAD-"+c.name, c.content, c.kv...)
		require.Equal(t, 0, resp.Code, c.name)
		if c.msg != "" {
			require.Equal(t, c.msg, resp.Msg, c.name)
		} else {
			require.Contains(t, resp.Msg, "参数错误: content.", c.name)
		}
	}
	require.Equal(t, "100.00", s.Balance(t, r))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM server_orders WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM ledger_entries WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM idempotency_keys WHERE reseller_id = $1`, r.ID),
		"a refused purchase may be tried again with its order_id")
	s.Verify(t)
}

func TestUpgradeAndRefundFollowTheWorkedExample(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "UP-1", example).Into(t, &c)
	id := fmt.Sprint(c.IDs[0])
	s.Activate(t, "server", c.IDs[0])

	// M 270 -> 330: 4 more cores at 15.00.
	s.SetNow(apitest.At("2026-01-16 00:00:00"))
	var up map[string]any
	s.Post(t, r.Form("server_upgrade", "guid", id, "cpu", "8")).Into(t, &up)
	require.Equal(t, "32.00", up["amount"])
	require.Equal(t, "698.00", up["balance"])
	s.Post(t, r.Form("server_upgrade", "guid", id, "cpu", "6")).Fails(t, "参数错误: cpu 不能低于原配置")
	s.Post(t, r.Form("server_upgrade", "guid", id, "harddisks", "40")).Fails(t, "参数错误: harddisks 不能减少磁盘")

	s.SetNow(apitest.At("2026-01-21 00:00:00"))
	var refund map[string]any
	s.Post(t, r.Form("server_refund", "guid", id)).Into(t, &refund)
	require.Equal(t, "117.80", refund["amount"])
	require.Equal(t, "815.80", refund["balance"])
	s.Post(t, r.Form("server_refund", "guid", id)).Fails(t, "业务状态异常")
	var order map[string]any
	s.Post(t, r.Form("getserver", "guid", id)).Into(t, &order)
	require.EqualValues(t, -2, order["orderStatus"])
	s.Verify(t)
}

func TestRenewalExtendsFromTheAnchorDay(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.SetNow(apitest.At("2026-01-31 10:00:00"))
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "R-1", example).Into(t, &c)
	id := fmt.Sprint(c.IDs[0])
	s.Post(t, r.Form("server_renew", "guid", id, "renewLength", "1")).Fails(t, "业务状态异常") // still 开通中
	s.Activate(t, "server", c.IDs[0])

	var first map[string]any
	s.Post(t, r.Form("server_renew", "guid", id, "renewLength", "1", "client_order_id", "RN-1")).Into(t, &first)
	require.Equal(t, "2026-03-31 10:00:00", first["end_time"], "02-28 then back to the 31st")
	require.Equal(t, "270.00", first["amount"])
	var again map[string]any
	s.Post(t, r.Form("server_renew", "guid", id, "renewLength", "1", "client_order_id", "RN-1")).Into(t, &again)
	require.Equal(t, first, again, "a repeated client_order_id charges once")
	s.Post(t, r.Form("server_renew", "guid", id, "renewLength", "2", "client_order_id", "RN-1")).Fails(t, "订单号已存在")
	s.Post(t, r.Form("server_renew", "guid", id, "renewLength", "10")).Fails(t, "参数错误: renewLength 不在可选范围")
	require.Equal(t, "1460.00", s.Balance(t, r))

	// An expired order is renewed from its old end and reinstated.
	_, err := s.DB.Exec(context.Background(), `UPDATE server_orders SET order_status = 3, run_status = -2 WHERE id = $1`, c.IDs[0])
	require.NoError(t, err)
	s.SetNow(apitest.At("2026-04-05 00:00:00"))
	var back map[string]any
	s.Post(t, r.Form("server_renew", "guid", id)).Into(t, &back)
	require.Equal(t, "2026-04-30 10:00:00", back["end_time"])
	var order map[string]any
	s.Post(t, r.Form("getserver", "guid", id)).Into(t, &order)
	require.EqualValues(t, 1, order["orderStatus"])
	s.Verify(t)
}

func TestConcurrentPurchasesSpendTheBalanceExactlyOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "2700.00") // exactly 10 of 40 can be paid
	answers := apitest.RaceN(40, func(i int) apitest.Response { return s.buy(t, r, fmt.Sprintf("RACE-%d", i), example) })
	ok := 0
	for _, a := range answers {
		if a.Code == 1 {
			ok++
		} else {
			require.Equal(t, "余额不足", a.Msg)
		}
	}
	require.Equal(t, 10, ok)
	require.Equal(t, "0.00", s.Balance(t, r))
	require.Equal(t, 10, s.Count(t, `SELECT count(*) FROM server_orders WHERE reseller_id = $1`, r.ID))
	s.Verify(t)
}

func TestConcurrentRepeatsOfOneOrderIDMakeOneOrder(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "10000")
	answers := apitest.RaceN(20, func(int) apitest.Response { return s.buy(t, r, "SAME", example) })
	for _, a := range answers {
		require.JSONEq(t, string(answers[0].OK(t)), string(a.OK(t)))
	}
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM server_orders WHERE reseller_id = $1`, r.ID))
	require.Equal(t, "9730.00", s.Balance(t, r))
	s.Verify(t)
}

func TestConcurrentRefundsPayOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "RF", example).Into(t, &c)
	s.Activate(t, "server", c.IDs[0])
	answers := apitest.RaceN(20, func(int) apitest.Response { return s.Post(t, r.Form("server_refund", "guid", fmt.Sprint(c.IDs[0]))) })
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
	s.Verify(t)
}

func TestConcurrentRenewalsWithOneClientOrderIDChargeOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "RW", example).Into(t, &c)
	s.Activate(t, "server", c.IDs[0])
	answers := apitest.RaceN(20, func(int) apitest.Response {
		return s.Post(t, r.Form("server_renew", "guid", fmt.Sprint(c.IDs[0]), "client_order_id", "CO-1"))
	})
	for _, a := range answers {
		require.JSONEq(t, string(answers[0].OK(t)), string(a.OK(t)))
	}
	require.Equal(t, "460.00", s.Balance(t, r))
	s.Verify(t)
}

var _ = json.Marshal
var _ = postgres.Tx

func cloneForm(v map[string][]string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
