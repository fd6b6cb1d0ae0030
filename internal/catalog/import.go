package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// kinds returns the file's keys in file order, which is also the order
// they are written in: every key after the keys it refers to.
func kinds() []importer {
	return []importer{
		&kind[Zone]{spec: &zoneSpec},
		&kind[SystemFields]{spec: &systemSpec},
		&kind[ServerLineRecord]{spec: &serverLineSpec},
		&kind[ServerPackage]{spec: &serverPackageSpec},
		&kind[LeaseLineRecord]{spec: &leaseLineSpec},
		&kind[LeaseHarddisk]{spec: &leaseHarddiskSpec},
		&kind[LeaseProductRecord]{spec: &leaseProductSpec},
		&kind[LeaseMachine]{spec: &leaseMachineSpec},
		&kind[IDCLineRecord]{spec: &idcLineSpec},
		&kind[IDCProductRecord]{spec: &idcProductSpec},
		&kind[HostingLineRecord]{spec: &hostingLineSpec},
		&kind[HostingProductRecord]{spec: &hostingProductSpec},
		&kind[SQLProductRecord]{spec: &sqlProductSpec},
		&kind[Coupon]{spec: &couponSpec},
	}
}

// Keys returns the keys of the catalogue file, in file order.
func Keys() []string {
	var out []string
	for _, k := range kinds() {
		out = append(out, k.key())
	}
	return out
}

// Problem is one thing wrong with a catalogue file: the key, the row's
// index in it (-1 for the key itself) and the field inside the row ("" for
// the whole row), e.g. getlines[2].provider.driver.
type Problem struct {
	Key   string
	Index int
	Field string
	Msg   string
}

func (p Problem) String() string {
	switch {
	case p.Key == "":
		return p.Msg
	case p.Index < 0:
		return p.Key + ": " + p.Msg
	case p.Field == "":
		return fmt.Sprintf("%s[%d]: %s", p.Key, p.Index, p.Msg)
	}
	return fmt.Sprintf("%s[%d].%s: %s", p.Key, p.Index, p.Field, p.Msg)
}

// ImportError is returned by Import for a file with problems; nothing was
// changed.
type ImportError struct {
	Problems []Problem
}

// Error lists every problem, one per line.
func (e *ImportError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Counts says what an import did with the rows of one key.
type Counts struct {
	Key                          string
	Inserted, Updated, Unchanged int
}

// Report lists the Counts of every key, in file order.
type Report struct {
	Keys []Counts
}

// Of returns the counts of key (zero when the report has none).
func (r Report) Of(key string) Counts {
	for _, c := range r.Keys {
		if c.Key == key {
			return c
		}
	}
	return Counts{Key: key}
}

// String writes one line per key: "getlines: 1 inserted, 0 updated, 1 unchanged".
func (r Report) String() string {
	lines := make([]string, len(r.Keys))
	for i, c := range r.Keys {
		lines[i] = fmt.Sprintf("%s: %d inserted, %d updated, %d unchanged", c.Key, c.Inserted, c.Updated, c.Unchanged)
	}
	return strings.Join(lines, "\n")
}

// importLock serializes imports (a transaction-level advisory lock).
const importLock = int64(0x7a6f6e6b636174) // "zonkcat"

// Import upserts the catalogue file read from r, all of it or nothing, in
// one transaction (see the package comment for the rules). It returns what
// it did per key; *ImportError (nothing changed) when the file has
// problems; another error when reading r or the database fails.
func Import(ctx context.Context, db *postgres.DB, box *secret.Box, r io.Reader) (Report, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Report{}, fmt.Errorf("catalog.Import: read: %w", err)
	}
	top, problems := readFile(data)
	if top == nil {
		return Report{}, &ImportError{Problems: problems}
	}
	var report Report
	err = postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		var err error
		report, err = importTx(ctx, tx, box, top, problems)
		return err
	})
	var ie *ImportError
	if errors.As(err, &ie) {
		return Report{}, ie
	}
	if err != nil {
		return Report{}, fmt.Errorf("catalog.Import: %w", err)
	}
	return report, nil
}

// importTx checks every row (adding to the file's problems) and, when there
// is no problem at all, writes them.
func importTx(ctx context.Context, tx pgx.Tx, box *secret.Box, top map[string][]json.RawMessage, fileProblems []Problem) (Report, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, importLock); err != nil {
		return Report{}, fmt.Errorf("lock: %w", err)
	}
	ks := kinds()
	problems := append([]Problem(nil), fileProblems...)
	for _, k := range ks {
		problems = append(problems, k.decode(top[k.key()])...)
	}
	refs, err := loadRefs(ctx, tx)
	if err != nil {
		return Report{}, err
	}
	for _, k := range ks {
		k.note(refs)
	}
	for _, k := range ks {
		problems = append(problems, k.check(refs)...)
	}
	if len(problems) > 0 {
		sortProblems(problems)
		return Report{}, &ImportError{Problems: problems}
	}
	env := &writeEnv{now: time.Now().Truncate(time.Second)}
	var report Report
	for _, k := range ks {
		c, err := k.write(ctx, tx, box, env)
		if err != nil {
			return Report{}, err
		}
		report.Keys = append(report.Keys, c)
	}
	return report, nil
}

// sortProblems orders problems by key (file order), row and, within a row,
// as found.
func sortProblems(ps []Problem) {
	order := map[string]int{}
	for i, k := range Keys() {
		order[k] = i
	}
	sort.SliceStable(ps, func(i, j int) bool {
		_, iKnown := order[ps[i].Key]
		_, jKnown := order[ps[j].Key]
		if iKnown != jKnown { // unknown keys first
			return !iKnown
		}
		if ps[i].Key != ps[j].Key {
			return order[ps[i].Key] < order[ps[j].Key]
		}
		return ps[i].Index < ps[j].Index
	})
}

// readFile splits the file into its keys' rows, reporting unknown keys and
// keys that do not hold a list. It returns nil rows (and the problem) for a
// file that is not one JSON object.
func readFile(data []byte) (map[string][]json.RawMessage, []Problem) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, []Problem{{Index: -1, Msg: "not valid JSON: " + syntaxWhere(data, err)}}
	}
	if jsonKind(data) != kindObject {
		return nil, []Problem{{Index: -1, Msg: "the file must be one JSON object whose keys are " + strings.Join(Keys(), ", ")}}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, []Problem{{Index: -1, Msg: "not valid JSON: " + err.Error()}}
	}
	known := map[string]bool{}
	for _, k := range Keys() {
		known[k] = true
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	sort.Strings(names)
	top := map[string][]json.RawMessage{}
	var problems []Problem
	for _, name := range names {
		raw := obj[name]
		switch {
		case !known[name]:
			problems = append(problems, Problem{Key: name, Index: -1, Msg: "unknown key (known: " + strings.Join(Keys(), ", ") + ")"})
		case jsonKind(raw) != kindArray:
			problems = append(problems, Problem{Key: name, Index: -1, Msg: "want a list of rows, got " + jsonKind(raw).String()})
		default:
			var rows []json.RawMessage
			_ = json.Unmarshal(raw, &rows) // valid: checked above
			top[name] = rows
		}
	}
	return top, problems
}

// syntaxWhere turns a JSON syntax error into "line L, column C: why".
func syntaxWhere(data []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	before := data[:min(int(se.Offset), len(data))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d: %s", line, col, se.Error())
}

// refs is what references may point to: the guids in the database and in
// the file, per key, and a few facts about them.
type refs struct {
	guids          map[string]map[string]bool // file key -> guids
	serverLineType map[string]string          // server line guid -> lines_product_type
	productLines   map[string][]string        // lease product guid -> its line guids
	appids         map[string]bool            // resellers
	systemTypes    map[int]bool
}

func (r *refs) add(key, guid string) {
	if guid == "" {
		return
	}
	if r.guids[key] == nil {
		r.guids[key] = map[string]bool{}
	}
	r.guids[key][guid] = true
}

func (r *refs) has(key, guid string) bool { return r.guids[key][guid] }

// missing returns the problem of a reference to an unknown row, or nil
// when guid is empty (reported as required already) or known.
func (r *refs) missing(field, key, what, guid string) []fieldProblem {
	if guid == "" || r.has(key, guid) {
		return nil
	}
	return []fieldProblem{{field, fmt.Sprintf("unknown %s %q (neither in the file's %s nor in the database)", what, guid, key)}}
}

// loadRefs reads what the database offers to references.
func loadRefs(ctx context.Context, q postgres.Querier) (*refs, error) {
	r := &refs{guids: map[string]map[string]bool{}, serverLineType: map[string]string{},
		productLines: map[string][]string{}, appids: map[string]bool{}, systemTypes: map[int]bool{}}
	for _, src := range []struct {
		sql  string
		each func(a, b string)
	}{
		{`SELECT guid, '' FROM zones`, func(g, _ string) { r.add("getzones", g) }},
		{`SELECT guid, lines_product_type FROM server_lines`, func(g, typ string) {
			r.add("getlines", g)
			r.serverLineType[g] = typ
		}},
		{`SELECT guid, '' FROM lease_lines`, func(g, _ string) { r.add("lease_lines", g) }},
		{`SELECT guid, array_to_string(line_guids, ',') FROM lease_products`, func(g, lines string) {
			r.add("lease_product", g)
			r.productLines[g] = splitGUIDs(lines)
		}},
		{`SELECT guid, '' FROM idc_lines`, func(g, _ string) { r.add("idc_lines", g) }},
		{`SELECT guid, '' FROM hosting_lines`, func(g, _ string) { r.add("hosting_lines", g) }},
		{`SELECT appid, '' FROM resellers`, func(a, _ string) { r.appids[a] = true }},
		{`SELECT id::text, '' FROM system_types`, func(id, _ string) {
			n, _ := strconv.Atoi(id)
			r.systemTypes[n] = true
		}},
	} {
		if err := loadPairs(ctx, q, src.sql, src.each); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func loadPairs(ctx context.Context, q postgres.Querier, sql string, each func(a, b string)) error {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return fmt.Errorf("load references: %w", err)
	}
	pairs, err := collect(rows, func(rows pgx.Rows) ([2]string, error) {
		var p [2]string
		err := rows.Scan(&p[0], &p[1])
		return p, err
	})
	if err != nil {
		return fmt.Errorf("load references: %w", err)
	}
	for _, p := range pairs {
		each(p[0], p[1])
	}
	return nil
}
