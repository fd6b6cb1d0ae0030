package cli

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// taskDB is a database of the test's own (task list sees every task) and
// its URL.
func taskDB(t *testing.T) (*postgres.DB, string) {
	t.Helper()
	db := pgtest.NewDB(t)
	return db, db.Config().ConnConfig.ConnString()
}

// taskLines decodes task list's JSON lines.
func taskLines(t *testing.T, out string) []manual.Task {
	t.Helper()
	var tasks []manual.Task
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var task manual.Task
		require.NoError(t, json.Unmarshal([]byte(line), &task), line)
		tasks = append(tasks, task)
	}
	return tasks
}

func result(t *testing.T, task manual.Task) map[string]string {
	t.Helper()
	r := map[string]string{}
	require.NoError(t, json.Unmarshal(task.Result, &r))
	return r
}

func TestTaskDoneRecordsTheColocatedMachine(t *testing.T) {
	db, url := taskDB(t)
	ctx := context.Background()
	rack, err := manual.AddTask(ctx, db, "idc", 7, "provision", map[string]any{"ref": "zonkvmd-idc-7"})
	require.NoError(t, err)
	other, err := manual.AddTask(ctx, db, "lease", 8, "restart", map[string]any{"op": "reboot"})
	require.NoError(t, err)

	code, out, errOut := zonkvmd(t, url, "task", "list")
	require.Equal(t, 0, code, errOut)
	listed := taskLines(t, out)
	require.Len(t, listed, 2)
	require.Equal(t, rack.ID, listed[0].ID)
	require.Equal(t, "idc", listed[0].Business)
	require.EqualValues(t, 7, listed[0].OrderID)
	require.Equal(t, "provision", listed[0].Kind)

	id := strconv.FormatInt(rack.ID, 10)
	code, out, errOut = zonkvmd(t, url, "task", "done", id, "--ip", "198.51.100.7,2001:DB8::7",
		"--cabinet", "A-12", "--bmc-host", "10.0.0.9", "--bmc-port", "6230", "--bmc-user", "ADMIN",
		"--bmc-password", "Bmc-secret-1", "--note", "racked in A-12")
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out, "Bmc-secret-1")
	done := taskLines(t, out)
	require.Len(t, done, 1)
	require.Equal(t, manual.StatusDone, done[0].Status)
	require.Equal(t, "racked in A-12", done[0].Note)
	require.Equal(t, map[string]string{"ip": "198.51.100.7,2001:db8::7", "cabinet_sn": "A-12",
		"bmc_host": "10.0.0.9", "bmc_port": "6230", "bmc_username": "ADMIN", "bmc_password_enc": "***"},
		result(t, done[0]))

	stored, err := manual.GetTask(ctx, db, rack.ID)
	require.NoError(t, err)
	require.NotContains(t, string(stored.Result), "Bmc-secret-1", "the password is sealed at rest")
	sealed, err := base64.StdEncoding.DecodeString(result(t, stored)["bmc_password_enc"])
	require.NoError(t, err)
	key, err := hex.DecodeString(testKey)
	require.NoError(t, err)
	box, err := secret.New(key)
	require.NoError(t, err)
	pw, err := box.OpenString(sealed)
	require.NoError(t, err)
	require.Equal(t, "Bmc-secret-1", pw)

	code, out, _ = zonkvmd(t, url, "task", "list")
	require.Equal(t, 0, code)
	require.Equal(t, []int64{other.ID}, ids(taskLines(t, out)), "done tasks leave the list")
	code, out, _ = zonkvmd(t, url, "task", "list", "--all")
	require.Equal(t, 0, code)
	require.Equal(t, []int64{rack.ID, other.ID}, ids(taskLines(t, out)))
	require.NotContains(t, out, "Bmc-secret-1")

	code, _, errOut = zonkvmd(t, url, "task", "done", id, "--note", "twice")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "task "+id+" is already done")
	require.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
	again, err := manual.GetTask(ctx, db, rack.ID)
	require.NoError(t, err)
	require.Equal(t, stored, again)

	code, _, errOut = zonkvmd(t, url, "task", "done", "999999")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no task 999999")
}

func TestTaskFailSaysWhy(t *testing.T) {
	db, url := taskDB(t)
	task, err := manual.AddTask(context.Background(), db, "server", 3, "resize", map[string]any{"cpu": 8})
	require.NoError(t, err)
	id := strconv.FormatInt(task.ID, 10)
	code, out, errOut := zonkvmd(t, url, "task", "fail", id, "--note", "no free cores on the host")
	require.Equal(t, 0, code, errOut)
	failed := taskLines(t, out)
	require.Len(t, failed, 1)
	require.Equal(t, manual.StatusFailed, failed[0].Status)
	require.Equal(t, "no free cores on the host", failed[0].Note)
	code, _, errOut = zonkvmd(t, url, "task", "done", id)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "already failed")
}

func TestTaskBadInputChangesNothing(t *testing.T) {
	db, url := taskDB(t)
	task, err := manual.AddTask(context.Background(), db, "idc", 9, "provision", nil)
	require.NoError(t, err)
	id := strconv.FormatInt(task.ID, 10)
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"task"}, "usage"},
		{[]string{"task", "frobnicate"}, "unknown task command"},
		{[]string{"task", "list", "extra"}, "usage: zonkvmd task list"},
		{[]string{"task", "list", "--ip", "1.2.3.4"}, "does not take --ip"},
		{[]string{"task", "done"}, "usage: zonkvmd task done ID"},
		{[]string{"task", "done", id, id}, "usage: zonkvmd task done ID"},
		{[]string{"task", "done", "abc"}, "must be a task number"},
		{[]string{"task", "done", "0"}, "must be a task number"},
		{[]string{"task", "done", id, "--all"}, "does not take --all"},
		{[]string{"task", "done", id, "--ip", "999.1.1.1"}, "not an IP address"},
		{[]string{"task", "done", id, "--ip", "10.0.0.1,"}, "not an IP address"},
		{[]string{"task", "done", id, "--cabinet", " "}, "--cabinet"},
		{[]string{"task", "done", id, "--bmc-port", "623"}, "--bmc-port needs --bmc-host"},
		{[]string{"task", "done", id, "--bmc-password", "pw"}, "--bmc-password needs --bmc-host"},
		{[]string{"task", "done", id, "--bmc-host", "bad host!"}, "--bmc-host"},
		{[]string{"task", "done", id, "--bmc-host", "10.0.0.9", "--bmc-port", "0"}, "port number"},
		{[]string{"task", "done", id, "--bmc-host", "10.0.0.9", "--bmc-port", "70000"}, "port number"},
		{[]string{"task", "done", id, "--bmc-host", "10.0.0.9", "--bmc-port", "x"}, "port number"},
		{[]string{"task", "done", id, "--bmc-host", "10.0.0.9", "--bmc-user", "a-user-name-longer-than-16"}, "--bmc-user"},
		{[]string{"task", "done", id, "--bmc-host", "10.0.0.9", "--bmc-password", "a-password-longer-than-20"}, "--bmc-password"},
		{[]string{"task", "done", id, "--bogus"}, "unknown flag"},
		{[]string{"task", "fail", id}, "needs --note"},
		{[]string{"task", "fail", id, "--ip", "10.0.0.1", "--note", "x"}, "does not take --ip"},
	}
	for _, c := range cases {
		code, _, errOut := zonkvmd(t, url, c.args...)
		require.Equal(t, 2, code, "%v: %s", c.args, errOut)
		require.Contains(t, errOut, c.msg, c.args)
		require.Equal(t, 1, strings.Count(errOut, "\n"), "one line on stderr: %q", errOut)
		require.NotContains(t, errOut, "a-password-longer-than-20")
	}
	after, err := manual.GetTask(context.Background(), db, task.ID)
	require.NoError(t, err)
	require.Equal(t, task, after, "nothing changed")
}

func ids(tasks []manual.Task) []int64 {
	var out []int64
	for _, t := range tasks {
		out = append(out, t.ID)
	}
	return out
}
