package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// clusterPort names the cluster's socket file (.s.PGSQL.5432). The cluster
// listens on no TCP address, so it never collides with a system server.
const clusterPort = 5432

// maxSocketPath is the longest Unix socket path the kernel accepts
// (sun_path is 108 bytes including the terminating NUL).
const maxSocketPath = 107

// Cluster is a private PostgreSQL cluster in one folder: its data directory
// is dir/data, its log dir/postgres.log and its Unix socket lives in dir (or,
// when that path is too long for a socket, in a short folder under /tmp).
// It listens on no TCP address.
type Cluster struct {
	dir     string     // absolute folder of the cluster
	dataDir string     // dir/data
	logPath string     // dir/postgres.log
	sockDir string     // folder of the Unix socket
	port    int        // port naming the socket file
	bin     binaries   // initdb and pg_ctl
	runAs   *osAccount // nil: run the binaries as the current user

	mu      sync.Mutex
	stopped bool
	adopted bool // it was already running: its starter stops it, not us
}

// StartCluster starts the private cluster in dir, running initdb first when
// dir/data holds no cluster yet, and creates the database zonkvmd in it when
// missing. When the cluster already runs (started by another process or an
// earlier call) it is reused. When the current process is root, PostgreSQL
// runs as the `postgres` OS user and dir is handed to that user.
//
// On failure it returns a wrapped error saying what failed: no PostgreSQL
// binaries, no usable `postgres` user, a parent folder the postgres user
// cannot enter, or initdb/pg_ctl failing (with the tail of postgres.log).
func StartCluster(ctx context.Context, dir string) (*Cluster, error) {
	c, err := newCluster(dir)
	if err != nil {
		return nil, fmt.Errorf("postgres.StartCluster: %w", err)
	}
	unlock, err := lockFile(filepath.Join(c.dir, "cluster.lock"))
	if err != nil {
		return nil, fmt.Errorf("postgres.StartCluster: %w", err)
	}
	defer unlock()
	if err := c.start(ctx); err != nil {
		return nil, fmt.Errorf("postgres.StartCluster: %w", err)
	}
	if err := c.ensureDatabase(ctx, "zonkvmd"); err != nil {
		return nil, fmt.Errorf("postgres.StartCluster: %w", err)
	}
	return c, nil
}

// newCluster prepares dir (and the socket folder) for the cluster and finds
// the binaries and the account to run them as.
func newCluster(dir string) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cluster folder %q: %w", dir, err)
	}
	c := &Cluster{
		dir:     abs,
		dataDir: filepath.Join(abs, "data"),
		logPath: filepath.Join(abs, "postgres.log"),
		port:    clusterPort,
	}
	if c.bin, err = findBinaries(readPGVersion(c.dataDir)); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		if c.runAs, err = postgresAccount(); err != nil {
			return nil, err
		}
	}
	if err := c.makeDir(); err != nil {
		return nil, err
	}
	c.sockDir = c.dir
	if len(c.socketPath()) > maxSocketPath {
		if c.sockDir, err = c.makeShortSocketDir(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// makeDir creates the cluster folder (its parents 0755 so that the postgres
// user can enter them, the folder itself 0700) and, as root, checks that the
// postgres user can reach it and hands it over.
func (c *Cluster) makeDir() error {
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(c.dir), err)
	}
	if err := os.Mkdir(c.dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create %s: %w", c.dir, err)
	}
	if c.runAs == nil {
		return nil
	}
	if err := c.runAs.checkTraverse(c.dir); err != nil {
		return err
	}
	return c.runAs.chownTree(c.dir)
}

// socketPath is the path of the socket file the server will create.
func (c *Cluster) socketPath() string {
	return filepath.Join(c.sockDir, ".s.PGSQL."+strconv.Itoa(c.port))
}

// URL returns a pgx DSN for the database zonkvmd over the cluster's Unix
// socket. It never fails.
func (c *Cluster) URL() string {
	return c.URLFor("zonkvmd")
}

// URLFor returns a pgx DSN for database dbname over the cluster's Unix
// socket, as the superuser postgres. It never fails.
func (c *Cluster) URLFor(dbname string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + dbname}
	q := url.Values{}
	q.Set("host", c.sockDir)
	q.Set("port", strconv.Itoa(c.port))
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String()
}

// Stop stops the cluster (pg_ctl stop -m fast) and waits for it to exit.
// A cluster that was already running when StartCluster found it (a daemon's,
// while an operator's command runs) is left running for its starter.
// Calling it again, or on a cluster that is no longer running, returns nil.
// It returns a wrapped error when pg_ctl fails to stop a running server.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || c.adopted {
		c.stopped = true
		return nil
	}
	running, err := c.running(ctx)
	if err != nil {
		return fmt.Errorf("postgres.Cluster.Stop: %w", err)
	}
	if running {
		out, err := c.pgctl(ctx, "stop", "-D", c.dataDir, "-m", "fast", "-w", "-t", "60")
		if err != nil {
			return fmt.Errorf("postgres.Cluster.Stop: pg_ctl stop: %w: %s%s", err, out, c.logTail())
		}
	}
	c.stopped = true
	return nil
}

// start initdb-s the cluster when needed and starts it unless it runs. A
// server found running is reused once it accepts connections; one that
// is shutting down or was just killed is waited for, then started anew.
func (c *Cluster) start(ctx context.Context) error {
	if err := c.initIfNeeded(ctx); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		running, err := c.running(ctx)
		if err != nil {
			return err
		}
		if !running {
			return c.startServer(ctx)
		}
		connErr := c.adoptRunning(ctx)
		if connErr == nil {
			c.adopted = true
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("cluster in %s runs but does not accept connections: %w%s", c.dir, connErr, c.logTail())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// startServer runs pg_ctl start, once more after a few seconds when the
// server refused because what a killed server left (its shared memory, its
// lock file) was still held.
func (c *Cluster) startServer(ctx context.Context) error {
	if err := c.writeConfig(); err != nil {
		return err
	}
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		var out []byte
		out, err = c.pgctl(ctx, "start", "-D", c.dataDir, "-l", c.logPath, "-w", "-t", "60")
		if err == nil {
			return nil
		}
		err = fmt.Errorf("pg_ctl start: %w: %s%s", err, strings.TrimSpace(string(out)), c.logTail())
		if !strings.Contains(err.Error(), "pre-existing shared memory block") &&
			!strings.Contains(err.Error(), "lock file") {
			return err
		}
		time.Sleep(3 * time.Second)
	}
	return err
}

// adoptRunning points c at the socket the server running on the data
// directory listens on, and checks that it accepts a connection.
func (c *Cluster) adoptRunning(ctx context.Context) error {
	raw, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return fmt.Errorf("read postmaster.pid: %w", err)
	}
	lines := strings.Split(string(raw), "\n")
	if len(lines) > 4 {
		if p, err := strconv.Atoi(strings.TrimSpace(lines[3])); err == nil && p > 0 {
			c.port = p
		}
		if s := strings.TrimSpace(lines[4]); s != "" {
			c.sockDir = s
		}
	}
	conn, err := connectQuick(ctx, c.URLFor("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// running reports whether a server runs on the data directory.
func (c *Cluster) running(ctx context.Context) (bool, error) {
	if readPGVersion(c.dataDir) == "" {
		return false, nil
	}
	out, err := c.pgctl(ctx, "status", "-D", c.dataDir)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == 3:
		return false, nil
	default:
		return false, fmt.Errorf("pg_ctl status: %w: %s", err, strings.TrimSpace(string(out)))
	}
}

// initIfNeeded runs initdb unless dir/data/PG_VERSION exists. initdb writes
// into dir/data.initdb, renamed to dir/data once complete, so that a killed
// initdb never leaves a half-made cluster behind.
func (c *Cluster) initIfNeeded(ctx context.Context) error {
	if readPGVersion(c.dataDir) != "" {
		return nil
	}
	if entries, err := os.ReadDir(c.dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty but holds no PostgreSQL cluster (no PG_VERSION): move it away", c.dataDir)
	}
	tmp := c.dataDir + ".initdb"
	var lastErr error
	for _, locale := range []string{"C.UTF-8", "C"} {
		if err := os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("remove %s: %w", tmp, err)
		}
		out, err := c.run(ctx, c.bin.initdb, "-D", tmp, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale="+locale)
		if err == nil {
			lastErr = nil
			break
		}
		lastErr = fmt.Errorf("initdb --locale=%s: %w: %s", locale, err, tail(out, 2000))
	}
	if lastErr != nil {
		_ = os.RemoveAll(tmp)
		return lastErr
	}
	if err := os.RemoveAll(c.dataDir); err != nil { // empty or absent, checked above
		return fmt.Errorf("remove %s: %w", c.dataDir, err)
	}
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("move the new cluster into place: %w", err)
	}
	return c.addConfigInclude()
}

// configName is the file, included from postgresql.conf, where the cluster's
// own settings are written before every start.
const configName = "zonkvmd.conf"

// addConfigInclude makes postgresql.conf include zonkvmd.conf.
func (c *Cluster) addConfigInclude() error {
	path := filepath.Join(c.dataDir, "postgresql.conf")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("edit postgresql.conf: %w", err)
	}
	_, err = fmt.Fprintf(f, "\n# Written by zonkvmd: socket-only settings, rewritten at every start.\ninclude_if_exists = '%s'\n", configName)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("edit postgresql.conf: %w", err)
	}
	return nil
}

// writeConfig writes zonkvmd.conf: no TCP, the socket folder, the port.
func (c *Cluster) writeConfig() error {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	conf := fmt.Sprintf("listen_addresses = ''\nunix_socket_directories = %s\nunix_socket_permissions = 0700\nport = %d\n",
		quote(c.sockDir), c.port)
	path := filepath.Join(c.dataDir, configName)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if c.runAs != nil {
		if err := os.Chown(path, c.runAs.uid, c.runAs.gid); err != nil {
			return fmt.Errorf("chown %s: %w", path, err)
		}
	}
	return nil
}

// ensureDatabase creates database name unless it exists.
func (c *Cluster) ensureDatabase(ctx context.Context, name string) error {
	conn, err := connectQuick(ctx, c.URLFor("postgres"))
	if err != nil {
		return fmt.Errorf("connect to the cluster: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if err != nil && SQLState(err) != "42P04" { // duplicate_database: created meanwhile
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// connectQuick opens one connection, giving up after a few seconds.
func connectQuick(ctx context.Context, dsn string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return pgx.Connect(ctx, dsn)
}

// pgctl runs pg_ctl with args.
func (c *Cluster) pgctl(ctx context.Context, args ...string) ([]byte, error) {
	return c.run(ctx, c.bin.pgctl, args...)
}

// run runs a PostgreSQL program in the cluster folder, as the postgres user
// when the current process is root, and returns its combined output.
func (c *Cluster) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = c.dir
	cmd.Env = cleanEnv(c.runAs)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// pg_ctl start leaves the postmaster running; its output goes to the
	// log file, but never wait long for inherited pipes to close.
	cmd.WaitDelay = 5 * time.Second
	if c.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.runAs.credential()}
	}
	err := cmd.Run()
	return out.Bytes(), err
}

// cleanEnv is the environment for PostgreSQL programs: the current one
// without PG* variables (PGPORT, PGDATA, ... would override our flags), and
// with HOME and USER of the account they run as.
func cleanEnv(as *osAccount) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}
		if as != nil && (strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "USER=") || strings.HasPrefix(kv, "LOGNAME=")) {
			continue
		}
		env = append(env, kv)
	}
	if as != nil {
		env = append(env, "HOME="+as.home, "USER="+as.name, "LOGNAME="+as.name)
	}
	return env
}

// logTail returns the end of postgres.log, prefixed for an error message,
// or "" when there is none.
func (c *Cluster) logTail() string {
	raw, err := os.ReadFile(c.logPath)
	if err != nil || len(raw) == 0 {
		return ""
	}
	return "\n--- end of " + c.logPath + " ---\n" + tail(raw, 3000)
}

// tail returns at most the last n bytes of b, starting at a line boundary.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return strings.TrimSpace(string(b))
}

// readPGVersion returns the major version in dataDir/PG_VERSION, or "".
func readPGVersion(dataDir string) string {
	raw, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(raw))
}

// lockFile takes an exclusive flock on path so that two processes never
// initdb or start the same cluster at once. The returned func releases it.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
