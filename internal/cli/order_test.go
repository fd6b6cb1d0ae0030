package cli

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

func count(t *testing.T, db *postgres.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var list []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		list = append(list, m)
	}
	return list
}

func TestOrderCommandsReadAndActForTheReseller(t *testing.T) {
	url, db, env := migratedShop(t)
	ctx := context.Background()
	r := env.NewReseller(t, "5000")
	kept, refunded := buyColocation(t, env, r, "OPS-1"), buyColocation(t, env, r, "OPS-2")
	keptS, refundedS := strconv.FormatInt(kept, 10), strconv.FormatInt(refunded, 10)

	code, out, errOut := zonkvmd(t, url, "order", "list")
	require.Equal(t, 0, code, errOut)
	list := jsonLines(t, out)
	require.Len(t, list, 2)
	require.Equal(t, float64(refunded), list[0]["id"], "newest first")
	require.Equal(t, "idc", list[0]["business"])
	for args, n := range map[string]int{"--reseller " + r.AppID: 2, "--business server": 0, "--business idc": 2,
		"--status 0": 2, "--status 1": 0} {
		code, out, errOut := zonkvmd(t, url, append([]string{"order", "list"}, strings.Fields(args)...)...)
		require.Equal(t, 0, code, errOut)
		require.Len(t, jsonLines(t, out), n, args)
	}

	code, out, errOut = zonkvmd(t, url, "order", "show", "idc", keptS)
	require.Equal(t, 0, code, errOut)
	var shown struct {
		ID     int64
		Order  map[string]any
		Jobs   []jobRow
		Ledger []ledgerLine
	}
	require.NoError(t, json.Unmarshal([]byte(out), &shown))
	require.Equal(t, kept, shown.ID)
	require.Equal(t, "OPS-1", shown.Order["order_no"])
	require.NotEmpty(t, shown.Jobs, "the provisioning job")
	require.Len(t, shown.Ledger, 1)
	require.Equal(t, "purchase", shown.Ledger[0].Kind)
	require.Nil(t, shown.Ledger[0].Actor, "the reseller's own purchase has no operator")

	_, err := db.Exec(ctx, `UPDATE idc_orders SET order_status = 1 WHERE id = $1`, kept) // racked
	require.NoError(t, err)
	code, _, errOut = zonkvmd(t, url, "order", "suspend", "idc", keptS, "--note", "abuse report 7")
	require.Equal(t, 0, code, errOut)
	var run int
	var reason string
	require.NoError(t, db.QueryRow(ctx, `SELECT run_status, status_reason FROM idc_orders WHERE id = $1`, kept).Scan(&run, &reason))
	require.Equal(t, -2, run)
	require.Contains(t, reason, "abuse report 7")
	require.Equal(t, 1, count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'lock' AND args->>'order_id' = $1`, keptS))
	code, _, errOut = zonkvmd(t, url, "order", "suspend", "idc", keptS, "--note", "again")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "suspended already")
	code, _, errOut = zonkvmd(t, url, "order", "unsuspend", "idc", keptS)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, 1, count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'unlock' AND args->>'order_id' = $1`, keptS))

	balanceOf := func() string {
		var b string
		require.NoError(t, db.QueryRow(ctx, `SELECT balance::text FROM accounts a JOIN resellers r ON r.id = a.reseller_id
			WHERE r.appid = $1`, r.AppID).Scan(&b))
		return b
	}
	balance := balanceOf()
	var end time.Time
	require.NoError(t, db.QueryRow(ctx, `SELECT end_time FROM idc_orders WHERE id = $1`, kept).Scan(&end))
	to := end.AddDate(0, 0, 10).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
	code, _, errOut = zonkvmd(t, url, "order", "extend", "idc", keptS, "--to", to, "--note", "outage 3 Dec")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, balance, balanceOf(), "an extension is free")
	var amount, note, actor string
	require.NoError(t, db.QueryRow(ctx, `SELECT amount::text, note, actor FROM ledger_entries
		WHERE business = 'idc' AND order_id = $1 AND kind = 'renew'`, kept).Scan(&amount, &note, &actor))
	require.Equal(t, "0.00", amount)
	require.Contains(t, note, "outage 3 Dec")
	require.Equal(t, "tester", actor)

	code, out, errOut = zonkvmd(t, url, "order", "refund", "idc", refundedS, "--actor", "bob")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"amount"`)
	require.NoError(t, db.QueryRow(ctx, `SELECT actor FROM ledger_entries
		WHERE business = 'idc' AND order_id = $1 AND kind = 'refund'`, refunded).Scan(&actor))
	require.Equal(t, "bob", actor)
	require.Equal(t, 1, count(t, db, `SELECT count(*) FROM idc_orders WHERE id = $1 AND order_status = -2`, refunded))
	code, _, errOut = zonkvmd(t, url, "order", "refund", "idc", refundedS)
	require.Equal(t, 1, code, "a deleted order is not refunded twice")
	require.Contains(t, errOut, "nothing changed")
	code, out, _ = zonkvmd(t, url, "ledger", "verify")
	require.Equal(t, 0, code, out)

	// Jobs: cancel the kept order's provisioning job, retry it; the
	// refunded order's job is not retried.
	code, out, errOut = zonkvmd(t, url, "job", "list", "--state", "available")
	require.Equal(t, 0, code, errOut)
	jobsOf := map[string]string{}
	for _, j := range jsonLines(t, out) {
		args := j["args"].(map[string]any)
		if j["kind"] == "provision" {
			jobsOf[strconv.FormatFloat(args["order_id"].(float64), 'f', 0, 64)] = strconv.FormatFloat(j["id"].(float64), 'f', 0, 64)
		}
	}
	require.Len(t, jobsOf, 2, out)
	for _, id := range []string{keptS, refundedS} {
		code, out, errOut = zonkvmd(t, url, "job", "cancel", jobsOf[id])
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, `"state":"cancelled"`)
	}
	code, _, errOut = zonkvmd(t, url, "job", "cancel", jobsOf[keptS])
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "already")
	code, out, errOut = zonkvmd(t, url, "job", "retry", jobsOf[keptS])
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"state":"available"`)
	code, _, errOut = zonkvmd(t, url, "job", "retry", jobsOf[refundedS])
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "deleted")

	code, out, _ = zonkvmd(t, url, "audit", "show")
	require.Equal(t, 0, code)
	for _, c := range []string{"order suspend", "order unsuspend", "order extend", "order refund", "job cancel", "job retry"} {
		require.Contains(t, out, `"command":"`+c+`"`)
	}
}

func TestOrderAndJobBadInputChangesNothing(t *testing.T) {
	url, db, env := migratedShop(t)
	r := env.NewReseller(t, "5000")
	id := strconv.FormatInt(buyColocation(t, env, r, "BAD-1"), 10)
	snapshot := func() string {
		var s string
		require.NoError(t, db.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM audit_log)::text || '/' || (SELECT count(*) FROM ledger_entries)::text || '/' ||
			(SELECT count(*) FROM river_job)::text || '/' || (SELECT string_agg(state::text, ',' ORDER BY id) FROM river_job) || '/' ||
			(SELECT string_agg(order_status || ':' || run_status || ':' || end_time || ':' || status_reason, ',') FROM idc_orders)`).Scan(&s))
		return s
	}
	before := snapshot()
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"order"}, 2, "usage"},
		{[]string{"order", "frobnicate"}, 2, "unknown order command"},
		{[]string{"order", "list", "--business", "vps"}, 2, "--business"},
		{[]string{"order", "list", "--status", "7"}, 2, "--status"},
		{[]string{"order", "list", "--limit", "0"}, 2, "--limit"},
		{[]string{"order", "list", "--reseller", "0000000000"}, 1, "no such reseller"},
		{[]string{"order", "show", "idc"}, 2, "usage: zonkvmd order show BUSINESS ID"},
		{[]string{"order", "show", "vps", id}, 2, "BUSINESS"},
		{[]string{"order", "show", "idc", "abc"}, 2, "order number"},
		{[]string{"order", "show", "idc", "999999"}, 1, "no idc order 999999"},
		{[]string{"order", "suspend", "idc", id}, 2, "needs --note"},
		{[]string{"order", "suspend", "idc", id, "--note", "x"}, 1, "not 正常"},
		{[]string{"order", "unsuspend", "idc", id}, 1, "not suspended"},
		{[]string{"order", "extend", "idc", id, "--note", "x", "--to", "tomorrow"}, 2, "--to"},
		{[]string{"order", "extend", "idc", id, "--note", "x", "--to", "2030-01-01 00:00:00"}, 1, "not 正常"},
		{[]string{"order", "extend", "idc", id, "--to", "2030-01-01 00:00:00"}, 2, "needs --note"},
		{[]string{"order", "refund", "idc", "999999"}, 1, "no idc order"},
		{[]string{"order", "suspend", "idc", id, "--to", "2030-01-01 00:00:00", "--note", "x"}, 2, "does not take --to"},
		{[]string{"job"}, 2, "usage"},
		{[]string{"job", "list", "--state", "bogus"}, 2, "--state"},
		{[]string{"job", "retry"}, 2, "usage: zonkvmd job retry ID"},
		{[]string{"job", "retry", "abc"}, 2, "job number"},
		{[]string{"job", "retry", "999999"}, 1, "no job 999999"},
		{[]string{"job", "cancel", "-5"}, 2, "job number"},
		{[]string{"audit", "show", "--limit", "x"}, 2, "--limit"},
	}
	for _, c := range cases {
		code, out, errOut := zonkvmd(t, url, c.args...)
		require.Equal(t, c.code, code, "%v: %s", c.args, errOut)
		require.Contains(t, errOut, c.msg, c.args)
		require.Equal(t, 1, strings.Count(errOut, "\n"), "one line on stderr: %q", errOut)
		require.Empty(t, out, c.args)
	}
	require.Equal(t, before, snapshot(), "nothing changed")
}

func TestSuspensionRunsThroughTheBusinessJobs(t *testing.T) {
	url := freshDatabase(t)
	code, _, errOut := zonkvmd(t, url, "migrate")
	require.Equal(t, 0, code, errOut)
	db, err := postgres.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	s := apitest.NewShop(t, apitest.OnDatabase(db), apitest.WithWorkers())
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "SUS-1",
		"line_guid", "1696808021765605", "system_guid", "1659170726623836",
		"content", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"ip_num":1}`)).Into(t, &c)
	id := strconv.FormatInt(c.IDs[0], 10)
	state := func() string {
		var st string
		require.NoError(t, db.QueryRow(context.Background(), `SELECT order_status || '/' || run_status FROM server_orders WHERE id = $1`, c.IDs[0]).Scan(&st))
		return st
	}
	require.Eventually(t, func() bool { return state() == "1/1" }, 30*time.Second, 50*time.Millisecond, "provisioned")

	code, _, errOut = zonkvmd(t, url, "order", "suspend", "server", id, "--note", "unpaid invoice 12")
	require.Equal(t, 0, code, errOut)
	require.Eventually(t, func() bool {
		return s.Count(t, `SELECT count(*) FROM river_job WHERE kind = 'lock' AND state = 'completed'`) == 1
	}, 30*time.Second, 50*time.Millisecond, "the lock job runs")
	require.Equal(t, "1/-2", state())
	var got struct{ RunStatus int }
	s.Post(t, r.Form("getserver", "guid", id)).Into(t, &got)
	require.Equal(t, -2, got.RunStatus, "the reseller sees it locked")

	code, _, errOut = zonkvmd(t, url, "order", "unsuspend", "server", id)
	require.Equal(t, 0, code, errOut)
	require.Eventually(t, func() bool { return state() == "1/1" }, 30*time.Second, 50*time.Millisecond, "unlocked")
	code, out, _ := zonkvmd(t, url, "order", "show", "server", id)
	require.Equal(t, 0, code)
	require.Contains(t, out, `"status_reason":""`)
}
