package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/migrations"
)

const (
	// templatePrefix and testPrefix begin the names of the databases this
	// package makes.
	templatePrefix = "zonkvmd_tmpl_"
	testPrefix     = "zonkvmd_test_"

	// templateReady begins the comment of a template migrated completely;
	// the time it was last used follows it.
	templateReady = "zonkvmd pgtest template ready, last used "
	// createdMark begins the comment of a test database; its creation
	// time follows it.
	createdMark = "zonkvmd pgtest database created "

	// staleTest is the age past which a test database is a leftover of a
	// killed run; staleTemplate the idle time past which a template of
	// other migrations is dropped.
	staleTest     = 2 * time.Hour
	staleTemplate = 24 * time.Hour

	// templateLock is the advisory lock key under which templates are made
	// and dropped, so that test binaries running at once do not race.
	templateLock int64 = 0x7a6f6e6b766d64 // "zonkvmd"

	// poolMaxConns bounds each pool: many test binaries share one server.
	poolMaxConns = "8"
)

// templateName is zonkvmd_tmpl_ and 12 hex digits of the sha256 of every
// embedded migration file's name and content, and of River's schema
// version: a new migration, or an edited one, makes a new template.
func templateName() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(body))
		h.Write(body)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read embedded migrations: %w", err)
	}
	fmt.Fprintf(h, "river\x00%d", postgres.RiverSchemaVersion()) // River's tables are in the template too
	return templatePrefix + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// newDatabaseName is zonkvmd_test_<pkg>_<8 random hex digits>.
func newDatabaseName(pkg string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return testPrefix + pkg + "_" + hex.EncodeToString(b[:])
}

// prepareTemplate returns the name of the template for this tree's
// migrations, making and migrating it first when it does not exist or was
// left half-made, under an advisory lock. Templates of other migrations not
// used for a day are dropped meanwhile.
func prepareTemplate(ctx context.Context, admin string) (string, error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	conn, err := connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return "", fmt.Errorf("take the template lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, templateLock)

	dropOldTemplates(ctx, conn, name)
	var comment *string
	err = postgres.QueryRow(ctx, conn, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
	switch {
	case err == nil && comment != nil && strings.HasPrefix(*comment, templateReady):
		return name, setComment(ctx, conn, name, templateReady)
	case err == nil: // half-made by a run that died
		if err := execDrop(ctx, conn, name); err != nil {
			return "", err
		}
	case !errors.Is(err, postgres.ErrNotFound):
		return "", fmt.Errorf("look up template %s: %w", name, err)
	}
	if err := buildTemplate(ctx, conn, admin, name); err != nil {
		return "", err
	}
	return name, nil
}

// buildTemplate creates database name, migrates it, closes every
// connection to it, forbids new ones (CREATE DATABASE ... TEMPLATE needs a
// template nobody is connected to) and marks it ready.
func buildTemplate(ctx context.Context, conn *pgx.Conn, admin, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	_, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8'")
	if err != nil { // the server's locale may not suit UTF8
		_, err = conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
	}
	if err != nil {
		return fmt.Errorf("create template %s: %w", name, err)
	}
	pool, err := openPool(ctx, admin, name)
	if err != nil {
		return fmt.Errorf("open template %s: %w", name, err)
	}
	err = postgres.MigrateUp(ctx, pool)
	pool.Close()
	if err != nil {
		return fmt.Errorf("migrate template %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("close template %s: %w", name, err)
	}
	return setComment(ctx, conn, name, templateReady)
}

// dropOldTemplates drops templates of other migrations not used for a day
// (or never finished). Failures only leave them for a later run.
func dropOldTemplates(ctx context.Context, conn *pgx.Conn, keep string) {
	rows, err := conn.Query(ctx, `SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '')
		FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2`, templatePrefix, keep)
	if err != nil {
		return
	}
	type db struct{ Name, Comment string }
	dbs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[db])
	if err != nil {
		return
	}
	for _, d := range dbs {
		used, ok := markedTime(d.Comment, templateReady)
		if !ok || time.Since(used) > staleTemplate {
			_ = execDrop(ctx, conn, d.Name)
		}
	}
}

// dropStaleDatabases drops test databases older than two hours: leftovers
// of runs that were killed before they could drop their own.
func dropStaleDatabases(ctx context.Context, admin string) error {
	conn, err := connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `SELECT oid::text, datname, coalesce(shobj_description(oid, 'pg_database'), '')
		FROM pg_database WHERE starts_with(datname, $1)`, testPrefix)
	if err != nil {
		return fmt.Errorf("list test databases: %w", err)
	}
	type db struct{ OID, Name, Comment string }
	dbs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[db])
	if err != nil {
		return fmt.Errorf("list test databases: %w", err)
	}
	for _, d := range dbs {
		created, ok := markedTime(d.Comment, createdMark)
		if !ok { // no comment yet or any more: ask the file system (superusers only)
			err := conn.QueryRow(ctx, `SELECT (pg_stat_file('base/' || $1 || '/PG_VERSION')).modification`, d.OID).Scan(&created)
			if err != nil {
				continue
			}
		}
		if time.Since(created) > staleTest {
			if err := execDrop(ctx, conn, d.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// markedTime parses the RFC 3339 time that follows prefix in comment.
func markedTime(comment, prefix string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(comment, prefix)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, rest)
	return t, err == nil
}

// setComment sets the comment of database name to mark and the time now.
func setComment(ctx context.Context, conn *pgx.Conn, name, mark string) error {
	// COMMENT takes no parameters: the text is ours, quote it as a literal.
	text := mark + time.Now().UTC().Format(time.RFC3339)
	_, err := conn.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{name}.Sanitize()+" IS '"+strings.ReplaceAll(text, "'", "''")+"'")
	if err != nil {
		return fmt.Errorf("comment on database %s: %w", name, err)
	}
	return nil
}

// createDatabase makes database name as a copy of tmpl and stamps it with
// its creation time.
func createDatabase(ctx context.Context, admin, name, tmpl string) error {
	conn, err := connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize())
	if err != nil {
		return fmt.Errorf("create database %s from %s: %w", name, tmpl, err)
	}
	return setComment(ctx, conn, name, createdMark)
}

// dropDatabase drops database name, disconnecting whoever still uses it.
func dropDatabase(ctx context.Context, admin, name string) error {
	conn, err := connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return execDrop(ctx, conn, name)
}

func execDrop(ctx context.Context, conn *pgx.Conn, name string) error {
	_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// connect opens one connection to dsn, giving up after ten seconds.
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}

// openPool opens a pool of at most poolMaxConns connections on database
// name of the server admin points at.
func openPool(ctx context.Context, admin, name string) (*postgres.DB, error) {
	dsn, err := withDatabase(admin, name)
	if err != nil {
		return nil, err
	}
	return postgres.Open(ctx, withParam(dsn, "pool_max_conns", poolMaxConns))
}

// withDatabase returns dsn (a URL or a keyword/value string) with its
// database replaced by name.
func withDatabase(dsn, name string) (string, error) {
	if !isURL(dsn) {
		return dsn + " dbname=" + name, nil // the last setting wins
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse the database URL: %w", err)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

// withParam returns dsn with the setting key=value added.
func withParam(dsn, key, value string) string {
	if !isURL(dsn) {
		return dsn + " " + key + "=" + value
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + url.QueryEscape(key) + "=" + url.QueryEscape(value)
}

func isURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
