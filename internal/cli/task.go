package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/idc"
	"github.com/zonkvm/zonkvmd/internal/lease"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
)

// Limits of IPMI v2.0 credentials (user name 16 bytes, password 20).
const (
	maxBMCUser     = 16
	maxBMCPassword = 20
)

// taskForms are the task commands: their usage and the flags each takes.
var taskForms = map[string]struct {
	form  string
	flags []string
}{
	"list": {"task list [--all]", []string{"all"}},
	"done": {"task done ID [--note TEXT] [--ip IP[,IP...]] [--cabinet SN] [--bmc-host H] [--bmc-port N] [--bmc-user U] [--bmc-password P]",
		[]string{"note", "ip", "cabinet", "bmc-host", "bmc-port", "bmc-user", "bmc-password"}},
	"fail": {"task fail ID --note TEXT", []string{"note"}},
}

// taskFlags are the task commands' flags.
type taskFlags struct {
	all                                    bool
	note, ip, cabinet                      string
	bmcHost, bmcPort, bmcUser, bmcPassword string
	set                                    map[string]bool // the flags given
}

// cmdTask is `zonkvmd task list [--all]`, `task done ID [--note TEXT]
// [--ip IP[,IP...]] [--cabinet SN] [--bmc-host H] [--bmc-port N] [--bmc-user U]
// [--bmc-password P]` and `task fail ID --note TEXT`: the staff's side of
// the manual driver. list prints one JSON task a line (open ones; --all for
// every one). done and fail close an open task and print it; done's flags
// become the task's result (the BMC password sealed with the secret key,
// as bmc_password_enc). Bad input is a usage error and changes nothing.
func cmdTask(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: zonkvmd task list [--all] | task done ID [--note TEXT] [--ip IP] ... | task fail ID --note TEXT")
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("task "+sub, flag.ContinueOnError)
	var f taskFlags
	fs.BoolVar(&f.all, "all", false, "list every task, not only the open ones")
	fs.StringVar(&f.note, "note", "", "a note for the task")
	fs.StringVar(&f.ip, "ip", "", "the machine's IP addresses, comma-separated")
	fs.StringVar(&f.cabinet, "cabinet", "", "the cabinet's serial number")
	fs.StringVar(&f.bmcHost, "bmc-host", "", "the BMC's address")
	fs.StringVar(&f.bmcPort, "bmc-port", "", "the BMC's UDP port (623)")
	fs.StringVar(&f.bmcUser, "bmc-user", "", "the BMC user")
	fs.StringVar(&f.bmcPassword, "bmc-password", "", "the BMC password")
	pos, err := parse(fs, rest)
	if err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if _, ok := taskForms[sub]; !ok {
		return usagef("unknown task command %q", sub)
	}
	if err := f.check(sub, pos); err != nil {
		return err
	}
	if sub == "list" {
		return taskList(e, f.all)
	}
	id, err := parseTaskID(pos[0])
	if err != nil {
		return err
	}
	if sub == "fail" {
		return taskClose(e, id, nil, f.note)
	}
	result, err := f.result(e)
	if err != nil {
		return err
	}
	return taskClose(e, id, result, f.note)
}

// check refuses flags that sub does not take and a wrong number of
// arguments.
func (f *taskFlags) check(sub string, pos []string) error {
	form := taskForms[sub].form
	for name := range f.set {
		if !slices.Contains(taskForms[sub].flags, name) {
			return usagef("task %s does not take --%s (usage: zonkvmd %s)", sub, name, form)
		}
	}
	n := 1
	if sub == "list" {
		n = 0
	}
	if err := want(pos, n, form); err != nil {
		return err
	}
	if sub == "fail" && strings.TrimSpace(f.note) == "" {
		return usagef("task fail needs --note saying why")
	}
	return nil
}

func parseTaskID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("ID %q: must be a task number", s)
	}
	return id, nil
}

// result checks done's flags and returns the task result they make. It
// seals the BMC password; it returns a usage error for bad input.
func (f *taskFlags) result(e *env) (map[string]string, error) {
	r := map[string]string{}
	if f.set["ip"] {
		ips, err := parseIPList(f.ip)
		if err != nil {
			return nil, err
		}
		r["ip"] = ips
	}
	if f.set["cabinet"] {
		if strings.TrimSpace(f.cabinet) == "" || hasControl(f.cabinet) {
			return nil, usagef("--cabinet: must be a serial number")
		}
		r["cabinet_sn"] = strings.TrimSpace(f.cabinet)
	}
	if !f.set["bmc-host"] {
		for _, name := range []string{"bmc-port", "bmc-user", "bmc-password"} {
			if f.set[name] {
				return nil, usagef("--%s needs --bmc-host", name)
			}
		}
		return r, nil
	}
	if !validHost(f.bmcHost) {
		return nil, usagef("--bmc-host %q: must be an IP address or a host name", f.bmcHost)
	}
	r["bmc_host"] = f.bmcHost
	if f.set["bmc-port"] {
		port, err := strconv.Atoi(f.bmcPort)
		if err != nil || port < 1 || port > 65535 {
			return nil, usagef("--bmc-port %q: must be a port number (1-65535)", f.bmcPort)
		}
		r["bmc_port"] = strconv.Itoa(port)
	}
	if f.set["bmc-user"] {
		if f.bmcUser == "" || len(f.bmcUser) > maxBMCUser || hasControl(f.bmcUser) {
			return nil, usagef("--bmc-user: must be 1 to %d characters", maxBMCUser)
		}
		r["bmc_username"] = f.bmcUser
	}
	if f.set["bmc-password"] {
		if f.bmcPassword == "" || len(f.bmcPassword) > maxBMCPassword {
			return nil, usagef("--bmc-password: must be 1 to %d characters", maxBMCPassword)
		}
		box, err := app.LoadBox(e.cfg)
		if err != nil {
			return nil, err
		}
		r["bmc_password_enc"] = base64.StdEncoding.EncodeToString(box.SealString(f.bmcPassword))
	}
	return r, nil
}

// parseIPList checks a comma-separated list of IP addresses and returns it
// in canonical form.
func parseIPList(s string) (string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(part))
		if err != nil || a.Zone() != "" {
			return "", usagef("--ip %q: %q is not an IP address", s, part)
		}
		out = append(out, a.String())
	}
	return strings.Join(out, ","), nil
}

// validHost accepts an IP address or a DNS host name.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func openTaskDB(e *env) (*postgres.DB, func(), error) {
	db, closeDB, err := app.OpenDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return nil, nil, err
	}
	if err := postgres.CheckSchema(e.ctx, db); err != nil {
		closeDB()
		return nil, nil, err
	}
	return db, closeDB, nil
}

func taskList(e *env, all bool) error {
	db, closeDB, err := openTaskDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	status := manual.StatusOpen
	if all {
		status = ""
	}
	tasks, err := manual.ListTasks(e.ctx, db, status)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if err := printTask(e, t); err != nil {
			return err
		}
	}
	return nil
}

// taskClose completes the task (result non-nil) or fails it.
func taskClose(e *env, id int64, result map[string]string, note string) error {
	db, closeDB, err := openTaskDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	var t manual.Task
	if result != nil {
		t, err = manual.CompleteTaskWith(e.ctx, db, id, result, note, deliver(result))
	} else if t, err = manual.FailTask(e.ctx, db, id, note); err == nil {
		err = giveUp(e, db, t)
	}
	var closed *manual.ClosedError
	switch {
	case errors.As(err, &closed):
		return fmt.Errorf("%w; nothing changed", closed)
	case errors.Is(err, manual.ErrNoTask):
		return fmt.Errorf("no task %d", id)
	case err != nil:
		return err
	}
	return printTask(e, t)
}

// printTask prints t as one JSON line, with sealed values ("..._enc") shown
// as "***".
func printTask(e *env, t manual.Task) error {
	var result map[string]any
	if err := json.Unmarshal(t.Result, &result); err == nil {
		for k := range result {
			if strings.HasSuffix(k, "_enc") {
				result[k] = "***"
			}
		}
		if b, err := json.Marshal(result); err == nil {
			t.Result = b
		}
	}
	return printJSON(e, t)
}

// deliver applies a completed provisioning task to its order: racking a
// colocated machine delivers a colocation order; installing a leased
// machine by hand (manual or IPMI-only lines) delivers a lease.
func deliver(result map[string]string) func(ctx context.Context, tx pgx.Tx, t manual.Task) error {
	return func(ctx context.Context, tx pgx.Tx, t manual.Task) error {
		switch {
		case t.Kind != "provision":
			return nil
		case t.Business == "idc":
			return idc.Racked(ctx, tx, t.OrderID, result, time.Now())
		case t.Business == "lease":
			return lease.Delivered(ctx, tx, t.OrderID, time.Now())
		}
		return nil
	}
}

// giveUp ends the purchase whose provisioning task staff could not do:
// refunded in full and deleted, the note kept as the reason.
func giveUp(e *env, db *postgres.DB, t manual.Task) error {
	if t.Kind != "provision" {
		return nil
	}
	b, err := orderflow.BusinessNamed(t.Business)
	if err != nil {
		return err
	}
	engine := &orderflow.Engine{DB: db, Now: time.Now}
	var undo func(ctx context.Context, tx pgx.Tx) error
	if b == orderflow.Lease {
		undo = func(ctx context.Context, tx pgx.Tx) error { return lease.FreeMachine(ctx, tx, t.OrderID) }
	}
	return engine.FailPurchase(e.ctx, b, t.OrderID, "staff could not provision it: "+t.Note, undo)
}
