// Package cli is zonkvmd's command tree (operator.md): serve, migrate,
// catalog, reseller, ledger, sweep and task. Main
// takes its arguments, streams and environment as parameters, so tests run
// the real commands in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/config"
)

const usage = `usage: zonkvmd COMMAND [ARGS]

  serve [--demo] [--migrate]        run the API (and the background workers)
  migrate [up|down N|version]       manage the database schema
  catalog import FILE               upsert the catalogue from FILE ("-": stdin)
  catalog export [FILE]             write the catalogue in the same format
  reseller create --name N [--balance X] [--credit X] [--allow-ip CIDR,...]
  reseller list | show APPID | disable APPID | enable APPID
  reseller rotate-key APPID         print a new appkey once
  reseller topup APPID AMOUNT [--note TEXT]
  reseller credit APPID AMOUNT      set the credit limit
  reseller api APPID on|off         switch the reseller's API access
  reseller allow-ip APPID [CIDR,...] replace the IP allow-list (none: any address)
  healthcheck                       exit 0 when the daemon at ZONKVMD_ADDR answers /healthz
  ledger show APPID [--limit N]     the newest ledger entries, one JSON line each
  ledger verify                     check every invariant of the ledger (exit 1 if any fails)
  sweep [--at "YYYY-MM-DD HH:MM:SS"] [--dry-run]   run the lifecycle once
  task list [--all] | task done ID [--ip ...] | task fail ID --note TEXT   operator tasks

Configuration comes from the environment; see README.md.
`

// usageError is bad input on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env is what every command gets.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	cfg    config.Config
	log    *zap.Logger
}

type command func(e *env, args []string) error

var commands = map[string]command{
	"serve":       cmdServe,
	"migrate":     cmdMigrate,
	"catalog":     cmdCatalog,
	"reseller":    cmdReseller,
	"healthcheck": cmdHealthcheck,
	"ledger":      cmdLedger,
	"sweep":       cmdSweep,
	"task":        cmdTask,
}

// Main runs one command and returns the process exit status: 0 success,
// 1 failure, 2 bad usage. Every failure prints one line "zonkvmd: ..." on
// stderr (an import lists its problems after that line).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv config.Getenv) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "zonkvmd: unknown command %q (see zonkvmd help)\n", args[0])
		return 2
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "zonkvmd: configuration: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 2
	}
	log, err := app.NewLogger(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "zonkvmd: logger: %v\n", err)
		return 1
	}
	defer func() { _ = log.Sync() }()
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, cfg: cfg, log: log}
	if err := cmd(e, args[1:]); err != nil {
		fmt.Fprintf(stderr, "zonkvmd %s: %v\n", args[0], err)
		var ue usageError
		if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
			return 2
		}
		return 1
	}
	return 0
}

// parse parses args with fs, allowing flags after positional arguments
// ("topup APPID 100 --note x"). It returns the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" || isNumber(a) {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			return nil, usagef("unknown flag %s", a)
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 >= len(args) {
			return nil, usagef("flag %s needs a value", a)
		}
		i++
		flags = append(flags, args[i])
	}
	if err := fs.Parse(flags); err != nil {
		return nil, usagef("%v", err)
	}
	return pos, nil
}

// isNumber lets negative amounts ("-10.00") through as positional arguments.
func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

// want checks the number of positional arguments.
func want(pos []string, n int, form string) error {
	if len(pos) != n {
		return usagef("usage: zonkvmd %s", form)
	}
	return nil
}
