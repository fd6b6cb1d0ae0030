package btpanel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The plugins' own code is closed source (providers.md §1.4): the calls
// below follow §1.2's reading of how the panel and BTY call them. They run
// through /plugin?action=a&name=<plugin>&s=<function> (panelPlugin.py L3793
// a(): an absent plugin raises inside Plugin(name) and answers an HTML
// error page, HTTP 500, L3815-3819), so each call asks get_soft_find
// (panelPlugin.py L2362) first whether the plugin is installed.

// Plugin names and their titles in the panel's shop.
var pluginTitles = map[string]string{
	"btwaf":        "Nginx防火墙",
	"tamper_proof": "网站防篡改程序",
	"monitor":      "网站监控报表",
}

func (x siteCall) runPlugin(ctx context.Context, op provider.SiteOp) (any, error) {
	switch op {
	case provider.OpWAFConfig:
		return x.wafConfig(ctx)
	case provider.OpWAFSwitch:
		return nil, x.wafSwitch(ctx)
	case provider.OpWAFCC:
		return nil, x.pluginWrite(ctx, "btwaf", "set_site_cc_conf", "cycle", "limit", "endtime", "increase",
			"cc_mode", "cc_increase_type", "increase_wu_heng", "is_open_global")
	case provider.OpWAFRetry:
		return nil, x.pluginWrite(ctx, "btwaf", "set_site_retry", "retry", "retry_cycle", "retry_time")
	case provider.OpTamperSwitch:
		return nil, x.tamperSwitch(ctx)
	case provider.OpSiteTotals:
		return x.totals(ctx)
	}
	return nil, fmt.Errorf("%w: operation %s", provider.ErrUnsupported, op)
}

// plugin calls function s of an installed plugin with the site's siteName
// and p.
func (x siteCall) plugin(ctx context.Context, name, s string, p url.Values) (json.RawMessage, error) {
	raw, err := x.call(ctx, "plugin", "get_soft_find", url.Values{"sName": {name}})
	if err != nil {
		return nil, err
	}
	var soft struct {
		Setup bool `json:"setup"`
	}
	if json.Unmarshal(raw, &soft) != nil || !soft.Setup { // false: the shop has no such plugin
		return nil, &provider.PluginMissingError{Plugin: name, Title: pluginTitles[name]}
	}
	form := url.Values{"name": {name}, "s": {s}}
	for k, v := range p {
		form[k] = v
	}
	return x.call(ctx, "plugin", "a", form)
}

func (x siteCall) pluginWrite(ctx context.Context, name, s string, keys ...string) error {
	p := url.Values{"siteName": {x.name}}
	for _, k := range keys {
		if v, ok := x.a[k]; ok {
			p.Set(k, v)
		}
	}
	_, err := x.plugin(ctx, name, s, p)
	return err
}

// wafConfig is btwaf get_site_config_byname (siteName): the site's WAF
// settings, of which the answer keeps open, cc, user-agent and the retry
// settings.
func (x siteCall) wafConfig(ctx context.Context) (map[string]any, error) {
	raw, err := x.plugin(ctx, "btwaf", "get_site_config_byname", url.Values{"siteName": {x.name}})
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, unexpected("get_site_config_byname", raw, err)
	}
	return map[string]any{
		"open":       cfg["open"],
		"cc":         cfg["cc"],
		"user_agent": cfg["user-agent"],
		"retry": map[string]any{"retry": cfg["retry"], "retry_cycle": cfg["retry_cycle"],
			"retry_time": cfg["retry_time"]},
	}, nil
}

// wafSwitch sets btwaf's obj of the site on or off. set_site_obj_open
// (siteName, obj) toggles, so it is called only when the state read by
// get_site_config_byname differs: a retry changes nothing.
func (x siteCall) wafSwitch(ctx context.Context) error {
	raw, err := x.plugin(ctx, "btwaf", "get_site_config_byname", url.Values{"siteName": {x.name}})
	if err != nil {
		return err
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return unexpected("get_site_config_byname", raw, err)
	}
	obj := x.a["obj"]
	cur := isOn(cfg[obj])
	if m, ok := cfg[obj].(map[string]any); ok {
		cur = isOn(m["open"])
	}
	if cur == (x.a["status"] == "1") {
		return nil
	}
	_, err = x.plugin(ctx, "btwaf", "set_site_obj_open", url.Values{"siteName": {x.name}, "obj": {obj}})
	return err
}

// tamperSwitch sets tamper_proof on or off for the site: get_site_find
// (siteName) reads its state, set_site_status (siteName) toggles it.
func (x siteCall) tamperSwitch(ctx context.Context) error {
	raw, err := x.plugin(ctx, "tamper_proof", "get_site_find", url.Values{"siteName": {x.name}})
	if err != nil {
		return err
	}
	var cur struct {
		Open any `json:"open"`
	}
	if err := json.Unmarshal(raw, &cur); err != nil {
		return unexpected("get_site_find", raw, err)
	}
	if isOn(cur.Open) == (x.a["status"] == "1") {
		return nil
	}
	_, err = x.plugin(ctx, "tamper_proof", "set_site_status", url.Values{"siteName": {x.name}})
	return err
}

// totals is monitor get_site_total_list_custom (SiteName with a capital S,
// start_date, end_date, part_type).
func (x siteCall) totals(ctx context.Context) (provider.Totals, error) {
	raw, err := x.plugin(ctx, "monitor", "get_site_total_list_custom", url.Values{"SiteName": {x.name},
		"start_date": {x.a["start_date"]}, "end_date": {x.a["end_date"]}, "part_type": {x.a["part_type"]}})
	if err != nil {
		return provider.Totals{}, err
	}
	var ans struct {
		List  []map[string]any `json:"list"`
		Total json.RawMessage  `json:"total"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return provider.Totals{}, unexpected("get_site_total_list_custom", raw, err)
	}
	if ans.List == nil {
		ans.List = []map[string]any{}
	}
	return provider.Totals{List: ans.List, Total: int64(len(ans.List))}, nil
}

func isOn(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case float64:
		return v != 0
	case string:
		return v == "1" || v == "true"
	}
	return false
}
