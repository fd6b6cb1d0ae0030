package providertest

import (
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// SiteOpsContract checks a provider.SiteOps on a site it creates: each
// family of hosting_operate (proxies, redirects, domains, backups, SSL,
// hotlink protection, default page, run directory, open_basedir, the WAF
// and tamper-proof switches, monitoring) changes what the reads answer,
// and the switches set a state rather than toggle (a repeat changes
// nothing). open returns a driver on a panel with the btwaf, tamper_proof
// and monitor plugins installed.
func SiteOpsContract(t *testing.T, open func(t *testing.T) provider.PanelDriver) {
	d := open(t)
	ops, ok := d.(provider.SiteOps)
	require.True(t, ok, "%T runs no site operations", d)
	ref, domain, ftpUser, _ := panelNames()
	site, err := d.CreateSite(panelCtx(t), provider.SiteSpec{Ref: ref, Domain: domain,
		FTPUser: ftpUser, FTPPassword: "Ftp-contract-8421"})
	require.NoError(t, err)
	t.Cleanup(func() { cleanupSite(t, d, site) })
	do := func(op provider.SiteOp, a provider.SiteArgs) any {
		t.Helper()
		v, err := ops.SiteOp(panelCtx(t), site, op, a)
		require.NoError(t, err, "%s %v", op, a)
		return v
	}

	do(provider.OpProxyCreate, provider.SiteArgs{"proxyname": "api_proxy", "proxydir": "/api",
		"proxysite": "http://10.0.0.5:8080", "todomain": "$host", "type": "1", "cache": "0", "subfilter": "[]",
		"advanced": "1", "cachetime": "1"})
	proxies := do(provider.OpProxyList, nil).([]provider.Proxy)
	require.Len(t, proxies, 1)
	require.Equal(t, "http://10.0.0.5:8080", proxies[0].Target)
	require.Contains(t, do(provider.OpProxyFile, provider.SiteArgs{"proxyname": "api_proxy"}), "10.0.0.5")
	do(provider.OpProxyModify, provider.SiteArgs{"proxyname": "api_proxy", "proxydir": "/api",
		"proxysite": "http://10.0.0.6:8080", "todomain": "$host", "type": "1", "cache": "0", "subfilter": "[]",
		"advanced": "1", "cachetime": "1"})
	require.Equal(t, "http://10.0.0.6:8080", do(provider.OpProxyList, nil).([]provider.Proxy)[0].Target)
	do(provider.OpProxyDelete, provider.SiteArgs{"proxyname": "api_proxy"})
	require.Empty(t, do(provider.OpProxyList, nil))

	do(provider.OpDomainAdd, provider.SiteArgs{"domains": "www." + domain + ":80,alt" + domain + ":8080"})
	names := []string{}
	for _, x := range do(provider.OpDomainList, nil).([]provider.Domain) {
		names = append(names, x.Name)
	}
	require.ElementsMatch(t, []string{domain, "www." + domain, "alt" + domain}, names)
	do(provider.OpDomainDel, provider.SiteArgs{"name": "alt" + domain, "port": "8080"})
	require.Len(t, do(provider.OpDomainList, nil), 2)

	do(provider.OpRedirectAdd, provider.SiteArgs{"redirectname": "r0123456789", "tourl": "https://new.example.com",
		"redirectdomain": `["www.` + domain + `"]`, "redirectpath": "", "redirecttype": "301",
		"domainorpath": "domain", "type": "1", "holdpath": "1"})
	redirects := do(provider.OpRedirectList, nil).([]provider.Redirect)
	require.Len(t, redirects, 1)
	require.Equal(t, []string{"www." + domain}, redirects[0].Domains)
	require.Contains(t, do(provider.OpRedirectFile, provider.SiteArgs{"redirectname": "r0123456789"}), "new.example.com")
	do(provider.OpRedirectDel, provider.SiteArgs{"redirectname": "r0123456789"})
	require.Empty(t, do(provider.OpRedirectList, nil))

	do(provider.OpBackupCreate, nil)
	backups := do(provider.OpBackupList, nil).([]provider.Backup)
	require.Len(t, backups, 1)
	do(provider.OpBackupDelete, provider.SiteArgs{"id": strconv.FormatInt(backups[0].ID, 10)})
	require.Empty(t, do(provider.OpBackupList, nil))

	require.False(t, do(provider.OpGetSSL, nil).(provider.SSL).Status)
	_, err = ops.SiteOp(panelCtx(t), site, provider.OpHTTPSOn, nil)
	require.ErrorIs(t, err, provider.ErrRejected, "no HTTPS redirect without a certificate")
	do(provider.OpSetSSL, provider.SiteArgs{"key": "-----BEGIN PRIVATE KEY-----", "cert": "-----BEGIN CERTIFICATE-----"})
	do(provider.OpHTTPSOn, nil)
	ssl := do(provider.OpGetSSL, nil).(provider.SSL)
	require.True(t, ssl.Status)
	require.True(t, ssl.HTTPS)
	do(provider.OpCloseSSL, nil)
	require.False(t, do(provider.OpGetSSL, nil).(provider.SSL).Status)

	do(provider.OpSetSecurity, provider.SiteArgs{"fix": "jpg,png", "domains": domain, "status": "1", "return_rule": "403"})
	sec := do(provider.OpGetSecurity, nil).(provider.Security)
	require.Equal(t, provider.Security{Fix: []string{"jpg", "png"}, Domains: []string{domain}, On: true, ReturnRule: "403"}, sec)

	do(provider.OpSetIndex, provider.SiteArgs{"index": "index.html,index.php"})
	require.Equal(t, "index.html,index.php", do(provider.OpGetIndex, nil))
	rp := do(provider.OpGetRunPath, nil).(provider.RunPath)
	require.True(t, slices.Contains(rp.Dirs, "/"))
	do(provider.OpSetRunPath, provider.SiteArgs{"run_path": "/"})

	for _, want := range []bool{false, false, true, true} {
		do(provider.OpSetUserINI, provider.SiteArgs{"status": map[bool]string{true: "1", false: "0"}[want]})
		require.Equal(t, want, do(provider.OpGetUserINI, nil).(provider.UserINI).OpenBasedir)
	}
	for _, want := range []string{"0", "0", "1"} {
		do(provider.OpWAFSwitch, provider.SiteArgs{"obj": "cc", "status": want})
		cfg := do(provider.OpWAFConfig, nil).(map[string]any)
		require.Equal(t, want == "1", cfg["cc"].(map[string]any)["open"], "cc after status %s", want)
	}
	do(provider.OpTamperSwitch, provider.SiteArgs{"status": "1"})
	do(provider.OpTamperSwitch, provider.SiteArgs{"status": "1"})
	do(provider.OpWAFCC, provider.SiteArgs{"cycle": "60", "limit": "100", "endtime": "600", "increase": "0"})
	do(provider.OpWAFRetry, provider.SiteArgs{"retry": "5", "retry_cycle": "60", "retry_time": "600"})
	totals := do(provider.OpSiteTotals, provider.SiteArgs{"start_date": "2026-05-01", "end_date": "2026-05-02",
		"part_type": "date"}).(provider.Totals)
	require.NotEmpty(t, totals.List)
	require.NotEmpty(t, do(provider.OpRewriteList, nil))
	require.NotNil(t, do(provider.OpDirBinding, nil).(provider.DirBinding).Dirs)
	do(provider.OpSetPHP, provider.SiteArgs{"version": "74"})
	_, err = ops.SiteOp(panelCtx(t), site, provider.OpSetPHP, provider.SiteArgs{"version": "99"})
	require.ErrorIs(t, err, provider.ErrRejected, "a PHP version the panel lacks")
}
