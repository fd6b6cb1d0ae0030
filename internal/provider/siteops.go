package provider

import (
	"context"
	"fmt"
)

// SiteOp names one operation on a hosting site (a hosting_operate
// sub-operation as the drivers know it).
type SiteOp string

// The site operations. Reads return the value named beside them; writes
// return nil. Args are the keys of SiteArgs each one reads, already checked
// by the business (the driver still refuses what its panel refuses).
const (
	OpFTPPassword  SiteOp = "ftp_password"    // user, password
	OpSetPHP       SiteOp = "set_php"         // version ("81")
	OpGetSecurity  SiteOp = "get_security"    // → Security
	OpSetSecurity  SiteOp = "set_security"    // fix (a,b), domains (a,b), status (1/0), return_rule
	OpGetIndex     SiteOp = "get_index"       // → string "index.php,index.html"
	OpSetIndex     SiteOp = "set_index"       // index (a,b)
	OpGetRunPath   SiteOp = "get_run_path"    // → RunPath
	OpSetRunPath   SiteOp = "set_run_path"    // run_path
	OpGetUserINI   SiteOp = "get_user_ini"    // → UserINI
	OpSetUserINI   SiteOp = "set_user_ini"    // status (1/0): open_basedir on or off
	OpDirBinding   SiteOp = "dir_binding"     // → DirBinding
	OpRewriteList  SiteOp = "rewrite_list"    // → []string
	OpProxyList    SiteOp = "proxy_list"      // → []Proxy
	OpProxyCreate  SiteOp = "proxy_create"    // Proxy fields
	OpProxyModify  SiteOp = "proxy_modify"    // Proxy fields
	OpProxyDelete  SiteOp = "proxy_delete"    // proxyname
	OpProxyFile    SiteOp = "proxy_file"      // proxyname → string
	OpRedirectList SiteOp = "redirect_list"   // → []Redirect
	OpRedirectAdd  SiteOp = "redirect_create" // Redirect fields
	OpRedirectMod  SiteOp = "redirect_modify" // Redirect fields
	OpRedirectDel  SiteOp = "redirect_delete" // redirectname
	OpRedirectFile SiteOp = "redirect_file"   // redirectname → string
	OpRedirectSave SiteOp = "redirect_save"   // redirectname, text
	OpDomainList   SiteOp = "domain_list"     // → []Domain
	OpDomainAdd    SiteOp = "domain_add"      // domains ("a.com:80,b.com:8080")
	OpDomainDel    SiteOp = "domain_del"      // name, port
	OpBackupList   SiteOp = "backup_list"     // → []Backup
	OpBackupCreate SiteOp = "backup_create"   //
	OpBackupDelete SiteOp = "backup_delete"   // id
	OpGetSSL       SiteOp = "get_ssl"         // → SSL
	OpSetSSL       SiteOp = "set_ssl"         // key, cert
	OpCloseSSL     SiteOp = "close_ssl"       //
	OpHTTPSOn      SiteOp = "https_on"        //
	OpHTTPSOff     SiteOp = "https_off"       //
	OpWAFConfig    SiteOp = "waf_config"      // → map (plugin btwaf)
	OpWAFSwitch    SiteOp = "waf_switch"      // obj, status (1/0) (plugin btwaf)
	OpWAFCC        SiteOp = "waf_cc"          // cycle, limit, endtime, increase, cc_mode, ... (plugin btwaf)
	OpWAFRetry     SiteOp = "waf_retry"       // retry, retry_cycle, retry_time (plugin btwaf)
	OpTamperSwitch SiteOp = "tamper_switch"   // status (1/0) (plugin tamper_proof)
	OpSiteTotals   SiteOp = "site_totals"     // start_date, end_date, part_type → Totals (plugin monitor)
)

// SiteArgs are an operation's parameters, by name.
type SiteArgs map[string]string

// SiteOps runs the operations of a hosting site on a panel (btpanel, sim,
// manual). SiteOp returns what the operation reads, or nil for a write. It
// returns an error wrapping ErrUnsupported when the driver cannot run op
// (manual: a read that only staff could answer), a *PluginMissingError when
// the panel lacks the plugin op needs, ErrNotFound when the site or the named
// item is gone, ErrRejected when the panel refuses, ErrUnavailable when it
// cannot be reached.
type SiteOps interface {
	SiteOp(ctx context.Context, s Site, op SiteOp, args SiteArgs) (any, error)
}

// Writes reports whether op changes the site (the manual driver turns
// these into tasks for staff).
func (op SiteOp) Writes() bool {
	switch op {
	case OpGetSecurity, OpGetIndex, OpGetRunPath, OpGetUserINI, OpDirBinding, OpRewriteList,
		OpProxyList, OpProxyFile, OpRedirectList, OpRedirectFile, OpDomainList, OpBackupList,
		OpGetSSL, OpWAFConfig, OpSiteTotals:
		return false
	}
	return true
}

// PluginMissingError is a panel without the plugin an operation needs
// (btwaf, tamper_proof, monitor). It wraps ErrRejected.
type PluginMissingError struct {
	Plugin string // the panel's name of it
	Title  string // what it is called in the panel's shop
}

func (e *PluginMissingError) Error() string {
	return fmt.Sprintf("the panel has no plugin %s (%s) installed", e.Plugin, e.Title)
}

// Unwrap makes a missing plugin a refusal for good.
func (e *PluginMissingError) Unwrap() error { return ErrRejected }

// Proxy is a site's reverse proxy, in the panel's (and the document's)
// field names.
type Proxy struct {
	Name      string `json:"proxyname"`
	Dir       string `json:"proxydir"`
	Target    string `json:"proxysite"`
	ToDomain  string `json:"todomain"`
	Type      int    `json:"type"` // 1 on, 0 paused
	Cache     int    `json:"cache"`
	CacheTime int    `json:"cachetime"`
	Advanced  int    `json:"advanced"`
	SubFilter string `json:"subfilter"` // JSON text: [{"sub1":"","sub2":""}]
}

// Redirect is a site's redirect rule.
type Redirect struct {
	Name         string   `json:"redirectname"`
	ToURL        string   `json:"tourl"`
	Domains      []string `json:"redirectdomain"`
	Path         string   `json:"redirectpath"`
	Kind         string   `json:"redirecttype"` // 301 | 302
	Type         int      `json:"type"`         // 1 on, 0 off
	DomainOrPath string   `json:"domainorpath"` // domain | path
	HoldPath     int      `json:"holdpath"`
}

// Domain is a domain bound to a site.
type Domain struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Port  int    `json:"port"`
	Added string `json:"addtime"`
}

// Backup is a backup of a site.
type Backup struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
	Added    string `json:"addtime"`
}

// Security is a site's hotlink protection (防盗链).
type Security struct {
	Fix        []string // file extensions, without the dot
	Domains    []string // allowed referers
	On         bool
	ReturnRule string // 404, 403, ... or /path.png
}

// RunPath is a site's run directory and the ones it may choose.
type RunPath struct {
	Path string   `json:"runPath"`
	Dirs []string `json:"dirs"`
}

// UserINI is the state of a site's three switches.
type UserINI struct {
	OpenBasedir bool
	Logs        bool
	Password    bool
	RunPath     RunPath
}

// DirBinding is a site's subdirectories and the domains bound to them.
type DirBinding struct {
	Dirs     []string         `json:"dirs"`
	Bindings []map[string]any `json:"binding"`
}

// SSL is a site's certificate as the panel reports it.
type SSL struct {
	Status    bool     `json:"status"`
	StartDate string   `json:"startDate"`
	EndDate   string   `json:"endDate"`
	Issuer    string   `json:"issuer"`
	DNS       []string `json:"dns"`
	HTTPS     bool     `json:"httpTohttps"`
}

// Totals is a site's monitoring report.
type Totals struct {
	List  []map[string]any `json:"list"`
	Total int64            `json:"total"`
}
