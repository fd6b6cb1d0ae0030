// Package cli is zonkvmd's command tree (operator.md), built with cobra:
// serve, migrate, catalog, reseller, ledger, sweep, task, order, job, audit,
// healthcheck and version. Main takes its arguments, streams and
// environment as parameters, so tests run the real commands in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/config"
)

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
	getenv config.Getenv
	actor  string // who runs the command: --actor, or the OS user
}

// runner holds one run of Main: its streams, its environment and, once a
// command's configuration is loaded, its env.
type runner struct {
	ctx            context.Context
	stdout, stderr io.Writer
	getenv         config.Getenv
	actor          string
	e              *env
}

// noConfig marks the commands that run without the configuration.
const noConfig = "zonkvmd/no-config"

// Main runs one command and returns the process exit status: 0 success
// (and --help anywhere), 1 failure, 2 bad usage. Every failure prints one
// line "zonkvmd ...: ..." on stderr (an import lists its problems after it).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv config.Getenv) int {
	r := &runner{ctx: ctx, stdout: stdout, stderr: stderr, getenv: getenv}
	root := r.root()
	root.SetOut(stdout)
	root.SetErr(stderr)
	if len(args) == 0 {
		_ = root.Usage()
		return 2
	}
	root.SetArgs(negativesAsArgs(root, args))
	cmd, err := root.ExecuteC()
	if r.e != nil {
		_ = r.e.log.Sync()
	}
	if err == nil {
		return 0
	}
	name := "zonkvmd"
	if cmd != nil && cmd != root {
		name += " " + strings.Fields(strings.TrimPrefix(cmd.CommandPath(), root.Name()+" "))[0]
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) || errors.Is(err, pflag.ErrHelp) {
		return 2
	}
	return 1
}

// root builds the command tree.
func (r *runner) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "zonkvmd",
		Short: "The Zonkvm reseller API daemon and its operator's tool",
		Long: "zonkvmd serves the Zonkvm reseller API (POST /api/same/index) and manages its\n" +
			"schema, catalogue, resellers, orders and jobs. Configuration comes from the\n" +
			"environment (DATABASE_URL, ZONKVMD_*); see README.md. Every command prints JSON\n" +
			"lines; times are in ZONKVMD_TZ; exit status 0 ok, 1 failed, 2 bad usage.",
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		Annotations:       map[string]string{noConfig: "yes"},
		Args:              cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usagef("unknown command %q (see zonkvmd help)", args[0])
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return r.load(cmd) },
	}
	root.PersistentFlags().StringVar(&r.actor, "actor", "", "who to record in the audit trail (default: the OS user)")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(r.serveCmd(), r.migrateCmd(), r.catalogCmd(), r.resellerCmd(),
		r.healthcheckCmd(), r.ledgerCmd(), r.sweepCmd(), r.taskCmd(), r.versionCmd(),
		r.orderCmd(), r.jobCmd(), r.auditCmd())
	return root
}

// load reads the configuration and builds the logger for cmd.
func (r *runner) load(cmd *cobra.Command) error {
	if cmd.Annotations[noConfig] != "" {
		return nil
	}
	cfg, err := config.FromEnv(r.getenv)
	if err != nil {
		return usagef("configuration: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	log, err := app.NewLogger(cfg)
	if err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	r.e = &env{ctx: r.ctx, stdout: r.stdout, stderr: r.stderr, cfg: cfg, log: log,
		getenv: r.getenv, actor: actorOf(r.actor, r.getenv)}
	return nil
}

// run adapts a command body to cobra: it hands it the loaded env.
func (r *runner) run(fn func(e *env, args []string) error) func(*cobra.Command, []string) error {
	return func(_ *cobra.Command, args []string) error { return fn(r.e, args) }
}

// group is a command whose subcommands do the work; alone, or with an
// unknown subcommand, it is a usage error.
func group(use, short, forms string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("usage: zonkvmd %s %s", cmd.Name(), forms)
			}
			return usagef("unknown %s command %q", cmd.Name(), args[0])
		},
	}
	c.AddCommand(subs...)
	return c
}

// form is a command's usage line for error messages: "zonkvmd task done ID ...".
func form(cmd *cobra.Command) string {
	use := cmd.Use
	if i := strings.IndexByte(use, ' '); i >= 0 {
		return cmd.CommandPath() + use[i:]
	}
	return cmd.CommandPath()
}

// nArgs accepts from min to max arguments (max < 0: any number).
func nArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || (max >= 0 && len(args) > max) {
			return usagef("usage: %s", form(cmd))
		}
		return nil
	}
}

func exactArgs(n int) cobra.PositionalArgs { return nArgs(n, n) }

// flagError makes a flag error a usage error; a flag that a sibling
// command takes is named as one this command does not take.
func flagError(cmd *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if errors.As(err, &ne) && cmd.HasParent() {
		name := ne.GetSpecifiedName()
		for _, sib := range cmd.Parent().Commands() {
			if name != "" && sib != cmd && sib.Flags().Lookup(name) != nil {
				return usagef("%s does not take --%s (usage: %s)",
					strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" "), name, form(cmd))
			}
		}
	}
	return usagef("%v", err)
}

// negativesAsArgs moves the arguments behind a "--" when one of them is a
// negative number ("topup APPID -150.00"), so the flag parser takes it as
// an argument; the command names and flags stay in front, the arguments
// keep their order.
func negativesAsArgs(root *cobra.Command, args []string) []string {
	cmd := root
	var head, flags, pos []string
	negative := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case isNumber(a):
			negative = negative || strings.HasPrefix(a, "-")
			pos = append(pos, a)
		case strings.HasPrefix(a, "-") && a != "-":
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if f := lookupFlag(cmd, name); f != nil && !strings.Contains(name, "=") &&
				f.NoOptDefVal == "" && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			if sub := child(cmd, a); sub != nil && len(pos) == 0 {
				cmd = sub
				head = append(head, a)
			} else {
				pos = append(pos, a)
			}
		}
	}
	if !negative {
		return args
	}
	out := append(append(head, flags...), "--")
	return append(out, pos...)
}

func lookupFlag(cmd *cobra.Command, name string) *pflag.Flag {
	if f := cmd.Flags().Lookup(name); f != nil {
		return f
	}
	return cmd.InheritedFlags().Lookup(name)
}

func child(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
}

// isNumber reports whether s is a plain decimal number, maybe negative.
func isNumber(s string) bool {
	return plainDecimal.MatchString(s)
}

// actorOf is who the audit trail names: the --actor flag, else the OS user
// (under sudo, the user who ran sudo).
func actorOf(flagValue string, getenv config.Getenv) string {
	if a := strings.TrimSpace(flagValue); a != "" {
		return a
	}
	for _, k := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	if v := os.Getenv("USER"); v != "" {
		return v
	}
	return fmt.Sprintf("uid:%d", os.Getuid())
}
