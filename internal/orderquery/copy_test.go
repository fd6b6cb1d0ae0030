package orderquery_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// copied are the columns a copy of an order does not take from the order
// it copies: its id is new (and its list position the database's), its
// status cycles through all five, and what must stay unique is made so.
var copied = map[string]string{
	"order_no":     `order_no || '-' || n.id`,
	"order_status": `(ARRAY[0, 1, 3, -1, -2])[1 + n.g % 5]`,
	"machine_id":   `NULL`, // a lease machine serves one live order
	"ftp_name":     `ftp_name || n.id`,
	"db_name":      `db_name || n.id`,
}

// copySQL is an INSERT of copies of one order of business, with every
// column of its table but id (and position): $1 is the order copied, $2
// how many copies, $3 the copy's id when $2 is 1 (NULL: the sequence's).
func copySQL(t testing.TB, db *postgres.DB, business string) string {
	t.Helper()
	table := business + "_orders"
	rows, err := db.Query(context.Background(), `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND column_name NOT IN ('id', 'position')
		ORDER BY ordinal_position`, table)
	require.NoError(t, err)
	columns, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	values := make([]string, len(columns))
	for i, c := range columns {
		values[i] = "o." + c
		if v, ok := copied[c]; ok {
			values[i] = v
		}
	}
	ident := pgx.Identifier{table}.Sanitize()
	return fmt.Sprintf(`INSERT INTO %s (id, %s)
		SELECT n.id, %s FROM %s o,
		     (SELECT coalesce($3::bigint, nextval(pg_get_serial_sequence('%s', 'id'))) AS id, g
		      FROM generate_series(1, $2::int) g) n
		WHERE o.id = $1`, ident, strings.Join(columns, ", "), strings.Join(values, ", "), ident, table)
}
