package catalog

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestJSONTextShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		shape, text, want string // want: "" valid, else the start of the problem
	}{
		{"discount", `[]`, ""},
		{"discount", `[{"month":"1","discount":"1"}]`, ""},
		{"discount", `[{"month":12,"discount":85},{"month":24,"discount":75}]`, ""},
		{"discount", `[{"month":"1","discount":"1","x":1}]`, "entry 0: want exactly the keys month, discount"},
		{"discount", `[{"month":0,"discount":"1"}]`, "entry 0: month must be"},
		{"discount", `[{"month":1,"discount":"0"}]`, "entry 0: discount must be"},
		{"discount", `{"month":1}`, "want JSON text of a list"},
		{"discount", `null`, "want JSON text of a list"},
		{"discount", `[] []`, "want JSON text of a list"},
		{"stairs", `[{"min":11,"max":50,"price":"9.00"},{"min":51,"max":100,"price":"12.00"}]`, ""},
		{"stairs", `[{"min":"11","max":"50","price":9}]`, ""},
		{"stairs", `[{"min":50,"max":11,"price":"9.00"}]`, "entry 0: min and max"},
		{"stairs", `[{"min":11,"max":50,"price":"9.001"}]`, `entry 0: price "9.001" has more than two decimals`},
		{"power", `[{"name":"0.5A/220V","price":"0.00"}]`, ""},
		{"power", `[{"name":"0.5A/220V","price":"-1"}]`, `entry 0: price "-1" is negative`},
		{"power", `[{"name":1,"price":"0.00"}]`, "entry 0: name must be"},
	}
	for _, tc := range cases {
		got := checkShape(tc.shape, tc.text)
		if tc.want == "" {
			require.Empty(t, got, "%s %s", tc.shape, tc.text)
			continue
		}
		require.True(t, strings.HasPrefix(got, tc.want), "%s %s: got %q, want %q...", tc.shape, tc.text, got, tc.want)
	}
}

func TestStringRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tag, in, out, want string
	}{
		{"months", "1,2,3,12", "1,2,3,12", ""},
		{"months", "", "", "must not be empty"},
		{"months", "1, 2", "", "want comma-separated whole numbers"},
		{"nums", "", "", ""},
		{"nums", "1,x", "", "want comma-separated whole numbers"},
		{"guids", " a , b", "a,b", ""},
		{"guids", "a,,b", "", "want one guid or several"},
		{"json=strings", `[ "1696639073705350" ]`, `["1696639073705350"]`, ""},
		{"json=strings", `["a", ""]`, "", "empty string in the list"},
		{"set=create install", "create,install", "create,install", ""},
		{"set=create install", "create, install", "", `" install" is not one of`},
		{"intstr", "1", "1", ""},
		{"intstr", "1.5", "", "want a whole number as a string"},
		{"ip", "", "", ""},
		{"ip", "2001:db8::1", "2001:db8::1", ""},
		{"oneof=1 2", "3", "", `"3" is not one of 1, 2`},
	}
	for _, tc := range cases {
		out, msg := parseRules(tc.tag).checkString(tc.in)
		if tc.want == "" {
			require.Empty(t, msg, "%s %q", tc.tag, tc.in)
			require.Equal(t, tc.out, out, "%s %q", tc.tag, tc.in)
			continue
		}
		require.True(t, strings.HasPrefix(msg, tc.want), "%s %q: got %q, want %q...", tc.tag, tc.in, msg, tc.want)
	}
}

func TestGUIDsIncreaseAndSkipTakenOnes(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 4, 9, 13, 26, 57, 123456000, time.UTC)
	g := guidGen{clock: func() time.Time { return at }}
	none := func(string) bool { return false }
	require.Equal(t, "1744205217123456", g.next(none), "Unix seconds, then microseconds")
	require.Equal(t, "1744205217123457", g.next(none), "the same instant gives the next number")
	taken := map[string]bool{"1744205217123458": true, "1744205217123459": true}
	require.Equal(t, "1744205217123460", g.next(func(s string) bool { return taken[s] }))
}

func TestBuildWriteUsesOneColumnList(t *testing.T) {
	t.Parallel()
	w := buildWrite("t", []string{"guid", "zone_id", "name"}, map[string]string{"zone_id": zoneByGUID})
	require.Equal(t, "INSERT INTO t (guid, zone_id, name) VALUES ($1, (SELECT id FROM zones WHERE guid = $2), $3)", w.insert)
	require.Equal(t, "UPDATE t SET guid = $2, zone_id = (SELECT id FROM zones WHERE guid = $3), name = $4 WHERE id = $1", w.update)
}

// TestFileRowsHaveNoDuplicateJSONNames guards the embedding of an API row
// and its private struct: encoding/json drops a name that both carry.
func TestFileRowsHaveNoDuplicateJSONNames(t *testing.T) {
	t.Parallel()
	for _, typ := range []reflect.Type{
		reflect.TypeFor[Zone](), reflect.TypeFor[System](), reflect.TypeFor[SystemFields](),
		reflect.TypeFor[ServerLineRecord](), reflect.TypeFor[ServerPackage](), reflect.TypeFor[LeaseLineRecord](),
		reflect.TypeFor[LeaseHarddisk](), reflect.TypeFor[LeaseProduct](), reflect.TypeFor[LeaseProductRecord](),
		reflect.TypeFor[LeaseMachine](), reflect.TypeFor[IDCLineRecord](), reflect.TypeFor[IDCProduct](),
		reflect.TypeFor[IDCProductRecord](), reflect.TypeFor[HostingLineRecord](), reflect.TypeFor[HostingProduct](),
		reflect.TypeFor[HostingProductRecord](), reflect.TypeFor[SQLProduct](), reflect.TypeFor[SQLProductRecord](),
		reflect.TypeFor[Coupon](),
	} {
		names := jsonNames(typ)
		seen := map[string]bool{}
		for _, n := range names {
			require.False(t, seen[n], "%s: %s twice", typ, n)
			seen[n] = true
		}
	}
}
