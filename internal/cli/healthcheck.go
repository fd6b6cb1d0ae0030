package cli

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// cmdHealthcheck asks the daemon at ZONKVMD_ADDR for /healthz: the
// container image has no curl, so its HEALTHCHECK runs this.
func cmdHealthcheck(e *env, args []string) error {
	if len(args) != 0 {
		return usagef("usage: zonkvmd healthcheck")
	}
	host, port, err := net.SplitHostPort(e.cfg.Addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %s", resp.Status)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}
