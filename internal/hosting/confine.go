package hosting

import (
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// The file manager's confinement. The panel runs its file calls as root
// and checks none of their paths (providers.md §1.4), and several of them
// reach a shell unquoted (files.py L1603 `chattr -R -i ` + path, L3605;
// panelTask.py L442 and L583 quote with ' only). So every path parameter of
// every file sub-operation passes through confine before any panel call.

// Bounds of a path parameter.
const (
	maxPathBytes = 1024 // PATH_MAX is 4096; no site needs a quarter of it
	maxNameBytes = 255  // NAME_MAX
)

// unsafeRunes are what a confined path may not hold, besides control
// characters and blanks: the shell's metacharacters (the panel builds
// commands with them), "\" (a separator elsewhere), "%" (GetFileBody
// URL-decodes once more, files.py L2328) and "&" ";" (xssdecode turns
// HTML entities back into characters, files.py L260).
const unsafeRunes = "\\'\"`$;&|<>*?[]{}()~%!#"

// siteFiles are the file manager's view of one order: its site root and
// the panel files of the site a reseller may edit.
type siteFiles struct {
	root string // clean, absolute: /www/wwwroot/test
	name string // the panel's site name (the main domain)
}

// redirectOrProxy matches the site's redirect and proxy files
// (panelRedirect.py, panelSite.py GetProxyFile):
// /www/server/panel/vhost/<server>/<redirect|proxy>/<site>/<md5>_<site>.conf.
var redirectOrProxy = regexp.MustCompile(`^/www/server/panel/vhost/(nginx|apache)/(redirect|proxy)/([^/]+)/[0-9a-f]{32}_([^/]+)\.conf$`)

// rewriteFile is the site's own rewrite rules file on a web server.
func (s siteFiles) rewriteFile(server string) string {
	return "/www/server/panel/vhost/rewrite/" + server + "/" + s.name + ".conf"
}

// panelFile reports whether p is one of the site's own panel files.
func (s siteFiles) panelFile(p string) bool {
	if p == s.rewriteFile("nginx") || p == s.rewriteFile("apache") {
		return true
	}
	m := redirectOrProxy.FindStringSubmatch(p)
	return m != nil && m[3] == s.name && m[4] == s.name
}

// inside reports whether the clean path p is the root or under it.
func (s siteFiles) inside(p string) bool {
	return p == s.root || strings.HasPrefix(p, s.root+"/")
}

// confine is the one check of every path parameter: raw, URL-decoded once
// and cleaned, must lie inside the site root (or, with panelFiles, be
// exactly one of the site's own panel files). It returns the clean path
// to send to the panel, or 参数错误: <param> 超出站点目录.
func (s siteFiles) confine(param, raw string, panelFiles bool) (string, error) {
	refuse := dispatch.ParamError(param, "超出站点目录")
	if raw == "" || len(raw) > 3*maxPathBytes {
		return "", refuse
	}
	p, err := url.PathUnescape(raw)
	if err != nil || len(p) > maxPathBytes || !utf8.ValidString(p) || !strings.HasPrefix(p, "/") {
		return "", refuse
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || unicode.IsControl(r) || unicode.IsSpace(r) ||
			strings.ContainsRune(unsafeRunes, r) || r == utf8.RuneError {
			return "", refuse
		}
	}
	for _, part := range strings.Split(p, "/") {
		if len(part) > maxNameBytes {
			return "", refuse
		}
	}
	p = path.Clean(p)
	if s.inside(p) || (panelFiles && s.panelFile(p)) {
		return p, nil
	}
	return "", refuse
}

// confineName confines a name that must be one entry of dir (a batch's
// arr, zip's filename, check_exists's filename): dir/name goes through
// confine and must stay directly in dir. It returns the name as the panel
// must get it (decoded).
func (s siteFiles) confineName(param, dir, raw string) (string, error) {
	if raw == "" || strings.Contains(raw, "/") || strings.Contains(strings.ToLower(raw), "%2f") {
		return "", dispatch.ParamError(param, "超出站点目录")
	}
	p, err := s.confine(param, dir+"/"+raw, false)
	if err != nil {
		return "", err
	}
	if path.Dir(p) != dir || p == dir {
		return "", dispatch.ParamError(param, "超出站点目录")
	}
	return path.Base(p), nil
}

// within confines raw and refuses the root itself: what a sub-operation
// deletes, moves or copies away must be inside it.
func (s siteFiles) within(param, raw string) (string, error) {
	p, err := s.confine(param, raw, false)
	if err != nil {
		return "", err
	}
	if p == s.root {
		return "", dispatch.ParamError(param, "不能是站点根目录")
	}
	return p, nil
}
