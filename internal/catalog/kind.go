package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// spec describes one key of the catalogue file: how its rows are matched,
// checked, read back and written. R is the key's file row type.
type spec[R any] struct {
	key        string
	identField string   // the field a duplicate row is reported at
	ignored    []string // derived fields: accepted in a row and dropped
	fresh      func() R // a row holding the schema's defaults
	// ident is what a row is matched by in the database ("" when the row
	// gives none); guid, when not nil, is the field to fill with a new guid.
	ident func(*R) string
	guid  func(*R) *string
	// note registers what the row offers to references; check checks the
	// row beyond its field types (references, ranges).
	note  func(*R, *refs)
	check func(*R, *refs) []fieldProblem
	// load reads every stored row, secrets opened, in id order.
	load func(context.Context, postgres.Querier, *secret.Box) ([]stored[R], error)
	sql  writeSQL
	args func(*R, *secret.Box) ([]any, error) // the values of sql, in column order
	// prepare (optional) lets the store keep what the file does not own;
	// old is nil for a new row. changed (optional) runs on a row about to be
	// updated.
	prepare func(in, old *R, now time.Time)
	changed func(in *R, now time.Time)
}

// stored is a row as it is in the database.
type stored[R any] struct {
	id  int64
	rec R
}

// importer is a spec with the rows of one import; kinds() makes a fresh set
// for every import.
type importer interface {
	key() string
	decode(raws []json.RawMessage) []Problem
	note(*refs)
	check(*refs) []Problem
	write(ctx context.Context, tx pgx.Tx, box *secret.Box, env *writeEnv) (Counts, error)
	records(ctx context.Context, q postgres.Querier, box *secret.Box) (any, error)
}

type kind[R any] struct {
	spec *spec[R]
	rows []R
}

// writeEnv is what every kind's write shares within one import.
type writeEnv struct {
	gen guidGen
	now time.Time
}

func (k *kind[R]) key() string { return k.spec.key }

func (k *kind[R]) decode(raws []json.RawMessage) []Problem {
	var out []Problem
	seen := map[string]int{}
	k.rows = make([]R, len(raws))
	for i, raw := range raws {
		k.rows[i] = k.spec.fresh()
		for _, p := range decodeRow(raw, &k.rows[i], k.spec.ignored) {
			out = append(out, Problem{Key: k.spec.key, Index: i, Field: p.field, Msg: p.msg})
		}
		id := k.spec.ident(&k.rows[i])
		if id == "" {
			continue
		}
		if j, dup := seen[id]; dup {
			out = append(out, Problem{Key: k.spec.key, Index: i, Field: k.spec.identField,
				Msg: fmt.Sprintf("duplicate row: same %s as %s[%d]", k.spec.identField, k.spec.key, j)})
			continue
		}
		seen[id] = i
	}
	return out
}

func (k *kind[R]) note(r *refs) {
	if k.spec.note == nil {
		return
	}
	for i := range k.rows {
		k.spec.note(&k.rows[i], r)
	}
}

func (k *kind[R]) check(r *refs) []Problem {
	if k.spec.check == nil {
		return nil
	}
	var out []Problem
	for i := range k.rows {
		for _, p := range k.spec.check(&k.rows[i], r) {
			out = append(out, Problem{Key: k.spec.key, Index: i, Field: p.field, Msg: p.msg})
		}
	}
	return out
}

// write upserts the rows: a new row is inserted, a row equal to the stored
// one (compared as the file would write them) is left alone, any other is
// updated in place, keeping its id.
func (k *kind[R]) write(ctx context.Context, tx pgx.Tx, box *secret.Box, env *writeEnv) (Counts, error) {
	c := Counts{Key: k.spec.key}
	old, err := k.spec.load(ctx, tx, box)
	if err != nil {
		return c, fmt.Errorf("read %s: %w", k.spec.key, err)
	}
	byIdent := make(map[string]*stored[R], len(old))
	for i := range old {
		byIdent[k.spec.ident(&old[i].rec)] = &old[i]
	}
	taken := func(id string) bool {
		_, inDB := byIdent[id]
		return inDB || k.identInFile(id)
	}
	for i := range k.rows {
		in := &k.rows[i]
		var prev *stored[R]
		if id := k.spec.ident(in); id != "" {
			prev = byIdent[id]
		} else if k.spec.guid != nil {
			*k.spec.guid(in) = env.gen.next(taken)
		}
		if err := k.writeRow(ctx, tx, box, env, in, prev, &c); err != nil {
			return c, fmt.Errorf("write %s[%d]: %w", k.spec.key, i, err)
		}
	}
	return c, nil
}

func (k *kind[R]) writeRow(ctx context.Context, tx pgx.Tx, box *secret.Box, env *writeEnv, in *R, prev *stored[R], c *Counts) error {
	var oldRec *R
	if prev != nil {
		oldRec = &prev.rec
	}
	if k.spec.prepare != nil {
		k.spec.prepare(in, oldRec, env.now)
	}
	if prev != nil {
		same, err := sameJSON(in, oldRec)
		if err != nil {
			return err
		}
		if same {
			c.Unchanged++
			return nil
		}
		if k.spec.changed != nil {
			k.spec.changed(in, env.now)
		}
	}
	args, err := k.spec.args(in, box)
	if err != nil {
		return err
	}
	if prev == nil {
		if _, err := tx.Exec(ctx, k.spec.sql.insert, args...); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		c.Inserted++
		return nil
	}
	if _, err := tx.Exec(ctx, k.spec.sql.update, append([]any{prev.id}, args...)...); err != nil {
		return fmt.Errorf("update id %d: %w", prev.id, err)
	}
	c.Updated++
	return nil
}

func (k *kind[R]) identInFile(id string) bool {
	for i := range k.rows {
		if k.spec.ident(&k.rows[i]) == id {
			return true
		}
	}
	return false
}

func (k *kind[R]) records(ctx context.Context, q postgres.Querier, box *secret.Box) (any, error) {
	rows, err := k.spec.load(ctx, q, box)
	if err != nil {
		return nil, err
	}
	out := make([]R, len(rows))
	for i := range rows {
		out[i] = rows[i].rec
	}
	return out, nil
}

// sameJSON reports whether two rows would be written alike in the file.
func sameJSON(a, b any) (bool, error) {
	x, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("compare rows: %w", err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		return false, fmt.Errorf("compare rows: %w", err)
	}
	return bytes.Equal(x, y), nil
}

// guidGen issues catalogue guids: Unix seconds followed by six digits of
// microseconds (16 digits), strictly increasing within one import and
// never one that is taken. clock is time.Now when nil.
type guidGen struct {
	last  int64
	clock func() time.Time
}

func (g *guidGen) next(taken func(string) bool) string {
	now := time.Now
	if g.clock != nil {
		now = g.clock
	}
	n := now().UnixMicro()
	if n <= g.last {
		n = g.last + 1
	}
	for taken(strconv.FormatInt(n, 10)) {
		n++
	}
	g.last = n
	return strconv.FormatInt(n, 10)
}

// loadRows runs a load query whose first column is the row's id and scans
// the rest with dest; then, when open is not nil, lets it open the row's
// secrets from what dest left in extra.
func loadRows[R any, X any](ctx context.Context, q postgres.Querier, sql string,
	dest func(*R, *X) []any, open func(*R, *X) error) ([]stored[R], error) {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(rows pgx.Rows) (stored[R], error) {
		var s stored[R]
		var extra X
		if err := rows.Scan(append([]any{&s.id}, dest(&s.rec, &extra)...)...); err != nil {
			return s, err
		}
		if open != nil {
			if err := open(&s.rec, &extra); err != nil {
				return s, fmt.Errorf("row %d: %w", s.id, err)
			}
		}
		return s, nil
	})
}
