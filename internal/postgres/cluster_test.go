package postgres

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// clusterDir returns a fresh folder for a cluster under t.TempDir. As root,
// PostgreSQL runs as the postgres user, which must be able to enter the
// folder's parents: t.TempDir makes its top folder 0700, so open it up.
func clusterDir(t *testing.T, name string) string {
	t.Helper()
	base := t.TempDir()
	if os.Geteuid() == 0 {
		for _, d := range []string{filepath.Dir(base), base} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(base, name)
}

// startCluster starts a cluster in dir, skipping the test when the machine
// has no PostgreSQL binaries, and stops it at cleanup.
func startCluster(t *testing.T, ctx context.Context, dir string) *Cluster {
	t.Helper()
	c, err := StartCluster(ctx, dir)
	if errors.Is(err, ErrNoBinaries) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

func queryOne(t *testing.T, ctx context.Context, dsn string) {
	t.Helper()
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var name string
	if err := db.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "zonkvmd" {
		t.Fatalf("current_database() = %q, want zonkvmd", name)
	}
}

func TestClusterStartReuseStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := clusterDir(t, "pg")

	c := startCluster(t, ctx, dir)
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err != nil {
		t.Fatalf("no PG_VERSION after initdb: %v", err)
	}
	if !strings.Contains(c.URL(), "/zonkvmd?") || !strings.Contains(c.URLFor("x"), "/x?") {
		t.Fatalf("URL() = %q, URLFor(x) = %q", c.URL(), c.URLFor("x"))
	}
	queryOne(t, ctx, c.URL())

	// A second start in the same folder reuses the running server.
	c2 := startCluster(t, ctx, dir)
	if c2.URL() != c.URL() {
		t.Fatalf("reused cluster URL %q, first %q", c2.URL(), c.URL())
	}
	queryOne(t, ctx, c2.URL())

	// The adopter's Stop leaves the server to its starter (a CLI command
	// must not stop the cluster a running daemon uses).
	if err := c2.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	queryOne(t, ctx, c.URL())
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := Open(ctx, c.URL()); err == nil {
		t.Fatal("cluster still answers after Stop")
	}

	// Starting again reuses the data directory (no initdb).
	c3 := startCluster(t, ctx, dir)
	queryOne(t, ctx, c3.URL())
	if err := c3.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestClusterLongPathUsesShortSocketDir(t *testing.T) {
	if testing.Short() {
		t.Skip("initdb is slow")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := clusterDir(t, strings.Repeat("long-folder-name-", 7))
	c := startCluster(t, ctx, dir)
	t.Cleanup(func() { // runs before startCluster's: stop, then remove
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
		if strings.HasPrefix(c.sockDir, "/tmp/zonkvmd-pg-") {
			_ = os.RemoveAll(c.sockDir)
		}
	})
	if !strings.HasPrefix(c.sockDir, "/tmp/zonkvmd-pg-") {
		t.Fatalf("socket folder %q, want /tmp/zonkvmd-pg-*", c.sockDir)
	}
	queryOne(t, ctx, c.URL())
}

func TestClusterBlockedParentAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs PostgreSQL as another user")
	}
	if _, err := findBinaries(""); err != nil {
		t.Skip(err)
	}
	base := clusterDir(t, "closed")
	if err := os.Mkdir(base, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := StartCluster(context.Background(), filepath.Join(base, "pg"))
	if err == nil || !strings.Contains(err.Error(), "cannot enter "+base) || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("err = %v, want one naming %s and DATABASE_URL", err, base)
	}
}

func TestClusterRestartAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("initdb is slow")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := clusterDir(t, "pg")
	startCluster(t, ctx, dir)
	raw, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.Split(string(raw), "\n")[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// postmaster.pid stays behind; StartCluster must start a new server.
	c := startCluster(t, ctx, dir)
	queryOne(t, ctx, c.URL())
}
