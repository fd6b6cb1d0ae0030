package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

// specParams are the parameters the API document lists for each action
// (and create_order's obj_type), request and answer fields alike: junk in
// any of them must be refused by name or ignored, never reach PostgreSQL.
// A name with a dot is a member of a nested object (content.cpu).
var specParams = map[string][]string{
	"getzones":                     {"status", "guid", "name", "identityStatus", "whiteListStatus", "sort"},
	"getsystems":                   {"type_id", "status", "guid", "name", "login_name", "login_password", "port", "mirror_name", "cpu_limit", "ram_limit", "type", "system_harddisk", "support", "lines", "sort", "type_name", "zone_names"},
	"getlines":                     {"guid", "line_guid", "name", "descript", "introUrl", "buyStatus", "upgradeStatus", "renewStatus", "harddiskMinNum", "harddiskMaxNum", "harddiskMinSize", "harddiskMaxSize", "harddiskStep", "harddiskPrice", "harddisk_free_size", "bandwidthMinSize", "bandwidthMaxSize", "bandwidth_free_size", "bandwidth_in_type", "bandwidth_in_value", "bandwidth6Price", "defenseMinSize", "defenseMaxSize", "defenseFreeSize", "defensePrice", "months", "status", "markup", "lines_product_type"},
	"getproduct":                   {"name", "cpu", "memory", "systemdisk", "harddisk", "ipnum", "bandwidth", "defense", "price", "description", "sort", "status", "lines_guid"},
	"getserver":                    {"guid", "id", "client_user_id", "need_reset_vnc", "line_guid", "lineID", "system_guid", "ip", "localIP", "cpu", "memory", "harddisks", "bandwidth", "in_bandwidth", "defense", "loginName", "loginPassword", "orderStatus", "runStatus", "actStatus", "snapStatus", "vnc_port", "share_type", "login_port", "share_ip", "api_type"},
	"getservers":                   {"page", "pages", "servers"},
	"create_order/create_server":   {"user_id", "order_id", "content", "content.cpu", "content.ram", "content.bandwidth", "content.harddisksValues", "content.defense", "content.ip_num", "content.months", "content.number", "content.renew_auto", "content.loginPassword", "line_guid", "system_guid"},
	"server_start":                 {"guid"},
	"server_stop":                  {"guid"},
	"server_restart":               {"guid"},
	"server_install":               {"guid", "systemID", "password"},
	"server_upgrade":               {"guid", "cpu", "memory", "bandwidth", "defense", "harddisks"},
	"server_renew":                 {"guid", "renewLength", "client_order_id", "client_user_id"},
	"server_getvncurl":             {"guid"},
	"server_setpsw":                {"guid", "password"},
	"server_setvnc":                {"guid", "password"},
	"get_server_chart":             {"guid", "start_time", "end_time", "date", "in", "out", "unit"},
	"get_security_policy":          {"guid", "id", "product_id", "name", "weight", "direction", "protocol", "remote_ip", "local_port", "service_type", "status"},
	"server_add_hardpolicy":        {"guid", "name", "weight", "direction", "operation", "protocol", "remote_ip", "local_port"},
	"server_del_hardpolicy":        {"guid", "policy_guid"},
	"server_refund":                {"guid"},
	"lease_lines":                  {"guid", "line_guid", "status", "name", "descript", "buy_status", "renew_status", "upgrade_status", "bandwidth_price", "ip_price", "defense_price", "months", "retention_days", "discount1", "discount2", "discount3"},
	"lease_harddisk":               {"guid", "type", "size", "status"},
	"lease_product":                {"product_type", "guid", "name", "line_guid", "cpu_value", "cpu", "cpu_num", "memory", "ipnum", "bandwidth", "defense", "price", "size", "status", "upgrade_status", "line_names"},
	"getlease":                     {"guid", "id", "product_guid", "line_guid", "name", "size", "cabinet_sn", "main_board", "cpu_value", "cpu", "cpu_num", "memory", "memory_num", "bandwidth", "defense", "ipnum", "login_name", "login_password", "system_port", "order_status", "run_status", "act_status", "api_type"},
	"lease_orders":                 {"page", "pages", "servers"},
	"create_order/create_lease":    {"user_id", "order_id", "content", "content.bandwidth", "content.defense", "content.ip_num", "content.months", "content.number", "content.renew_auto", "content.loginPassword", "line_guid", "product_guid", "system_guid"},
	"lease_start":                  {"guid"},
	"lease_stop":                   {"guid"},
	"lease_restart":                {"guid"},
	"lease_install":                {"guid", "systemID", "port", "password", "system_partition", "system_partition_size", "install_reason"},
	"lease_setpsw":                 {"guid", "password"},
	"lease_upgrade":                {"guid", "ipnumAdd", "bandwidthAdd", "defenseAdd", "client_order_id", "client_user_id"},
	"lease_renew":                  {"guid", "months", "client_order_id", "client_user_id"},
	"lease_getvncurl":              {"guid"},
	"get_lease_chart":              {"guid", "start_time", "end_time", "date", "in", "out", "unit"},
	"lease_refund":                 {"guid"},
	"idc_lines":                    {"guid", "line_guid", "status", "name", "descript", "bandwidth_price", "bandwidth_max_size", "ip_price", "ip_min_size", "ip_max_size", "ip_free_size", "ip_num_list", "defense_price", "defense_max_size", "defense_num_list", "defense_step", "months", "retention_days", "discount1", "discount2", "discount3", "buy_status", "sort"},
	"idc_product":                  {"product_type", "guid", "name", "line_guid", "bandwidth", "defense", "ipnum", "price", "status", "market_status", "line_names"},
	"getidc":                       {"guid", "id", "product_guid", "line_guid", "name", "product_type", "size", "power", "bandwidth", "defense", "ipnum", "order_status", "run_status", "act_status", "login_name", "login_password", "api_type"},
	"idc_orders":                   {"page", "pages", "servers"},
	"create_order/create_idc":      {"user_id", "order_id", "content", "content.bandwidth", "content.power", "content.defense", "content.ipnum", "content.months", "content.number", "content.renew_auto", "line_guid", "product_guid"},
	"idc_start":                    {"guid"},
	"idc_stop":                     {"guid"},
	"idc_restart":                  {"guid"},
	"idc_install":                  {"guid", "systemID", "port", "password", "system_partition", "system_partition_size", "install_reason"},
	"idc_setpsw":                   {"guid", "password"},
	"idc_upgrade":                  {"guid", "ipnumAdd", "bandwidthAdd", "defenseAdd"},
	"idc_renew":                    {"guid", "months"},
	"idc_refund":                   {"guid"},
	"idc_getvncurl":                {"guid"},
	"get_idc_chart":                {"guid", "start_time", "end_time", "date", "in", "out", "unit"},
	"hosting_lines":                {"guid", "name", "domain", "ip", "status", "stock", "descript", "cname", "sort", "white", "renew", "retention_days"},
	"hosting_product":              {"guid", "name", "lines_guid", "desc", "price", "months", "disk", "db", "domain", "domainsub", "flow", "max_flow", "up_flow", "up_flow_price", "def", "buy_limit", "is_limit_rate", "perserver", "perip", "limit_rate", "timeout", "sort", "stock", "status", "suggest", "upgradation", "line_names"},
	"gethosting":                   {"guid", "id", "client_user_id", "name", "product_guid", "line_guid", "domain", "path", "use_disk", "disk", "db_size", "db_type", "db_code", "program", "program_version", "analysis_url", "use_flow", "flow", "ftpport", "ftp_id", "ftp_status", "ftp_name", "ftp_password", "order_status", "run_status", "remarks", "renew_auto", "renew_price", "buymonths"},
	"hosting_orders":               {"page", "pages", "servers"},
	"get_php_version":              {"line_guid"},
	"create_order/create_hosting":  {"user_id", "order_id", "content", "content.program", "content.program_version", "content.db", "content.code", "content.flow", "content.months", "content.number", "content.renew_auto", "prefix", "pwd", "line_guid", "product_guid"},
	"hosting_get_soft_find":        {"line_guid", "sNname", "ext", "guid", "domains", "fix", "status", "http_status", "none", "statusSecurity", "name", "s", "obj", "post", "post.name", "post.s", "post.cc_mode", "post.cycle", "post.limit", "post.endtime", "post.is_open_global", "post.increase", "post.increase_wu_heng", "post.cc_increase_type", "post.cc_type_status", "post.is_cc_url", "post.cc_ip_max", "post.retry", "post.retry_time", "post.retry_cycle", "part_type", "start_date", "end_date", "list", "total", "proxyData.cache", "proxyData.proxyname", "proxyData.cachetime", "proxyData.proxydir", "proxyData.proxysite", "proxyData.todomain", "proxyData.advanced", "proxyData.subfilter", "proxyData.type", "post.redirectdomain", "post.redirectpath", "post.redirecttype", "post.type", "post.domainorpath", "post.holdpath", "post.tourl", "post.redirectname", "post.topath", "post.errorpage", "path", "text", "domainText", "port", "startDate", "endDate", "issuer", "dns", "type", "key", "csr", "password", "domain", "userini", "runPath", "rewrite", "file_type", "indexText", "filename", "z_type", "dfile", "arr", "sfile", "rename", "contents_path", "isOverride", "skip", "files", "start"},
	"sql_product":                  {"guid", "name", "lines_guid", "desc", "price", "months", "db", "buy_limit", "timeout", "sort", "stock", "status", "suggest", "upgradation", "line_names"},
	"getsql":                       {"guid", "id", "client_user_id", "hosting_id", "name", "product_guid", "line_guid", "use_disk", "db_size", "db_type", "db_code", "db_name", "db_user", "db_password", "order_status", "run_status", "remarks", "renew_auto", "renew_price", "buymonths"},
	"sql_orders":                   {"page", "pages", "servers"},
	"create_order/create_database": {"user_id", "order_id", "content", "content.db", "content.code", "content.months", "content.number", "content.renew_auto", "prefix", "pwd", "line_guid", "product_guid"},
	"sql_operate":                  {"guid", "name", "status", "msg", "dataAccess", "access", "address", "password", "bak_guid", "file", "newEndTimeStr", "renewLength", "coupon_id", "new_product_guid"},
}

// genericParams are tried on actions the document lists no parameters for.
var genericParams = []string{"guid", "name", "password", "months", "client_order_id", "client_user_id", "page", "limit"}

// junkValues are what a careless or hostile caller sends: bytes PostgreSQL
// refuses, the longest text the door lets through (1023 bytes of 3-byte
// characters), and numbers beyond every column's range.
var junkValues = []string{
	"\x00", "a\xffb", strings.Repeat("长", 341), strings.Repeat("x", 1024),
	"2147483648", "-2147483649", "9223372036854775808", "-9223372036854775807",
	"99999999999999999999.99", "1e309", "NaN", "-1", "0.000000001", "  ", "[]", "{",
	"2026-13-45 25:61:61", "0000-00-00 00:00:00",
}

// baseline gives every action the parameters that take it past its first
// checks: an existing order of its business and create_server's choices.
func baseline(action, sub string, orders map[string]int64) url.Values {
	v := url.Values{}
	business := "server"
	for _, b := range []string{"lease", "idc", "hosting", "sql"} {
		if strings.HasPrefix(action, b+"_") || strings.HasPrefix(action, "get"+b) ||
			strings.Contains(action, "_"+b+"_") || strings.HasPrefix(sub, "create_"+b) {
			business = b
		}
	}
	if sub == "create_database" {
		business = "sql"
	}
	v.Set("guid", strconv.FormatInt(orders[business], 10))
	if action == "create_order" {
		v.Set("obj_type", sub)
		v.Set("order_id", "JUNK-"+strconv.FormatInt(seq.Add(1), 10))
		v.Set("line_guid", "1696808021765605")
		v.Set("system_guid", "1659170726623836")
		for k, x := range map[string]string{"cpu": "4", "ram": "8", "bandwidth": "20", "harddisksValues": "40,80", "defense": "5"} {
			v.Set("content["+k+"]", x)
		}
	} else if sub != "" {
		v.Set("operate", sub)
	}
	return v
}

var seq atomic.Int64

// field is the form field of a document parameter name: content.cpu is
// content[cpu].
func field(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 {
		return name[:i] + "[" + strings.ReplaceAll(name[i+1:], ".", "][") + "]"
	}
	return name
}

// FuzzJunkNeverAnswersBusy sends junk in every documented parameter of
// every documented action, one parameter at a time, to a daemon holding the
// example catalogue and an order of each business. No answer may be
// 系统繁忙: junk is refused by name (参数错误, 权限不足, ...) or ignored.
// The seed corpus (every action × parameter, with junk values in turn) runs
// with go test; go test -fuzz explores further.
func FuzzJunkNeverAnswersBusy(f *testing.F) {
	shop := apitest.NewShop(f)
	r := shop.NewReseller(f, "1000000")
	box := apitest.NewBox(f)
	orders := map[string]int64{
		"server":  testfactory.ServerOrder(f, shop.DB, box, r.ID, nil).ID,
		"lease":   testfactory.LeaseOrder(f, shop.DB, box, r.ID, nil).ID,
		"idc":     testfactory.IdcOrder(f, shop.DB, box, r.ID, nil).ID,
		"hosting": testfactory.HostingOrder(f, shop.DB, box, r.ID, nil).ID,
		"sql":     testfactory.SQLOrder(f, shop.DB, box, r.ID, nil).ID,
	}
	type target struct{ action, sub string }
	var targets []target
	for _, row := range shop.App.Table.Coverage() {
		if !row.Implemented {
			continue
		}
		// An action that answers 系统繁忙 without junk (a chart of an order
		// whose line has no provider to ask) cannot tell us anything.
		form := baseline(row.Action, row.Sub, orders)
		for k, vs := range r.Form(row.Action) {
			form[k] = vs
		}
		if shop.Post(f, form).Msg == dispatch.ErrBusy.Msg {
			f.Logf("%s %s answers 系统繁忙 without junk: left out", row.Action, row.Sub)
			continue
		}
		targets = append(targets, target{row.Action, row.Sub})
	}
	paramsOf := func(t target) []string {
		key := t.action
		if t.sub != "" && t.action == "create_order" {
			key += "/" + t.sub
		}
		if ps, ok := specParams[key]; ok && len(ps) > 0 {
			return ps
		}
		return genericParams
	}
	n := 0
	for i, tg := range targets {
		for j := range paramsOf(tg) {
			for k := 0; k < 3; k++ { // three junk values per parameter, in turn
				f.Add(uint16(i), uint16(j), junkValues[(n+k*7)%len(junkValues)])
			}
			n++
		}
	}
	f.Fuzz(func(t *testing.T, ti, pi uint16, junk string) {
		tg := targets[int(ti)%len(targets)]
		params := paramsOf(tg)
		name := params[int(pi)%len(params)]
		form := baseline(tg.action, tg.sub, orders)
		for k, vs := range r.Form(tg.action) {
			form[k] = vs
		}
		if strings.HasPrefix(name, "content.") {
			form.Del("content")
		}
		form.Set(field(name), junk)
		resp := shop.Post(t, form)
		require.NotEqual(t, dispatch.ErrBusy.Msg, resp.Msg, "%s %s: %s=%q", tg.action, tg.sub, name, junk)
		require.Contains(t, []int{http.StatusOK, http.StatusTooManyRequests}, resp.Status)
	})
}
