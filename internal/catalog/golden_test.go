package catalog_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the answers")

// TestCatalogueActionsAnswerTheGoldenFiles imports the example catalogue and
// compares every catalogue action's data with testdata/golden/<action>.json
// (indented for review; go test -run Golden -update rewrites them).
func TestCatalogueActionsAnswerTheGoldenFiles(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	mustImport(t, db, exampleFile(t))
	for _, action := range catalogActions {
		t.Run(action, func(t *testing.T) {
			var got bytes.Buffer
			require.NoError(t, json.Indent(&got, call(t, db, action), "", "    "))
			got.WriteByte('\n')
			path := filepath.Join("testdata", "golden", action+".json")
			if *update {
				require.NoError(t, os.WriteFile(path, got.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "missing golden file: run go test -run Golden -update")
			require.Equal(t, string(want), got.String())
		})
	}
}

// Kinds of JSON value an answer field may hold.
const (
	jInt      = "int"              // a JSON integer
	jString   = "string"           // any string
	jMoney    = "money"            // a string with two decimals: "0.50"
	jDateTime = "datetime"         // "YYYY-MM-DD HH:MM:SS"
	jJSON     = "json"             // a string holding JSON text
	jNullStr  = "string-or-null"   // a string or null
	jIntStr   = "string-of-digits" // a whole number as a string: "1"
)

// documentTypes is, for every catalogue action, each field of the
// document's table and example with the JSON kind its example shows.
var documentTypes = map[string]map[string]string{
	"getzones": {"status": jInt, "guid": jString, "name": jString, "identityStatus": jInt,
		"whiteListStatus": jInt, "sort": jInt},
	"getsystems": {"type_id": jInt, "status": jInt, "guid": jString, "name": jString,
		"login_name": jString, "login_password": jString, "port": jString, "mirror_name": jString,
		"cpu_limit": jInt, "ram_limit": jInt, "type": jString, "system_harddisk": jInt,
		"support": jString, "lines": jJSON, "sort": jInt, "create_time": jDateTime,
		"update_time": jDateTime, "type_name": jString, "zone_names": jString},
	"getlines": {"guid": jString, "line_guid": jString, "name": jString, "descript": jString,
		"introUrl": jString, "buyStatus": jInt, "upgradeStatus": jInt, "renewStatus": jInt,
		"harddiskMinNum": jInt, "harddiskMaxNum": jInt, "harddiskMinSize": jInt,
		"harddiskMaxSize": jInt, "harddiskStep": jInt, "harddiskPrice": jMoney,
		"harddisk_free_size": jInt, "bandwidthMinSize": jInt, "bandwidthMaxSize": jInt,
		"bandwidth_free_size": jInt, "bandwidth_in_type": jInt, "bandwidth_in_value": jInt,
		"bandwidth6Price": jMoney, "bandwidth_stairs_price": jJSON, "defenseMinSize": jInt,
		"defenseMaxSize": jInt, "defenseFreeSize": jInt, "defensePrice": jMoney, "months": jString,
		"status": jInt, "markup": jMoney, "discount": jJSON, "lines_product_type": jIntStr},
	"getproduct": {"name": jString, "cpu": jInt, "memory": jInt, "systemdisk": jInt,
		"harddisk": jInt, "ipnum": jInt, "bandwidth": jInt, "defense": jInt, "price": jMoney,
		"description": jNullStr, "sort": jInt, "status": jInt, "lines_guid": jString},
	"lease_lines": {"guid": jString, "line_guid": jString, "status": jInt, "name": jString,
		"descript": jString, "intro_url": jString, "buy_status": jInt, "renew_status": jInt,
		"upgrade_status": jInt, "defense_status": jInt, "buy_order_max_num": jInt, "life_time": jInt,
		"bandwidth_share_size": jInt, "bandwidth_share_price": jMoney, "bandwidth_price": jMoney,
		"bandwidth_stairs_price": jJSON, "bandwidth_max_size": jInt, "ip_price": jMoney,
		"ip_min_size": jInt, "ip_max_size": jInt, "ip_free_size": jInt, "ip_num_list": jString,
		"defense_price": jMoney, "defense_max_size": jInt, "defense_num_list": jString,
		"defense_step": jInt, "release_hour": jInt, "months": jString, "ip_upgrade_type": jIntStr,
		"user_vnc": jInt, "retention_days": jInt, "bandwidth_in_type": jInt,
		"bandwidth_in_value": jInt, "discount1": jMoney, "discount2": jMoney, "discount3": jMoney,
		"bandwidth_step": jInt, "ip_bandwidth_rate": jString},
	"lease_harddisk": {"guid": jString, "type": jString, "size": jInt, "status": jInt},
	"lease_product": {"product_type": jString, "guid": jString, "name": jString,
		"line_guid": jString, "cpu_value": jInt, "cpu": jString, "cpu_num": jInt, "cpu_max_num": jInt,
		"memory": jString, "memory_num": jInt, "memory_max_num": jInt, "harddisk_guid": jString,
		"harddisk_max_num": jInt, "system_partition_size": jInt, "system_partition_support": jIntStr,
		"raid_tips": jString, "ipnum": jIntStr, "bandwidth": jInt, "defense": jInt,
		"main_board": jString, "price": jMoney, "size": jInt, "description": jString, "status": jInt,
		"upgrade_status": jInt, "recommend_status": jInt, "stock_type": jInt, "cpu_threads": jInt,
		"gpu": jString, "line_names": jString},
	"idc_lines": {"guid": jString, "line_guid": jString, "status": jInt, "name": jString,
		"descript": jString, "bandwidth_price": jMoney, "bandwidth_stairs_price": jJSON,
		"bandwidth_max_size": jInt, "ip_price": jMoney, "ip_min_size": jInt, "ip_max_size": jInt,
		"ip_free_size": jInt, "ip_num_list": jString, "defense_price": jMoney,
		"defense_max_size": jInt, "defense_num_list": jString, "defense_step": jInt,
		"months": jString, "retention_days": jInt, "discount1": jMoney, "discount2": jMoney,
		"discount3": jMoney, "buy_status": jInt, "sort": jInt},
	"idc_product": {"product_type": jInt, "guid": jString, "name": jString, "line_guid": jString,
		"power": jJSON, "bandwidth": jInt, "defense": jInt, "ipnum": jIntStr, "price": jMoney,
		"size": jString, "description": jString, "status": jInt, "market_status": jInt,
		"stock_type": jInt, "sort": jInt, "server_group": jString, "line_names": jString},
	"hosting_lines": {"guid": jString, "name": jString, "domain": jString, "ip": jString,
		"status": jInt, "stock": jInt, "descript": jString, "cname": jString, "sort": jInt,
		"white": jInt, "renew": jInt, "retention_days": jInt},
	"hosting_product": {"guid": jString, "name": jString, "lines_guid": jString, "desc": jString,
		"price": jMoney, "months": jString, "discount": jJSON, "disk": jInt, "db": jInt,
		"domain": jInt, "domainsub": jInt, "flow": jInt, "max_flow": jInt, "up_flow": jInt,
		"up_flow_price": jMoney, "def": jInt, "buy_limit": jInt, "is_limit_rate": jInt,
		"perserver": jInt, "perip": jInt, "limit_rate": jInt, "timeout": jInt, "sort": jInt,
		"stock": jInt, "status": jInt, "suggest": jInt, "upgradation": jInt, "line_names": jString},
	"sql_product": {"guid": jString, "name": jString, "lines_guid": jString, "desc": jString,
		"price": jMoney, "months": jString, "discount": jJSON, "db": jInt, "buy_limit": jInt,
		"timeout": jInt, "sort": jInt, "stock": jInt, "status": jInt, "suggest": jInt,
		"upgradation": jInt, "line_names": jString},
}

// TestCatalogueAnswersHaveTheDocumentsFieldsAndTypes checks every field of
// every row of every catalogue action against documentTypes: the same set
// of keys, and each value of the documented JSON kind.
func TestCatalogueAnswersHaveTheDocumentsFieldsAndTypes(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	mustImport(t, db, exampleFile(t))
	require.Len(t, documentTypes, len(catalogActions))
	for _, action := range catalogActions {
		t.Run(action, func(t *testing.T) {
			want := documentTypes[action]
			require.NotEmpty(t, want)
			rows := callRows(t, db, action)
			require.NotEmpty(t, rows, "the example catalogue has %s rows", action)
			for i, row := range rows {
				require.ElementsMatch(t, keys(want), keys(row), "%s[%d]: keys", action, i)
				for name, kind := range want {
					require.True(t, hasKind(row[name], kind), "%s[%d].%s = %#v, want %s", action, i, name, row[name], kind)
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func hasKind(v any, kind string) bool {
	if kind == jInt {
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	}
	if kind == jNullStr && v == nil {
		return true
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	switch kind {
	case jMoney:
		return moneyPattern.MatchString(s)
	case jDateTime:
		return dateTimePattern.MatchString(s)
	case jJSON:
		return json.Valid([]byte(s))
	case jIntStr:
		return digitsPattern.MatchString(s)
	}
	return true
}

var (
	moneyPattern    = regexp.MustCompile(`^-?[0-9]+\.[0-9]{2}$`)
	dateTimePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$`)
	digitsPattern   = regexp.MustCompile(`^[0-9]+$`)
)
