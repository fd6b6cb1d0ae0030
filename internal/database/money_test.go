package database_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

const (
	lineGUID    = apitest.PanelLineGUID
	productGUID = apitest.DatabaseProductGUID // 云数据库1G-A型: 28.00, 1000 MB
)

// buy orders a database on the example line and product; kv adds or
// replaces parameters.
func buy(t *testing.T, s *apitest.Shop, r apitest.Reseller, orderNo, content string, kv ...string) apitest.Response {
	t.Helper()
	form := r.Form("create_order", "obj_type", "create_database", "order_id", orderNo, "line_guid", lineGUID,
		"product_guid", productGUID, "prefix", "shop", "pwd", apitest.PanelPassword, "content", content)
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return s.Post(t, form)
}

func buyOne(t *testing.T, s *apitest.Shop, r apitest.Reseller, orderNo, content string, kv ...string) (int64, string) {
	t.Helper()
	var c apitest.Created
	buy(t, s, r, orderNo, content, kv...).Into(t, &c)
	require.Len(t, c.IDs, 1)
	return c.IDs[0], fmt.Sprint(c.IDs[0])
}

func operate(s *apitest.Shop, t *testing.T, r apitest.Reseller, op, guid string, kv ...string) apitest.Response {
	t.Helper()
	return s.Post(t, r.Form("sql_operate", append([]string{"operate", op, "guid", guid}, kv...)...))
}

func order(t *testing.T, s *apitest.Shop, r apitest.Reseller, guid string) map[string]any {
	t.Helper()
	return apitest.Object(t, s.Post(t, r.Form("getsql", "guid", guid)))
}

var dbName = regexp.MustCompile(`^shop_[a-z0-9]{5}$`)

func TestTheWorkedExampleCharges504For24Months(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	buy(t, s, r, "D-24", `{"db":"1000","code":"utf8mb4","months":24}`, "user_id", "1001").Into(t, &c)
	require.Equal(t, "504.00", c.Amount)
	require.Equal(t, "496.00", c.Balance)

	o := order(t, s, r, fmt.Sprint(c.IDs[0]))
	require.Regexp(t, dbName, o["db_name"])
	require.Equal(t, o["db_name"], o["db_user"])
	require.Equal(t, o["db_name"], o["name"])
	require.Equal(t, apitest.PanelPassword, o["db_password"])
	require.Equal(t, "utf8mb4", o["db_code"])
	require.Equal(t, "mysql", o["db_type"])
	require.EqualValues(t, 0, o["hosting_id"])
	require.EqualValues(t, 1000, o["db_size"])
	require.EqualValues(t, 24, o["buymonths"])
	require.EqualValues(t, 1001, o["client_user_id"])
	require.Equal(t, "28.00", o["renew_price"])
	require.Equal(t, "2028-01-01 00:00:00", o["end_time"])
	require.EqualValues(t, 0, o["order_status"])
	require.Equal(t, 1, s.Jobs(t, "sql", c.IDs[0], "provision"))

	_, guid := buyOne(t, s, r, "D-gen", `{"code":"latin1"}`, "pwd", "")
	o = order(t, s, r, guid)
	require.Len(t, o["db_password"], 16, "a password is generated when none is given")
	require.Equal(t, "latin1", o["db_code"])
	s.Verify(t)
}

func TestDatabaseNamesNeverCollideWithEachOtherOrWithFTPNames(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "100000")
	buy(t, s, r, "N-1", `{"number":50}`).OK(t)
	s.Post(t, r.Form("create_order", "obj_type", "create_hosting", "order_id", "N-2", "line_guid", lineGUID,
		"product_guid", apitest.HostingProductGUID, "prefix", "shop", "content", `{"number":50}`)).OK(t)
	require.Equal(t, 50, s.Count(t, `SELECT count(*) FROM sql_orders WHERE db_name ~ '^shop_[a-z0-9]{5}$'`))
	require.Equal(t, 100, s.Count(t, `SELECT count(DISTINCT name) FROM
		(SELECT db_name AS name FROM sql_orders UNION ALL SELECT ftp_name FROM hosting_orders) names`))
	s.Verify(t)
}

func TestRefusedPurchasesChangeNothing(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	s.Exec(t, `INSERT INTO sql_products (guid, name, line_guids, price, months, db, buy_limit, stock)
		VALUES ('limited', '限购', $1, 10, '1', 1000, 2, 1), ('sold-out', '售罄', $1, 10, '1', 1000, 0, 0),
		       ('elsewhere', '别处', '{"1"}', 10, '1', 1000, 0, 1)`, []string{lineGUID})
	r := s.NewReseller(t, "100")
	cases := []struct {
		name, content, msg string
		kv                 []string
	}{
		{"balance", `{"months":12}`, "余额不足", nil},
		{"weak password", `{}`, "参数错误: pwd 须包含大写字母、小写字母、数字、符号中的至少三种", []string{"pwd", "abcdefgh"}},
		{"prefix", `{}`, "参数错误: prefix 须以小写字母开头,只含小写字母、数字和_", []string{"prefix", "Shop"}},
		{"size", `{"db":"2000"}`, "参数错误: content.db 须与产品的数据库大小一致", nil},
		{"size type", `{"db":"1G"}`, "参数错误: content.db 应为整数", nil},
		{"code", `{"code":"big5"}`, "参数错误: content.code 不在可选范围", nil},
		{"months", `{"months":10}`, "参数错误: content.months 不在可选范围", nil},
		{"number", `{"number":101}`, "参数错误: content.number 不在可选范围", nil},
		{"buy_limit", `{"number":3}`, "参数错误: content.number 不在可选范围", []string{"product_guid", "limited"}},
		{"unknown product", `{}`, "参数错误: product_guid 不存在", []string{"product_guid", "nope"}},
		{"no product", `{}`, "缺少必要参数: product_guid", []string{"product_guid", ""}},
		{"sold-out product", `{}`, "库存不足", []string{"product_guid", "sold-out"}},
		{"product of another line", `{}`, "参数错误: product_guid 不支持该线路", []string{"product_guid", "elsewhere"}},
		{"unknown line", `{}`, "该线路节点不存在或已下架", []string{"line_guid", "nope"}},
	}
	for _, c := range cases {
		buy(t, s, r, "BAD-"+c.name, c.content, c.kv...).Fails(t, c.msg)
	}
	buy(t, s, r, "OK-limit", `{"number":2}`, "product_guid", "limited").OK(t)
	require.Equal(t, "80.00", s.Balance(t, r))
	require.Equal(t, 2, s.Count(t, `SELECT count(*) FROM sql_orders WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM idempotency_keys WHERE reseller_id = $1`, r.ID))
	s.Verify(t)
}

func TestARepeatedOrderIDAnswersTheFirstAnswerAndChargesOnce(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	first := buy(t, s, r, "DUP", `{"months":12}`)
	again := buy(t, s, r, "DUP", `{"months":12}`)
	require.JSONEq(t, string(first.OK(t)), string(again.OK(t)))
	buy(t, s, r, "DUP", `{"months":24}`).Fails(t, "订单号已存在")
	require.Equal(t, "714.40", s.Balance(t, r), "28.00 * 12 * 85%")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM sql_orders WHERE reseller_id = $1`, r.ID))
	s.Verify(t)
}

func TestRenewalsAndTheReinstatementOfAnExpiredDatabase(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "R-1", `{}`)
	s.Activate(t, "sql", id)

	var c apitest.Charged
	operate(s, t, r, "sql_renew", guid, "newEndTimeStr", "2026-03-01 00:00:00").Into(t, &c)
	require.Equal(t, "28.00", c.Amount)
	operate(s, t, r, "sql_renew", guid, "newEndTimeStr", "2026-03-15 00:00:00").
		Fails(t, "参数错误: newEndTimeStr 须为当前到期时间加整月数")
	operate(s, t, r, "sql_renew", guid, "newEndTimeStr", "2026-06-01 00:00:00", "renewLength", "2").
		Fails(t, "参数错误: newEndTimeStr 与renewLength不符")
	operate(s, t, r, "sql_renew", guid, "newEndTimeStr", "2026-05-01 00:00:00", "renewLength", "2").Into(t, &c)
	require.Equal(t, "56.00", c.Amount)
	require.Equal(t, "2026-05-01 00:00:00", c.EndTime)
	require.Equal(t, 0, s.Jobs(t, "sql", id, "unlock"))

	s.SetNow(apitest.At("2026-05-20 00:00:00"))
	s.Exec(t, `UPDATE sql_orders SET order_status = 3, run_status = -1 WHERE id = $1`, id)
	operate(s, t, r, "sql_renew", guid, "newEndTimeStr", "2026-06-01 00:00:00").Into(t, &c)
	require.Equal(t, "2026-06-01 00:00:00", c.EndTime, "from the old end_time")
	require.EqualValues(t, 1, order(t, s, r, guid)["order_status"], "reinstated at once")
	require.Equal(t, 1, s.Jobs(t, "sql", id, "unlock"), "the unlock job starts it again")

	s.Exec(t, `UPDATE sql_orders SET order_status = -2 WHERE id = $1`, id)
	operate(s, t, r, "sql_renew", guid, "newEndTimeStr", "2026-07-01 00:00:00").Fails(t, "业务状态异常")
	require.Equal(t, "860.00", s.Balance(t, r))
	s.Verify(t)
}

func TestUpgradesMoveToDearerProductsOfTheLineOnly(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	s.Exec(t, `INSERT INTO sql_products (guid, name, line_guids, price, months, db)
		VALUES ('2g', '云数据库2G', $1, 56, '1,12', 2000), ('cheap', '便宜', $1, 20, '1', 500),
		       ('elsewhere', '别处', '{"1"}', 90, '1', 4000)`, []string{lineGUID})
	s.Coupon(t, 1001, "sql", "amount", "4.00", 1)
	s.Coupon(t, 1002, "hosting", "amount", "4.00", 1)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "U-1", `{}`)
	s.Activate(t, "sql", id)
	s.SetNow(apitest.At("2026-01-16 00:00:00"))

	refusals := []struct {
		kv  []string
		msg string
	}{
		{nil, "缺少必要参数: new_product_guid"},
		{[]string{"new_product_guid", productGUID}, "升级后的配置与当前配置相同"},
		{[]string{"new_product_guid", "cheap"}, "只能升级到更高配置"},
		{[]string{"new_product_guid", "elsewhere"}, "参数错误: new_product_guid 不支持该线路"},
		{[]string{"new_product_guid", "nope"}, "参数错误: new_product_guid 不存在"},
		{[]string{"new_product_guid", "2g", "coupon_id", "1002"}, "优惠券不可用"},
	}
	for _, f := range refusals {
		operate(s, t, r, "sql_upgrade", guid, f.kv...).Fails(t, f.msg)
	}
	var c apitest.Charged
	operate(s, t, r, "sql_upgrade", guid, "new_product_guid", "2g", "coupon_id", "1001").Into(t, &c)
	require.Equal(t, "10.93", c.Amount, "(56 - 28) * 16/30 = 14.93, less 4.00")
	o := order(t, s, r, guid)
	require.Equal(t, "2g", o["product_guid"])
	require.EqualValues(t, 2000, o["db_size"])
	require.Equal(t, "56.00", o["renew_price"])
	require.Equal(t, 1, s.Jobs(t, "sql", id, "resize"))

	var renewed apitest.Charged
	operate(s, t, r, "sql_renew", guid, "newEndTimeStr", "2026-03-01 00:00:00").Into(t, &renewed)
	require.Equal(t, "56.00", renewed.Amount, "renewed at the new product's price")
	s.Exec(t, `UPDATE sql_products SET upgradation = 0 WHERE guid = '2g'`)
	operate(s, t, r, "sql_upgrade", guid, "new_product_guid", "elsewhere").Fails(t, "参数错误: guid 该产品不支持升级")
	require.Equal(t, "905.07", s.Balance(t, r))
	s.Verify(t)
}

func TestRefundsAndRenaming(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "F-1", `{}`)
	s.Activate(t, "sql", id)
	operate(s, t, r, "sql_edit_name", guid, "name", "订单库").OK(t)
	o := order(t, s, r, guid)
	require.Equal(t, "订单库", o["name"])
	require.Regexp(t, dbName, o["db_name"], "the database keeps its name")
	operate(s, t, r, "sql_edit_name", guid, "name", strings.Repeat("x", 65)).Fails(t, "参数错误: name 长度须为1到64位")

	s.SetNow(apitest.At("2026-01-16 00:00:00"))
	var answer map[string]any
	operate(s, t, r, "sql_refund", guid).Into(t, &answer)
	require.Equal(t, "14.45", answer["amount"], "28.00 * 16/31, rounded down")
	require.EqualValues(t, -2, order(t, s, r, guid)["order_status"])
	require.Equal(t, 1, s.Jobs(t, "sql", id, "destroy"))
	operate(s, t, r, "sql_refund", guid).Fails(t, "业务状态异常")
	operate(s, t, r, "sql_edit_name", guid, "name", "again").Fails(t, "业务状态异常")
	require.Equal(t, "986.45", s.Balance(t, r))
	s.Verify(t)
}

func TestLatin1IsRefusedOnABTPanelLineBeforeAnythingIsCharged(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	s.Exec(t, `UPDATE hosting_lines SET provider_driver = 'btpanel' WHERE guid = '20250409132657673528'`)
	buy(t, s, r, "D-latin1", `{"code":"latin1"}`, "prefix", "shop").Fails(t, "参数错误: content.code 该线路不支持")
	require.Equal(t, "1000.00", s.Balance(t, r))
	buy(t, s, r, "D-utf8", `{"code":"utf8mb4"}`, "prefix", "shop").OK(t)
}
