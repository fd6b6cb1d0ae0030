package manual_test

import (
	"context"
	"encoding/json"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// nextOrder hands each test its own order ids in the shared database.
var nextOrder atomic.Int64

func orderID() int64 { return 100000 + nextOrder.Add(1) }

var clock = time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)

func open(t *testing.T, db *postgres.DB) provider.Set {
	t.Helper()
	set, err := provider.Open(json.RawMessage(`{"driver":"manual"}`),
		provider.Deps{DB: db, Now: func() time.Time { return clock }})
	require.NoError(t, err)
	require.Equal(t, "manual", set.Driver)
	require.NotNil(t, set.VM)
	require.NotNil(t, set.BareMetal)
	require.NotNil(t, set.Panel)
	return set
}

// payload decodes a task's payload.
func payload(t *testing.T, task manual.Task) map[string]any {
	t.Helper()
	var p map[string]any
	require.NoError(t, json.Unmarshal(task.Payload, &p))
	return p
}

// lastTask is the newest task of an order.
func lastTask(t *testing.T, db *postgres.DB, business string, order int64) manual.Task {
	t.Helper()
	var id int64
	require.NoError(t, db.QueryRow(context.Background(), `SELECT max(id) FROM operator_tasks
		WHERE business = $1 AND order_id = $2`, business, order).Scan(&id))
	task, err := manual.GetTask(context.Background(), db, id)
	require.NoError(t, err)
	return task
}

func countTasks(t *testing.T, db *postgres.DB, business string, order int64) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM operator_tasks
		WHERE business = $1 AND order_id = $2`, business, order).Scan(&n))
	return n
}

func TestConfiguration(t *testing.T) {
	t.Parallel()
	_, err := provider.Open(json.RawMessage(`{"driver":"manual"}`), provider.Deps{})
	require.ErrorContains(t, err, "database")
	_, err = provider.Open(json.RawMessage(`{"driver":"manual","url":"x"}`), provider.Deps{DB: pgtest.DB(t)})
	require.ErrorContains(t, err, "manual")
	require.Contains(t, provider.Registered(), "manual")
}

func TestCreateVMRecordsOneProvisioningTaskWithoutThePassword(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	vms := open(t, db).VM
	ctx := context.Background()
	order := orderID()
	spec := provider.VMSpec{Ref: "zonkvmd-server-" + itoa(order), CPU: 4, MemoryGB: 8, SystemDiskGB: 40,
		DataDisksGB: []int{100}, BandwidthMbps: 10, IPNum: 1, Image: "debian12", Password: "Root-pw-123", Port: 22}

	vm, err := vms.CreateVM(ctx, spec)
	require.NoError(t, err)
	task := lastTask(t, db, "server", order)
	require.Equal(t, "task-"+itoa(task.ID), vm.ID)
	require.Equal(t, "provision", task.Kind)
	require.Equal(t, manual.StatusOpen, task.Status)
	require.True(t, task.CreatedAt.Equal(clock), "created by the injected clock")
	require.Nil(t, task.DoneAt)
	p := payload(t, task)
	require.Equal(t, spec.Ref, p["ref"])
	require.EqualValues(t, 4, p["cpu"])
	require.Equal(t, "debian12", p["image"])
	require.Equal(t, true, p["password_given"])
	require.NotContains(t, string(task.Payload), spec.Password)

	again, err := vms.CreateVM(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, vm.ID, again.ID, "a retried create finds its task")
	_, err = manual.CompleteTask(ctx, db, task.ID, map[string]string{"ip": "203.0.113.9"}, "")
	require.NoError(t, err)
	again, err = vms.CreateVM(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, vm.ID, again.ID, "a done provisioning is not asked twice")
	require.Equal(t, 1, countTasks(t, db, "server", order))
}

func TestVMOperationsBecomeTasksOfTheOrder(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	vms := open(t, db).VM
	ctx := context.Background()
	order := orderID()
	vm, err := vms.CreateVM(ctx, provider.VMSpec{Ref: "zonkvmd-server-" + itoa(order), CPU: 1})
	require.NoError(t, err)

	steps := []struct {
		kind string
		run  func() error
	}{
		{"start", func() error { return vms.PowerVM(ctx, vm.ID, provider.PowerOn) }},
		{"hard_restart", func() error { return vms.PowerVM(ctx, vm.ID, provider.HardReboot) }},
		{"install", func() error { return vms.ReinstallVM(ctx, vm.ID, "centos7", "New-pw-456", 2222) }},
		{"password", func() error { return vms.SetVMPassword(ctx, vm.ID, "New-pw-456") }},
		{"vnc_password", func() error { return vms.SetVNCPassword(ctx, vm.ID, "New-pw-456") }},
		{"resize", func() error { return vms.ResizeVM(ctx, vm.ID, provider.VMSpec{CPU: 8, MemoryGB: 16}) }},
		{"delete_rule", func() error { return vms.DeleteRule(ctx, vm.ID, "r-1") }},
		{"delete", func() error { return vms.DeleteVM(ctx, vm.ID) }},
	}
	for _, s := range steps {
		require.NoError(t, s.run(), s.kind)
		task := lastTask(t, db, "server", order)
		require.Equal(t, s.kind, task.Kind)
		require.Equal(t, vm.ID, payload(t, task)["id"], s.kind)
		require.NotContains(t, string(task.Payload), "New-pw-456", s.kind)
	}
	rule, err := vms.AddRule(ctx, vm.ID, provider.Rule{Name: "ssh", Direction: "Inbound", Protocol: "tcp",
		Action: "allow", RemoteIP: "0.0.0.0/0", LocalPort: "22", Weight: 1})
	require.NoError(t, err)
	task := lastTask(t, db, "server", order)
	require.Equal(t, "add_rule", task.Kind)
	require.Equal(t, "task-"+itoa(task.ID), rule.ID)
	require.Equal(t, "ssh", rule.Name)

	n := countTasks(t, db, "server", order)
	require.NoError(t, vms.PowerVM(ctx, vm.ID, provider.PowerOn))
	require.Equal(t, n, countTasks(t, db, "server", order), "the same open task is not recorded twice")

	st, err := vms.VMState(ctx, vm.ID)
	require.NoError(t, err)
	require.Equal(t, provider.StateUnknown, st)
}

func TestIDsAndRefsThatNameNoOrderAreRejected(t *testing.T) {
	t.Parallel()
	set := open(t, pgtest.DB(t))
	ctx := context.Background()
	for _, ref := range []string{"", "server-1", "zonkvmd-server", "zonkvmd-shop-1", "zonkvmd-server-0",
		"zonkvmd-server-x", "zonkvmd-server--1", "zonkvmd-server-+1", "zonkvmd-server-1-2"} {
		_, err := set.VM.CreateVM(ctx, provider.VMSpec{Ref: ref})
		require.ErrorIs(t, err, provider.ErrRejected, ref)
		err = set.BareMetal.PowerMachine(ctx, provider.Machine{Ref: ref}, provider.PowerOn)
		require.ErrorIs(t, err, provider.ErrRejected, ref)
	}
	require.ErrorIs(t, set.VM.PowerVM(ctx, "vm-77", provider.PowerOn), provider.ErrRejected)
	require.ErrorIs(t, set.VM.PowerVM(ctx, "task-x", provider.PowerOn), provider.ErrRejected)
	require.ErrorIs(t, set.VM.PowerVM(ctx, "task-999999999", provider.PowerOn), provider.ErrNotFound)
	require.ErrorIs(t, set.VM.PowerVM(ctx, "zonkvmd-server-5", "sideways"), provider.ErrRejected)
	require.ErrorIs(t, set.Panel.StopSite(ctx, provider.Site{}), provider.ErrRejected)
	_, err := set.Panel.CreateDatabase(ctx, provider.DBSpec{Name: "db1", User: "db1", Password: "x"})
	require.ErrorIs(t, err, provider.ErrRejected)

	business, order, err := manual.ParseRef("zonkvmd-lease-7")
	require.NoError(t, err)
	require.Equal(t, "lease", business)
	require.EqualValues(t, 7, order)
}

func TestMachineOperationsKeepTheBMCPasswordOut(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	bm := open(t, db).BareMetal
	ctx := context.Background()
	order := orderID()
	m := provider.Machine{Ref: "zonkvmd-idc-" + itoa(order),
		BMC: provider.BMC{Host: "10.0.0.9", Port: 623, Username: "ADMIN", Password: "Bmc-pw-789"}}

	require.NoError(t, bm.PowerMachine(ctx, m, provider.Reboot))
	task := lastTask(t, db, "idc", order)
	require.Equal(t, "restart", task.Kind)
	p := payload(t, task)
	require.Equal(t, "reboot", p["op"])
	require.Equal(t, "10.0.0.9", p["bmc_host"])
	require.Equal(t, "ADMIN", p["bmc_username"])
	require.NotContains(t, string(task.Payload), "Bmc-pw-789")

	require.NoError(t, bm.ReinstallMachine(ctx, m, provider.Install{Image: "debian12", Password: "Os-pw-1", Port: 22}))
	task = lastTask(t, db, "idc", order)
	require.Equal(t, "install", task.Kind)
	require.NotContains(t, string(task.Payload), "Os-pw-1")
	require.NoError(t, bm.SetMachinePassword(ctx, m, "Os-pw-2"))
	require.Equal(t, "password", lastTask(t, db, "idc", order).Kind)

	st, err := bm.MachineState(ctx, m)
	require.NoError(t, err)
	require.Equal(t, provider.StateUnknown, st)
}

func TestSitesAndDatabases(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	panel := open(t, db).Panel
	ctx := context.Background()
	order := orderID()
	site, err := panel.CreateSite(ctx, provider.SiteSpec{Ref: "zonkvmd-hosting-" + itoa(order),
		Domain: "example.com", Path: "/www/wwwroot/example.com", PHPVersion: "81", FTPUser: "ex", FTPPassword: "Ftp-pw-1"})
	require.NoError(t, err)
	provision := lastTask(t, db, "hosting", order)
	require.Equal(t, provision.ID, site.ID)
	require.Equal(t, "example.com", site.Name)
	require.NotContains(t, string(provision.Payload), "Ftp-pw-1")

	for kind, run := range map[string]func() error{
		"stop":   func() error { return panel.StopSite(ctx, site) },
		"start":  func() error { return panel.StartSite(ctx, site) },
		"delete": func() error { return panel.DeleteSite(ctx, site) },
	} {
		require.NoError(t, run(), kind)
		task := lastTask(t, db, "hosting", order)
		require.Equal(t, kind, task.Kind)
		require.Equal(t, "example.com", payload(t, task)["name"])
	}
	require.NoError(t, panel.DeleteDatabase(ctx, provider.Database{ID: provision.ID, Name: "exdb"}))
	require.Equal(t, "delete", lastTask(t, db, "hosting", order).Kind)
	require.ErrorIs(t, panel.DeleteDatabase(ctx, provider.Database{ID: 999999999}), provider.ErrNotFound)
}

func TestReadsStaffCannotAnswerAreUnsupported(t *testing.T) {
	t.Parallel()
	set := open(t, pgtest.DB(t))
	ctx := context.Background()
	m := provider.Machine{Ref: "zonkvmd-lease-1"}
	_, err := set.VM.VMConsole(ctx, "task-1")
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = set.VM.VMTraffic(ctx, "task-1", clock.Add(-time.Hour), clock)
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = set.VM.ListRules(ctx, "task-1")
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = set.BareMetal.MachineConsole(ctx, m)
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = set.BareMetal.MachineTraffic(ctx, m, clock.Add(-time.Hour), clock)
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = set.Panel.PHPVersions(ctx)
	require.ErrorIs(t, err, provider.ErrUnsupported)
	_, err = set.Panel.SoftURL(ctx, "wordpress")
	require.ErrorIs(t, err, provider.ErrUnsupported)
}

func TestADatabaseBecomesAProvisionTaskWithoutItsPassword(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	panel := open(t, db).Panel
	ctx := context.Background()
	order := orderID()
	spec := provider.DBSpec{Ref: "zonkvmd-sql-" + itoa(order), Name: "shop_ab12c", User: "shop_ab12c",
		Password: "Db-pw-4711", Code: "utf8mb4", Access: "127.0.0.1"}
	made, err := panel.CreateDatabase(ctx, spec)
	require.NoError(t, err)
	task := lastTask(t, db, "sql", order)
	require.Equal(t, "provision", task.Kind)
	require.Equal(t, task.ID, made.ID)
	require.Equal(t, "shop_ab12c", payload(t, task)["db_name"])
	require.NotContains(t, string(task.Payload), "Db-pw-4711")
	again, err := panel.CreateDatabase(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, made.ID, again.ID, "a retried job finds its task instead of adding one")
}
