package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// migratedShop is a daemon without workers, on the real clock, over a
// database of its own that zonkvmd migrate made, holding the example
// catalogue (sealed with apitest's key, which is testKey). It
// returns the database's URL for zonkvmd's commands, the database and the
// daemon.
func migratedShop(t *testing.T) (string, *postgres.DB, *apitest.Env) {
	t.Helper()
	url := freshDatabase(t)
	code, _, errOut := zonkvmd(t, url, "migrate")
	require.Equal(t, 0, code, errOut)
	db, err := postgres.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return url, db, apitest.NewShop(t, apitest.OnDatabase(db), apitest.WithRealClock()).Env
}

// buyColocation buys one 1U colocation order on 温州BGP and returns its id.
func buyColocation(t *testing.T, env *apitest.Env, r apitest.Reseller, orderNo string) int64 {
	t.Helper()
	var c struct{ IDs []int64 }
	env.Post(t, r.Form("create_order", "obj_type", "create_idc", "order_id", orderNo,
		"line_guid", "20250409132657673520", "product_guid", "20250409132727581219",
		"content", `{"bandwidth":50,"ipnum":1}`)).Into(t, &c)
	return c.IDs[0]
}

func TestRackingTaskDeliversAColocationOrderAndAFailedOneIsRefunded(t *testing.T) {
	url, db, env := migratedShop(t)
	ctx := context.Background()
	r := env.NewReseller(t, "5000")
	racked, doomed := buyColocation(t, env, r, "RACK-1"), buyColocation(t, env, r, "RACK-2")
	// What the idc provisioning job records on any line but the simulator's.
	rackTask, err := manual.AddTask(ctx, db, "idc", racked, "provision", map[string]any{"power": "0.5A/220V"})
	require.NoError(t, err)
	failTask, err := manual.AddTask(ctx, db, "idc", doomed, "provision", nil)
	require.NoError(t, err)

	code, _, errOut := zonkvmd(t, url, "task", "done", strconv.FormatInt(rackTask.ID, 10), "--ip", "198.51.100.20",
		"--cabinet", "W-07", "--bmc-host", "198.51.100.21", "--bmc-user", "ADMIN", "--bmc-password", "Bmc-pw-1")
	require.Equal(t, 0, code, errOut)
	var order map[string]any
	env.Post(t, r.Form("getidc", "guid", strconv.FormatInt(racked, 10))).Into(t, &order)
	require.EqualValues(t, 1, order["order_status"])
	require.Equal(t, `[{"ip":"198.51.100.20","subnet":"","gateway":""}]`, order["ip"])
	require.NotNil(t, order["start_time"])
	var cabinet, bmcHost string
	var sealed []byte
	require.NoError(t, db.QueryRow(ctx, `SELECT cabinet_sn, bmc_host, bmc_password_enc FROM idc_orders WHERE id = $1`,
		racked).Scan(&cabinet, &bmcHost, &sealed))
	require.Equal(t, "W-07", cabinet)
	require.Equal(t, "198.51.100.21", bmcHost)
	key, err := hex.DecodeString(testKey)
	require.NoError(t, err)
	cliBox, err := secret.New(key)
	require.NoError(t, err)
	pw, err := cliBox.OpenString(sealed)
	require.NoError(t, err)
	require.Equal(t, "Bmc-pw-1", pw)

	before, err := billing.GetAccount(ctx, db, r.ID)
	require.NoError(t, err)
	code, _, errOut = zonkvmd(t, url, "task", "fail", strconv.FormatInt(failTask.ID, 10), "--note", "no cabinet space")
	require.Equal(t, 0, code, errOut)
	env.Post(t, r.Form("getidc", "guid", strconv.FormatInt(doomed, 10))).Into(t, &order)
	require.EqualValues(t, -2, order["order_status"])
	after, err := billing.GetAccount(ctx, db, r.ID)
	require.NoError(t, err)
	require.Equal(t, before.Balance.Add(decimal.RequireFromString("800.00")).StringFixed(2), after.Balance.String(), "refunded in full")
	problems, err := billing.Verify(ctx, db)
	require.NoError(t, err)
	require.Empty(t, problems)
}

func TestALeaseInstalledByStaffIsDeliveredByTaskDone(t *testing.T) {
	url, db, env := migratedShop(t)
	ctx := context.Background()
	r := env.NewReseller(t, "5000")
	var c struct{ IDs []int64 }
	env.Post(t, r.Form("create_order", "obj_type", "create_lease", "order_id", "L-STAFF",
		"line_guid", "20250409132657673528", "product_guid", "1721941250649658",
		"system_guid", "1659170791658716", "content", `{}`)).Into(t, &c)
	// What the lease provisioning job records where no driver can install.
	task, err := manual.AddTask(ctx, db, "lease", c.IDs[0], "provision", map[string]any{"image": "CentOS7.9_40"})
	require.NoError(t, err)
	var order map[string]any
	env.Post(t, r.Form("getlease", "guid", strconv.FormatInt(c.IDs[0], 10))).Into(t, &order)
	require.EqualValues(t, 0, order["order_status"])

	code, _, errOut := zonkvmd(t, url, "task", "done", strconv.FormatInt(task.ID, 10), "--note", "installed")
	require.Equal(t, 0, code, errOut)
	env.Post(t, r.Form("getlease", "guid", strconv.FormatInt(c.IDs[0], 10))).Into(t, &order)
	require.EqualValues(t, 1, order["order_status"])
	require.NotNil(t, order["start_time"])
}

func TestStaffAddressesBecomeALeasesAndAColocationsAddresses(t *testing.T) {
	url, db, env := migratedShop(t)
	ctx := context.Background()
	r := env.NewReseller(t, "50000")
	var c struct{ IDs []int64 }
	env.Post(t, r.Form("create_order", "obj_type", "create_lease", "order_id", "L-IPS",
		"line_guid", "20250409132657673528", "product_guid", "1721941250649658",
		"system_guid", "1659170791658716", "content", `{"ip_num":4}`)).Into(t, &c)
	lease := c.IDs[0]
	task, err := manual.AddTask(ctx, db, "lease", lease, "provision", map[string]any{"image": "CentOS7.9_40"})
	require.NoError(t, err)
	code, _, errOut := zonkvmd(t, url, "task", "done", strconv.FormatInt(task.ID, 10),
		"--ip", "198.51.100.30,198.51.100.31,198.51.100.32,198.51.100.33")
	require.Equal(t, 0, code, errOut)
	var order map[string]any
	env.Post(t, r.Form("getlease", "guid", strconv.FormatInt(lease, 10))).Into(t, &order)
	require.EqualValues(t, 1, order["order_status"])
	var list []map[string]string
	require.NoError(t, json.Unmarshal([]byte(order["ip"].(string)), &list))
	require.Len(t, list, 4, "the machine's own address, then the three after the first of --ip")
	require.Equal(t, "198.51.100.31", list[1]["ip"])
	require.Equal(t, "198.51.100.33", list[3]["ip"])

	// A colocation's resize task closed with --ip gives it those addresses.
	env.Post(t, r.Form("create_order", "obj_type", "create_idc", "order_id", "I-IPS",
		"line_guid", "20250409132657673520", "product_guid", "20250409132727581219", "content", `{}`)).Into(t, &c)
	idc := c.IDs[0]
	_, err = db.Exec(ctx, `UPDATE idc_orders SET order_status = 1, ip = '[{"ip":"198.51.100.40"}]' WHERE id = $1`, idc)
	require.NoError(t, err)
	resize, err := manual.AddTask(ctx, db, "idc", idc, "resize", map[string]any{"ipnum": 4})
	require.NoError(t, err)
	code, _, errOut = zonkvmd(t, url, "task", "done", strconv.FormatInt(resize.ID, 10),
		"--ip", "198.51.100.40,198.51.100.41,198.51.100.42,198.51.100.43")
	require.Equal(t, 0, code, errOut)
	env.Post(t, r.Form("getidc", "guid", strconv.FormatInt(idc, 10))).Into(t, &order)
	list = nil
	require.NoError(t, json.Unmarshal([]byte(order["ip"].(string)), &list))
	require.Len(t, list, 4)
	require.Equal(t, "198.51.100.43", list[3]["ip"])
}
