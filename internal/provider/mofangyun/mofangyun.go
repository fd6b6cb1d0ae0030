// Package mofangyun is the VM driver for 魔方云 (Mofang Cloud), over its
// HTTP API as providers.md §2 records it: a login token in the access-token
// header, PHP-style form bodies, one re-login on 401. It registers itself as
// the "mofangyun" driver; its fake lives in the subpackage fake.
//
// Configuration (the catalogue line's provider object):
//
//	{"driver": "mofangyun",
//	 "url": "https://host[/subdir]", "username": "...", "password": "...",
//	 "node" | "area" | "node_group": <placement id, at most one>,
//	 "os_map": {"<mirror_name>": <image id>},  // else POST images/search
//	 "store": <system and data disk store id>, "type": "host|lightHost|hyperv",
//	 "user_prefix": "zonkvmd",  // a reseller's clouds belong to the 魔方云 user <user_prefix><reseller id>
//	 "timezone": "Asia/Shanghai",               // of the chart times
//	 "tls_insecure_skip_verify": false, "ca_cert": "<PEM>"}  // provider.TLS
package mofangyun

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

func init() {
	provider.Register("mofangyun", func(raw json.RawMessage, deps provider.Deps) (provider.Set, error) {
		d, err := Open(raw, deps)
		if err != nil {
			return provider.Set{}, err
		}
		return provider.Set{VM: d}, nil
	})
}

// Config is the provider object of a 魔方云 line.
type Config struct {
	URL        string          `json:"url"`
	Username   string          `json:"username"`
	Password   string          `json:"password"`
	Node       ID              `json:"node"`
	Area       ID              `json:"area"`
	NodeGroup  ID              `json:"node_group"`
	OSMap      map[string]ID   `json:"os_map"`
	Store      ID              `json:"store"`
	Type       string          `json:"type"`
	UserPrefix string          `json:"user_prefix"`
	Client     json.RawMessage `json:"client"` // no longer a setting: refused
	Timezone   string          `json:"timezone"`
}

// ID is a provider id written either as a JSON number or a string.
type ID string

// UnmarshalJSON accepts 12, "12" and null.
func (i *ID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*i = ID(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a number or a string, got %s", b)
	}
	*i = ID(n.String())
	return nil
}

// Driver runs 魔方云 clouds. It is safe for concurrent use.
type Driver struct {
	cfg  Config
	c    *client
	tz   *time.Location
	now  func() time.Time
	poll time.Duration // how often ResizeVM looks whether a cloud is off

	userPrefix string // cfg.UserPrefix or defaultUserPrefix

	mu     sync.Mutex
	groups map[string]string // cloud id → security group id, once known
	users  map[string]ID     // owner → 魔方云 user id, once known
}

var _ provider.VMDriver = (*Driver)(nil)

// Open checks a provider object and returns its driver. It returns an error
// naming the bad setting (never its value) when the object is invalid.
func Open(raw json.RawMessage, deps provider.Deps) (*Driver, error) {
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("mofangyun config: %w", err)
	}
	base, err := checkConfig(&cfg)
	if err != nil {
		return nil, err
	}
	tz := chinaTime
	if cfg.Timezone != "" {
		if tz, err = time.LoadLocation(cfg.Timezone); err != nil {
			return nil, fmt.Errorf("mofangyun config: timezone %q: %w", cfg.Timezone, err)
		}
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	hc := deps.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	if hc, err = provider.HTTPClient(raw, hc); err != nil {
		return nil, fmt.Errorf("mofangyun config: %w", err)
	}
	return &Driver{
		cfg:        cfg,
		c:          &client{base: base, user: cfg.Username, pass: cfg.Password, http: hc, now: now},
		tz:         tz,
		now:        now,
		poll:       2 * time.Second,
		groups:     map[string]string{},
		users:      map[string]ID{},
		userPrefix: cmp.Or(cfg.UserPrefix, defaultUserPrefix),
	}, nil
}

// chinaTime is the zone 魔方云 writes chart times in when none is configured
// (Asia/Shanghai has had no daylight saving since 1991).
var chinaTime = time.FixedZone("CST", 8*3600)

func checkConfig(cfg *Config) (string, error) {
	var problems []string
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	switch {
	case cfg.URL == "":
		problems = append(problems, "url is required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		problems = append(problems, "url must be http(s)://host[/subdir]")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		problems = append(problems, "url must not carry credentials, a query or a fragment")
	}
	if cfg.Username == "" {
		problems = append(problems, "username is required")
	}
	if cfg.Password == "" {
		problems = append(problems, "password is required")
	}
	placed := 0
	for _, p := range []ID{cfg.Node, cfg.Area, cfg.NodeGroup} {
		if p != "" {
			placed++
		}
	}
	if cfg.Client != nil {
		problems = append(problems, "client is not a setting: each reseller's clouds belong to its own 魔方云 user (user_prefix)")
	}
	if placed > 1 {
		problems = append(problems, "give at most one of node, area, node_group")
	}
	for name, id := range cfg.OSMap {
		if id == "" {
			problems = append(problems, fmt.Sprintf("os_map[%q] has no image id", name))
		}
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("mofangyun config: %s", strings.Join(problems, "; "))
	}
	return strings.TrimRight(cfg.URL, "/"), nil
}

// cloudID checks that id can be a 魔方云 cloud id (a positive integer). Any
// other id names no cloud: ErrNotFound.
func cloudID(op, id string) (string, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return "", fmt.Errorf("mofangyun %s %q: %w", op, id, provider.ErrNotFound)
	}
	return strconv.FormatInt(n, 10), nil
}
