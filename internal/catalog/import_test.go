package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

// problemsOf returns the lines of the *ImportError that err must be.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var ie *catalog.ImportError
	require.True(t, errors.As(err, &ie), "want *catalog.ImportError, got %v", err)
	require.NotEmpty(t, ie.Problems)
	require.Equal(t, len(ie.Problems), len(strings.Split(ie.Error(), "\n")), "one problem per line")
	return strings.Split(ie.Error(), "\n")
}

func TestImportReportsEveryBadRowByKeyIndexAndFieldAndChangesNothing(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	mustImport(t, db, exampleFile(t))
	before, exported := rowCounts(t, db), export(t, db)

	f := exampleObject(t)
	f["getzones"][1]["sort"] = "16" // a string for an int
	f["getzones"] = append(f["getzones"], map[string]any{"guid": "new-zone", "name": "新区"})
	f["getlines"][0]["harddiskPrice"] = "0.505" // three decimals
	f["getlines"][1]["provider"] = map[string]any{"driver": "foo"}
	f["getlines"][1]["colour"] = "red"                      // unknown field
	f["idc_product"][0]["power"] = `[{"name":"0.5A/220V"}]` // bad JSON text
	f["sql_product"][0]["lines_guid"] = "9999999999999999"  // no such hosting line
	_, err := importBytes(t, db, fileBytes(t, f))
	require.Equal(t, []string{
		"getzones[1].sort: want an integer, got a string",
		"getlines[0].harddiskPrice: \"0.505\" has more than two decimals",
		"getlines[1].provider.driver: unknown driver \"foo\" (known: btpanel, ipmi, manual, mofang, mofangyun, sim)",
		"getlines[1].colour: unknown field",
		"idc_product[0].power: entry 0: want exactly the keys name, price (want a list like [{\"name\":\"0.5A/220V\",\"price\":\"0.00\"}, ...])",
		"sql_product[0].lines_guid: unknown hosting line \"9999999999999999\" (neither in the file's hosting_lines nor in the database)",
	}, problemsOf(t, err))
	require.Equal(t, before, rowCounts(t, db), "a file with problems changes nothing")
	require.Equal(t, string(exported), string(export(t, db)))
}

// Rows that make a small valid catalogue, for the cases below.
const (
	zoneRow    = `{"guid":"Z1","name":"德阳"}`
	lineRow    = `{"guid":"L1","line_guid":"Z1","name":"德阳电信","provider":{"driver":"sim"}}`
	leaseLine  = `{"guid":"LL1","line_guid":"Z1","name":"德阳","provider":{"driver":"sim"}}`
	leaseProd  = `{"guid":"LP1","name":"基础型","line_guid":"LL1","price":"550.00"}`
	hostLine   = `{"guid":"H1","name":"浙江","provider":{"driver":"btpanel","url":"https://p.invalid"}}`
	machineRow = `{"guid":"M1","product_guid":"LP1","line_guid":"LL1","name":"A01"}`
)

func TestImportRejects(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	cases := []struct {
		name, file, want string
	}{
		{"a file that is not an object", `[]`, "the file must be one JSON object"},
		{"broken JSON", "{\n\"getzones\": [", "not valid JSON: line 2"},
		{"an unknown key", `{"getzone":[]}`, "getzone: unknown key (known: getzones, getsystems"},
		{"a key that is not a list", `{"getzones":{}}`, "getzones: want a list of rows, got an object"},
		{"a row that is not an object", `{"getzones":[1]}`, "getzones[0]: want an object, got a number"},
		{"an unknown field", `{"getzones":[{"guid":"Z1","name":"a","colour":"red"}]}`, "getzones[0].colour: unknown field"},
		{"a string for an int", `{"getzones":[{"guid":"Z1","name":"a","sort":"1"}]}`, "getzones[0].sort: want an integer, got a string"},
		{"a decimal for an int", `{"getzones":[{"guid":"Z1","name":"a","sort":1.5}]}`, "getzones[0].sort: want an integer, got 1.5"},
		{"null for a string", `{"getzones":[{"guid":"Z1","name":null}]}`, "getzones[0].name: want a string, got null"},
		{"a missing required field", `{"getzones":[{"guid":"Z1"}]}`, "getzones[0].name: required"},
		{"a flag out of range", `{"getzones":[{"guid":"Z1","name":"a","status":2}]}`, "getzones[0].status: must be 0 or 1"},
		{"a duplicate guid", `{"getzones":[` + zoneRow + `,` + zoneRow + `]}`, "getzones[1].guid: duplicate row: same guid as getzones[0]"},
		{"a number for a string", `{"getzones":[` + zoneRow + `],"getlines":[{"guid":"L1","line_guid":"Z1","name":"a","lines_product_type":1,"provider":{"driver":"sim"}}]}`,
			"getlines[0].lines_product_type: want a string, got a number"},
		{"money as a number", `{"getzones":[` + zoneRow + `],"getlines":[{"guid":"L1","line_guid":"Z1","name":"a","harddiskPrice":0.5,"provider":{"driver":"sim"}}]}`,
			`getlines[0].harddiskPrice: want a money string like "15.00", got a number`},
		{"money with three decimals", `{"getzones":[` + zoneRow + `],"getlines":[{"guid":"L1","line_guid":"Z1","name":"a","cpuPrice":"15.001","provider":{"driver":"sim"}}]}`,
			`getlines[0].cpuPrice: "15.001" has more than two decimals`},
		{"an unknown driver", `{"getzones":[` + zoneRow + `],"getlines":[{"guid":"L1","line_guid":"Z1","name":"a","provider":{"driver":"foo"}}]}`,
			`getlines[0].provider.driver: unknown driver "foo"`},
		{"a missing provider", `{"getzones":[` + zoneRow + `],"getlines":[{"guid":"L1","line_guid":"Z1","name":"a"}]}`,
			"getlines[0].provider: required"},
		{"a discount that is not JSON", `{"getzones":[` + zoneRow + `],"getlines":[{"guid":"L1","line_guid":"Z1","name":"a","discount":"85%","provider":{"driver":"sim"}}]}`,
			"getlines[0].discount: want JSON text of a list like"},
		{"a discount of the wrong shape", `{"getzones":[` + zoneRow + `],"getlines":[{"guid":"L1","line_guid":"Z1","name":"a","discount":"[{\"month\":\"x\",\"discount\":\"1\"}]","provider":{"driver":"sim"}}]}`,
			"getlines[0].discount: entry 0: month must be a whole number"},
		{"overlapping bandwidth tiers", `{"getzones":[` + zoneRow + `],"getlines":[{"guid":"L1","line_guid":"Z1","name":"a","bandwidth_stairs_price":"[{\"min\":11,\"max\":50,\"price\":\"9.00\"},{\"min\":50,\"max\":60,\"price\":\"9.00\"}]","provider":{"driver":"sim"}}]}`,
			"getlines[0].bandwidth_stairs_price: entry 1: tiers must be in ascending order"},
		{"a system's lines that are not a JSON list", `{"getsystems":[{"guid":"S1","type_id":2,"name":"CentOS","lines":"1696639073705350"}]}`,
			"getsystems[0].lines: want JSON text of a list of strings"},
		{"a system on an unknown zone", `{"getsystems":[{"guid":"S1","type_id":2,"name":"CentOS","lines":"[\"9999\"]"}]}`,
			`getsystems[0].lines: unknown zone "9999"`},
		{"an unknown system type", `{"getsystems":[{"guid":"S1","type_id":9,"name":"CentOS"}]}`,
			"getsystems[0].type_id: unknown system type 9"},
		{"a line on an unknown zone", `{"getlines":[` + lineRow + `]}`, `getlines[0].line_guid: unknown zone "Z1"`},
		{"a package on an unknown line", `{"getproduct":[{"name":"A型","cpu":4,"memory":8,"price":"168.00","lines_guid":"L9"}]}`,
			`getproduct[0].lines_guid: unknown server line "L9"`},
		{"a package on an elastic line", `{"getzones":[` + zoneRow + `],"getlines":[` + lineRow + `],"getproduct":[{"name":"A型","cpu":4,"memory":8,"price":"168.00","lines_guid":"L1"}]}`,
			`getproduct[0].lines_guid: server line "L1" is not a package line`},
		{"a lease product on an unknown line", `{"lease_product":[` + leaseProd + `]}`, `lease_product[0].line_guid: unknown lease line "LL1"`},
		{"a machine of an unknown product", `{"getzones":[` + zoneRow + `],"lease_lines":[` + leaseLine + `],"lease_machines":[{"name":"A01","product_guid":"LP9","line_guid":"LL1"}]}`,
			`lease_machines[0].product_guid: unknown lease product "LP9"`},
		{"a machine on a line its product is not sold on", `{"getzones":[` + zoneRow + `],"lease_lines":[` + leaseLine + `,{"guid":"LL2","line_guid":"Z1","name":"b","provider":{"driver":"sim"}}],"lease_product":[` + leaseProd + `],"lease_machines":[{"name":"A01","product_guid":"LP1","line_guid":"LL2"}]}`,
			`lease_machines[0].line_guid: lease product "LP1" is not sold on lease line "LL2"`},
		{"a machine with a bad IP", `{"getzones":[` + zoneRow + `],"lease_lines":[` + leaseLine + `],"lease_product":[` + leaseProd + `],"lease_machines":[{"name":"A01","product_guid":"LP1","line_guid":"LL1","ip":[{"ip":"192.0.2.300"}]}]}`,
			`lease_machines[0].ip[0].ip: "192.0.2.300" is not an IP address`},
		{"a machine with a bad BMC port", `{"getzones":[` + zoneRow + `],"lease_lines":[` + leaseLine + `],"lease_product":[` + leaseProd + `],"lease_machines":[{"name":"A01","product_guid":"LP1","line_guid":"LL1","bmc":{"port":"623"}}]}`,
			`lease_machines[0].bmc.port: want an integer, got a string`},
		{"an idc product on an unknown line", `{"idc_product":[{"guid":"I1","name":"1U","line_guid":"IL9","price":"800.00"}]}`,
			`idc_product[0].line_guid: unknown colocation line "IL9"`},
		{"a hosting product on an unknown line", `{"hosting_product":[{"guid":"P1","name":"A型","lines_guid":"H1,H9","price":"80.00"}]}`,
			`hosting_product[0].lines_guid: unknown hosting line "H1"`},
		{"a coupon of an unknown reseller", `{"coupons":[{"id":1,"appid":"nobody123","business":["server"],"kind":"percent","value":"10","valid_from":"2025-01-01 00:00:00","valid_until":"2030-01-01 00:00:00","uses":1}]}`,
			`coupons[0].appid: unknown reseller appid "nobody123"`},
		{"a coupon for an unknown business", `{"coupons":[{"id":1,"appid":null,"business":["vps"],"kind":"percent","value":"10","valid_from":"2025-01-01 00:00:00","valid_until":"2030-01-01 00:00:00","uses":1}]}`,
			`coupons[0].business: "vps" is not one of server, lease, idc, hosting, sql`},
		{"a coupon with a bad datetime", `{"coupons":[{"id":1,"business":["server"],"kind":"amount","value":"10","valid_from":"2025-01-01","valid_until":"2030-01-01 00:00:00","uses":1}]}`,
			`coupons[0].valid_from: want a datetime "YYYY-MM-DD HH:MM:SS"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := importBytes(t, db, []byte(tc.file))
			problems := problemsOf(t, err)
			found := false
			for _, p := range problems {
				found = found || strings.HasPrefix(p, tc.want)
			}
			require.True(t, found, "want a problem starting %q, got:\n%s", tc.want, strings.Join(problems, "\n"))
		})
	}
	for _, table := range catalogTables {
		var n int
		require.NoError(t, db.QueryRow(t.Context(), `SELECT count(*) FROM `+table).Scan(&n))
		require.Zero(t, n, "%s: rejected files wrote nothing", table)
	}
}

func TestImportAcceptsTheSmallCatalogueOfTheRejectionCases(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	r := mustImport(t, db, []byte(`{"getzones":[`+zoneRow+`],"getlines":[`+lineRow+`],"lease_lines":[`+leaseLine+
		`],"lease_product":[`+leaseProd+`],"lease_machines":[`+machineRow+`],"hosting_lines":[`+hostLine+`]}`))
	for _, key := range []string{"getzones", "getlines", "lease_lines", "lease_product", "lease_machines", "hosting_lines"} {
		require.Equal(t, catalog.Counts{Key: key, Inserted: 1}, r.Of(key))
	}
	require.Equal(t, catalog.Counts{Key: "getsystems"}, r.Of("getsystems"))
}
