package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/idc"
	"github.com/zonkvm/zonkvmd/internal/lease"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider/manual"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Limits of IPMI v2.0 credentials (user name 16 bytes, password 20).
const (
	maxBMCUser     = 16
	maxBMCPassword = 20
)

// taskFlags are the task commands' flags.
type taskFlags struct {
	all                                    bool
	note, ip, cabinet                      string
	bmcHost, bmcPort, bmcUser, bmcPassword string
	set                                    map[string]bool // the flags given
}

// taskCmd is `zonkvmd task list [--all]`, `task done ID [--note TEXT]
// [--ip IP[,IP...]] [--cabinet SN] [--bmc-host H] [--bmc-port N] [--bmc-user U]
// [--bmc-password P]` and `task fail ID --note TEXT`: the staff's side of
// the manual driver. list prints one JSON task a line (open ones; --all for
// every one). done and fail close an open task and print it; done's flags
// become the task's result (the BMC password sealed with the secret key,
// as bmc_password_enc). Bad input is a usage error and changes nothing.
func (r *runner) taskCmd() *cobra.Command {
	f := &taskFlags{}
	list := &cobra.Command{
		Use:   "list [--all]",
		Short: "The open operator tasks (--all: every one), one JSON line each",
		Args:  exactArgs(0),
		RunE:  r.run(func(e *env, _ []string) error { return taskList(e, f.all) }),
	}
	list.Flags().BoolVar(&f.all, "all", false, "list every task, not only the open ones")
	done := &cobra.Command{
		Use:   "done ID [--note TEXT] [--ip IP[,IP...]] [--cabinet SN] [--bmc-host H] [--bmc-port N] [--bmc-user U] [--bmc-password P]",
		Short: "Complete an open task with what staff did",
		Args:  exactArgs(1),
		RunE:  r.run(func(e *env, pos []string) error { return taskDone(e, f, pos[0]) }),
	}
	fl := done.Flags()
	fl.StringVar(&f.note, "note", "", "a note for the task")
	fl.StringVar(&f.ip, "ip", "", "the machine's IP addresses, comma-separated")
	fl.StringVar(&f.cabinet, "cabinet", "", "the cabinet's serial number")
	fl.StringVar(&f.bmcHost, "bmc-host", "", "the BMC's address")
	fl.StringVar(&f.bmcPort, "bmc-port", "", "the BMC's UDP port (623)")
	fl.StringVar(&f.bmcUser, "bmc-user", "", "the BMC user")
	fl.StringVar(&f.bmcPassword, "bmc-password", "", "the BMC password")
	fail := &cobra.Command{
		Use:   "fail ID --note TEXT",
		Short: "Fail an open task, saying why (a purchase is refunded)",
		Args:  exactArgs(1),
		RunE: r.run(func(e *env, pos []string) error {
			if strings.TrimSpace(f.note) == "" {
				return usagef("task fail needs --note saying why")
			}
			id, err := parseTaskID(pos[0])
			if err != nil {
				return err
			}
			return taskClose(e, id, nil, f.note)
		}),
	}
	fail.Flags().StringVar(&f.note, "note", "", "why staff could not do it")
	for _, c := range []*cobra.Command{done, fail} {
		c.PreRun = func(cmd *cobra.Command, _ []string) {
			f.set = map[string]bool{}
			cmd.Flags().Visit(func(fl *pflag.Flag) { f.set[fl.Name] = true })
		}
	}
	return group("task", "The operator tasks of the manual driver",
		"list [--all] | task done ID [--note TEXT] [--ip IP] ... | task fail ID --note TEXT", list, done, fail)
}

func taskDone(e *env, f *taskFlags, idArg string) error {
	id, err := parseTaskID(idArg)
	if err != nil {
		return err
	}
	result, err := f.result(e)
	if err != nil {
		return err
	}
	return taskClose(e, id, result, f.note)
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
		box, err := taskBox(e)
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

// taskBox opens the secret box, checked against the database's key.
func taskBox(e *env) (*secret.Box, error) {
	db, closeDB, err := openDB(e)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	return app.OpenBox(e.ctx, e.cfg, db)
}

func taskList(e *env, all bool) error {
	db, closeDB, err := openDB(e)
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
	db, closeDB, err := openDB(e)
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
	cmd := "task done"
	if result == nil {
		cmd = "task fail"
	}
	if err := e.audit(e.ctx, db, cmd, strconv.FormatInt(id, 10), map[string]string{"note": note}); err != nil {
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
// machine by hand (manual or IPMI-only lines) delivers a lease, the
// addresses after the first of --ip being its extra ones. A resize task
// closed with --ip gives the order those addresses.
func deliver(result map[string]string) func(ctx context.Context, tx pgx.Tx, t manual.Task) error {
	return func(ctx context.Context, tx pgx.Tx, t manual.Task) error {
		ip := strings.TrimSpace(result["ip"])
		switch {
		case t.Kind == "resize" && ip != "" && t.Business == orderflow.IDC.Name:
			return idc.Readdressed(ctx, tx, t.OrderID, ip)
		case t.Kind == "resize" && ip != "" && t.Business == orderflow.Lease.Name:
			return lease.SetExtraIPs(ctx, tx, t.OrderID, lease.ExtraOfTask(ip))
		case t.Kind != "provision":
			return nil
		case t.Business == orderflow.IDC.Name:
			return idc.Racked(ctx, tx, t.OrderID, result, time.Now())
		case t.Business == orderflow.Lease.Name:
			if err := lease.Delivered(ctx, tx, t.OrderID, time.Now()); err != nil {
				return err
			}
			return lease.SetExtraIPs(ctx, tx, t.OrderID, lease.ExtraOfTask(result["ip"]))
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
