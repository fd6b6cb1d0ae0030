package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

const (
	// localAdmin is the server most development machines and CI run.
	localAdmin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	// containerImage is the image of the Docker fallback.
	containerImage = "postgres:15"
	// clusterPrefix begins the temporary folders of private clusters.
	clusterPrefix = "zonkvmd-pgtest-"
)

// server is where the tests' databases live.
type server struct {
	admin string // DSN of the maintenance database
	close func() // stops what Run started, if anything
}

// findServer tries TEST_DATABASE_URL, the local server, a private cluster
// and a container, in that order (PGTEST_FORCE=cluster or docker skips the
// first ones). It returns an error listing why each tried way failed.
func findServer(ctx context.Context) (*server, error) {
	force := os.Getenv("PGTEST_FORCE")
	if force != "" && force != "cluster" && force != "docker" {
		return nil, fmt.Errorf("PGTEST_FORCE=%q: want cluster or docker", force)
	}
	var reasons []string
	if force == "" {
		if dsn := os.Getenv("TEST_DATABASE_URL"); dsn != "" {
			admin, err := withDatabase(dsn, "postgres")
			if err == nil {
				err = ping(ctx, admin)
			}
			if err != nil { // asked for explicitly: do not fall back
				return nil, fmt.Errorf("TEST_DATABASE_URL: %w", err)
			}
			return &server{admin: admin, close: func() {}}, nil
		}
		if err := ping(ctx, localAdmin); err == nil {
			return &server{admin: localAdmin, close: func() {}}, nil
		} else {
			reasons = append(reasons, fmt.Sprintf("local server 127.0.0.1:5432: %v", err))
		}
	}
	if force != "docker" {
		srv, err := startCluster(ctx)
		if err == nil {
			return srv, nil
		}
		reasons = append(reasons, fmt.Sprintf("private cluster: %v", err))
	}
	srv, err := startContainer(ctx)
	if err == nil {
		return srv, nil
	}
	reasons = append(reasons, fmt.Sprintf("container: %v", err))
	return nil, errors.New(strings.Join(reasons, "; "))
}

// ping connects to dsn once, giving up after two seconds.
func ping(ctx context.Context, dsn string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := connect(ctx, dsn)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// startCluster starts a private cluster in a new temporary folder, tuned
// for tests (no fsync). Its close stops it and removes the folder.
func startCluster(ctx context.Context) (*server, error) {
	reapClusters(ctx)
	dir, err := os.MkdirTemp("", clusterPrefix)
	if err != nil {
		return nil, err
	}
	pid := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), pid, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c, err := postgres.StartCluster(ctx, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			return
		}
		os.RemoveAll(dir)
	}
	admin := c.URLFor("postgres")
	if err := tuneForTests(ctx, admin); err != nil {
		stop()
		return nil, err
	}
	return &server{admin: admin, close: stop}, nil
}

// tuneForTests trades durability, which throwaway test data do not need,
// for speed.
func tuneForTests(ctx context.Context, admin string) error {
	conn, err := connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, q := range []string{
		`ALTER SYSTEM SET fsync = off`,
		`ALTER SYSTEM SET synchronous_commit = off`,
		`ALTER SYSTEM SET full_page_writes = off`,
		`SELECT pg_reload_conf()`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("tune the private cluster: %s: %w", q, err)
		}
	}
	return nil
}

// reapClusters stops and removes the private clusters of test binaries
// that died without doing it (a panic, a timeout, a kill): folders
// zonkvmd-pgtest-* whose owner.pid names no live process. It signals the
// postmaster directly (SIGINT: fast shutdown) and ignores every failure.
func reapClusters(ctx context.Context) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), clusterPrefix+"*"))
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue // being set up, or not ours
		}
		if owner, err := strconv.Atoi(strings.TrimSpace(string(raw))); err != nil || processAlive(owner) {
			continue
		}
		if pm := postmasterPID(dir); pm > 0 {
			_ = syscall.Kill(pm, syscall.SIGINT)
			for i := 0; i < 100 && processAlive(pm) && ctx.Err() == nil; i++ {
				time.Sleep(100 * time.Millisecond)
			}
			if processAlive(pm) {
				continue
			}
		}
		_ = os.RemoveAll(dir)
	}
}

// postmasterPID returns the pid in dir/data/postmaster.pid when that
// process is alive and a postgres server, else 0.
func postmasterPID(dir string) int {
	raw, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 || !processAlive(pid) {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err == nil && !strings.Contains(string(cmdline), "postgres") {
		return 0 // the pid was reused
	}
	return pid
}

// processAlive reports whether pid names a live (not zombie) process.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: trust kill
	}
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

// startContainer starts a PostgreSQL container with testcontainers when a
// Docker engine answers within a few seconds.
func startContainer(ctx context.Context) (*server, error) {
	if err := dockerAnswers(ctx); err != nil {
		return nil, fmt.Errorf("no Docker engine: %w", err)
	}
	ctr, err := tcpostgres.Run(ctx, containerImage,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("pgtest"),
		tcpostgres.BasicWaitStrategies(),
	)
	stop := func() {
		if ctr != nil {
			_ = testcontainers.TerminateContainer(ctr)
		}
	}
	if err != nil {
		stop()
		return nil, err
	}
	admin, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		stop()
		return nil, err
	}
	return &server{admin: admin, close: stop}, nil
}

// dockerAnswers asks the Docker engine testcontainers would use for its
// info, giving up after five seconds.
func dockerAnswers(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("testcontainers: %v", r)
			}
		}()
		p, err := testcontainers.NewDockerProvider()
		if err != nil {
			done <- err
			return
		}
		done <- p.Health(ctx) // Health closes the provider
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
