package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// writeSQL is the INSERT and the UPDATE of one catalogue table, both built
// from one explicit column list so that the two cannot disagree. refs names
// the columns whose value is found from the parameter, e.g. zone_id from a
// zone's guid: "(SELECT id FROM zones WHERE guid = %s)". The INSERT takes
// the values in column order; the UPDATE takes the row's id first.
type writeSQL struct {
	insert, update string
}

func buildWrite(table string, cols []string, refs map[string]string) writeSQL {
	vals := make([]string, len(cols))
	sets := make([]string, len(cols))
	for i, c := range cols {
		vals[i] = param(c, i+1, refs)
		sets[i] = c + " = " + param(c, i+2, refs)
	}
	return writeSQL{
		insert: fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.Join(vals, ", ")),
		update: fmt.Sprintf("UPDATE %s SET %s WHERE id = $1", table, strings.Join(sets, ", ")),
	}
}

func param(col string, n int, refs map[string]string) string {
	p := fmt.Sprintf("$%d", n)
	if f, ok := refs[col]; ok {
		return fmt.Sprintf(f, p)
	}
	return p
}

// Expressions that find a referenced row's id from its guid.
const (
	zoneByGUID          = "(SELECT id FROM zones WHERE guid = %s)"
	serverLineByGUID    = "(SELECT id FROM server_lines WHERE guid = %s)"
	leaseLineByGUID     = "(SELECT id FROM lease_lines WHERE guid = %s)"
	leaseProductByGUID  = "(SELECT id FROM lease_products WHERE guid = %s)"
	resellerByAppID     = "(SELECT id FROM resellers WHERE appid = %s)"
	lineNamesExpression = `COALESCE((SELECT string_agg(l.name, '、' ORDER BY u.ord)
	     FROM unnest(%s) WITH ORDINALITY AS u(guid, ord) JOIN %s l ON l.guid = u.guid), '')`
)

// lineNames is the SQL of a product's line_names: the names of the lines
// of table whose guids are in the array column, in its order, joined by
// "、". An unknown guid is skipped.
func lineNames(column, table string) string {
	return fmt.Sprintf(lineNamesExpression, column, table)
}

// collect scans every row with scan. It never returns a nil slice, so an
// empty answer encodes as [].
func collect[T any](rows pgx.Rows, scan func(pgx.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// scanInto returns a scan function that scans into the destinations dest
// gives for a new row.
func scanInto[T any](dest func(*T) []any) func(pgx.Rows) (T, error) {
	return func(rows pgx.Rows) (T, error) {
		var v T
		err := rows.Scan(dest(&v)...)
		return v, err
	}
}

// list runs a list query and scans its rows, naming op in its error.
func list[T any](ctx context.Context, q postgres.Querier, op, sql string, dest func(*T) []any) ([]T, error) {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out, err := collect(rows, scanInto(dest))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
