package hosting_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/hosting"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

func names(rows []map[string]any, key string) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, fmt.Sprint(r[key]))
	}
	return out
}

func TestProxiesEndToEnd(t *testing.T) {
	t.Parallel()
	p := onFakePanel(t)
	data := `{"proxyname":"api_proxy","proxydir":"/api","proxysite":"http://10.0.0.5:8080","type":1,"cachetime":1}`
	p.op(t, "hosting_create_proxy", "proxyData", data).OK(t)
	p.op(t, "hosting_create_proxy", "proxyData", data).OK(t) // a retry
	rows := list(t, p.op(t, "hosting_get_proxy_list"))
	require.Len(t, rows, 1, "a retried create makes no second proxy")
	require.Equal(t, map[string]any{"id": "1", "sitename": p.domain(t, p.r, p.guid), "proxyname": "api_proxy",
		"cache": float64(0), "cachetime": float64(1), "proxydir": "/api", "proxysite": "http://10.0.0.5:8080",
		"todomain": "$host", "advanced": float64(0), "type": float64(1), "subfilter": "[]"}, rows[0])
	p.op(t, "hosting_create_proxy", "proxyData", strings.Replace(data, "10.0.0.5", "10.0.0.9", 1)).
		Fails(t, "参数错误: proxyData.proxyname 已存在")

	p.op(t, "hosting_modify_proxy", "proxyData", strings.Replace(data, "10.0.0.5", "10.0.0.7", 1)).OK(t)
	file := apitest.Object(t, p.op(t, "hosting_get_proxy_file", "proxyname", "api_proxy"))
	require.Equal(t, true, file["status"])
	require.Contains(t, file["content"], "location /api")
	require.Equal(t, "http://10.0.0.7:8080", list(t, p.op(t, "hosting_get_proxy_list"))[0]["proxysite"])
	p.op(t, "hosting_modify_proxy", "proxyData", strings.Replace(data, `"type":1`, `"type":0`, 1)).OK(t)
	p.op(t, "hosting_get_proxy_file", "proxyname", "api_proxy").Fails(t, "面板拒绝: 代理已暂停")
	p.op(t, "hosting_delete_proxy", "proxyname", "api_proxy").OK(t)
	require.Empty(t, list(t, p.op(t, "hosting_get_proxy_list")))
	p.op(t, "hosting_delete_proxy", "proxyname", "api_proxy").Fails(t, "参数错误: proxyname 不存在")

	for bad, msg := range map[string]string{
		`{"proxyname":"x","proxydir":"/","proxysite":"http://1.2.3.4"}`:                         "proxyname 格式错误",
		`{"proxyname":"okname","proxydir":"/a;b","proxysite":"http://1.2.3.4"}`:                 "proxydir 格式错误",
		`{"proxyname":"okname","proxydir":"/","proxysite":"ftp://1.2.3.4"}`:                     "proxysite 格式错误",
		`{"proxyname":"okname","proxydir":"/","proxysite":"http://1.2.3.4","subfilter":"nope"}`: `subfilter 应为至多10条[{"sub1":"","sub2":""}]`,
		`{"proxyname":"okname","proxydir":"/","proxysite":"http://1.2.3.4","todomain":"a;b"}`:   "todomain 格式错误",
		`{"proxyname":"okname","proxydir":"/","proxysite":"http://1.2.3.4","cachetime":0}`:      "cachetime 不在可选范围",
	} {
		before := len(p.fake.Log())
		p.op(t, "hosting_create_proxy", "proxyData", bad).Fails(t, "参数错误: proxyData."+msg)
		require.Len(t, p.fake.Log(), before, "bad input never reaches the panel: %s", bad)
	}
}

func TestRedirectsEndToEnd(t *testing.T) {
	t.Parallel()
	p := onFakePanel(t)
	dom := p.domain(t, p.r, p.guid)
	p.op(t, "hosting_add_domain", "domainText", "www."+dom).OK(t)
	post := `{"redirectdomain":"www.` + dom + `","redirecttype":301,"domainorpath":"domain","tourl":"https://new.example.com"}`
	created := apitest.Object(t, p.op(t, "hosting_create_redirect", "post", post))
	p.op(t, "hosting_create_redirect", "post", post).OK(t) // a retry
	rows := list(t, p.op(t, "hosting_get_redirect_list"))
	require.Len(t, rows, 1)
	name := rows[0]["redirectname"].(string)
	require.Equal(t, created["redirectname"], name)
	require.Equal(t, []any{"www." + dom}, rows[0]["redirectdomain"])
	require.EqualValues(t, 301, rows[0]["redirecttype"])

	modified := strings.Replace(strings.Replace(post, "301", "302", 1), "{", `{"redirectname":"`+name+`",`, 1)
	p.op(t, "hosting_modify_redirect", "post", modified).OK(t)
	require.EqualValues(t, 302, list(t, p.op(t, "hosting_get_redirect_list"))[0]["redirecttype"])
	p.op(t, "hosting_save_redirect_file", "path", name, "text", "return 302 https://b.example.com;").OK(t)
	require.Contains(t, apitest.Object(t, p.op(t, "hosting_get_redirect_file", "redirectname", name))["content"], "b.example.com")
	p.op(t, "hosting_save_redirect_file", "path", "/etc/passwd", "text", "x").Fails(t, "参数错误: path 不存在")
	p.op(t, "hosting_delete_redirect", "redirectname", name).OK(t)
	require.Empty(t, list(t, p.op(t, "hosting_get_redirect_list")))

	p.op(t, "hosting_create_redirect", "post", strings.Replace(post, "www."+dom, "elsewhere.example.com", 1)).
		Fails(t, "参数错误: post.redirectdomain elsewhere.example.com 不是本站点的域名")
}

func TestDomainsEndToEndWithTheProductsLimits(t *testing.T) {
	t.Parallel()
	p := onFakePanel(t)
	dom := p.domain(t, p.r, p.guid)
	p.s.Exec(t, `UPDATE hosting_products SET domain = 2, domainsub = 1 WHERE guid = $1`, productGUID)
	p.op(t, "hosting_add_domain", "domainText", "a.com\nwww.a.com").OK(t)
	p.op(t, "hosting_add_domain", "domainText", "a.com\nwww.a.com").OK(t) // a retry adds nothing
	require.ElementsMatch(t, []string{dom, "a.com", "www.a.com"}, names(list(t, p.op(t, "hosting_domain_list")), "name"))
	p.op(t, "hosting_add_domain", "domainText", "blog.a.com").Fails(t, "参数错误: domainText 超出产品可绑定子域名数量(1)")
	p.op(t, "hosting_add_domain", "domainText", "b.com\nc.com.cn").Fails(t, "参数错误: domainText 超出产品可绑定域名数量(2)")
	p.op(t, "hosting_add_domain", "domainText", "b.com:8080").OK(t)
	p.op(t, "hosting_add_domain", "domainText", "bad_domain").Fails(t, "参数错误: domainText bad_domain 不是有效的域名")

	p.op(t, "hosting_del_domain", "name", "b.com").Fails(t, "参数错误: name 不存在") // port 80: not bound
	p.op(t, "hosting_del_domain", "name", "b.com", "port", "8080").OK(t)
	p.op(t, "hosting_del_domain", "name", dom).Fails(t, "参数错误: name 是主机的主域名,不能删除")
	require.Len(t, list(t, p.op(t, "hosting_domain_list")), 3)
}

func TestBackupsEndToEnd(t *testing.T) {
	t.Parallel()
	p := onFakePanel(t)
	p.op(t, "hosting_to_backup").OK(t)
	p.op(t, "hosting_to_backup").OK(t) // a retry within two minutes
	rows := list(t, p.op(t, "hosting_backup_list"))
	require.Len(t, rows, 1, "a retried backup makes no second one")
	require.Equal(t, []string{"addtime", "filename", "id", "name", "pid", "size", "type"}, sortedKeys(rows[0]))
	p.s.Exec(t, `UPDATE hosting_orders SET last_backup_at = now() - interval '3 minutes' WHERE id = $1`, p.id)
	p.op(t, "hosting_to_backup").OK(t)
	rows = list(t, p.op(t, "hosting_backup_list"))
	require.Len(t, rows, 2)
	p.op(t, "hosting_del_backup", "bak_guid", rows[0]["id"].(string)).OK(t)
	p.op(t, "hosting_del_backup", "id", rows[1]["id"].(string)).OK(t)
	require.Empty(t, list(t, p.op(t, "hosting_backup_list")))
	p.op(t, "hosting_del_backup", "bak_guid", rows[1]["id"].(string)).Fails(t, "参数错误: bak_guid 不存在")
	p.op(t, "hosting_del_backup").Fails(t, "缺少必要参数: bak_guid")
}

func TestSSLEndToEnd(t *testing.T) {
	t.Parallel()
	p := onFakePanel(t)
	dom := p.domain(t, p.r, p.guid)
	require.Equal(t, false, apitest.Object(t, p.op(t, "hosting_get_ssl"))["status"])
	p.op(t, "hosting_http_to_https").Fails(t, "面板拒绝: 当前未开启SSL")
	key, cert := keyPair(t, dom)
	otherKey, _ := keyPair(t, dom)
	before := len(p.fake.Log())
	p.op(t, "hosting_set_ssl", "key", otherKey, "csr", cert).Fails(t, "参数错误: key 与证书不是有效的PEM配对")
	p.op(t, "hosting_set_ssl", "key", "junk", "csr", cert).Fails(t, "参数错误: key 与证书不是有效的PEM配对")
	require.Len(t, p.fake.Log(), before, "a bad pair never reaches the panel")
	p.op(t, "hosting_set_ssl", "key", key, "csr", cert).OK(t)
	p.op(t, "hosting_http_to_https").OK(t)
	ssl := apitest.Object(t, p.op(t, "hosting_get_ssl"))
	require.Equal(t, true, ssl["status"])
	require.Equal(t, true, ssl["httpTohttps"])
	require.Equal(t, []any{dom}, ssl["dns"])
	p.op(t, "hosting_close_to_https").OK(t)
	p.op(t, "hosting_close_ssl_conf").OK(t)
	require.Equal(t, false, apitest.Object(t, p.op(t, "hosting_get_ssl"))["status"])
}

func TestBasicsAndSwitchesAnswerSensiblyOnRepeats(t *testing.T) {
	t.Parallel()
	p := onFakePanel(t)
	p.op(t, "hosting_stop").OK(t)
	p.op(t, "hosting_stop").OK(t)
	require.EqualValues(t, -1, order(t, p.s, p.r, p.guid)["run_status"])
	require.Equal(t, "0", p.fake.Sites()[0].Status)
	p.op(t, "hosting_start").OK(t)
	require.EqualValues(t, 1, order(t, p.s, p.r, p.guid)["run_status"])

	p.op(t, "hosting_edit_pwd", "ftp_password", "weak").Fails(t, "参数错误: ftp_password 长度须为8到32位")
	p.op(t, "hosting_edit_pwd", "ftp_password", "New-pass-9876").OK(t)
	require.Equal(t, "New-pass-9876", order(t, p.s, p.r, p.guid)["ftp_password"])
	require.Equal(t, "New-pass-9876", p.fake.FTPs()[0].Password)

	p.op(t, "hosting_set_php_version", "version", "php99").Fails(t, "参数错误: version 线路面板没有该PHP版本")
	p.op(t, "hosting_set_php_version", "version", "php74").OK(t)
	require.Equal(t, "php74", order(t, p.s, p.r, p.guid)["program_version"])

	for _, st := range []string{"0", "0", "1", "1"} {
		p.op(t, "hosting_set_dir_user_ini", "status", st).OK(t)
		sw := apitest.Object(t, p.op(t, "hosting_get_dir_user_ini_switch"))
		require.Contains(t, sw["userini"], `"open_basedir":`+st)
	}
	sec := apitest.Object(t, p.op(t, "hosting_get_security"))
	require.Equal(t, []string{"domains", "fix", "http_status", "none", "status"}, sortedKeys(sec))
	require.Equal(t, ".jpg|.jpeg|.gif|.png|.js|.css", sec["fix"])
	p.op(t, "hosting_set_security", "fix", ".mp4", "domains", "a.example.com\nb.example.com", "statusSecurity", "1").OK(t)
	sec = apitest.Object(t, p.op(t, "hosting_get_security"))
	require.Equal(t, map[string]any{"domains": "a.example.com\nb.example.com", "fix": ".mp4", "status": float64(1),
		"http_status": "404", "none": "404"}, sec)
	p.op(t, "hosting_set_run_path", "runPath", "/../etc").Fails(t, "参数错误: runPath 不是站点的目录")

	totals := apitest.Object(t, p.op(t, "hosting_get_site_total_list_custom", "start_date", "2026-05-01", "end_date", "2026-05-03"))
	require.EqualValues(t, 2, totals["total"])
	p.op(t, "hosting_get_site_total_list_custom", "start_date", "2026-01-01", "end_date", "2026-03-01").
		Fails(t, "参数错误: end_date 跨度不能超过31天")
}

func TestAPanelWithoutThePluginIsRefusedNamingIt(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	fake := btpanelfake.New(t, btpanelfake.Options{})
	object := fmt.Sprintf(`{"driver":"btpanel","url":%q,"key":%q}`, fake.URL, fake.Key())
	s.Exec(t, `UPDATE hosting_lines SET provider_driver = 'btpanel', provider_config = $2 WHERE guid = $1`,
		lineGUID, s.App.Box.Seal([]byte(object)))
	p := panelSite{s: s, fake: fake, svc: &hosting.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}, r: s.NewReseller(t, "5000")}
	p.id, p.guid = p.buy(t, p.r, "NOPLUG-1")
	p.op(t, "hosting_get_index", "s", "get_site_config_byname").Fails(t, "线路面板未安装插件 btwaf(Nginx防火墙)")
	p.op(t, "hosting_set_site_status", "s", "set_site_status", "status", "1").Fails(t, "线路面板未安装插件 tamper_proof(网站防篡改程序)")
	p.op(t, "hosting_get_site_total_list_custom", "start_date", "2026-05-01", "end_date", "2026-05-02").
		Fails(t, "线路面板未安装插件 monitor(网站监控报表)")
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestRacingRequestsKeepTheLimitsAndMakeOneBackup: concurrent adds cannot
// pass the product's domain limit together, and concurrent backups make
// one.
func TestRacingRequestsKeepTheLimitsAndMakeOneBackup(t *testing.T) {
	t.Parallel()
	p := onFakePanel(t)
	p.s.Exec(t, `UPDATE hosting_products SET domain = 1 WHERE guid = $1`, productGUID)
	answers := apitest.RaceN(4, func(i int) apitest.Response {
		return p.op(t, "hosting_add_domain", "domainText", fmt.Sprintf("race%d.com", i))
	})
	ok := 0
	for _, a := range answers {
		if a.Code == 1 {
			ok++
		} else {
			require.Equal(t, "参数错误: domainText 超出产品可绑定域名数量(1)", a.Msg)
		}
	}
	require.Equal(t, 1, ok)
	require.Len(t, list(t, p.op(t, "hosting_domain_list")), 2)

	for _, a := range apitest.RaceN(4, func(int) apitest.Response { return p.op(t, "hosting_to_backup") }) {
		a.OK(t)
	}
	require.Len(t, list(t, p.op(t, "hosting_backup_list")), 1)
}
