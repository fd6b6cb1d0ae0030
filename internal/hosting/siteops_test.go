package hosting_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/hosting"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

// panelSite is a shop whose hosting line runs on a fake BT panel (with the
// btwaf, tamper_proof and monitor plugins), and a reseller's order
// provisioned on it.
type panelSite struct {
	s    *apitest.Shop
	r    apitest.Reseller
	fake *btpanelfake.Panel
	svc  *hosting.Service
	guid string
	id   int64
}

func onFakePanel(t *testing.T) panelSite {
	t.Helper()
	s := apitest.NewShop(t)
	fake := btpanelfake.New(t, btpanelfake.Options{})
	fake.InstallPlugins("btwaf", "tamper_proof", "monitor")
	object := fmt.Sprintf(`{"driver":"btpanel","url":%q,"key":%q}`, fake.URL, fake.Key())
	s.Exec(t, `UPDATE hosting_lines SET provider_driver = 'btpanel', provider_config = $2 WHERE guid = $1`,
		lineGUID, s.App.Box.Seal([]byte(object)))
	p := panelSite{s: s, fake: fake, svc: &hosting.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}}
	p.r = s.NewReseller(t, "5000")
	p.id, p.guid = p.buy(t, p.r, "SITE-1")
	return p
}

// buy orders and provisions one more site for r.
func (p panelSite) buy(t *testing.T, r apitest.Reseller, orderNo string) (int64, string) {
	t.Helper()
	id, guid := buyOne(t, p.s, r, orderNo, `{"program_version":"php81"}`)
	require.NoError(t, do(t, p.svc, id, jobs.KindProvision))
	require.EqualValues(t, 1, order(t, p.s, r, guid)["order_status"])
	return id, guid
}

func (p panelSite) op(t *testing.T, op string, kv ...string) apitest.Response {
	t.Helper()
	return operate(p.s, t, p.r, op, p.guid, kv...)
}

// domain is the order's main domain (its panel site's name).
func (p panelSite) domain(t *testing.T, r apitest.Reseller, guid string) string {
	t.Helper()
	return order(t, p.s, r, guid)["domain"].(string)
}

func list(t *testing.T, r apitest.Response) []map[string]any {
	t.Helper()
	var out []map[string]any
	r.Into(t, &out)
	return out
}

// lastCall is the fake's last request as "module?action".
func lastCall(f *btpanelfake.Panel) btpanelfake.Call {
	log := f.Log()
	return log[len(log)-1]
}

// TestEverySiteOperationThroughTheAPI runs each sub-operation once on the
// fake panel: the last panel call it makes (action and the parameters the
// source reads) and the JSON kind of its answer.
func TestEverySiteOperationThroughTheAPI(t *testing.T) {
	t.Parallel()
	p := onFakePanel(t)
	dom := p.domain(t, p.r, p.guid)
	key, cert := keyPair(t, dom)
	proxy := `{"proxyname":"api_proxy","proxydir":"/api","proxysite":"http://10.0.0.5:8080","type":1,"cache":0,"cachetime":1,"advanced":1,"subfilter":"[]"}`
	for _, c := range []struct {
		op     string
		kv     []string
		action string            // the panel's last call
		form   map[string]string // fields of it
		kind   string            // the answer's JSON kind
	}{
		{"hosting_stop", nil, "SiteStop", nil, "object"},
		{"hosting_start", nil, "SiteStart", nil, "object"},
		{"hosting_edit_pwd", []string{"ftp_password", "New-pass-9876"}, "SetUserPassword", map[string]string{"new_password": "New-pass-9876"}, "object"},
		{"hosting_set_php_version", []string{"version", "php74"}, "SetPHPVersion", map[string]string{"siteName": dom, "version": "74"}, "object"},
		{"hosting_get_security", nil, "GetSecurity", map[string]string{"name": dom}, "object"},
		{"hosting_set_security", []string{"fix", ".jpg|.png", "domains", dom, "statusSecurity", "1", "http_status", "403"},
			"SetSecurity", map[string]string{"fix": "jpg,png", "status": "true", "return_rule": "403"}, "object"},
		{"hosting_get_index", []string{"s", "get_index"}, "GetSiteRunPath", nil, "object"},
		{"hosting_get_index", []string{"s", "get_site_config_byname"}, "a", map[string]string{"name": "btwaf", "s": "get_site_config_byname"}, "object"},
		{"hosting_set_site_status", []string{"name", "set_site_status", "status", "1"}, "a", map[string]string{"name": "tamper_proof", "s": "set_site_status"}, "object"},
		{"hosting_set_site_status", []string{"s", "set_site_obj_open", "obj", "cc", "status", "0"}, "a", map[string]string{"s": "set_site_obj_open", "obj": "cc"}, "object"},
		{"hosting_set_site_cc_conf", []string{"post", `{"cycle":60,"limit":120,"endtime":300,"increase":1}`}, "a",
			map[string]string{"s": "set_site_cc_conf", "cycle": "60", "increase": "1", "siteName": dom}, "object"},
		{"hosting_set_site_retry", []string{"post", `{"retry":5,"retry_cycle":60,"retry_time":600}`}, "a",
			map[string]string{"s": "set_site_retry", "retry_time": "600"}, "object"},
		{"hosting_get_site_total_list_custom", []string{"start_date", "2026-05-01", "end_date", "2026-05-03", "part_type", "date"}, "a",
			map[string]string{"name": "monitor", "SiteName": dom}, "object"},
		{"hosting_create_proxy", []string{"proxyData", proxy}, "CreateProxy", map[string]string{"sitename": dom, "proxyname": "api_proxy", "todomain": "$host"}, "object"},
		{"hosting_get_proxy_list", nil, "GetProxyList", map[string]string{"sitename": dom}, "array"},
		{"hosting_modify_proxy", []string{"proxyData", strings.Replace(proxy, "10.0.0.5", "10.0.0.6", 1)}, "ModifyProxy", map[string]string{"proxysite": "http://10.0.0.6:8080"}, "object"},
		{"hosting_get_proxy_file", []string{"proxyname", "api_proxy"}, "GetProxyFile", map[string]string{"webserver": "nginx"}, "object"},
		{"hosting_delete_proxy", []string{"proxyname", "api_proxy"}, "RemoveProxy", map[string]string{"proxyname": "api_proxy"}, "object"},
		{"hosting_add_domain", []string{"domainText", "www." + dom + "\nshop.example.com:8080"}, "AddDomain",
			map[string]string{"domain": "www." + dom + ":80,shop.example.com:8080", "webname": dom}, "object"},
		{"hosting_domain_list", nil, "getData", map[string]string{"table": "domain"}, "array"},
		{"hosting_del_domain", []string{"name", "shop.example.com", "port", "8080"}, "DelDomain", map[string]string{"domain": "shop.example.com", "port": "8080"}, "object"},
		{"hosting_create_redirect", []string{"post", `{"redirectdomain":"www.` + dom + `","redirecttype":301,"type":1,"domainorpath":"domain","holdpath":1,"tourl":"https://new.example.com"}`},
			"CreateRedirect", map[string]string{"redirectdomain": `["www.` + dom + `"]`, "redirecttype": "301"}, "object"},
		{"hosting_get_redirect_list", nil, "GetRedirectList", map[string]string{"sitename": dom}, "array"},
		{"hosting_to_backup", nil, "ToBackup", nil, "object"},
		{"hosting_backup_list", nil, "getData", map[string]string{"table": "backup"}, "array"},
		{"hosting_set_ssl", []string{"type", "1", "key", key, "csr", cert}, "SetSSL", map[string]string{"siteName": dom, "csr": cert}, "object"},
		{"hosting_get_ssl", nil, "GetSSL", nil, "object"},
		{"hosting_http_to_https", nil, "HttpToHttps", nil, "object"},
		{"hosting_close_to_https", nil, "CloseToHttps", nil, "object"},
		{"hosting_close_ssl_conf", nil, "CloseSSLConf", nil, "object"},
		{"hosting_unset_ssl", nil, "CloseSSLConf", nil, "object"},
		{"hosting_get_dir_binding", nil, "GetDirBinding", nil, "object"},
		{"hosting_get_dir_user_ini_switch", nil, "GetDirUserINI", nil, "object"},
		{"hosting_get_user_ini", nil, "GetDirUserINI", nil, "object"},
		{"hosting_set_dir_user_ini", []string{"status", "0"}, "SetDirUserINI", nil, "object"},
		{"hosting_set_run_path", []string{"runPath", "/"}, "SetSiteRunPath", map[string]string{"runPath": "/"}, "object"},
		{"hosting_get_rewrite_list", nil, "GetRewriteList", map[string]string{"siteName": dom}, "array"},
		{"hosting_web_get_index", nil, "GetIndex", nil, "object"},
		{"hosting_web_set_index", []string{"indexText", "index.html,index.php"}, "SetIndex", map[string]string{"Index": "index.html,index.php"}, "object"},
	} {
		data := p.op(t, c.op, c.kv...).OK(t)
		got := lastCall(p.fake)
		require.Equal(t, c.action, got.Action, c.op)
		for k, v := range c.form {
			require.Equal(t, v, got.Form.Get(k), "%s: %s", c.op, k)
		}
		var v any
		require.NoError(t, json.Unmarshal(data, &v))
		require.Equal(t, c.kind, kindOf(v), "%s answered %s", c.op, data)
	}
	redirects := list(t, p.op(t, "hosting_get_redirect_list"))
	name := redirects[0]["redirectname"].(string)
	for _, c := range []struct{ op, action string }{{"hosting_get_redirect_file", "GetRedirectFile"},
		{"hosting_save_redirect_file", "SaveRedirectFile"}, {"hosting_delete_redirect", "DeleteRedirect"}} {
		p.op(t, c.op, "redirectname", name, "path", name, "text", "return 302 https://x.example.com;").OK(t)
		require.Equal(t, c.action, lastCall(p.fake).Action)
	}
	backups := list(t, p.op(t, "hosting_backup_list"))
	p.op(t, "hosting_del_backup", "bak_guid", backups[0]["id"].(string)).OK(t)
	require.Equal(t, "DelBackup", lastCall(p.fake).Action)
	for _, iis := range []string{"hosting_get_iis_ssl_bydomain", "hosting_get_iis_ssl_file_list", "hosting_set_domain_iis_byfile"} {
		p.op(t, iis).Fails(t, "该线路为Linux面板,不支持IIS证书操作")
	}
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// keyPair makes a self-signed certificate for host.
func keyPair(t *testing.T, host string) (key, cert string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host},
		DNSNames: []string{host}, NotBefore: time.Now(), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	kb, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})),
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
