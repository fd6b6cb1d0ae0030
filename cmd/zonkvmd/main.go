// Command zonkvmd is the Zonkvm reseller API daemon and its operator's
// tool: `zonkvmd serve` runs the API; the other commands manage the schema,
// the catalogue and the resellers. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/zonkvm/zonkvmd/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
