package cli

import (
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
)

// cmdHealthcheck asks the daemon at ZONKVMD_ADDR for /healthz, or with
// --ready for /readyz (the database answers, the schema is current): the
// container image has no curl, so its health check runs this.
func (r *runner) healthcheckCmd() *cobra.Command {
	var ready bool
	c := &cobra.Command{
		Use:   "healthcheck [--ready]",
		Short: "Exit 0 when the daemon at ZONKVMD_ADDR answers /healthz (--ready: /readyz)",
		Args:  exactArgs(0),
		RunE: r.run(func(e *env, _ []string) error {
			host, port, err := net.SplitHostPort(e.cfg.Addr)
			if err != nil {
				return err
			}
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "127.0.0.1"
			}
			path := "/healthz"
			if ready {
				path = "/readyz"
			}
			client := &http.Client{Timeout: 3 * time.Second}
			resp, err := client.Get("http://" + net.JoinHostPort(host, port) + path)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s answered %s", path[1:], resp.Status)
			}
			fmt.Fprintln(e.stdout, "ok")
			return nil
		}),
	}
	c.Flags().BoolVar(&ready, "ready", false, "ask /readyz: the database answers and the schema is current")
	return c
}

// Version and Commit are set at build time:
//
//	go build -ldflags "-X github.com/zonkvm/zonkvmd/internal/cli.Version=v1.2.3 -X github.com/zonkvm/zonkvmd/internal/cli.Commit=$(git rev-parse HEAD)"
//
// Unset, they come from the module and VCS information Go records.
var (
	Version = ""
	Commit  = ""
)

// versionInfo returns the version and commit of this binary.
func versionInfo() (version, commit string) {
	version, commit = Version, Commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" && bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && commit == "" {
				commit = s.Value
			}
			if s.Key == "vcs.modified" && s.Value == "true" && commit != "" && Commit == "" {
				commit += "-dirty"
			}
		}
	}
	if version == "" {
		version = "(devel)"
	}
	if commit == "" {
		commit = "unknown"
	}
	return version, commit
}

func (r *runner) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Short:       "Print the version and the commit of this binary",
		Args:        exactArgs(0),
		Annotations: map[string]string{noConfig: "yes"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, c := versionInfo()
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "{\"version\":%q,\"commit\":%q}\n", v, c)
			return err
		},
	}
}
