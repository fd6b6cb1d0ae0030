package pgtest_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func currentDatabase(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var name string
	if err := db.QueryRow(context.Background(), `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestDBHasSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.DB(t)
	if err := postgres.CheckSchema(ctx, db); err != nil {
		t.Fatalf("CheckSchema: %v", err)
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM resellers`).Scan(&n); err != nil {
		t.Fatalf("table resellers: %v", err)
	}
	name := currentDatabase(t, db)
	if !strings.HasPrefix(name, "zonkvmd_test_pgtest_") {
		t.Fatalf("database %q, want zonkvmd_test_pgtest_*", name)
	}
	if pgtest.DB(t) != db {
		t.Fatal("DB returned another pool on a second call")
	}
}

func TestURLPointsAtDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	want := currentDatabase(t, pgtest.DB(t))
	conn, err := pgx.Connect(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var got string
	if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("URL opens %q, DB uses %q", got, want)
	}
}

func TestAdminURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if name := currentDatabase(t, db); name != "postgres" {
		t.Fatalf("AdminURL opens %q, want postgres", name)
	}
}

func TestNewDBIsIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := pgtest.NewDB(t), pgtest.NewDB(t)
	nameA, nameB := currentDatabase(t, a), currentDatabase(t, b)
	if nameA == nameB || nameA == currentDatabase(t, pgtest.DB(t)) {
		t.Fatalf("NewDB databases not distinct: %q, %q", nameA, nameB)
	}
	if err := postgres.CheckSchema(ctx, a); err != nil {
		t.Fatalf("CheckSchema: %v", err)
	}
	if _, err := a.Exec(ctx, `CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := b.QueryRow(ctx, `SELECT to_regclass('only_in_a') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("a table made in one NewDB database shows in another")
	}
}

func TestNewDBDroppedAtCleanup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var name string
	t.Run("inner", func(t *testing.T) {
		name = currentDatabase(t, pgtest.NewDB(t))
	})
	admin, err := postgres.Open(ctx, pgtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatalf("database %s still exists after its test's cleanup", name)
	}
}
