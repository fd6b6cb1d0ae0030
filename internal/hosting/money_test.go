package hosting_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/hosting"
	"github.com/zonkvm/zonkvmd/internal/jobs"
)

const (
	lineGUID    = apitest.PanelLineGUID
	productGUID = apitest.HostingProductGUID // 防劫持IP空间-A型: 80.00, flow 30 (+10 GB for 5.00, up to 100)
)

// buy orders hosting on the example line and product; kv adds or replaces
// parameters.
func buy(t *testing.T, s *apitest.Shop, r apitest.Reseller, orderNo, content string, kv ...string) apitest.Response {
	t.Helper()
	form := r.Form("create_order", "obj_type", "create_hosting", "order_id", orderNo, "line_guid", lineGUID,
		"product_guid", productGUID, "prefix", "web", "pwd", apitest.PanelPassword, "content", content)
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return s.Post(t, form)
}

// buyOne buys one site and returns its id as the API spells it.
func buyOne(t *testing.T, s *apitest.Shop, r apitest.Reseller, orderNo, content string, kv ...string) (int64, string) {
	t.Helper()
	var c apitest.Created
	buy(t, s, r, orderNo, content, kv...).Into(t, &c)
	require.Len(t, c.IDs, 1)
	return c.IDs[0], fmt.Sprint(c.IDs[0])
}

func operate(s *apitest.Shop, t *testing.T, r apitest.Reseller, op, guid string, kv ...string) apitest.Response {
	t.Helper()
	return s.Post(t, r.Form("hosting_operate", append([]string{"operate", op, "guid", guid}, kv...)...))
}

func order(t *testing.T, s *apitest.Shop, r apitest.Reseller, guid string) map[string]any {
	t.Helper()
	return apitest.Object(t, s.Post(t, r.Form("gethosting", "guid", guid)))
}

func TestTheWorkedExamplesCharge918For12Months1620For24And540For6(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "5000")
	for _, c := range []struct {
		months, amount, balance string
	}{{"12", "918.00", "4082.00"}, {"24", "1620.00", "2462.00"}, {"6", "540.00", "1922.00"}} {
		var got apitest.Created
		buy(t, s, r, "EX-"+c.months, `{"flow":50,"months":`+c.months+`}`).Into(t, &got)
		require.Equal(t, c.amount, got.Amount, "%s months", c.months)
		require.Equal(t, c.balance, got.Balance)
	}
	require.Equal(t, "1922.00", s.Balance(t, r))
	s.Verify(t)
}

var ftpName = regexp.MustCompile(`^web_[a-z0-9]{5}$`)

func TestAPurchaseRecordsTheSiteAsOrdered(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "A-1",
		`{"program":"php","program_version":"php81","db":"mysql","code":"utf8mb4","flow":50,"months":1}`,
		"user_id", "1001")
	o := order(t, s, r, guid)
	name := o["ftp_name"].(string)
	require.Regexp(t, ftpName, name)
	require.Equal(t, name, o["name"])
	require.Equal(t, strings.ReplaceAll(name, "_", "-")+".jhgf.gyhost.cn", o["domain"])
	require.Equal(t, "/www/wwwroot/"+name, o["path"])
	require.Equal(t, apitest.PanelPassword, o["ftp_password"])
	require.Equal(t, "php81", o["program_version"])
	require.Equal(t, "utf8mb4", o["db_code"])
	require.Equal(t, "90.00", o["renew_price"])
	require.EqualValues(t, 50, o["flow"])
	require.EqualValues(t, 1, o["buymonths"])
	require.EqualValues(t, 1001, o["client_user_id"])
	require.EqualValues(t, 0, o["order_status"], "开通中 until its job runs")
	require.Equal(t, "2026-01-01 00:00:00", o["buy_time"])
	require.Equal(t, "2026-02-01 00:00:00", o["end_time"])
	require.Equal(t, 1, s.Jobs(t, "hosting", id, "provision"))

	_, second := buyOne(t, s, r, "A-2", `{}`, "pwd", "")
	o2 := order(t, s, r, second)
	require.Len(t, o2["ftp_password"], 16, "a password is generated when none is given")
	require.Equal(t, "php", o2["program"])
	require.Equal(t, "utf8", o2["db_code"])
	require.EqualValues(t, 30, o2["flow"], "the product's flow by default")
	s.Verify(t)
}

func TestFTPNamesFollowTheRulesAndNeverCollide(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "100000")
	var first, second apitest.Created
	buy(t, s, r, "N-1", `{"number":40}`).Into(t, &first)
	buy(t, s, r, "N-2", `{"number":40}`, "prefix", "abcdefghij").Into(t, &second)
	require.Len(t, first.IDs, 40)
	require.Equal(t, "3200.00", first.Amount)
	rows, err := s.DB.Query(t.Context(), `SELECT ftp_name FROM hosting_orders WHERE reseller_id = $1`, r.ID)
	require.NoError(t, err)
	seen := map[string]bool{}
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		require.LessOrEqual(t, len(name), 16)
		require.Regexp(t, `^(web|abcdefghij)_[a-z0-9]{5}$`, name)
		require.False(t, seen[name], "name %s given twice", name)
		seen[name] = true
	}
	require.NoError(t, rows.Err())
	require.Len(t, seen, 80)
	s.Verify(t)
}

func TestRefusedPurchasesChangeNothing(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	s.Exec(t, `INSERT INTO hosting_products (guid, name, line_guids, price, months)
		VALUES ('elsewhere', '别处', '{"1"}', 10, '1'), ('sold-out', '售罄', $1, 10, '1')`, []string{lineGUID})
	s.Exec(t, `UPDATE hosting_products SET stock = 0 WHERE guid = 'sold-out'`)
	r := s.NewReseller(t, "100")
	cases := []struct {
		name, content, msg string
		kv                 []string
	}{
		{"balance", `{"months":12}`, "余额不足", nil},
		{"weak password", `{}`, "参数错误: pwd 须包含大写字母、小写字母、数字、符号中的至少三种", []string{"pwd", "password1"}},
		{"short password", `{}`, "参数错误: pwd 长度须为8到32位", []string{"pwd", "Ab1!"}},
		{"no prefix", `{}`, "缺少必要参数: prefix", []string{"prefix", ""}},
		{"long prefix", `{}`, "参数错误: prefix 长度须为1到10位", []string{"prefix", "abcdefghijk"}},
		{"upper-case prefix", `{}`, "参数错误: prefix 须以小写字母开头,只含小写字母、数字和_", []string{"prefix", "Web"}},
		{"prefix starts with a digit", `{}`, "参数错误: prefix 须以小写字母开头,只含小写字母、数字和_", []string{"prefix", "1web"}},
		{"flow off the steps", `{"flow":45}`, "参数错误: content.flow 不在可选范围", nil},
		{"flow above max_flow", `{"flow":110}`, "参数错误: content.flow 不在可选范围", nil},
		{"flow below the product's", `{"flow":20}`, "参数错误: content.flow 不在可选范围", nil},
		{"months", `{"months":10}`, "参数错误: content.months 不在可选范围", nil},
		{"number", `{"number":101}`, "参数错误: content.number 不在可选范围", nil},
		{"code", `{"code":"latin1"}`, "参数错误: content.code 不在可选范围", nil},
		{"program", `{"program":"asp"}`, "参数错误: content.program 不支持", nil},
		{"program_version", `{"program_version":"perl5"}`, "参数错误: content.program_version 格式应为php81", nil},
		{"db", `{"db":"sqlserver"}`, "参数错误: content.db 不支持", nil},
		{"unknown line", `{}`, "该线路节点不存在或已下架", []string{"line_guid", "999"}},
		{"unknown product", `{}`, "参数错误: product_guid 不存在", []string{"product_guid", "999"}},
		{"product of another line", `{}`, "参数错误: product_guid 不支持该线路", []string{"product_guid", "elsewhere"}},
		{"sold-out product", `{}`, "库存不足", []string{"product_guid", "sold-out"}},
		{"bad content", `{flow:50`, "参数错误: content 不是有效的JSON对象", nil},
	}
	for _, c := range cases {
		buy(t, s, r, "BAD-"+c.name, c.content, c.kv...).Fails(t, c.msg)
	}
	s.Exec(t, `UPDATE hosting_lines SET stock = 0 WHERE guid = $1`, lineGUID)
	buy(t, s, r, "BAD-stock", `{}`).Fails(t, "库存不足")
	s.Exec(t, `UPDATE hosting_lines SET status = 0 WHERE guid = $1`, lineGUID)
	buy(t, s, r, "BAD-status", `{}`).Fails(t, "该线路节点不存在或已下架")

	require.Equal(t, "100.00", s.Balance(t, r))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM hosting_orders WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM ledger_entries WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM idempotency_keys WHERE reseller_id = $1`, r.ID))
	s.Verify(t)
}

func TestARepeatedOrderIDAnswersTheFirstAnswerAndChargesOnce(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	first := buy(t, s, r, "DUP-1", `{"flow":50}`)
	first.OK(t)
	again := buy(t, s, r, "DUP-1", `{"flow":50}`)
	require.JSONEq(t, string(first.Data), string(again.Data))
	require.Equal(t, "910.00", s.Balance(t, r))
	buy(t, s, r, "DUP-1", `{"flow":60}`).Fails(t, "订单号已存在")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM hosting_orders WHERE reseller_id = $1`, r.ID))

	answers := apitest.RaceN(10, func(int) apitest.Response { return buy(t, s, r, "SAME", `{}`) })
	for _, a := range answers {
		require.JSONEq(t, string(answers[0].OK(t)), string(a.OK(t)))
	}
	require.Equal(t, 2, s.Count(t, `SELECT count(*) FROM hosting_orders WHERE reseller_id = $1`, r.ID))
	require.Equal(t, "830.00", s.Balance(t, r))
	s.Verify(t)
}

func TestRenewalTakesEndTimeExactlyToNewEndTimeStr(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	s.SetNow(apitest.At("2026-01-31 10:00:00"))
	r := s.NewReseller(t, "5000")
	id, guid := buyOne(t, s, r, "R-1", `{}`)
	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2026-03-31 10:00:00").Fails(t, "业务状态异常")
	s.Activate(t, "hosting", id)
	require.Equal(t, "2026-02-28 10:00:00", order(t, s, r, guid)["end_time"])

	var c apitest.Charged
	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2026-03-31 10:00:00").Into(t, &c)
	require.Equal(t, "2026-03-31 10:00:00", c.EndTime, "back to the anchor day 31")
	require.Equal(t, "80.00", c.Amount)

	refusals := []struct {
		kv  []string
		msg string
	}{
		{[]string{}, "缺少必要参数: newEndTimeStr"},
		{[]string{"newEndTimeStr", "2026-04-30"}, "参数错误: newEndTimeStr 格式应为Y-m-d H:i:s"},
		{[]string{"newEndTimeStr", "2026-04-29 10:00:00"}, "参数错误: newEndTimeStr 须为当前到期时间加整月数"},
		{[]string{"newEndTimeStr", "2026-04-30 10:00:01"}, "参数错误: newEndTimeStr 须为当前到期时间加整月数"},
		{[]string{"newEndTimeStr", "2026-03-31 10:00:00"}, "参数错误: newEndTimeStr 须晚于当前到期时间"},
		{[]string{"newEndTimeStr", "2027-01-31 10:00:00"}, "参数错误: newEndTimeStr 不在可选范围"}, // 10 months
		{[]string{"newEndTimeStr", "2026-06-30 10:00:00", "renewLength", "2"}, "参数错误: newEndTimeStr 与renewLength不符"},
		{[]string{"newEndTimeStr", "2027-01-31 10:00:00", "renewLength", "10"}, "参数错误: renewLength 不在可选范围"},
	}
	for _, f := range refusals {
		operate(s, t, r, "hosting_renew", guid, f.kv...).Fails(t, f.msg)
	}

	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2026-05-31 10:00:00", "renewLength", "2").Into(t, &c)
	require.Equal(t, "2026-05-31 10:00:00", c.EndTime)
	require.Equal(t, "160.00", c.Amount)
	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2027-05-31 10:00:00").Into(t, &c)
	require.Equal(t, "816.00", c.Amount, "12 months at 85%")
	require.Equal(t, "3864.00", c.Balance)
	require.Equal(t, "3864.00", s.Balance(t, r))

	s.Exec(t, `UPDATE hosting_lines SET renew = 0 WHERE guid = $1`, lineGUID)
	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2027-06-30 10:00:00").Fails(t, "参数错误: guid 该线路暂停续费")
	s.Verify(t)
}

func TestAnExpiredSiteIsRenewedStoppedAndThenResumed(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "X-1", `{}`)
	s.Activate(t, "hosting", id)
	operate(s, t, r, "hosting_resume_after_renew", guid).Fails(t, "业务状态异常") // running

	s.SetNow(apitest.At("2026-02-10 00:00:00"))
	s.Exec(t, `UPDATE hosting_orders SET order_status = 3, run_status = -1 WHERE id = $1`, id)
	operate(s, t, r, "hosting_resume_after_renew", guid).Fails(t, "业务状态异常") // not paid up

	var c apitest.Charged
	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2026-03-01 00:00:00").Into(t, &c)
	require.Equal(t, "80.00", c.Amount, "renewed from the old end_time")
	o := order(t, s, r, guid)
	require.EqualValues(t, 1, o["order_status"])
	require.EqualValues(t, -1, o["run_status"], "stays stopped until resumed")
	require.Equal(t, 0, s.Jobs(t, "hosting", id, "start"))

	operate(s, t, r, "hosting_resume_after_renew", guid).OK(t)
	require.Equal(t, 1, s.Jobs(t, "hosting", id, "unlock"), "its unlock job starts the site")
	svc := &hosting.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}
	require.NoError(t, apitest.Attempt(s.DB, svc.Jobs(), "hosting", id, jobs.KindUnlock, 1))
	o = order(t, s, r, guid)
	require.EqualValues(t, 1, o["order_status"])
	require.EqualValues(t, 1, o["run_status"])
	operate(s, t, r, "hosting_resume_after_renew", guid).Fails(t, "业务状态异常")
	require.Equal(t, "840.00", s.Balance(t, r))
	s.Verify(t)
}

// products adds, on the example line, 防劫持IP空间-B型 (120.00, flow 50) and
// a cheaper one (60.00).
func products(t *testing.T, s *apitest.Shop) {
	s.Exec(t, `INSERT INTO hosting_products (guid, name, line_guids, price, months, flow, max_flow, up_flow, up_flow_price)
		VALUES ('b-type', '防劫持IP空间-B型', $1, 120, '1,12', 50, 200, 25, 8),
		       ('cheap', '便宜型', $1, 60, '1,12', 30, 100, 10, 5)`, []string{lineGUID})
}

func TestUpgradesChargeTheDifferenceForTheRestOfThePeriod(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	products(t, s)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "U-1", `{}`) // 2026-01-01 .. 2026-02-01, M 80.00
	operate(s, t, r, "hosting_upgrade", guid, "flow", "50").Fails(t, "业务状态异常")
	s.Activate(t, "hosting", id)
	s.SetNow(apitest.At("2026-01-16 00:00:00")) // 16 days left

	var c apitest.Charged
	operate(s, t, r, "hosting_upgrade", guid, "flow", "50").Into(t, &c) // M 90.00
	require.Equal(t, "5.33", c.Amount)
	require.Equal(t, "2026-02-01 00:00:00", c.EndTime)
	operate(s, t, r, "hosting_upgrade", guid, "new_product_guid", "b-type").Into(t, &c) // M 120.00, flow 50
	require.Equal(t, "16.00", c.Amount)
	o := order(t, s, r, guid)
	require.Equal(t, "b-type", o["product_guid"])
	require.EqualValues(t, 50, o["flow"])
	require.Equal(t, "120.00", o["renew_price"])
	require.Equal(t, 2, s.Jobs(t, "hosting", id, "resize"))

	refusals := []struct {
		kv  []string
		msg string
	}{
		{nil, "缺少必要参数: flow 或 new_product_guid"},
		{[]string{"new_product_guid", "cheap"}, "只能升级到更高配置"},
		{[]string{"flow", "50"}, "升级后的配置与当前配置相同"},
		{[]string{"new_product_guid", "b-type", "flow", "50"}, "升级后的配置与当前配置相同"},
		{[]string{"flow", "40"}, "参数错误: flow 不能低于原配置"},
		{[]string{"flow", "60"}, "参数错误: flow 不在可选范围"}, // b-type steps by 25
		{[]string{"new_product_guid", "nope"}, "参数错误: new_product_guid 不存在"},
	}
	for _, f := range refusals {
		operate(s, t, r, "hosting_upgrade", guid, f.kv...).Fails(t, f.msg)
	}
	operate(s, t, r, "hosting_upgrade", guid, "flow", "75").Into(t, &c) // M 128.00
	require.Equal(t, "4.27", c.Amount)
	s.Exec(t, `UPDATE hosting_products SET upgradation = 0 WHERE guid = 'b-type'`)
	operate(s, t, r, "hosting_upgrade", guid, "flow", "100").Fails(t, "参数错误: guid 该产品不支持升级")
	require.Equal(t, "894.40", s.Balance(t, r))
	s.Verify(t)
}

func TestFlowAndProductUpgradeTogetherInOneCharge(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	products(t, s)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "U-2", `{}`)
	s.Activate(t, "hosting", id)
	s.SetNow(apitest.At("2026-01-16 00:00:00"))
	var c apitest.Charged
	operate(s, t, r, "hosting_upgrade", guid, "flow", "100", "new_product_guid", "b-type").Into(t, &c)
	require.Equal(t, "29.87", c.Amount, "(136 - 80) * 16/30, M 136 = 120 + 2 * 8")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM ledger_entries WHERE reseller_id = $1 AND kind = 'upgrade'`, r.ID))
	s.Verify(t)
}

func TestCouponsDiscountRenewalsAndUpgradesOnce(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	s.Coupon(t, 1001, "hosting", "percent", "10", 1)
	s.Coupon(t, 1002, "hosting", "amount", "5.00", 5)
	r := s.NewReseller(t, "2000")
	id, guid := buyOne(t, s, r, "C-1", `{}`)
	s.Activate(t, "hosting", id)

	var c apitest.Charged
	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2027-02-01 00:00:00", "coupon_id", "1001").Into(t, &c)
	require.Equal(t, "734.40", c.Amount, "816.00 less 10%")
	require.Equal(t, 0, s.CouponUses(t, 1001))
	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2027-03-01 00:00:00", "coupon_id", "1001").
		Fails(t, "优惠券不可用")
	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2027-03-01 00:00:00", "coupon_id", "1").
		Fails(t, "优惠券不可用") // the catalogue's coupon is for servers
	require.Equal(t, "2027-02-01 00:00:00", order(t, s, r, guid)["end_time"], "a refused renewal changes nothing")
	require.Equal(t, "1185.60", s.Balance(t, r))

	s.SetNow(apitest.At("2027-01-02 00:00:00")) // 30 days left
	operate(s, t, r, "hosting_upgrade", guid, "flow", "50", "coupon_id", "1002").Into(t, &c)
	require.Equal(t, "5.00", c.Amount, "10.00 less 5.00")
	require.Equal(t, 4, s.CouponUses(t, 1002))
	require.Equal(t, 2, s.Count(t, `SELECT count(*) FROM coupon_uses WHERE reseller_id = $1`, r.ID))
	s.Verify(t)
}

func TestTwoRenewalsRacingForTheLastUseOfACouponDiscountOne(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	s.Coupon(t, 1003, "hosting", "percent", "10", 1)
	r := s.NewReseller(t, "1000")
	a, guidA := buyOne(t, s, r, "RC-1", `{}`)
	b, guidB := buyOne(t, s, r, "RC-2", `{}`)
	s.Activate(t, "hosting", a, b)
	guids := []string{guidA, guidB}
	answers := apitest.RaceN(2, func(i int) apitest.Response {
		return operate(s, t, r, "hosting_renew", guids[i], "newEndTimeStr", "2026-03-01 00:00:00", "coupon_id", "1003")
	})
	ok := 0
	for _, x := range answers {
		if x.Code == 1 {
			ok++
			var c apitest.Charged
			x.Into(t, &c)
			require.Equal(t, "72.00", c.Amount)
		} else {
			require.Equal(t, "优惠券不可用", x.Msg)
		}
	}
	require.Equal(t, 1, ok)
	require.Equal(t, "768.00", s.Balance(t, r))
	require.Equal(t, 0, s.CouponUses(t, 1003))
	s.Verify(t)
}

func TestRefundsPayBackTheUnusedPart(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "F-1", `{}`)
	s.Activate(t, "hosting", id)
	s.SetNow(apitest.At("2026-01-16 00:00:00"))
	var answer map[string]any
	operate(s, t, r, "hosting_refund", guid).Into(t, &answer)
	require.Equal(t, "41.29", answer["amount"], "80.00 * 16/31, rounded down")
	require.Equal(t, "961.29", answer["balance"])
	require.EqualValues(t, -2, order(t, s, r, guid)["order_status"])
	require.Equal(t, 1, s.Jobs(t, "hosting", id, "destroy"))
	operate(s, t, r, "hosting_refund", guid).Fails(t, "业务状态异常")

	s.Exec(t, `UPDATE hosting_products SET refund_days = 3 WHERE guid = $1`, productGUID)
	late, lateGUID := buyOne(t, s, r, "F-2", `{}`)
	s.Activate(t, "hosting", late)
	s.SetNow(apitest.At("2026-01-20 00:00:01"))
	operate(s, t, r, "hosting_refund", lateGUID).Fails(t, "产品超出可退款时间")

	s.Exec(t, `UPDATE hosting_orders SET order_status = 3 WHERE id = $1`, late)
	operate(s, t, r, "hosting_refund", lateGUID).Into(t, &answer)
	require.Equal(t, "0.00", answer["amount"], "an expired order is deleted with nothing paid back")

	other := s.NewReseller(t, "")
	s.Post(t, other.Form("hosting_operate", "operate", "hosting_refund", "guid", guid)).Fails(t, "未找到产品记录")
	require.Equal(t, "881.29", s.Balance(t, r))
	s.Verify(t)
}

func TestEditNameChangesOnlyTheLocalName(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "E-1", `{}`)
	operate(s, t, r, "hosting_edit_name", guid, "name", "我的网站").OK(t)
	o := order(t, s, r, guid)
	require.Equal(t, "我的网站", o["name"])
	require.Regexp(t, ftpName, o["ftp_name"], "the FTP account keeps its name")
	operate(s, t, r, "hosting_edit_name", guid).Fails(t, "缺少必要参数: name")
	operate(s, t, r, "hosting_edit_name", guid, "name", strings.Repeat("名", 65)).Fails(t, "参数错误: name 长度须为1到64位")
	other := s.NewReseller(t, "")
	s.Post(t, other.Form("hosting_operate", "operate", "hosting_edit_name", "guid", guid, "name", "x")).Fails(t, "未找到产品记录")
	s.Exec(t, `UPDATE hosting_orders SET order_status = -2 WHERE id = $1`, id)
	operate(s, t, r, "hosting_edit_name", guid, "name", "again").Fails(t, "业务状态异常")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM river_job WHERE (args->>'order_id')::bigint = $1`, id),
		"only the provisioning job")
}
