package btpanel_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

func withPlugins(t *testing.T) (provider.PanelDriver, *btpanelfake.Panel) {
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	p.InstallPlugins("btwaf", "tamper_proof", "monitor")
	return d, p
}

func TestSiteOpsContract(t *testing.T) {
	t.Parallel()
	providertest.SiteOpsContract(t, func(t *testing.T) provider.PanelDriver {
		d, _ := withPlugins(t)
		return d
	})
}

// call is a panel request a site operation must make: its module, action
// and the fields (of those it sends) the test names.
type call struct {
	module, action string
	form           map[string]string
}

// TestEverySiteOpMakesThePanelCallOfItsSource runs every operation on a
// site of the fake and checks the last request it made (module, action,
// parameter names and values, as the panel's source reads them) and the
// type of its answer.
func TestEverySiteOpMakesThePanelCallOfItsSource(t *testing.T) {
	t.Parallel()
	d, p := withPlugins(t)
	site, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "zonkvmd-hosting-5", Domain: "ops.example.com",
		FTPUser: "ftp_ops", FTPPassword: "Ftp-pass-1234"})
	require.NoError(t, err)
	sid, name := "1", "ops.example.com"
	ops := d.(provider.SiteOps)
	proxy := provider.SiteArgs{"proxyname": "api_proxy", "proxydir": "/api", "proxysite": "http://10.0.0.5:8080",
		"todomain": "$host", "type": "1", "cache": "0", "subfilter": "[]", "advanced": "1", "cachetime": "1"}
	redirect := provider.SiteArgs{"redirectname": "r0123456789", "tourl": "https://new.example.com",
		"redirectdomain": `["ops.example.com"]`, "redirectpath": "", "redirecttype": "301",
		"domainorpath": "domain", "type": "1", "holdpath": "1"}
	for _, tc := range []struct {
		op     provider.SiteOp
		args   provider.SiteArgs
		want   call
		answer any // a value of the answer's type; nil for a write
	}{
		{provider.OpFTPPassword, provider.SiteArgs{"ftp_id": "1", "user": "ftp_ops", "password": "New-pass-1234"},
			call{"ftp", "SetUserPassword", map[string]string{"id": "1", "ftp_username": "ftp_ops", "new_password": "New-pass-1234"}}, nil},
		{provider.OpSetPHP, provider.SiteArgs{"version": "74"},
			call{"site", "SetPHPVersion", map[string]string{"siteName": name, "version": "74"}}, nil},
		{provider.OpGetSecurity, nil, call{"site", "GetSecurity", map[string]string{"id": sid, "name": name}}, provider.Security{}},
		{provider.OpSetSecurity, provider.SiteArgs{"fix": "jpg,png", "domains": name, "status": "1", "return_rule": "403"},
			call{"site", "SetSecurity", map[string]string{"id": sid, "name": name, "fix": "jpg,png", "domains": name,
				"status": "true", "http_status": "false", "return_rule": "403"}}, nil},
		{provider.OpGetIndex, nil, call{"site", "GetIndex", map[string]string{"id": sid}}, ""},
		{provider.OpSetIndex, provider.SiteArgs{"index": "index.html"}, call{"site", "SetIndex", map[string]string{"id": sid, "Index": "index.html"}}, nil},
		{provider.OpGetRunPath, nil, call{"site", "GetSiteRunPath", map[string]string{"id": sid}}, provider.RunPath{}},
		{provider.OpSetRunPath, provider.SiteArgs{"run_path": "/"}, call{"site", "SetSiteRunPath", map[string]string{"id": sid, "runPath": "/"}}, nil},
		{provider.OpGetUserINI, nil, call{"site", "GetDirUserINI", map[string]string{"id": sid, "path": site.Path}}, provider.UserINI{}},
		{provider.OpSetUserINI, provider.SiteArgs{"status": "0"}, call{"site", "SetDirUserINI", map[string]string{"path": site.Path}}, nil},
		{provider.OpDirBinding, nil, call{"site", "GetDirBinding", map[string]string{"id": sid}}, provider.DirBinding{}},
		{provider.OpRewriteList, nil, call{"site", "GetRewriteList", map[string]string{"siteName": name}}, []string{}},
		{provider.OpProxyCreate, proxy, call{"site", "CreateProxy", withSite(proxy, "sitename", name)}, nil},
		{provider.OpProxyModify, proxy, call{"site", "ModifyProxy", withSite(proxy, "sitename", name)}, nil},
		{provider.OpProxyList, nil, call{"site", "GetProxyList", map[string]string{"sitename": name}}, []provider.Proxy{}},
		{provider.OpProxyFile, provider.SiteArgs{"proxyname": "api_proxy"}, call{"site", "GetProxyFile",
			map[string]string{"sitename": name, "proxyname": "api_proxy", "webserver": "nginx"}}, ""},
		{provider.OpProxyDelete, provider.SiteArgs{"proxyname": "api_proxy"}, call{"site", "RemoveProxy",
			map[string]string{"sitename": name, "proxyname": "api_proxy"}}, nil},
		{provider.OpRedirectAdd, redirect, call{"site", "CreateRedirect", withSite(redirect, "sitename", name)}, nil},
		{provider.OpRedirectMod, redirect, call{"site", "ModifyRedirect", withSite(redirect, "sitename", name)}, nil},
		{provider.OpRedirectList, nil, call{"site", "GetRedirectList", map[string]string{"sitename": name}}, []provider.Redirect{}},
		{provider.OpRedirectFile, provider.SiteArgs{"redirectname": "r0123456789"}, call{"site", "GetRedirectFile",
			map[string]string{"sitename": name, "redirectname": "r0123456789", "webserver": "nginx"}}, ""},
		{provider.OpRedirectSave, provider.SiteArgs{"redirectname": "r0123456789", "text": "return 302 x;"},
			call{"site", "SaveRedirectFile", map[string]string{"data": "return 302 x;", "encoding": "utf-8",
				"path": "/www/server/panel/vhost/nginx/redirect/ops.example.com/625dd56b41f96670c43fd9787786aecf_ops.example.com.conf"}}, nil},
		{provider.OpRedirectDel, provider.SiteArgs{"redirectname": "r0123456789"}, call{"site", "DeleteRedirect",
			map[string]string{"sitename": name, "redirectname": "r0123456789"}}, nil},
		{provider.OpDomainAdd, provider.SiteArgs{"domains": "www.ops.example.com:80,b.ops.example.com:8080"},
			call{"site", "AddDomain", map[string]string{"id": sid, "webname": name, "domain": "www.ops.example.com:80,b.ops.example.com:8080"}}, nil},
		{provider.OpDomainList, nil, call{"data", "getData", map[string]string{"table": "domain", "list": "true"}}, []provider.Domain{}},
		{provider.OpDomainDel, provider.SiteArgs{"name": "b.ops.example.com", "port": "8080"}, call{"site", "DelDomain",
			map[string]string{"id": sid, "webname": name, "domain": "b.ops.example.com", "port": "8080"}}, nil},
		{provider.OpBackupCreate, nil, call{"site", "ToBackup", map[string]string{"id": sid}}, nil},
		{provider.OpBackupList, nil, call{"data", "getData", map[string]string{"table": "backup", "limit": "100", "p": "1"}}, []provider.Backup{}},
		{provider.OpBackupDelete, provider.SiteArgs{"id": "1"}, call{"site", "DelBackup", map[string]string{"id": "1"}}, nil},
		{provider.OpSetSSL, provider.SiteArgs{"key": "-----BEGIN PRIVATE KEY-----", "cert": "-----BEGIN CERTIFICATE-----"},
			call{"site", "SetSSL", map[string]string{"siteName": name, "key": "-----BEGIN PRIVATE KEY-----", "csr": "-----BEGIN CERTIFICATE-----"}}, nil},
		{provider.OpGetSSL, nil, call{"site", "GetSSL", map[string]string{"siteName": name}}, provider.SSL{}},
		{provider.OpHTTPSOn, nil, call{"site", "HttpToHttps", map[string]string{"siteName": name}}, nil},
		{provider.OpHTTPSOff, nil, call{"site", "CloseToHttps", map[string]string{"siteName": name}}, nil},
		{provider.OpCloseSSL, nil, call{"site", "CloseSSLConf", map[string]string{"siteName": name}}, nil},
		{provider.OpWAFConfig, nil, call{"plugin", "a", map[string]string{"name": "btwaf", "s": "get_site_config_byname", "siteName": name}}, map[string]any{}},
		{provider.OpWAFSwitch, provider.SiteArgs{"obj": "cc", "status": "0"}, call{"plugin", "a",
			map[string]string{"name": "btwaf", "s": "set_site_obj_open", "siteName": name, "obj": "cc"}}, nil},
		{provider.OpWAFCC, provider.SiteArgs{"cycle": "60", "limit": "100", "endtime": "600", "increase": "1"}, call{"plugin", "a",
			map[string]string{"name": "btwaf", "s": "set_site_cc_conf", "siteName": name, "cycle": "60", "limit": "100", "endtime": "600", "increase": "1"}}, nil},
		{provider.OpWAFRetry, provider.SiteArgs{"retry": "5", "retry_cycle": "60", "retry_time": "600"}, call{"plugin", "a",
			map[string]string{"name": "btwaf", "s": "set_site_retry", "siteName": name, "retry": "5", "retry_cycle": "60", "retry_time": "600"}}, nil},
		{provider.OpTamperSwitch, provider.SiteArgs{"status": "1"}, call{"plugin", "a",
			map[string]string{"name": "tamper_proof", "s": "set_site_status", "siteName": name}}, nil},
		{provider.OpSiteTotals, provider.SiteArgs{"start_date": "2026-05-01", "end_date": "2026-05-02", "part_type": "date"},
			call{"plugin", "a", map[string]string{"name": "monitor", "s": "get_site_total_list_custom", "SiteName": name,
				"start_date": "2026-05-01", "end_date": "2026-05-02", "part_type": "date"}}, provider.Totals{}},
	} {
		v, err := ops.SiteOp(ctx(t), site, tc.op, tc.args)
		require.NoError(t, err, tc.op)
		log := p.Log()
		last := log[len(log)-1]
		require.Equal(t, tc.want.module+"?"+tc.want.action, last.Module+"?"+last.Action, tc.op)
		for k, want := range tc.want.form {
			require.Equal(t, want, last.Form.Get(k), "%s: %s", tc.op, k)
		}
		if tc.answer == nil {
			require.Nil(t, v, tc.op)
		} else {
			require.IsType(t, tc.answer, v, tc.op)
		}
	}
}

func withSite(a provider.SiteArgs, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, x := range a {
		out[key] = x
	}
	return out
}

func TestSiteOpsNeverSearchNorSetTheAdminsPageSize(t *testing.T) {
	t.Parallel()
	d, p := withPlugins(t)
	site, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "zonkvmd-hosting-6", Domain: "quiet.example.com",
		FTPUser: "ftp_quiet", FTPPassword: "Ftp-pass-1234", DBName: "db_quiet", DBPassword: "Db-pass-1234"})
	require.NoError(t, err)
	ops := d.(provider.SiteOps)
	for _, op := range []provider.SiteOp{provider.OpDomainList, provider.OpBackupList, provider.OpGetIndex} {
		_, err := ops.SiteOp(ctx(t), site, op, nil)
		require.NoError(t, err)
	}
	require.NoError(t, d.StopSite(ctx(t), site))
	for _, table := range []string{"sites", "ftps", "databases", "domain", "backup"} {
		require.Empty(t, p.SearchHistory(table), table)
	}
	require.Zero(t, p.SitesPageSize())
	for _, c := range p.Log() {
		require.False(t, c.Form.Has("search"), "%s?%s searched", c.Module, c.Action)
	}
}

func TestCreateSiteOnAPanelWithoutSiteIDFindsItByName(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{NoSiteID: true}, provider.Deps{})
	for i, dom := range []string{"first.example.com", "old.example.com"} {
		site, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "zonkvmd-hosting-" + string(rune('1'+i)), Domain: dom})
		require.NoError(t, err)
		require.Equal(t, dom, site.Name)
		require.Equal(t, int64(i+1), site.ID)
	}
	require.Len(t, p.Sites(), 2)
}

func TestAPluginTheFakeLacksIsRefusedByName(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	site, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "zonkvmd-hosting-7", Domain: "nowaf.example.com"})
	require.NoError(t, err)
	for op, plugin := range map[provider.SiteOp]string{provider.OpWAFConfig: "btwaf",
		provider.OpTamperSwitch: "tamper_proof", provider.OpSiteTotals: "monitor"} {
		_, err := d.SiteOp(ctx(t), site, op, provider.SiteArgs{"status": "1",
			"start_date": "2026-01-01", "end_date": "2026-01-02"})
		var pm *provider.PluginMissingError
		require.ErrorAs(t, err, &pm, op)
		require.Equal(t, plugin, pm.Plugin)
		require.ErrorIs(t, err, provider.ErrRejected)
	}
	for _, c := range p.Log() {
		require.NotEqual(t, "a", c.Action, "no plugin function is called on a panel without it")
	}
}

func TestTheFakeFailsAMissingParameterAsThePanelDoes(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	_, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "zonkvmd-hosting-8", Domain: "strict.example.com"})
	require.NoError(t, err)
	_, err = d.Call(ctx(t), "site", "GetProxyList", url.Values{})
	require.ErrorIs(t, err, provider.ErrUnavailable, "HTTP 500, a traceback")
	_, err = d.Call(ctx(t), "site", "CreateProxy", url.Values{"sitename": {"strict.example.com"}, "proxysite": {"http://1.2.3.4"}})
	require.ErrorIs(t, err, provider.ErrUnavailable)
	raw, err := d.Call(ctx(t), "site", "RemoveProxy", url.Values{"sitename": {"strict.example.com"}, "proxyname": {"none"}})
	require.NoError(t, err)
	require.JSONEq(t, "null", string(raw), "RemoveProxy answers null for a name it lacks")
	raw, err = d.Call(ctx(t), "site", "AddDomain", url.Values{"id": {"1"}, "webname": {"strict.example.com"},
		"domain": {"a.example.com\nb.example.com"}})
	require.NoError(t, err)
	require.Contains(t, string(raw), `"status":false`, "a newline-joined list is one bad domain")
	require.NotContains(t, string(raw), `"status":true`)
	_ = p
}

func TestAnEmptyIPWhitelistRefusesEveryAddress(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{AllowIPs: []string{}}, provider.Deps{})
	_, err := d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "IP校验失败")
	p.SetAllowIPs("*")
	_, err = d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.NoError(t, err)
	p.SetAllowIPs()
	_, err = d.Call(ctx(t), "site", "GetPHPVersion", nil)
	require.ErrorIs(t, err, provider.ErrRejected)
}
