package hosting_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
)

// touches reports whether a panel request names the site of id and name
// (as sitename, siteName, SiteName, webname, name or id of a site action,
// or a path under its root).
func touches(c map[string][]string, action string, id int64, name, root string) bool {
	for _, k := range []string{"sitename", "siteName", "SiteName", "webname", "name"} {
		for _, v := range c[k] {
			if v == name {
				return true
			}
		}
	}
	for _, v := range c["path"] {
		if strings.HasPrefix(v, root) {
			return true
		}
	}
	// getKey reads the site's name by id: a look-up, not an action on it.
	return action != "getKey" && len(c["id"]) > 0 && c["id"][0] == strconv.FormatInt(id, 10)
}

// TestNoOperationReachesAnotherOrdersSite names, from order A, the
// proxies, redirects, domains and backups of order B (same reseller, same
// panel): each answers code 0 and the panel gets no request about B's
// site. Another reseller's order is 未找到产品记录 and an expired or
// provisioning one 业务状态异常, with no panel request at all.
func TestNoOperationReachesAnotherOrdersSite(t *testing.T) {
	t.Parallel()
	p := onFakePanel(t)
	bID, bGUID := p.buy(t, p.r, "SITE-2")
	b := panelSite{s: p.s, r: p.r, fake: p.fake, svc: p.svc, guid: bGUID, id: bID}
	bDom := p.domain(t, p.r, bGUID)
	var bSite int64
	require.NoError(t, p.s.DB.QueryRow(context.Background(), `SELECT site_id FROM hosting_orders WHERE id = $1`, bID).Scan(&bSite))
	bRoot := order(t, p.s, p.r, bGUID)["path"].(string)

	// B's own items.
	b.op(t, "hosting_create_proxy", "proxyData", `{"proxyname":"b_proxy","proxydir":"/b","proxysite":"http://10.0.0.8"}`).OK(t)
	b.op(t, "hosting_add_domain", "domainText", "www."+bDom+"\nb-shop.example.com").OK(t)
	b.op(t, "hosting_create_redirect", "post", `{"redirectdomain":"www.`+bDom+`","domainorpath":"domain","tourl":"https://x.example.com"}`).OK(t)
	b.op(t, "hosting_to_backup").OK(t)
	bRedirect := list(t, b.op(t, "hosting_get_redirect_list"))[0]["redirectname"].(string)
	bBackup := list(t, b.op(t, "hosting_backup_list"))[0]["id"].(string)

	from := len(p.fake.Log())
	for _, c := range []struct {
		op  string
		kv  []string
		msg string
	}{
		{"hosting_delete_proxy", []string{"proxyname", "b_proxy"}, "参数错误: proxyname 不存在"},
		{"hosting_get_proxy_file", []string{"proxyname", "b_proxy"}, "参数错误: proxyname 不存在"},
		{"hosting_modify_proxy", []string{"proxyData", `{"proxyname":"b_proxy","proxydir":"/b","proxysite":"http://10.6.6.6"}`}, "参数错误: proxyData.proxyname 不存在"},
		{"hosting_delete_redirect", []string{"redirectname", bRedirect}, "参数错误: redirectname 不存在"},
		{"hosting_get_redirect_file", []string{"redirectname", bRedirect}, "参数错误: redirectname 不存在"},
		{"hosting_save_redirect_file", []string{"path", bRedirect, "text", "x"}, "参数错误: path 不存在"},
		{"hosting_modify_redirect", []string{"post", `{"redirectname":"` + bRedirect + `","redirectdomain":"www.` + bDom + `","domainorpath":"domain","tourl":"https://y.example.com"}`},
			"参数错误: post.redirectdomain www." + bDom + " 不是本站点的域名"},
		{"hosting_del_domain", []string{"name", "b-shop.example.com"}, "参数错误: name 不存在"},
		{"hosting_del_domain", []string{"name", bDom}, "参数错误: name 不存在"},
		{"hosting_del_backup", []string{"bak_guid", bBackup}, "参数错误: bak_guid 不存在"},
		{"hosting_set_run_path", []string{"runPath", bRoot}, "参数错误: runPath 不是站点的目录"},
		{"hosting_create_redirect", []string{"post", `{"redirectdomain":"b-shop.example.com","domainorpath":"domain","tourl":"https://y.example.com"}`},
			"参数错误: post.redirectdomain b-shop.example.com 不是本站点的域名"},
	} {
		p.op(t, c.op, c.kv...).Fails(t, c.msg)
	}
	// Binding B's domain to A is the panel's refusal, without B's name.
	p.op(t, "hosting_add_domain", "domainText", "b-shop.example.com").Fails(t, "面板拒绝: b-shop.example.com: 指定域名已被网站绑定过了")
	for _, c := range p.fake.Log()[from:] {
		if c.Action == "AddDomain" {
			continue // A's request (id, webname A) naming the domain B has; the panel refused it
		}
		require.False(t, touches(c.Form, c.Action, bSite, bDom, bRoot), "%s?%s touched B's site: %v", c.Module, c.Action, c.Form)
	}
	require.Len(t, list(t, b.op(t, "hosting_get_proxy_list")), 1, "B's proxy is still there")
	require.Len(t, list(t, b.op(t, "hosting_backup_list")), 1, "B's backup is still there")
	require.Len(t, list(t, b.op(t, "hosting_domain_list")), 3, "B's domains are still there")

	// Another reseller, and orders not 正常: no panel request at all.
	other := p.s.NewReseller(t, "100")
	from = len(p.fake.Log())
	for _, op := range []string{"hosting_stop", "hosting_get_proxy_list", "hosting_to_backup", "hosting_domain_list"} {
		operate(p.s, t, other, op, bGUID).Fails(t, "未找到产品记录")
	}
	for status, msg := range map[int]string{3: "业务状态异常", 0: "业务状态异常", -2: "业务状态异常"} {
		p.s.Exec(t, `UPDATE hosting_orders SET order_status = $2 WHERE id = $1`, bID, status)
		for _, op := range []string{"hosting_start", "hosting_get_proxy_list", "hosting_to_backup", "hosting_del_backup"} {
			b.op(t, op, "bak_guid", bBackup).Fails(t, msg)
		}
	}
	require.Len(t, p.fake.Log(), from, "refused orders make no panel request")
}

// TestSiteOperationsOnTheSimulator runs the families on the demo's
// simulated panel.
func TestSiteOperationsOnTheSimulator(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	svc := simService(t, s)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "SIM-1", `{"program_version":"php81"}`)
	require.NoError(t, do(t, svc, id, "provision"))
	op := func(o string, kv ...string) apitest.Response { return operate(s, t, r, o, guid, kv...) }
	dom := order(t, s, r, guid)["domain"].(string)
	op("hosting_create_proxy", "proxyData", `{"proxyname":"api_proxy","proxydir":"/api","proxysite":"http://10.0.0.5"}`).OK(t)
	require.Len(t, list(t, op("hosting_get_proxy_list")), 1)
	op("hosting_add_domain", "domainText", "www."+dom).OK(t)
	op("hosting_create_redirect", "post", `{"redirectdomain":"www.`+dom+`","domainorpath":"domain","tourl":"https://n.example.com"}`).OK(t)
	require.Len(t, list(t, op("hosting_get_redirect_list")), 1)
	op("hosting_to_backup").OK(t)
	require.Len(t, list(t, op("hosting_backup_list")), 1)
	key, cert := keyPair(t, dom)
	op("hosting_set_ssl", "key", key, "csr", cert).OK(t)
	op("hosting_http_to_https").OK(t)
	require.Equal(t, true, apitest.Object(t, op("hosting_get_ssl"))["httpTohttps"])
	op("hosting_set_site_status", "s", "set_site_obj_open", "obj", "cc", "status", "0").OK(t)
	require.EqualValues(t, 3, apitest.Object(t, op("hosting_get_site_total_list_custom", "start_date", "2026-05-01", "end_date", "2026-05-03"))["total"])
	op("hosting_web_set_index", "indexText", "home.html").OK(t)
	require.Equal(t, "home.html", apitest.Object(t, op("hosting_web_get_index"))["index"])
}

// TestOnAManualLineChangesAreTasksAndReadsAreNotOpen: a write becomes an
// operator task (once, however often it is retried, never holding a
// password); a read answers 暂未开放.
func TestOnAManualLineChangesAreTasksAndReadsAreNotOpen(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "MAN-1", `{"program_version":"php81"}`)
	s.Exec(t, `UPDATE hosting_lines SET provider_driver = 'manual', provider_config = $2 WHERE guid = $1`,
		lineGUID, s.App.Box.Seal([]byte(`{"driver":"manual"}`)))
	task, err := manual.AddTask(context.Background(), s.DB, "hosting", id, "provision", map[string]any{})
	require.NoError(t, err)
	s.Exec(t, `UPDATE hosting_orders SET order_status = 1, site_id = $2 WHERE id = $1`, id, task.ID)
	op := func(o string, kv ...string) apitest.Response { return operate(s, t, r, o, guid, kv...) }

	proxy := `{"proxyname":"api_proxy","proxydir":"/api","proxysite":"http://10.0.0.5"}`
	op("hosting_create_proxy", "proxyData", proxy).OK(t)
	op("hosting_create_proxy", "proxyData", proxy).OK(t)
	op("hosting_edit_pwd", "ftp_password", "New-pass-9876").OK(t)
	op("hosting_add_domain", "domainText", "a.com").OK(t)
	op("hosting_get_proxy_list").Fails(t, "暂未开放")
	op("hosting_get_ssl").Fails(t, "暂未开放")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE order_id = $1 AND kind = 'site_proxy_create'
		AND payload->>'proxyname' = 'api_proxy'`, id))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE order_id = $1 AND kind = 'site_ftp_password'
		AND payload->>'password_given' = 'true' AND NOT payload ? 'password'`, id))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE order_id = $1 AND kind = 'site_domain_add'
		AND payload->>'domains' = 'a.com:80'`, id))
	require.Zero(t, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE payload::text LIKE '%New-pass%'`))
}
