// Package pgtest gives each test package a PostgreSQL database of its own,
// cloned from a template migrated to this tree's schema, so that tests run
// against the real schema in milliseconds and test packages never see each
// other's rows.
//
// A package using it calls Run from its TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
// and its tests call DB (the package's shared database: run with t.Parallel
// and use distinct data), NewDB (a database of the test's own), URL or
// AdminURL.
//
// Run finds a server, in this order:
//
//  1. TEST_DATABASE_URL, a DSN to any database of the server (pgtest uses
//     that server's `postgres` database to create and drop databases);
//  2. the local server postgres://postgres@127.0.0.1:5432 when it answers;
//  3. a private cluster (postgres.StartCluster) in a temporary folder;
//  4. a testcontainers PostgreSQL container when a Docker engine answers.
//
// The environment variable PGTEST_FORCE=cluster skips steps 1 and 2 (and
// PGTEST_FORCE=docker skips 1 to 3), to test those paths on a machine that
// has a server.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// opTimeout bounds each database operation of this package.
const opTimeout = 2 * time.Minute

// state is this test binary's: one per test package.
var state struct {
	mu      sync.Mutex
	running bool   // inside Run
	admin   string // DSN of the server's maintenance database
	pkg     string // sanitized package name, part of database names

	tmpl    string // template database, once ready
	tmplErr error  // why the template could not be made (sticky)

	pkgDB   string       // the package's database, once made
	pkgURL  string       // its DSN
	pkgPool *postgres.DB // its pool
	pkgErr  error        // why it could not be made (sticky)

	dbs map[string]bool // databases made by this binary, not yet dropped
}

// Run finds a PostgreSQL server, runs the package's tests and then drops the
// databases they made (and stops a private cluster or container it started).
// It returns m.Run's exit code, or 1 (after printing why on stderr) when no
// server could be found.
func Run(m *testing.M) int {
	pkg := callerPackage()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	srv, err := findServer(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: no PostgreSQL server for the tests of %s: %v\n"+
			"pgtest: set TEST_DATABASE_URL, start PostgreSQL on 127.0.0.1:5432, or install the PostgreSQL server binaries\n", pkg, err)
		return 1
	}
	defer srv.close()

	state.mu.Lock()
	state.running = true
	state.admin = srv.admin
	state.pkg = pkg
	state.dbs = map[string]bool{}
	state.mu.Unlock()

	ctx, cancel = context.WithTimeout(context.Background(), opTimeout)
	if err := dropStaleDatabases(ctx, srv.admin); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: dropping databases of earlier runs: %v\n", err)
	}
	cancel()

	code := m.Run()
	if err := teardown(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
	}
	return code
}

// teardown closes the package pool and drops every database still made.
func teardown() error {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.pkgPool != nil {
		state.pkgPool.Close()
		state.pkgPool = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var errs []error
	for name := range state.dbs {
		if err := dropDatabase(ctx, state.admin, name); err != nil {
			errs = append(errs, err)
		}
		delete(state.dbs, name)
	}
	state.running = false
	return errors.Join(errs...)
}

// DB returns a pool on this test package's database, made from the migrated
// template on first use and shared by all tests of the package (they should
// use t.Parallel and distinct data). The pool is closed when Run ends. It
// fails the test (t.Fatal) when the database cannot be made, or when the
// package's TestMain does not call Run.
func DB(t testing.TB) *postgres.DB {
	t.Helper()
	state.mu.Lock()
	defer state.mu.Unlock()
	if err := ensurePackageDB(); err != nil {
		t.Fatalf("pgtest.DB: %v", err)
	}
	return state.pkgPool
}

// URL returns the DSN of the database DB(t) uses, for code under test that
// opens its own pool. It fails the test like DB.
func URL(t testing.TB) string {
	t.Helper()
	state.mu.Lock()
	defer state.mu.Unlock()
	if err := ensurePackageDB(); err != nil {
		t.Fatalf("pgtest.URL: %v", err)
	}
	return state.pkgURL
}

// AdminURL returns a DSN of the server's maintenance database (postgres),
// for tests that create databases of their own. It fails the test when the
// package's TestMain does not call Run.
func AdminURL(t testing.TB) string {
	t.Helper()
	state.mu.Lock()
	defer state.mu.Unlock()
	if err := checkRunning(); err != nil {
		t.Fatalf("pgtest.AdminURL: %v", err)
	}
	return state.admin
}

// NewDB returns a pool on a fresh database of the test's own, made from the
// migrated template; the pool is closed and the database dropped at
// t.Cleanup. It fails the test when the database cannot be made, or when
// the package's TestMain does not call Run.
func NewDB(t testing.TB) *postgres.DB {
	t.Helper()
	state.mu.Lock()
	err := ensureTemplate()
	admin, tmpl, name := state.admin, state.tmpl, newDatabaseName(state.pkg)
	if err == nil {
		state.dbs[name] = true
	}
	state.mu.Unlock()
	if err != nil {
		t.Fatalf("pgtest.NewDB: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	pool, err := createAndOpen(ctx, admin, tmpl, name)
	if err != nil {
		t.Fatalf("pgtest.NewDB: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := dropDatabase(ctx, admin, name); err != nil {
			t.Errorf("pgtest.NewDB cleanup: %v", err)
			return
		}
		state.mu.Lock()
		delete(state.dbs, name)
		state.mu.Unlock()
	})
	return pool
}

// checkRunning returns an error unless Run is running. Call with state.mu.
func checkRunning() error {
	if !state.running {
		return errors.New("no server: the package's TestMain must call os.Exit(pgtest.Run(m))")
	}
	return nil
}

// ensureTemplate makes the migrated template once. Call with state.mu.
func ensureTemplate() error {
	if err := checkRunning(); err != nil {
		return err
	}
	if state.tmpl != "" || state.tmplErr != nil {
		return state.tmplErr
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	state.tmpl, state.tmplErr = prepareTemplate(ctx, state.admin)
	return state.tmplErr
}

// ensurePackageDB makes the package's database once. Call with state.mu.
func ensurePackageDB() error {
	if err := ensureTemplate(); err != nil {
		return err
	}
	if state.pkgPool != nil || state.pkgErr != nil {
		return state.pkgErr
	}
	name := newDatabaseName(state.pkg)
	state.dbs[name] = true
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	pool, err := createAndOpen(ctx, state.admin, state.tmpl, name)
	if err != nil {
		state.pkgErr = err
		return err
	}
	state.pkgDB, state.pkgPool = name, pool
	state.pkgURL, state.pkgErr = withDatabase(state.admin, name)
	return state.pkgErr
}

// createAndOpen makes database name from tmpl and opens a small pool on it.
func createAndOpen(ctx context.Context, admin, tmpl, name string) (*postgres.DB, error) {
	if err := createDatabase(ctx, admin, name, tmpl); err != nil {
		return nil, err
	}
	pool, err := openPool(ctx, admin, name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return pool, nil
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// callerPackage returns the sanitized last element of the package path of
// Run's caller (a TestMain), e.g. "billing" for .../internal/billing_test.
func callerPackage() string {
	name := ""
	if pc, _, _, ok := runtime.Caller(2); ok {
		if fn := runtime.FuncForPC(pc); fn != nil {
			name = fn.Name()
		}
	}
	if name == "" || !strings.Contains(name, ".") {
		name = strings.TrimSuffix(os.Args[0], ".test") + ".x"
	}
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name, _, _ = strings.Cut(name, ".")
	name = strings.TrimSuffix(name, "_test")
	name = strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(name), "_"), "_")
	if len(name) > 30 {
		name = name[:30]
	}
	if name == "" {
		name = "pkg"
	}
	return name
}
