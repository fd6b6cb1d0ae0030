// Package btpanel drives a 宝塔 (BT) panel through its HTTP API: web hosting
// sites with their FTP account and database, standalone databases, PHP
// versions and phpMyAdmin's address (provider.PanelDriver), and a general
// Call for the hosting_operate sub-operations (providers.md §1.3).
//
// A catalogue line opens it with the provider object
//
//	{"driver":"btpanel","url":"http://host:8888","key":"<api_sk>",
//	 "site_root":"/www/wwwroot","php_default":"81",
//	 "tls_insecure_skip_verify":false,"ca_cert":"<PEM>",
//	 "save_max_bytes":1048576,"upload_max_bytes":1073741824}
//
// where site_root, php_default, the TLS settings (provider.TLS) and the
// file manager's limits (hosting_save_file_body, hosting_upload;
// fileops.go) are optional. Every request is signed
// with request_time and request_token = md5(request_time + md5(key)), and
// each driver keeps the panel's session cookie in a cookie jar of its own.
// The subpackage btpanelfake is an in-memory BT panel for tests.
package btpanel

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

func init() {
	provider.Register("btpanel", Open)
}

// Defaults of the optional configuration keys.
const (
	DefaultSiteRoot   = "/www/wwwroot"
	DefaultPHPVersion = "81"
)

// Config is the catalogue's provider object for a BT panel.
type Config struct {
	URL        string `json:"url"`         // http(s)://host:8888
	Key        string `json:"key"`         // the panel's API key (api_sk)
	SiteRoot   string `json:"site_root"`   // where new sites go; DefaultSiteRoot
	PHPDefault string `json:"php_default"` // a site's PHP when its spec has none; DefaultPHPVersion
	// SaveMaxBytes and UploadMaxBytes bound hosting_save_file_body and
	// hosting_upload; 0 is DefaultSaveBytes and DefaultUploadBytes.
	SaveMaxBytes   int64 `json:"save_max_bytes"`
	UploadMaxBytes int64 `json:"upload_max_bytes"`
}

// String shows the configuration without the key.
func (c Config) String() string {
	return fmt.Sprintf("btpanel{url:%s site_root:%s php_default:%s key:%s}",
		c.URL, c.SiteRoot, c.PHPDefault, mask(c.Key))
}

// GoString shows the configuration without the key.
func (c Config) GoString() string { return c.String() }

func mask(s string) string {
	if s == "" {
		return `""`
	}
	return "***"
}

// Driver is a provider.PanelDriver on one BT panel.
type Driver struct {
	c          *Client
	siteRoot   string
	phpDefault string
	saveMax    int64 // file manager limits (fileops.go)
	uploadMax  int64
}

var _ provider.PanelDriver = (*Driver)(nil)

// Open is the registry's factory: it decodes the provider object and
// returns a Set with only Panel. It returns an error (never naming the key)
// when the object is not valid JSON or the configuration is invalid.
func Open(raw json.RawMessage, deps provider.Deps) (provider.Set, error) {
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return provider.Set{}, fmt.Errorf("btpanel: config: %w", err)
	}
	hc, err := provider.HTTPClient(raw, deps.HTTP)
	if err != nil {
		return provider.Set{}, fmt.Errorf("btpanel: config: %w", err)
	}
	deps.HTTP = hc
	d, err := New(cfg, deps)
	if err != nil {
		return provider.Set{}, err
	}
	return provider.Set{Panel: d}, nil
}

// New returns the driver of the panel cfg names, using deps.HTTP's transport
// and timeout and deps.Now. It returns an error when the URL, key, site root
// or PHP version is invalid.
func New(cfg Config, deps provider.Deps) (*Driver, error) {
	c, err := NewClient(cfg.URL, cfg.Key, deps.HTTP, deps.Now)
	if err != nil {
		return nil, err
	}
	d := &Driver{c: c, siteRoot: DefaultSiteRoot, phpDefault: DefaultPHPVersion,
		saveMax: cmp.Or(cfg.SaveMaxBytes, DefaultSaveBytes), uploadMax: cmp.Or(cfg.UploadMaxBytes, DefaultUploadBytes)}
	if d.saveMax < 0 || d.uploadMax < 0 {
		return nil, fmt.Errorf("btpanel: save_max_bytes and upload_max_bytes must not be negative")
	}
	if cfg.SiteRoot != "" {
		root, err := cleanPath(cfg.SiteRoot)
		if err != nil {
			return nil, fmt.Errorf("btpanel: site_root: %w", err)
		}
		d.siteRoot = root
	}
	if cfg.PHPDefault != "" {
		v, ok := phpVersion(cfg.PHPDefault)
		if !ok {
			return nil, fmt.Errorf("btpanel: php_default %q is not a PHP version like 81", cfg.PHPDefault)
		}
		d.phpDefault = v
	}
	return d, nil
}

// Call is Client.Call on this driver's panel: the way to the panel's other
// actions (hosting_operate). See Client.Call for what it returns.
func (d *Driver) Call(ctx context.Context, module, action string, params url.Values) (json.RawMessage, error) {
	return d.c.Call(ctx, module, action, params)
}

// Client returns the driver's panel client.
func (d *Driver) Client() *Client { return d.c }

// cleanPath returns p as the panel stores it: absolute, no "//" and no
// trailing "/". It rejects relative paths, ".." and "./" (the panel refuses
// any path with "./"), and blanks.
func cleanPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w: path %q is not absolute", provider.ErrRejected, p)
	}
	if strings.ContainsAny(p, " \t\r\n") || strings.Contains(p, "./") || strings.HasSuffix(p, "/..") {
		return "", fmt.Errorf("%w: path %q has blanks, ./ or ..", provider.ErrRejected, p)
	}
	c := path.Clean(p)
	if c == "/" {
		return "", fmt.Errorf("%w: path is /", provider.ErrRejected)
	}
	return c, nil
}

// phpVersion turns "81", "php81", "PHP-81", "PHP 8.1" or "8.1" into "81".
func phpVersion(s string) (string, bool) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.TrimPrefix(v, "php")
	v = strings.TrimLeft(v, "-_ ")
	v = strings.ReplaceAll(v, ".", "")
	if len(v) < 2 || len(v) > 3 {
		return "", false
	}
	if _, err := strconv.Atoi(v); err != nil {
		return "", false
	}
	return v, true
}

// flexInt decodes an id the panel gives as a number or a numeric string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("btpanel: id %s is not a number", b)
	}
	*f = flexInt(n)
	return nil
}

// pageSize is the limit of a getData page.
const pageSize = 100

// maxPages bounds a getData search (pageSize × maxPages rows).
const maxPages = 50

// findRow pages through /data?action=getData&table=<table> and returns the
// first row match accepts (search names what is looked for, in messages
// only). It sends no search: the panel records every search in the admin's
// search history (data.py GetSql L825, public.py set_search_history
// L6320); and for table sites no limit: the panel stores it as the admin's
// page size (data.py GetSql L742-744), so the pages are the admin's own
// size. getData's list=true would answer in one call, but the panel fails
// with it on sites and databases (it post-processes the page object). It
// returns found=false when no row matches, and an ErrUnavailable error
// when an answer has not the page shape.
func findRow[T any](ctx context.Context, c *Client, table, search string, match func(T) bool) (T, bool, error) {
	var zero T
	size := 0 // the first page's length: a shorter page is the last
	for p := 1; p <= maxPages; p++ {
		form := url.Values{"table": {table}, "p": {strconv.Itoa(p)}}
		if table != "sites" {
			form.Set("limit", strconv.Itoa(pageSize))
		}
		raw, err := c.Call(ctx, "data", "getData", form)
		if err != nil {
			return zero, false, err
		}
		var page struct {
			Data []T `json:"data"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return zero, false, &Error{Module: "data", Action: "getData", Err: provider.ErrUnavailable,
				Msg: fmt.Sprintf("table %s (%s): unexpected answer %s", table, search, excerpt(raw)), cause: err}
		}
		for _, r := range page.Data {
			if match(r) {
				return r, true, nil
			}
		}
		if p == 1 {
			size = len(page.Data)
		}
		if len(page.Data) == 0 || len(page.Data) < size {
			break
		}
	}
	return zero, false, nil
}

// keyOf returns the field key of row id of a panel table through
// /data?action=getKey, which answers the bare value. It returns an
// ErrNotFound error when the row does not exist.
func (d *Driver) keyOf(ctx context.Context, table, key string, id int64) (string, error) {
	raw, err := d.c.Call(ctx, "data", "getKey", url.Values{
		"table": {table}, "key": {key}, "id": {strconv.FormatInt(id, 10)},
	})
	if err != nil {
		return "", notFound(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("btpanel getKey %s.%s: %w: %w", table, key, provider.ErrUnavailable, err)
	}
	switch v := v.(type) {
	case string:
		if v != "" {
			return v, nil
		}
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	// An old panel answers null or [] for a missing row.
	return "", fmt.Errorf("btpanel getKey %s %d: %w", table, id, provider.ErrNotFound)
}
