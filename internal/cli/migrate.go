package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

func (r *runner) migrateCmd() *cobra.Command {
	sub := func(use, short string, n int) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: exactArgs(n),
			RunE: r.run(func(e *env, args []string) error { return migrate(e, firstWord(use), args) })}
	}
	c := &cobra.Command{
		Use:   "migrate [up|down N|version]",
		Short: "Manage the database schema (alone: up)",
		Args:  cobra.ArbitraryArgs,
		RunE: r.run(func(e *env, args []string) error {
			if len(args) > 0 {
				return usagef("usage: zonkvmd migrate [up|down N|version]")
			}
			return migrate(e, "up", nil)
		}),
	}
	c.AddCommand(sub("up", "Apply every pending migration", 0),
		sub("down N", "Undo the newest N migrations", 1),
		sub("version", "Print the schema version", 0))
	return c
}

func firstWord(s string) string {
	for i, r := range s {
		if r == ' ' {
			return s[:i]
		}
	}
	return s
}

func migrate(e *env, sub string, args []string) error {
	var steps int
	if sub == "down" {
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 {
			return usagef("migrate down N: N must be a whole number of at least 1")
		}
		steps = n
	}
	db, closeDB, err := app.OpenExistingDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer closeDB()
	switch sub {
	case "up":
		err = postgres.MigrateUp(e.ctx, db)
	case "down":
		err = postgres.MigrateDown(e.ctx, db, steps)
	}
	if err != nil {
		return err
	}
	v, dirty, err := postgres.Version(e.ctx, db)
	if err != nil {
		return err
	}
	if sub != "version" {
		if err := e.audit(e.ctx, db, "migrate "+sub, "", map[string]any{"version": v}); err != nil && sub != "down" {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "schema version %d (this binary: %d)%s\n", v, postgres.SchemaVersion(), map[bool]string{true: ", dirty", false: ""}[dirty])
	return nil
}
