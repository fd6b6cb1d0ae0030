package cli

import (
	"fmt"
	"strconv"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

func cmdMigrate(e *env, args []string) error {
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	var steps int
	switch {
	case sub == "up" && len(args) <= 1, sub == "version" && len(args) == 1:
	case sub == "down" && len(args) == 2:
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			return usagef("migrate down N: N must be a whole number of at least 1")
		}
		steps = n
	default:
		return usagef("usage: zonkvmd migrate [up|down N|version]")
	}
	db, closeDB, err := app.OpenDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer closeDB()
	switch sub {
	case "up":
		if err := postgres.MigrateUp(e.ctx, db); err != nil {
			return err
		}
	case "down":
		if err := postgres.MigrateDown(e.ctx, db, steps); err != nil {
			return err
		}
	}
	v, dirty, err := postgres.Version(e.ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema version %d (this binary: %d)%s\n", v, postgres.SchemaVersion(), map[bool]string{true: ", dirty", false: ""}[dirty])
	return nil
}
