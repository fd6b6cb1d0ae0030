package catalog_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestReimportingTheExampleChangesNothingAndKeepsIDs(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	first := mustImport(t, db, exampleFile(t))
	require.Equal(t, catalog.Counts{Key: "getzones", Inserted: 5}, first.Of("getzones"))
	require.Equal(t, catalog.Counts{Key: "lease_machines", Inserted: 5}, first.Of("lease_machines"))
	ids, exported := rowIDs(t, db), export(t, db)

	second := mustImport(t, db, exampleFile(t))
	require.Equal(t, catalog.Keys(), keysOf(second))
	for i, c := range second.Keys {
		require.Zero(t, c.Inserted+c.Updated, c.Key)
		require.Equal(t, first.Keys[i].Inserted, c.Unchanged, c.Key)
	}
	require.Equal(t, ids, rowIDs(t, db))
	require.Equal(t, string(exported), string(export(t, db)))
}

func keysOf(r catalog.Report) []string {
	var out []string
	for _, c := range r.Keys {
		out = append(out, c.Key)
	}
	return out
}

func TestExportImportExportIsByteIdentical(t *testing.T) {
	t.Parallel()
	a, b := pgtest.NewDB(t), pgtest.NewDB(t)
	mustImport(t, a, exampleFile(t))
	first := export(t, a)
	mustImport(t, b, first)
	require.Equal(t, string(first), string(export(t, b)))

	// The export carries the private fields and secrets in clear, and no
	// derived field.
	require.Equal(t, catalog.Keys(), topKeys(t, first), "every key, in file order")
	var f map[string][]map[string]any
	require.NoError(t, json.Unmarshal(first, &f))
	require.Equal(t, map[string]any{"driver": "sim"}, f["getlines"][0]["provider"])
	require.Equal(t, "15.00", f["getlines"][0]["cpuPrice"])
	require.Equal(t, "ChangeMe-123", f["getsystems"][0]["login_password"])
	require.Equal(t, "ChangeMe-BMC", f["lease_machines"][0]["bmc"].(map[string]any)["password"])
	require.NotContains(t, f["getsystems"][0], "type_name")
	require.NotContains(t, f["lease_product"][0], "line_names")

	// Re-importing the export where it came from changes nothing.
	r := mustImport(t, a, first)
	for _, c := range r.Keys {
		require.Zero(t, c.Inserted+c.Updated, c.Key)
	}
}

// topKeys returns the keys of a JSON object in the order written.
func topKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var out []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		out = append(out, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return out
}

func TestReimportAppliesAChangedValueInPlace(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	mustImport(t, db, exampleFile(t))
	ids := rowIDs(t, db)

	f := exampleObject(t)
	f["getlines"][0]["name"] = "德阳电信-新"
	f["getlines"][0]["cpuPrice"] = "16.00"
	f["getlines"][0]["provider"] = map[string]any{"driver": "mofangyun", "url": "https://mf.invalid"}
	f["lease_product"][0]["price"] = "560.00"
	r := mustImport(t, db, fileBytes(t, f))
	require.Equal(t, catalog.Counts{Key: "getlines", Updated: 1, Unchanged: 1}, r.Of("getlines"))
	require.Equal(t, catalog.Counts{Key: "lease_product", Updated: 1, Unchanged: 1}, r.Of("lease_product"))
	require.Equal(t, catalog.Counts{Key: "getzones", Unchanged: 5}, r.Of("getzones"))
	require.Equal(t, ids, rowIDs(t, db), "ids survive an update")

	require.Equal(t, "德阳电信-新", callRows(t, db, "getlines")[0]["name"])
	require.Equal(t, "560.00", callRows(t, db, "lease_product")[0]["price"])
	var exported map[string][]map[string]any
	require.NoError(t, json.Unmarshal(export(t, db), &exported))
	require.Equal(t, "16.00", exported["getlines"][0]["cpuPrice"])
	require.Equal(t, map[string]any{"driver": "mofangyun", "url": "https://mf.invalid"}, exported["getlines"][0]["provider"])
	var driver string
	require.NoError(t, db.QueryRow(t.Context(), `SELECT provider_driver FROM server_lines WHERE guid = '1696808021765605'`).Scan(&driver))
	require.Equal(t, "mofangyun", driver)
}

func TestAFieldLeftOutTakesItsDefault(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	mustImport(t, db, exampleFile(t))
	f := exampleObject(t)
	delete(f["getzones"][0], "sort")
	r := mustImport(t, db, fileBytes(t, f))
	require.Equal(t, catalog.Counts{Key: "getzones", Updated: 1, Unchanged: 4}, r.Of("getzones"))
	for _, z := range callRows(t, db, "getzones") {
		if z["guid"] == "1696639073705350" {
			require.Equal(t, json.Number("0"), z["sort"])
		}
	}
}

func TestRowsWithoutGUIDGetNewSixteenDigitGUIDs(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	r := mustImport(t, db, []byte(`{"getzones":[{"name":"甲"},{"name":"乙"},{"name":"丙"}],
		"lease_harddisk":[{"type":"SSD","size":500},{"type":"HDD","size":4000}]}`))
	require.Equal(t, 3, r.Of("getzones").Inserted)
	zones := callRows(t, db, "getzones")
	disks := callRows(t, db, "lease_harddisk")
	seen := map[string]bool{}
	sixteen := regexp.MustCompile(`^[0-9]{16}$`)
	now := time.Now().Unix()
	for _, row := range append(zones, disks...) {
		g := row["guid"].(string)
		require.Regexp(t, sixteen, g)
		require.False(t, seen[g], "guid %s issued twice", g)
		seen[g] = true
		sec, err := strconv.ParseInt(g[:10], 10, 64)
		require.NoError(t, err)
		require.InDelta(t, now, sec, 60, "the first ten digits are the Unix time")
	}
}

func TestGetlinesListsOnlyLinesOpenToTheAPI(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	f := exampleObject(t)
	f["getlines"][1]["open_api"] = 0 // 绍兴BGP, the package line
	mustImport(t, db, fileBytes(t, f))
	lines := callRows(t, db, "getlines")
	require.Len(t, lines, 1)
	require.Equal(t, "1696808021765605", lines[0]["guid"])
	require.Empty(t, callRows(t, db, "getproduct"), "packages of a closed line are not listed")
	require.Equal(t, "[]", string(call(t, db, "getproduct")))
}

func TestGetzonesListsDisabledZones(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	mustImport(t, db, exampleFile(t))
	zones := callRows(t, db, "getzones")
	require.Equal(t, "眉山二区", zones[1]["name"])
	require.Equal(t, json.Number("0"), zones[1]["status"])
}

func TestGetsystemsMasksTheLoginPassword(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	mustImport(t, db, exampleFile(t))
	for _, s := range callRows(t, db, "getsystems") {
		require.Equal(t, "***", s["login_password"])
	}
	var sealed []byte
	require.NoError(t, db.QueryRow(t.Context(), `SELECT login_password_enc FROM systems ORDER BY id LIMIT 1`).Scan(&sealed))
	require.NotContains(t, string(sealed), "ChangeMe-123", "sealed at rest")
}

func TestAnEmptyCatalogueAnswersEmptyLists(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	for _, action := range catalogActions {
		require.Equal(t, "[]", string(call(t, db, action)), action)
	}
	var f map[string][]any
	require.NoError(t, json.Unmarshal(export(t, db), &f))
	require.Len(t, f, len(catalog.Keys()))
	for k, rows := range f {
		require.NotNil(t, rows, k)
		require.Empty(t, rows, k)
	}
}

func TestSystemUpdateTimeMovesOnlyWhenTheRowChanges(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	file := func(name string) []byte {
		return []byte(`{"getsystems":[{"guid":"S1","type_id":2,"name":"` + name + `"}]}`)
	}
	mustImport(t, db, file("CentOS"))
	created := callRows(t, db, "getsystems")[0]
	require.Regexp(t, dateTimePattern, created["create_time"])
	require.Equal(t, created["create_time"], created["update_time"])

	r := mustImport(t, db, file("CentOS"))
	require.Equal(t, catalog.Counts{Key: "getsystems", Unchanged: 1}, r.Of("getsystems"))

	time.Sleep(1100 * time.Millisecond)
	r = mustImport(t, db, file("CentOS 7.9"))
	require.Equal(t, catalog.Counts{Key: "getsystems", Updated: 1}, r.Of("getsystems"))
	changed := callRows(t, db, "getsystems")[0]
	require.Equal(t, created["create_time"], changed["create_time"])
	require.NotEqual(t, created["update_time"], changed["update_time"])
}

func TestAMachineHeldByALiveOrderStaysUsed(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	mustImport(t, db, exampleFile(t))
	ctx := t.Context()
	var reseller int64
	require.NoError(t, db.QueryRow(ctx, `INSERT INTO resellers (appid, name, key_hash)
		VALUES ('holder01', 'holder', '\x00') RETURNING id`).Scan(&reseller))
	_, err := db.Exec(ctx, `
		INSERT INTO lease_orders (reseller_id, order_no, line_id, product_id, machine_id, bandwidth,
		                          buy_time, end_time, order_status)
		SELECT $1, 'o-1', m.line_id, m.product_id, m.id, 30, now(), now() + interval '1 month', 1
		FROM lease_machines m WHERE m.guid = '1744175217000001'`, reseller)
	require.NoError(t, err)
	_, err = db.Exec(ctx, `UPDATE lease_machines SET status = 'used' WHERE guid = '1744175217000001'`)
	require.NoError(t, err)

	// The example says "free"; the machine stays "used" and counts as unchanged.
	r := mustImport(t, db, exampleFile(t))
	require.Equal(t, catalog.Counts{Key: "lease_machines", Unchanged: 5}, r.Of("lease_machines"))
	var status string
	require.NoError(t, db.QueryRow(ctx, `SELECT status FROM lease_machines WHERE guid = '1744175217000001'`).Scan(&status))
	require.Equal(t, "used", status)

	// Once the order is gone, the file's status applies again.
	_, err = db.Exec(ctx, `UPDATE lease_orders SET order_status = -2`)
	require.NoError(t, err)
	r = mustImport(t, db, exampleFile(t))
	require.Equal(t, catalog.Counts{Key: "lease_machines", Updated: 1, Unchanged: 4}, r.Of("lease_machines"))
	require.NoError(t, db.QueryRow(ctx, `SELECT status FROM lease_machines WHERE guid = '1744175217000001'`).Scan(&status))
	require.Equal(t, "free", status)
}

func TestACouponMayBelongToAnExistingReseller(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	var reseller int64
	require.NoError(t, db.QueryRow(t.Context(), `INSERT INTO resellers (appid, name, key_hash)
		VALUES ('coupon01', 'coupon holder', '\x00') RETURNING id`).Scan(&reseller))
	f := exampleObject(t)
	f["coupons"][0]["appid"] = "coupon01"
	mustImport(t, db, fileBytes(t, f))
	var owner int64
	var businesses []string
	require.NoError(t, db.QueryRow(t.Context(), `SELECT reseller_id, businesses FROM coupons WHERE id = 1`).Scan(&owner, &businesses))
	require.Equal(t, reseller, owner)
	require.Equal(t, []string{"server"}, businesses)
	require.Contains(t, string(export(t, db)), `"appid": "coupon01"`)
}

func TestDerivedFieldsInARowAreAcceptedAndIgnored(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	f := exampleObject(t)
	f["getsystems"][0]["type_name"] = "Plan 9"
	f["getsystems"][0]["zone_names"] = "月球"
	f["lease_product"][0]["line_names"] = "火星"
	mustImport(t, db, fileBytes(t, f))
	systems := callRows(t, db, "getsystems")
	require.Equal(t, "Windows", systems[0]["type_name"])
	require.Equal(t, "德阳电信", systems[0]["zone_names"])
	require.Equal(t, "浙江专线二区", callRows(t, db, "lease_product")[0]["line_names"])
}
