package btpanelfake

import (
	"strconv"
	"strings"
)

// getProxyList is panelSite.py L4486 GetProxyList (sitename): a bare list.
func (p *Panel) getProxyList(_ *session, f form) any {
	if e := missing(f, "sitename"); e != nil {
		return e
	}
	out := []map[string]any{}
	if s := p.siteByName(f.Get("sitename")); s != nil {
		out = append(out, p.state(s.ID).proxies...)
	}
	return out
}

var proxyKeys = []string{"sitename", "proxyname", "proxydir", "proxysite", "todomain", "type", "cache",
	"subfilter", "advanced", "cachetime"}

// proxyOf checks CreateProxy's params (L4855, __CheckStart L4641-4690) and
// returns the stored dict, or the refusal.
func (p *Panel) proxyOf(f form) (map[string]any, any) {
	if f.Get("proxysite") == "" {
		return nil, p.msg(false, "目标URL不能为空")
	}
	if e := missing(f, proxyKeys...); e != nil {
		return nil, e
	}
	if n := len(f.Get("proxyname")); n < 3 || n > 40 {
		return nil, p.msg(false, "名称必须大于3小于40个字符串")
	}
	if !urlRe.MatchString(f.Get("proxysite")) {
		return nil, p.msg(false, "域名格式错误 "+f.Get("proxysite"))
	}
	if strings.ContainsAny(f.Get("proxydir"), "?=[]()*&^%$#@!~`{}><\\'\";") || !strings.HasPrefix(f.Get("proxydir"), "/") {
		return nil, p.msg(false, "代理目录不能有以下特殊符号 ?,=,[,],),(,*,&,^,%,$,#,@,!,~,`,{,},>,<,\\,',\"]")
	}
	ints := map[string]int{}
	for _, k := range []string{"type", "cache", "advanced", "cachetime"} {
		n, err := atoi(f.Get(k))
		if err != nil {
			return nil, errInternal("ValueError: invalid literal for int() with base 10: '" + f.Get(k) + "'")
		}
		ints[k] = n
	}
	var sub any
	if err := jsonUnmarshalAny(f.Get("subfilter"), &sub); err != nil {
		return nil, errInternal("json.decoder.JSONDecodeError: Expecting value")
	}
	todomain := f.Get("todomain")
	if todomain == "" {
		todomain = "$host"
	}
	return map[string]any{"proxyname": f.Get("proxyname"), "sitename": f.Get("sitename"),
		"proxydir": f.Get("proxydir"), "proxysite": f.Get("proxysite"), "todomain": todomain,
		"type": ints["type"], "cache": ints["cache"], "subfilter": sub, "advanced": ints["advanced"],
		"cachetime": ints["cachetime"]}, nil
}

func (p *Panel) createProxy(_ *session, f form) any {
	px, refusal := p.proxyOf(f)
	if refusal != nil {
		return refusal
	}
	s := p.siteByName(f.Get("sitename"))
	if s == nil {
		return p.msg(false, "配置文件出错请先排查配置")
	}
	st := p.state(s.ID)
	for _, x := range st.proxies { // __check_even L4586: per site
		if x["proxydir"] == px["proxydir"] || x["proxyname"] == px["proxyname"] {
			return p.msg(false, "指定反向代理名称或代理文件夹已存在")
		}
	}
	st.proxies = append(st.proxies, px)
	if px["proxydir"] == "/" { // CreateProxy L4890-4893: a proxy of / makes the site static
		s.PHP = "00"
	}
	p.writeFile(proxyPath(s.Name, f.Get("proxyname")), []byte("#PROXY-START/\nlocation "+f.Get("proxydir")+
		" {\n    proxy_pass "+f.Get("proxysite")+";\n}\n#PROXY-END/"))
	return p.msg(true, "添加成功")
}

func proxyPath(site, name string) string {
	return "/www/server/panel/vhost/nginx/proxy/" + site + "/" + md5s(name) + "_" + site + ".conf"
}

// modifyProxy is panelSite.py L4933 ModifyProxy: by sitename+proxyname.
func (p *Panel) modifyProxy(_ *session, f form) any {
	px, refusal := p.proxyOf(f)
	if refusal != nil {
		return refusal
	}
	if s := p.siteByName(f.Get("sitename")); s != nil {
		for i, x := range p.state(s.ID).proxies {
			if x["proxyname"] == px["proxyname"] {
				p.state(s.ID).proxies[i] = px
				return p.msg(true, "修改成功")
			}
		}
	}
	return errInternal("UnboundLocalError: local variable 'conf' referenced before assignment")
}

// removeProxy is panelSite.py L4562 RemoveProxy: null when absent (§1.4).
func (p *Panel) removeProxy(_ *session, f form) any {
	if e := missing(f, "sitename", "proxyname"); e != nil {
		return e
	}
	if s := p.siteByName(f.Get("sitename")); s != nil {
		st := p.state(s.ID)
		for i, x := range st.proxies {
			if x["proxyname"] == f.Get("proxyname") {
				st.proxies = append(st.proxies[:i], st.proxies[i+1:]...)
				p.removeAll(proxyPath(s.Name, f.Get("proxyname")))
				return p.msg(true, "删除成功")
			}
		}
	}
	return nil
}

// getProxyFile is panelSite.py L4898 GetProxyFile.
func (p *Panel) getProxyFile(_ *session, f form) any {
	if e := missing(f, "sitename", "proxyname", "webserver"); e != nil {
		return e
	}
	if s := p.siteByName(f.Get("sitename")); s != nil {
		for _, x := range p.state(s.ID).proxies {
			if x["proxyname"] == f.Get("proxyname") && x["type"] != 1 {
				return p.msg(false, "代理已暂停")
			}
		}
	}
	return p.fileBodyPair(proxyPath(f.Get("sitename"), f.Get("proxyname")))
}

// getRedirectList is panelRedirect.py L614 GetRedirectList (sitename).
func (p *Panel) getRedirectList(_ *session, f form) any {
	if e := missing(f, "sitename"); e != nil {
		return e
	}
	out := []map[string]any{}
	if s := p.siteByName(f.Get("sitename")); s != nil {
		out = append(out, p.state(s.ID).redirects...)
	}
	return out
}

// redirectOf checks CreateRedirect's params (panelRedirect.py
// __CheckRedirectStart L154-230).
func (p *Panel) redirectOf(f form, create bool) (map[string]any, any) {
	if e := missing(f, "sitename", "redirectname", "tourl", "redirectdomain", "redirectpath", "redirecttype",
		"domainorpath", "type", "holdpath"); e != nil {
		return nil, e
	}
	if n := len(f.Get("redirectname")); create && (n < 3 || n > 15) {
		return nil, p.msg(false, "名称必须大于3小于15个字符串")
	}
	if !urlRe.MatchString(f.Get("tourl")) {
		return nil, p.msg(false, "目标URL格式不对 %s"+f.Get("tourl"))
	}
	var domains []string
	if err := jsonUnmarshalAny(f.Get("redirectdomain"), &domains); err != nil {
		return nil, errInternal("json.decoder.JSONDecodeError: Expecting value")
	}
	if f.Get("domainorpath") == "domain" && len(domains) == 0 {
		return nil, p.msg(false, "请选择重定向域名")
	}
	if f.Get("domainorpath") == "path" && !strings.Contains(f.Get("redirectpath"), "/") {
		return nil, p.msg(false, "路径格式不正确，格式为/xxx")
	}
	typ, err1 := atoi(f.Get("type"))
	hold, err2 := atoi(f.Get("holdpath"))
	if err1 != nil || err2 != nil {
		return nil, errInternal("ValueError: invalid literal for int() with base 10")
	}
	return map[string]any{"sitename": f.Get("sitename"), "redirectname": f.Get("redirectname"),
		"tourl": strings.TrimSuffix(f.Get("tourl"), "/"), "redirectdomain": domains,
		"redirectpath": f.Get("redirectpath"), "redirecttype": f.Get("redirecttype"), "type": typ,
		"domainorpath": f.Get("domainorpath"), "holdpath": hold}, nil
}

func redirectPath(site, name string) string {
	return "/www/server/panel/vhost/nginx/redirect/" + site + "/" + md5s(name) + "_" + site + ".conf"
}

func (p *Panel) createRedirect(_ *session, f form) any {
	r, refusal := p.redirectOf(f, true)
	if refusal != nil {
		return refusal
	}
	s := p.siteByName(f.Get("sitename"))
	if s == nil {
		return p.msg(false, "网站不存在")
	}
	st := p.state(s.ID)
	for _, x := range st.redirects {
		if x["redirectname"] == r["redirectname"] {
			return p.msg(false, "指定重定向名称已存在")
		}
	}
	st.redirects = append(st.redirects, r)
	p.writeFile(redirectPath(s.Name, f.Get("redirectname")), []byte("#REWRITE-START\nreturn "+
		f.Get("redirecttype")+" "+f.Get("tourl")+";\n#REWRITE-END"))
	return p.msg(true, "创建成功")
}

func (p *Panel) modifyRedirect(_ *session, f form) any {
	r, refusal := p.redirectOf(f, false)
	if refusal != nil {
		return refusal
	}
	if s := p.siteByName(f.Get("sitename")); s != nil {
		for i, x := range p.state(s.ID).redirects {
			if x["redirectname"] == r["redirectname"] {
				p.state(s.ID).redirects[i] = r
				return p.msg(true, "修改成功")
			}
		}
	}
	return p.msg(true, "修改成功") // ModifyRedirect L255 rewrites the list whether or not the name is in it
}

// deleteRedirect is panelRedirect.py L593: null when absent (§1.4).
func (p *Panel) deleteRedirect(_ *session, f form) any {
	if !f.has("redirectname") {
		return p.msg(false, "缺少参数redirectname")
	}
	if !f.has("sitename") {
		return p.msg(false, "缺少参数sitename")
	}
	if s := p.siteByName(f.Get("sitename")); s != nil {
		st := p.state(s.ID)
		for i, x := range st.redirects {
			if x["redirectname"] == f.Get("redirectname") {
				st.redirects = append(st.redirects[:i], st.redirects[i+1:]...)
				p.removeAll(redirectPath(s.Name, f.Get("redirectname")))
				return p.msg(true, "删除成功")
			}
		}
	}
	return nil
}

// getRedirectFile is panelRedirect.py L647 GetRedirectFile.
func (p *Panel) getRedirectFile(_ *session, f form) any {
	if e := missing(f, "sitename", "redirectname", "webserver"); e != nil {
		return e
	}
	if s := p.siteByName(f.Get("sitename")); s != nil {
		for _, x := range p.state(s.ID).redirects {
			if x["redirectname"] == f.Get("redirectname") && x["type"] != 1 {
				return p.msg(false, "重定向已暂停")
			}
		}
	}
	return p.fileBodyPair(redirectPath(f.Get("sitename"), f.Get("redirectname")))
}

// addDomain is panelSite.py L1169 AddDomain: domain is a comma list; the
// answer {"domains":[{name,status,msg}]} has no status (L7298).
func (p *Panel) addDomain(_ *session, f form) any {
	if !f.has("webname") {
		return p.msg(false, "网站选择错误")
	}
	if !f.has("domain") {
		return p.msg(false, "请填写域名!")
	}
	if len(f.Get("domain")) < 3 {
		return p.msg(false, "SITE_ADD_DOMAIN_ERR_EMPTY")
	}
	if e := missing(f, "id"); e != nil {
		return e
	}
	res := []map[string]any{}
	for _, d := range strings.Split(strings.ReplaceAll(strings.TrimSpace(f.Get("domain")), " ", ""), ",") {
		if d == "" {
			continue
		}
		host, port, _ := strings.Cut(d, ":")
		host = strings.ToLower(host)
		if port == "" {
			port = "80"
		}
		n, err := strconv.Atoi(port)
		switch {
		case !validDomain(host):
			res = append(res, map[string]any{"name": host, "status": false, "msg": "域名格式不正确"})
			continue
		case err != nil:
			res = append(res, map[string]any{"name": host, "status": false, "msg": "端口不合法，应该为数字"})
			continue
		case n < 1 || n > 65535:
			res = append(res, map[string]any{"name": host, "status": false, "msg": "端口范围不合法"})
			continue
		}
		if owner := p.domainOwner(host, n); owner != nil {
			res = append(res, map[string]any{"name": host, "status": false,
				"msg": "指定域名[" + host + "]已被网站[" + owner.Name + "]绑定过了"})
			continue
		}
		p.domains = append(p.domains, &Domain{ID: p.next(seqDomain), PID: f.int64("id"), Name: host, Port: n, Added: now()})
		res = append(res, map[string]any{"name": host, "status": true, "msg": "添加成功"})
	}
	return map[string]any{"domains": res}
}

func (p *Panel) domainOwner(host string, port int) *Site {
	for _, d := range p.domains {
		if d.Name == host && d.Port == port {
			return p.site(d.PID)
		}
	}
	return nil
}

// delDomain is panelSite.py L1535 DelDomain (id, webname, domain, port).
func (p *Panel) delDomain(_ *session, f form) any {
	if !f.has("id") {
		return p.msg(false, "请选择域名")
	}
	if !f.has("port") {
		return p.msg(false, "请选择端口")
	}
	var found *Domain
	n := 0
	for _, d := range p.domains {
		if strconv.FormatInt(d.PID, 10) == f.Get("id") {
			n++
			if d.Name == f.Get("domain") && strconv.Itoa(d.Port) == f.Get("port") {
				found = d
			}
		}
	}
	if found == nil {
		return p.msg(false, "未查询到指定域名，无法删除")
	}
	if n == 1 {
		return p.msg(false, "SITE_DEL_DOMAIN_ERR_ONLY")
	}
	if e := missing(f, "webname"); e != nil {
		return e
	}
	p.domains = without(p.domains, func(d *Domain) bool { return d == found })
	return p.msg(true, "DEL_SUCCESS")
}

// siteToBackup is panelSite.py L5484 ToBackup (id).
func (p *Panel) siteToBackup(_ *session, f form) any {
	if !f.has("id") {
		return p.msg(false, "参数错误")
	}
	s := p.site(f.int64("id"))
	if s == nil {
		return errInternal("TypeError: 'NoneType' object is not subscriptable") // find['path'] before the check
	}
	p.backupSeq++
	name := s.Name + "_" + strings.NewReplacer("-", "", ":", "", " ", "_").Replace(now()) + ".tar.gz"
	p.backups = append(p.backups, &backupRow{ID: p.backupSeq, PID: s.ID, Type: 0, Name: name,
		Filename: "/www/backup/site/" + s.Name + "/" + name, Added: now()})
	return p.msg(true, "BACKUP_SUCCESS")
}

// siteDelBackup is panelSite.py L5541 DelBackup (id): any row (§1.4).
func (p *Panel) siteDelBackup(_ *session, f form) any {
	if e := missing(f, "id"); e != nil {
		return e
	}
	id := f.int64("id")
	for _, b := range p.backups {
		if b.ID == id {
			p.backups = without(p.backups, func(x *backupRow) bool { return x.ID == id })
			return p.msg(true, "DEL_SUCCESS")
		}
	}
	return p.msg(true, "未查询到备份文件")
}

// getSSL is panelSite.py L2743 GetSSL (siteName).
func (p *Panel) getSSL(_ *session, f form) any {
	if e := missing(f, "siteName"); e != nil {
		return e
	}
	s := p.siteByName(f.Get("siteName"))
	if s == nil || p.state(s.ID).cert == "" {
		return map[string]any{"status": false, "oid": -1, "domain": []any{}, "key": "", "csr": "", "type": 0,
			"httpTohttps": false, "cert_data": map[string]any{}, "email": "", "index": "", "auth_type": "http"}
	}
	st := p.state(s.ID)
	return map[string]any{"status": true, "oid": -1, "domain": []any{}, "key": st.key, "csr": st.cert, "type": 0,
		"httpTohttps": st.https, "email": "", "index": "", "auth_type": "http",
		"cert_data": map[string]any{"issuer": "Fake CA", "notBefore": "2026-01-01", "notAfter": "2027-01-01",
			"dns": []string{s.Name}}}
}

// setSSL is panelSite.py L1670 SetSSL (siteName, key, csr).
func (p *Panel) setSSL(_ *session, f form) any {
	if e := missing(f, "siteName", "key", "csr"); e != nil {
		return e
	}
	switch {
	case !strings.Contains(f.Get("key"), "KEY"):
		return p.msg(false, "秘钥错误，请检查!")
	case !strings.Contains(f.Get("csr"), "CERTIFICATE"):
		return p.msg(false, "证书错误，请检查!")
	}
	s := p.siteByName(f.Get("siteName"))
	if s == nil {
		return p.msg(false, "网站不存在")
	}
	st := p.state(s.ID)
	st.key, st.cert = f.Get("key"), f.Get("csr")
	return p.msg(true, "SITE_SSL_SUCCESS")
}

// closeSSLConf is panelSite.py L2593 CloseSSLConf (siteName).
func (p *Panel) closeSSLConf(_ *session, f form) any {
	if e := missing(f, "siteName"); e != nil {
		return e
	}
	if s := p.siteByName(f.Get("siteName")); s != nil {
		st := p.state(s.ID)
		st.key, st.cert, st.https = "", "", false
	}
	return p.msg(true, "SITE_SSL_CLOSE_SUCCESS")
}

// httpToHttps is panelSite.py L2443 HttpToHttps (siteName).
func (p *Panel) httpToHttps(_ *session, f form) any {
	if e := missing(f, "siteName"); e != nil {
		return e
	}
	s := p.siteByName(f.Get("siteName"))
	if s == nil || p.state(s.ID).cert == "" {
		return p.msg(false, "当前未开启SSL")
	}
	p.state(s.ID).https = true
	return p.msg(true, "SET_SUCCESS")
}

// closeToHttps is panelSite.py L2520 CloseToHttps (siteName).
func (p *Panel) closeToHttps(_ *session, f form) any {
	if e := missing(f, "siteName"); e != nil {
		return e
	}
	if s := p.siteByName(f.Get("siteName")); s != nil {
		p.state(s.ID).https = false
	}
	return p.msg(true, "SET_SUCCESS")
}

// ftpSetUserPassword is ftp.py L195 SetUserPassword (id, ftp_username,
// new_password).
func (p *Panel) ftpSetUserPassword(_ *session, f form) any {
	if e := missing(f, "id", "ftp_username", "new_password"); e != nil {
		return e
	}
	for _, x := range p.ftps {
		if strconv.FormatInt(x.ID, 10) == f.Get("id") {
			x.Password = f.Get("new_password")
			return p.msg(true, "FTP_PASS_SUCCESS")
		}
	}
	return p.msg(false, "FTP_PASS_ERR")
}

// pluginA is panelPlugin.py L3793 a (name, s): an installed plugin's
// function; an absent one raises inside Plugin(name) and answers the
// plugin error page, HTTP 500 (L3815-3819).
func (p *Panel) pluginA(_ *session, f form) any {
	if !f.has("name") {
		return p.msg(false, "PLUGIN_INPUT_A")
	}
	if !f.has("s") {
		return p.msg(true, "权限正常！")
	}
	name := f.Get("name")
	installed := false
	for _, x := range p.plugins {
		installed = installed || x == name
	}
	if !installed {
		return errInternal("<html>插件 " + name + " 未安装</html>")
	}
	s := p.siteByName(f.Get("siteName"))
	if s == nil && name != "monitor" {
		return errInternal("KeyError: '" + f.Get("siteName") + "'")
	}
	return p.pluginCall(name, f.Get("s"), s, f)
}

func (p *Panel) pluginCall(name, fn string, s *Site, f form) any {
	switch name + "." + fn {
	case "btwaf.get_site_config_byname":
		return p.state(s.ID).waf
	case "btwaf.set_site_obj_open":
		waf := p.state(s.ID).waf
		obj := f.Get("obj")
		if m, ok := waf[obj].(map[string]any); ok {
			m["open"] = !isTrue(m["open"])
		} else {
			waf[obj] = !isTrue(waf[obj])
		}
		return p.msg(true, "设置成功!")
	case "btwaf.set_site_cc_conf":
		cc := p.state(s.ID).waf["cc"].(map[string]any)
		for _, k := range []string{"cycle", "limit", "endtime"} {
			n, err := atoi(f.Get(k))
			if err != nil {
				return errInternal("ValueError: invalid literal for int() with base 10")
			}
			cc[k] = n
		}
		cc["increase"] = f.Get("increase") == "1"
		return p.msg(true, "设置成功!")
	case "btwaf.set_site_retry":
		waf := p.state(s.ID).waf
		for _, k := range []string{"retry", "retry_cycle", "retry_time"} {
			n, err := atoi(f.Get(k))
			if err != nil {
				return errInternal("ValueError: invalid literal for int() with base 10")
			}
			waf[k] = n
		}
		return p.msg(true, "设置成功!")
	case "tamper_proof.get_site_find":
		return map[string]any{"siteName": s.Name, "open": p.state(s.ID).tamper, "path": s.Path}
	case "tamper_proof.set_site_status":
		p.state(s.ID).tamper = !p.state(s.ID).tamper
		return p.msg(true, "设置成功!")
	case "monitor.get_site_total_list_custom":
		if e := missing(f, "SiteName", "start_date", "end_date"); e != nil {
			return e
		}
		return map[string]any{"list": []map[string]any{{"date": f.Get("start_date"), "request": 150},
			{"date": f.Get("end_date"), "request": 230}}, "total": map[string]any{"request": 380}}
	}
	return errInternal("AttributeError: module has no attribute '" + fn + "'")
}

func isTrue(v any) bool { b, _ := v.(bool); return b }

// pluginSoftFind answers get_soft_find for the plugins this fake knows.
func (p *Panel) pluginSoftFind(name string) (any, bool) {
	title, ok := map[string]string{"btwaf": "Nginx防火墙", "tamper_proof": "网站防篡改程序",
		"monitor": "网站监控报表"}[name]
	if !ok {
		return nil, false
	}
	setup := false
	for _, x := range p.plugins {
		setup = setup || x == name
	}
	return map[string]any{"name": name, "title": title, "setup": setup, "status": setup, "ext": ""}, true
}
