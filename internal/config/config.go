// Package config reads zonkvmd's configuration from the environment
// (operator.md lists the variables), validates it and describes it for the
// start-up log with every secret masked.
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Config is the whole configuration of one daemon or command.
type Config struct {
	// DatabaseURL is DATABASE_URL; empty runs the private cluster under VarDir.
	DatabaseURL string
	// Addr is ZONKVMD_ADDR, the listen address.
	Addr string
	// AdminAddr is ZONKVMD_ADMIN_ADDR, the admin listener's address
	// (/metrics, /jobs/); "off" disables it. Never the API's address.
	AdminAddr string
	// Location is ZONKVMD_TZ, the zone of the API's datetimes.
	Location *time.Location
	// SecretKey is ZONKVMD_SECRET_KEY (64 hex digits); empty uses VarDir/secret.key.
	SecretKey string
	// TrustedProxies is ZONKVMD_TRUSTED_PROXIES: peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// LogLevel and LogFormat are ZONKVMD_LOG_LEVEL and ZONKVMD_LOG_FORMAT.
	LogLevel  zap.AtomicLevel
	LogFormat string
	// VarDir is ZONKVMD_VAR_DIR, the folder of the private cluster and the generated key.
	VarDir string
	// RateLimit and RateBurst are ZONKVMD_RATE_LIMIT (requests a second per
	// reseller) and ZONKVMD_RATE_BURST.
	RateLimit float64
	RateBurst int
	// LoginFailures within LoginWindow from one IP block it for LoginWindow
	// (ZONKVMD_LOGIN_FAILURES, ZONKVMD_LOGIN_WINDOW).
	LoginFailures int
	LoginWindow   time.Duration
	// MaxBodyBytes is ZONKVMD_MAX_BODY_BYTES, the largest request body.
	MaxBodyBytes int64
	// JobPoll is ZONKVMD_JOB_POLL, how often workers look for jobs besides
	// PostgreSQL's notifications.
	JobPoll time.Duration
	// SweepEvery is ZONKVMD_SWEEP_EVERY, how often the lifecycle sweep runs.
	SweepEvery time.Duration
	// JobRescueAfter is ZONKVMD_JOB_RESCUE_AFTER: a job running that long is
	// taken for dead (its daemon was killed) and run again. Default: one
	// JobTimeout plus 30 seconds.
	JobRescueAfter time.Duration
	// JobTimeout is ZONKVMD_JOB_TIMEOUT, the longest one job attempt runs.
	JobTimeout time.Duration
	// JobWorkers is ZONKVMD_JOB_WORKERS, how many jobs one daemon works at once.
	JobWorkers int
	// MaxInFlight is ZONKVMD_MAX_IN_FLIGHT, the API requests served at once;
	// one more is answered 503 系统繁忙 at once.
	MaxInFlight int
	// RequestTimeout is ZONKVMD_REQUEST_TIMEOUT, every API request's deadline.
	RequestTimeout time.Duration
	// DBMaxConns is ZONKVMD_DB_MAX_CONNS, the size of the connection pool
	// shared by the API and the job workers.
	DBMaxConns int
	// StatementTimeout is ZONKVMD_DB_STATEMENT_TIMEOUT, PostgreSQL's
	// statement_timeout on every connection of the pool (0: none).
	StatementTimeout time.Duration
}

// jobConns is what River holds besides one connection a worker: its
// LISTEN connection, the leader's and the fetcher's.
const jobConns = 4

// minAPIConns is the fewest connections the job workers leave the API.
const minAPIConns = 4

// Getenv is os.Getenv's shape, so tests can pass a map.
type Getenv func(string) string

// FromEnv reads and validates the configuration. It returns one error
// listing every bad variable by name.
func FromEnv(getenv Getenv) (Config, error) {
	var errs []error
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DatabaseURL: get("DATABASE_URL", ""),
		Addr:        get("ZONKVMD_ADDR", "127.0.0.1:8080"),
		SecretKey:   get("ZONKVMD_SECRET_KEY", ""),
		LogFormat:   get("ZONKVMD_LOG_FORMAT", "json"),
		VarDir:      get("ZONKVMD_VAR_DIR", "var"),
	}
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("DATABASE_URL: must be a postgres:// URL"))
		}
	}
	if _, _, err := splitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("ZONKVMD_ADDR: %w", err))
	}
	loc, err := time.LoadLocation(get("ZONKVMD_TZ", "Asia/Shanghai"))
	if err != nil {
		errs = append(errs, fmt.Errorf("ZONKVMD_TZ: unknown time zone %q", get("ZONKVMD_TZ", "")))
	}
	c.Location = loc
	if c.SecretKey != "" && !isHexKey(c.SecretKey) {
		errs = append(errs, errors.New("ZONKVMD_SECRET_KEY: must be 64 hex digits (32 bytes)"))
	}
	for _, s := range strings.Split(get("ZONKVMD_TRUSTED_PROXIES", "127.0.0.1/32,::1/128"), ",") {
		s = strings.TrimSpace(s)
		if s == "" || s == "none" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("ZONKVMD_TRUSTED_PROXIES: %q is not a CIDR", s))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	if c.LogLevel, err = zap.ParseAtomicLevel(get("ZONKVMD_LOG_LEVEL", "info")); err != nil {
		errs = append(errs, fmt.Errorf("ZONKVMD_LOG_LEVEL: %q is not debug, info, warn or error", get("ZONKVMD_LOG_LEVEL", "")))
	}
	if c.LogFormat != "json" && c.LogFormat != "console" {
		errs = append(errs, errors.New("ZONKVMD_LOG_FORMAT: must be json or console"))
	}
	c.RateLimit = parseFloat(get, "ZONKVMD_RATE_LIMIT", 20, &errs)
	c.RateBurst = int(parseInt(get, "ZONKVMD_RATE_BURST", 40, 1, 1_000_000, &errs))
	c.LoginFailures = int(parseInt(get, "ZONKVMD_LOGIN_FAILURES", 10, 1, 1_000_000, &errs))
	c.LoginWindow = parseDuration(get, "ZONKVMD_LOGIN_WINDOW", 10*time.Minute, &errs)
	c.MaxBodyBytes = parseInt(get, "ZONKVMD_MAX_BODY_BYTES", 1<<20, 1024, 1<<30, &errs)
	c.JobPoll = parseDuration(get, "ZONKVMD_JOB_POLL", time.Second, &errs)
	c.SweepEvery = parseDuration(get, "ZONKVMD_SWEEP_EVERY", time.Minute, &errs)
	c.JobTimeout = parseDuration(get, "ZONKVMD_JOB_TIMEOUT", time.Minute, &errs)
	c.JobRescueAfter = parseDuration(get, "ZONKVMD_JOB_RESCUE_AFTER", c.JobTimeout+30*time.Second, &errs)
	if c.JobRescueAfter <= c.JobTimeout {
		errs = append(errs, errors.New("ZONKVMD_JOB_RESCUE_AFTER: must be longer than ZONKVMD_JOB_TIMEOUT"))
	}
	c.JobWorkers = int(parseInt(get, "ZONKVMD_JOB_WORKERS", 8, 1, 1000, &errs))
	c.MaxInFlight = int(parseInt(get, "ZONKVMD_MAX_IN_FLIGHT", 64, 1, 1_000_000, &errs))
	c.RequestTimeout = parseDuration(get, "ZONKVMD_REQUEST_TIMEOUT", 5*time.Second, &errs)
	if get("ZONKVMD_DB_STATEMENT_TIMEOUT", "") == "0" { // none, for a long one-off command
		c.StatementTimeout = 0
	} else {
		c.StatementTimeout = parseDuration(get, "ZONKVMD_DB_STATEMENT_TIMEOUT", c.RequestTimeout, &errs)
	}
	minConns := int64(c.JobWorkers + jobConns + minAPIConns)
	c.DBMaxConns = int(parseInt(get, "ZONKVMD_DB_MAX_CONNS", max(32, minConns), minConns, 10_000, &errs))
	c.AdminAddr = get("ZONKVMD_ADMIN_ADDR", "127.0.0.1:8081")
	if c.AdminAddr != "off" {
		if _, port, err := splitHostPort(c.AdminAddr); err != nil {
			errs = append(errs, fmt.Errorf("ZONKVMD_ADMIN_ADDR: %w (or off)", err))
		} else if c.AdminAddr == c.Addr && port != 0 {
			errs = append(errs, errors.New("ZONKVMD_ADMIN_ADDR: must not be ZONKVMD_ADDR"))
		}
	}
	return c, errors.Join(errs...)
}

func splitHostPort(addr string) (string, int, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("%q is not host:port", addr)
	}
	port, err := strconv.Atoi(addr[i+1:])
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q has no valid port", addr)
	}
	return addr[:i], port, nil
}

func isHexKey(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func parseInt(get func(string, string) string, name string, def, min, max int64, errs *[]error) int64 {
	s := get(name, "")
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		*errs = append(*errs, fmt.Errorf("%s: must be an integer from %d to %d", name, min, max))
		return def
	}
	return n
}

func parseFloat(get func(string, string) string, name string, def float64, errs *[]error) float64 {
	s := get(name, "")
	if s == "" {
		return def
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1e6 {
		*errs = append(*errs, fmt.Errorf("%s: must be a number of requests a second above 0", name))
		return def
	}
	return f
}

func parseDuration(get func(string, string) string, name string, def time.Duration, errs *[]error) time.Duration {
	s := get(name, "")
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		*errs = append(*errs, fmt.Errorf("%s: must be a duration such as 10m", name))
		return def
	}
	return d
}

// Fields describes the configuration for the start-up log: the database
// password and the secret key are masked.
func (c Config) Fields() []zap.Field {
	proxies := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		proxies[i] = p.String()
	}
	db := "(private cluster under " + c.VarDir + "/postgres)"
	if c.DatabaseURL != "" {
		db = MaskURL(c.DatabaseURL)
	}
	key := "(generated into " + c.VarDir + "/secret.key)"
	if c.SecretKey != "" {
		key = "***"
	}
	return []zap.Field{
		zap.String("database_url", db),
		zap.String("addr", c.Addr),
		zap.String("admin_addr", c.AdminAddr),
		zap.String("tz", c.Location.String()),
		zap.String("secret_key", key),
		zap.Strings("trusted_proxies", proxies),
		zap.String("log_level", c.LogLevel.String()),
		zap.String("log_format", c.LogFormat),
		zap.Float64("rate_limit", c.RateLimit),
		zap.Int("rate_burst", c.RateBurst),
		zap.Int("login_failures", c.LoginFailures),
		zap.Duration("login_window", c.LoginWindow),
		zap.Int64("max_body_bytes", c.MaxBodyBytes),
		zap.Duration("job_poll", c.JobPoll),
		zap.Duration("sweep_every", c.SweepEvery),
		zap.Duration("job_rescue_after", c.JobRescueAfter),
		zap.Duration("job_timeout", c.JobTimeout),
		zap.Int("job_workers", c.JobWorkers),
		zap.Int("max_in_flight", c.MaxInFlight),
		zap.Duration("request_timeout", c.RequestTimeout),
		zap.Int("db_max_conns", c.DBMaxConns),
		zap.Duration("db_statement_timeout", c.StatementTimeout),
	}
}

// MaskURL returns a DSN with its password replaced by ***.
func MaskURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable)"
	}
	const mark = "MASKEDPASSWORD"
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), mark)
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", mark)
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), mark, "***")
}
