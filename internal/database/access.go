package database

import (
	"fmt"
	"net"
	"path"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
)

// maxHosts bounds an access list.
const maxHosts = 20

// readAccess reads sql_set_access's dataAccess, access and address into
// the hosts the panel is given: "%", "127.0.0.1", or addresses one a line.
// dataAccess is % (every host), 127.0.0.1 (the panel's own) or ip; with ip,
// access is a newline-separated list and address one more entry, each an
// IPv4 or IPv6 address or an IPv4 network a.b.c.d/8, /16, /24 or /32 (the
// netmask form every MySQL version accepts, sent as a.b.c.d/255.255.255.0).
// Anything else is a ParamError naming the parameter.
func readAccess(p dispatch.Params) (string, error) {
	mode, err := p.RequiredText("dataAccess")
	if err != nil {
		return "", err
	}
	access, err := p.Text("access")
	if err != nil {
		return "", err
	}
	address, err := p.Text("address")
	if err != nil {
		return "", err
	}
	switch strings.TrimSpace(mode) {
	case "%", "127.0.0.1":
		if strings.TrimSpace(address) != "" {
			return "", dispatch.ParamError("address", "仅在dataAccess为ip时可用")
		}
		return strings.TrimSpace(mode), nil
	case "ip":
	default:
		return "", dispatch.ParamError("dataAccess", "须为%、127.0.0.1或ip")
	}
	var hosts []string
	for _, f := range []struct{ name, value string }{{"access", access}, {"address", address}} {
		for _, line := range strings.Split(strings.ReplaceAll(f.value, "\r\n", "\n"), "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			h, err := host(line)
			if err != nil {
				return "", dispatch.ParamError(f.name, err.Error())
			}
			if !contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	switch {
	case len(hosts) == 0:
		return "", dispatch.MissingParam("access")
	case len(hosts) > maxHosts:
		return "", dispatch.ParamError("access", fmt.Sprintf("最多%d个地址", maxHosts))
	}
	return strings.Join(hosts, "\n"), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// netmasks are the IPv4 prefixes readAccess takes, as MySQL's netmasks.
var netmasks = map[string]string{"8": "255.0.0.0", "16": "255.255.0.0", "24": "255.255.255.0", "32": "255.255.255.255"}

// host checks one entry of an access list and returns it as MySQL takes it.
func host(s string) (string, error) {
	if ip := net.ParseIP(s); ip != nil {
		if ip.IsUnspecified() {
			return "", fmt.Errorf("%s 不是可用的地址", s)
		}
		return ip.String(), nil
	}
	addr, bits, ok := strings.Cut(s, "/")
	mask, known := netmasks[bits]
	ip := net.ParseIP(addr).To4()
	if !ok || !known || ip == nil {
		return "", fmt.Errorf("%s 须为IP地址或a.b.c.d/8、/16、/24、/32网段", s)
	}
	if network := ip.Mask(net.IPMask(net.ParseIP(mask).To4())); !network.Equal(ip) {
		return "", fmt.Errorf("%s 须为网段的起始地址", s)
	}
	return ip.String() + "/" + mask, nil
}

// shownAccess is a host list as sql_get_access shows it: MySQL's
// netmasks back as /8, /16, /24, /32.
func shownAccess(hosts string) string {
	for bits, mask := range netmasks {
		hosts = strings.ReplaceAll(hosts, "/"+mask, "/"+bits)
	}
	return hosts
}

// readDBPassword reads sql_reset_password's password: the rules of
// semantics.md §6, and none of the characters the panel refuses or puts
// into SQL unescaped (quotes, &, \, database.py L1318, L1326).
func readDBPassword(p dispatch.Params) (string, error) {
	pw, err := p.RequiredText("password")
	if err != nil {
		return "", err
	}
	if err := orderflow.CheckPassword(pw); err != nil {
		return "", dispatch.ParamError("password", err.Error())
	}
	if strings.ContainsAny(pw, "'\"&\\`") {
		return "", dispatch.ParamError("password", "不能包含引号、&、\\或`")
	}
	return pw, nil
}

// importExts are the files InputSql imports (database.py L1771-1774).
var importExts = []string{".sql", ".sql.zip", ".zip", ".sql.gz", ".gz", ".tar.gz", ".tgz"}

// errOutsideBackups is the answer for any file sql_input_backup may not
// import.
var errOutsideBackups = dispatch.ParamError("file", "超出备份目录")

// confineImport checks sql_input_backup's file before anything asks the
// panel: an absolute, clean path (no .., ./, //, |, % or control
// characters: InputSql downloads a|b|c from cloud storage, L1749) with an
// importable extension, that is either in this database's backup
// directory (<backup_path>/database/mysql/<db_name>/<db_name>_...) or
// inside site, the root of the hosting order the database is bundled with
// ("" for none). It returns errOutsideBackups otherwise; whether the file
// is one of the database's own backups is checked against the panel's
// list afterwards.
func confineImport(file, dbName, site string) (inBackups bool, err error) {
	if file == "" || file[0] != '/' || path.Clean(file) != file || strings.Contains(file, "..") ||
		strings.ContainsAny(file, "|%\\") || strings.ContainsFunc(file, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return false, errOutsideBackups
	}
	ext := false
	for _, e := range importExts {
		ext = ext || strings.HasSuffix(file, e)
	}
	if !ext {
		return false, errOutsideBackups
	}
	dir, name := path.Split(file)
	if strings.HasSuffix(dir, "/database/mysql/"+dbName+"/") && strings.HasPrefix(name, dbName+"_") {
		return true, nil
	}
	if site != "" && path.Clean(site) == site && site != "/" && strings.HasPrefix(file, site+"/") {
		return false, nil
	}
	return false, errOutsideBackups
}
