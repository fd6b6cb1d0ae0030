package catalog_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

// rowTypes pairs every catalogue action's answer row type with its file
// row type; the file row's fields that the answer row lacks are private.
var rowTypes = map[string][2]reflect.Type{
	"getzones":        {reflect.TypeFor[catalog.Zone](), reflect.TypeFor[catalog.Zone]()},
	"getsystems":      {reflect.TypeFor[catalog.System](), reflect.TypeFor[catalog.SystemFields]()},
	"getlines":        {reflect.TypeFor[catalog.ServerLine](), reflect.TypeFor[catalog.ServerLineRecord]()},
	"getproduct":      {reflect.TypeFor[catalog.ServerPackage](), reflect.TypeFor[catalog.ServerPackage]()},
	"lease_lines":     {reflect.TypeFor[catalog.LeaseLine](), reflect.TypeFor[catalog.LeaseLineRecord]()},
	"lease_harddisk":  {reflect.TypeFor[catalog.LeaseHarddisk](), reflect.TypeFor[catalog.LeaseHarddisk]()},
	"lease_product":   {reflect.TypeFor[catalog.LeaseProduct](), reflect.TypeFor[catalog.LeaseProductRecord]()},
	"idc_lines":       {reflect.TypeFor[catalog.IDCLine](), reflect.TypeFor[catalog.IDCLineRecord]()},
	"idc_product":     {reflect.TypeFor[catalog.IDCProduct](), reflect.TypeFor[catalog.IDCProductRecord]()},
	"hosting_lines":   {reflect.TypeFor[catalog.HostingLine](), reflect.TypeFor[catalog.HostingLineRecord]()},
	"hosting_product": {reflect.TypeFor[catalog.HostingProduct](), reflect.TypeFor[catalog.HostingProductRecord]()},
	"sql_product":     {reflect.TypeFor[catalog.SQLProduct](), reflect.TypeFor[catalog.SQLProductRecord]()},
}

// jsonFields returns the JSON names of t's fields, embedded structs
// included.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			for k := range jsonFields(f.Type) {
				out[k] = true
			}
			continue
		}
		if f.IsExported() && tag != "-" {
			name, _, _ := strings.Cut(tag, ",")
			out[name] = true
		}
	}
	return out
}

// privateKeys returns the private fields of an action's file rows: those
// its answer rows do not have.
func privateKeys(action string) []string {
	api, file := jsonFields(rowTypes[action][0]), jsonFields(rowTypes[action][1])
	var out []string
	for k := range file {
		if !api[k] {
			out = append(out, k)
		}
	}
	return out
}

func TestPrivateFieldsAreTheOperatorsOnly(t *testing.T) {
	t.Parallel()
	require.ElementsMatch(t, []string{"cpuPrice", "memoryPrice", "ipPrice", "cpuMinNum", "cpuMaxNum",
		"memoryMinSize", "memoryMaxSize", "ipMaxNum", "open_api", "refund_days", "retention_days", "provider"},
		privateKeys("getlines"))
	require.ElementsMatch(t, []string{"refund_days", "provider"}, privateKeys("lease_lines"))
	require.ElementsMatch(t, []string{"renew_status", "upgrade_status", "buy_order_max_num",
		"bandwidth_step", "refund_days", "provider"}, privateKeys("idc_lines"))
	require.ElementsMatch(t, []string{"provider"}, privateKeys("hosting_lines"))
	for _, action := range []string{"lease_product", "idc_product", "hosting_product", "sql_product"} {
		require.ElementsMatch(t, []string{"refund_days"}, privateKeys(action), action)
	}
}

// TestNoAnswerShowsAPrivateFieldOrSecret imports the example with real
// looking provider settings and passwords, then checks that no catalogue
// answer has a private key of its action or any secret's text, and that
// getsystems masks login_password.
func TestNoAnswerShowsAPrivateFieldOrSecret(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	f := exampleObject(t)
	secrets := []string{"provider-secret-pw", "provider-secret-key", "panel.invalid", "api-user",
		"system-secret-pw", "ChangeMe-BMC"}
	for _, key := range []string{"getlines", "lease_lines", "idc_lines", "hosting_lines"} {
		for _, row := range f[key] {
			row["provider"] = map[string]any{"driver": "mofangyun", "url": "https://panel.invalid",
				"username": "api-user", "password": "provider-secret-pw", "key": "provider-secret-key"}
		}
	}
	for _, row := range f["getsystems"] {
		row["login_password"] = "system-secret-pw"
	}
	mustImport(t, db, fileBytes(t, f))
	require.Len(t, rowTypes, len(catalogActions))
	for _, action := range catalogActions {
		raw := call(t, db, action)
		for _, s := range secrets {
			require.NotContains(t, string(raw), s, action)
		}
		rows := callRows(t, db, action)
		require.NotEmpty(t, rows, action)
		for i, row := range rows {
			for _, k := range privateKeys(action) {
				require.NotContains(t, row, k, "%s[%d] shows private field %s", action, i, k)
			}
		}
	}
	for _, row := range callRows(t, db, "getsystems") {
		require.Equal(t, "***", row["login_password"])
	}
	// The operator's export does carry them.
	out := string(export(t, db))
	for _, s := range secrets {
		require.Contains(t, out, s)
	}
}
