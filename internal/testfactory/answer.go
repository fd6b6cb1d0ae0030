package testfactory

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// Decode encodes an action's data as the API writes it (dispatch.Encode)
// and decodes it again into generic JSON values, numbers kept as
// json.Number, so a test sees exactly what a reseller would.
func Decode(t testing.TB, data any) any {
	t.Helper()
	b, err := dispatch.Encode(data)
	require.NoError(t, err, "encode answer")
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "decode answer %s", b)
	return v
}

// Object is Decode for data that must be a JSON object.
func Object(t testing.TB, data any) map[string]any {
	t.Helper()
	v := Decode(t, data)
	obj, ok := v.(map[string]any)
	require.True(t, ok, "answer is not a JSON object: %#v", v)
	return obj
}

// Kind names the JSON kind of a decoded value: "string", "number", "null",
// "bool", "array" or "object".
func Kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// Kinds returns the JSON kind of every field of obj, for comparing an
// answer's shape with a table taken from the document.
func Kinds(obj map[string]any) map[string]string {
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		out[k] = Kind(v)
	}
	return out
}

// List decodes the answer of a list action (getservers, lease_orders, ...):
// it requires exactly the keys pages (a number) and servers (a list, never
// null) and returns the page count and the rows.
func List(t testing.TB, data any) (pages int64, rows []map[string]any) {
	t.Helper()
	obj := Object(t, data)
	require.Equal(t, map[string]string{"pages": "number", "servers": "array"}, Kinds(obj), "list answer %v", obj)
	pages, err := obj["pages"].(json.Number).Int64()
	require.NoError(t, err, "pages")
	rows = []map[string]any{}
	for _, v := range obj["servers"].([]any) {
		row, ok := v.(map[string]any)
		require.True(t, ok, "a listed order is not an object: %#v", v)
		rows = append(rows, row)
	}
	return pages, rows
}

// IDs returns the id field of every row, in order.
func IDs(t testing.TB, rows []map[string]any) []int64 {
	t.Helper()
	ids := make([]int64, len(rows))
	for i, row := range rows {
		n, ok := row["id"].(json.Number)
		require.True(t, ok, "id is not a number: %#v", row["id"])
		var err error
		ids[i], err = n.Int64()
		require.NoError(t, err)
	}
	return ids
}

// Number is an integer as Decode gives it, for tables of expected values.
func Number(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }
