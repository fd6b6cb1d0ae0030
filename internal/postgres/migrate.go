package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/zonkvm/zonkvmd/migrations"
)

// ErrSchemaOld is returned by CheckSchema when the database has not been
// migrated to the version this binary was built with.
var ErrSchemaOld = errors.New("database schema is not current: run `zonkvmd migrate` (or serve --migrate)")

// SchemaVersion is the newest migration embedded in this binary.
func SchemaVersion() uint {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		panic(fmt.Sprintf("postgres: read embedded migrations: %v", err))
	}
	var versions []int
	for _, e := range entries {
		head, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			continue
		}
		if v, err := strconv.Atoi(head); err == nil {
			versions = append(versions, v)
		}
	}
	sort.Ints(versions)
	if len(versions) == 0 {
		return 0
	}
	return uint(versions[len(versions)-1])
}

// newMigrator builds a golang-migrate instance over the embedded files and a
// connection of db's pool. Close it with closeMigrator.
func newMigrator(db *DB) (*migrate.Migrate, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations source: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(db)
	drv, err := migratepgx.WithInstance(sqlDB, &migratepgx.Config{})
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("postgres: migrations driver: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return m, nil
}

func closeMigrator(m *migrate.Migrate) {
	_, _ = m.Close()
}

// MigrateUp applies every pending migration: zonkvmd's own (golang-migrate,
// which takes an advisory lock, so daemons started together do not race),
// then River's job tables (its own migrator, versioned separately).
func MigrateUp(ctx context.Context, db *DB) error {
	m, err := newMigrator(db)
	if err != nil {
		return err
	}
	defer closeMigrator(m)
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("postgres.MigrateUp: %w", err)
	}
	rm, err := riverMigrator(db)
	if err != nil {
		return err
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("postgres.MigrateUp: river: %w", err)
	}
	return nil
}

func riverMigrator(db *DB) (*rivermigrate.Migrator[pgx.Tx], error) {
	rm, err := rivermigrate.New(riverpgxv5.New(db), nil)
	if err != nil {
		return nil, fmt.Errorf("postgres: river migrator: %w", err)
	}
	return rm, nil
}

// riverCurrent reports whether River's tables are at the version this
// binary's River needs.
func riverCurrent(ctx context.Context, db *DB) (have, want int, err error) {
	rm, err := riverMigrator(db)
	if err != nil {
		return 0, 0, err
	}
	all := rm.AllVersions()
	want = all[len(all)-1].Version
	existing, err := rm.ExistingVersions(ctx)
	if err != nil {
		if SQLState(err) == "42P01" { // river_migration does not exist yet
			return 0, want, nil
		}
		return 0, want, fmt.Errorf("postgres: river versions: %w", err)
	}
	if len(existing) > 0 {
		have = existing[len(existing)-1].Version
	}
	return have, want, nil
}

// MigrateDown reverts n migrations (n >= 1).
func MigrateDown(ctx context.Context, db *DB, n int) error {
	if n < 1 {
		return fmt.Errorf("postgres.MigrateDown: N must be at least 1, got %d", n)
	}
	m, err := newMigrator(db)
	if err != nil {
		return err
	}
	defer closeMigrator(m)
	if err := m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("postgres.MigrateDown: %w", err)
	}
	return nil
}

// MigrateTo moves the schema to version, up or down (for tests of a
// migration's data changes).
func MigrateTo(ctx context.Context, db *DB, version uint) error {
	m, err := newMigrator(db)
	if err != nil {
		return err
	}
	defer closeMigrator(m)
	if err := m.Migrate(version); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("postgres.MigrateTo %d: %w", version, err)
	}
	return nil
}

// Version returns the database's schema version and whether a migration
// failed half-way (dirty). A database never migrated is version 0.
func Version(ctx context.Context, db *DB) (version uint, dirty bool, err error) {
	err = QueryRow(ctx, db, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&version, &dirty)
	if SQLState(err) == "42P01" || errors.Is(err, ErrNotFound) { // undefined_table, or empty
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("postgres.Version: %w", err)
	}
	return version, dirty, nil
}

// CheckSchema returns nil when the database is at this binary's schema
// version and clean, ErrSchemaOld (wrapped, with both versions) otherwise.
func CheckSchema(ctx context.Context, db *DB) error {
	v, dirty, err := Version(ctx, db)
	if err != nil {
		return err
	}
	want := SchemaVersion()
	if dirty {
		return fmt.Errorf("schema version %d is dirty (a migration failed half-way): %w", v, ErrSchemaOld)
	}
	if v != want {
		return fmt.Errorf("schema version %d, this binary needs %d: %w", v, want, ErrSchemaOld)
	}
	have, wantRiver, err := riverCurrent(ctx, db)
	if err != nil {
		return err
	}
	if have != wantRiver {
		return fmt.Errorf("job tables (River) at version %d, this binary needs %d: %w", have, wantRiver, ErrSchemaOld)
	}
	return nil
}

// RiverSchemaVersion is the newest River migration this binary's River has.
func RiverSchemaVersion() int {
	rm, err := riverMigrator(nil)
	if err != nil {
		panic(fmt.Sprintf("postgres: %v", err))
	}
	all := rm.AllVersions()
	return all[len(all)-1].Version
}
