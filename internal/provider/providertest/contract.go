// Package providertest holds the contract tests every provider driver must
// pass, each the same for a real driver against its fake and for the
// simulator: VMContract for provider.VMDriver, BareMetalContract for
// provider.BareMetalDriver (and PanelContract, in panel.go, for
// provider.PanelDriver). A driver's test calls them with a constructor.
//
// The contracts create resources with the images named by Image and
// ReinstallImage; a driver's test setup must make both known (an os_map,
// images added to a fake). They clean up what they create.
package providertest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The images (mirror_name) the contracts use.
const (
	Image          = "debian-12"
	ReinstallImage = "ubuntu-22.04"
)

// UnknownID is an id no driver should know.
const UnknownID = "987654321"

// Passwords the contracts set; a console address must contain none of them.
const (
	createPassword    = "Zk8#contract-Create1"
	reinstallPassword = "Zk8#contract-Again2"
	resetPassword     = "Zk8#contract-Reset3"
	vncPassword       = "Zk8vnc42"
)

var refSeq atomic.Int64

// newRef returns a Ref (hostname-safe, unique in this process and run).
func newRef() string {
	return fmt.Sprintf("zonkvmd-ct-%d-%d", time.Now().UnixNano()%1e9, refSeq.Add(1))
}

// ctx returns a context for one contract step.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// checkConsole checks a console address: not empty, a URL, expiring in the
// future, carrying its session's VNC password (when it has one) as the
// query parameter password, and none of the secrets.
func checkConsole(t *testing.T, c provider.Console, secrets ...string) {
	t.Helper()
	require.NotEmpty(t, c.URL)
	u, err := url.Parse(c.URL)
	require.NoError(t, err)
	require.NotEmpty(t, u.Scheme, "console URL %q has no scheme", c.URL)
	require.Equal(t, c.Password, u.Query().Get("password"), "the URL carries the session's VNC password, if any")
	for _, s := range secrets {
		require.True(t, s == "" || s != c.Password, "the VNC password is a root password")
	}
	require.True(t, c.ExpireAt.After(time.Now()), "console expires at %v, in the past", c.ExpireAt)
	require.True(t, c.ExpireAt.Before(time.Now().Add(24*time.Hour)), "console lives until %v: not short-lived", c.ExpireAt)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		require.NotContains(t, c.URL, s, "console URL carries a password")
		require.NotContains(t, c.URL, url.QueryEscape(s), "console URL carries a password")
	}
}

// checkTraffic checks points: not empty, oldest first, within [from, to],
// at multiples of five minutes, spaced by multiples of five minutes, and
// not negative.
func checkTraffic(t *testing.T, pts []provider.TrafficPoint, from, to time.Time) {
	t.Helper()
	require.NotEmpty(t, pts, "no traffic points in [%v, %v]", from, to)
	for i, p := range pts {
		require.False(t, p.Time.Before(from) || p.Time.After(to), "point %d at %v is outside [%v, %v]", i, p.Time, from, to)
		require.Zero(t, p.Time.Unix()%300, "point %d at %v is not on a 5-minute mark", i, p.Time)
		require.GreaterOrEqual(t, p.InBps, int64(0))
		require.GreaterOrEqual(t, p.OutBps, int64(0))
		if i > 0 {
			gap := p.Time.Sub(pts[i-1].Time)
			require.True(t, gap > 0 && gap%(5*time.Minute) == 0, "points %d and %d are %v apart", i-1, i, gap)
		}
	}
}

// eventually polls get until it reports want, for up to ten seconds, and
// fails with the last state otherwise.
func eventually(t *testing.T, what string, want provider.PowerState, get func() (provider.PowerState, error)) {
	t.Helper()
	var last provider.PowerState
	var err error
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if last, err = get(); err == nil && last == want {
			return
		}
	}
	require.NoError(t, err, what)
	require.Equal(t, want, last, what)
}

// supported fails on an error other than ErrUnsupported and reports
// whether the operation was done.
func supported(t *testing.T, err error, what string) bool {
	t.Helper()
	if errors.Is(err, provider.ErrUnsupported) {
		t.Logf("%s: unsupported by this driver", what)
		return false
	}
	require.NoError(t, err, what)
	return true
}
