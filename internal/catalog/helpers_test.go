package catalog_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// catalogActions are the twelve catalogue actions of the document, in its
// order.
var catalogActions = []string{
	"getzones", "getsystems", "getlines", "getproduct",
	"lease_lines", "lease_harddisk", "lease_product",
	"idc_lines", "idc_product", "hosting_lines", "hosting_product", "sql_product",
}

// catalogTables are the tables an import writes.
var catalogTables = []string{
	"zones", "systems", "server_lines", "server_packages", "lease_lines", "lease_harddisks",
	"lease_products", "lease_machines", "idc_lines", "idc_products", "hosting_lines",
	"hosting_products", "sql_products", "coupons",
}

func testBox(t *testing.T) *secret.Box {
	t.Helper()
	box, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	require.NoError(t, err)
	return box
}

// exampleFile returns examples/catalog.json.
func exampleFile(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "catalog.json"))
	require.NoError(t, err)
	return b
}

// exampleObject returns the example file decoded, to be changed by a test
// and written back with fileBytes.
func exampleObject(t *testing.T) map[string][]map[string]any {
	t.Helper()
	var f map[string][]map[string]any
	dec := json.NewDecoder(bytes.NewReader(exampleFile(t)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&f))
	return f
}

func fileBytes(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func importBytes(t *testing.T, db *postgres.DB, file []byte) (catalog.Report, error) {
	t.Helper()
	return catalog.Import(t.Context(), db, testBox(t), bytes.NewReader(file))
}

func mustImport(t *testing.T, db *postgres.DB, file []byte) catalog.Report {
	t.Helper()
	r, err := importBytes(t, db, file)
	require.NoError(t, err)
	return r
}

func export(t *testing.T, db *postgres.DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, catalog.Export(t.Context(), db, testBox(t), &buf))
	return buf.Bytes()
}

// newTable is the daemon's route table.
func newTable(db *postgres.DB, box *secret.Box) *dispatch.Table { return app.NewTable(db, box) }

// call runs action and returns its data as the API encodes it.
func call(t *testing.T, db *postgres.DB, action string) []byte {
	t.Helper()
	table := newTable(db, testBox(t))
	data, err := table.Call(t.Context(), dispatch.Reseller{ID: 1, AppID: "x"},
		dispatch.NewParams(map[string]any{"action": action}))
	require.NoError(t, err, action)
	b, err := dispatch.Encode(data)
	require.NoError(t, err, action)
	return b
}

// callRows runs action and decodes its rows.
func callRows(t *testing.T, db *postgres.DB, action string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	dec := json.NewDecoder(bytes.NewReader(call(t, db, action)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&rows), action)
	require.NotNil(t, rows, "%s answers a list", action)
	return rows
}

// rowIDs returns every catalogue table's (id, identity) pairs.
func rowIDs(t *testing.T, db *postgres.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range catalogTables {
		key := "guid"
		switch table {
		case "server_packages":
			key = "name"
		case "coupons":
			key = "id::text"
		}
		rows, err := db.Query(t.Context(), `SELECT id::text || '=' || `+key+` FROM `+table+` ORDER BY id`)
		require.NoError(t, err)
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			out[table] = append(out[table], s)
		}
		require.NoError(t, rows.Err())
	}
	return out
}

// rowCounts returns the number of rows of every catalogue table.
func rowCounts(t *testing.T, db *postgres.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range catalogTables {
		var n int
		require.NoError(t, db.QueryRow(t.Context(), `SELECT count(*) FROM `+table).Scan(&n))
		out[table] = n
	}
	return out
}
