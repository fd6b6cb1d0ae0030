package auth

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestRateLimitRefillsOverTime(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := NewLimiter(2, 2, 3, time.Minute, c.now)
	require.True(t, l.Allow("a"))
	require.True(t, l.Allow("a"))
	require.False(t, l.Allow("a"), "burst spent")
	require.True(t, l.Allow("b"), "another reseller has its own bucket")
	c.t = c.t.Add(500 * time.Millisecond)
	require.True(t, l.Allow("a"), "one token back after 1/rate seconds")
	require.False(t, l.Allow("a"))
}

func TestFailedLoginsBlockAnAddressForTheWindow(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := NewLimiter(10, 10, 3, time.Minute, c.now)
	ip := netip.MustParseAddr("203.0.113.9")
	other := netip.MustParseAddr("203.0.113.10")
	l.LoginFailed(ip)
	l.LoginFailed(ip)
	require.False(t, l.LoginBlocked(ip))
	l.LoginFailed(ip)
	require.True(t, l.LoginBlocked(ip))
	require.False(t, l.LoginBlocked(other))
	c.t = c.t.Add(61 * time.Second)
	require.False(t, l.LoginBlocked(ip), "the block lifts after the window")
}

func TestFailuresSpreadBeyondTheWindowDoNotBlock(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := NewLimiter(10, 10, 3, time.Minute, c.now)
	ip := netip.MustParseAddr("2001:db8::1")
	for i := 0; i < 10; i++ {
		l.LoginFailed(ip)
		l.LoginFailed(ip)
		c.t = c.t.Add(2 * time.Minute)
		require.False(t, l.LoginBlocked(ip))
	}
	require.LessOrEqual(t, len(l.failures), 1, "old entries are swept")
}

func TestAllowListMatchesAddressesAndRanges(t *testing.T) {
	t.Parallel()
	list, err := ParseAllowList(" 203.0.113.0/24, 198.51.100.7 ,2001:db8::/32")
	require.NoError(t, err)
	for ip, want := range map[string]bool{
		"203.0.113.200": true, "198.51.100.7": true, "198.51.100.8": false,
		"2001:db8::5": true, "::ffff:203.0.113.1": true, "192.0.2.1": false,
	} {
		require.Equal(t, want, allowed(list, netip.MustParseAddr(ip)), ip)
	}
	require.True(t, allowed(nil, netip.MustParseAddr("192.0.2.1")), "an empty list allows any address")
	require.False(t, allowed(list, netip.Addr{}), "an unknown address is not in a list")
	_, err = ParseAllowList("10.0.0.0/33")
	require.Error(t, err)
}

func TestIPv6FailuresAreCountedPerSlash64(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := NewLimiter(10, 10, 3, time.Minute, c.now)
	l.LoginFailed(netip.MustParseAddr("2001:db8:1:2::1"))
	l.LoginFailed(netip.MustParseAddr("2001:db8:1:2:aaaa::7"))
	l.LoginFailed(netip.MustParseAddr("2001:db8:1:2:ffff:ffff:ffff:ffff"))
	require.True(t, l.LoginBlocked(netip.MustParseAddr("2001:db8:1:2::99")), "the whole /64 is blocked")
	require.False(t, l.LoginBlocked(netip.MustParseAddr("2001:db8:1:3::1")), "the next /64 is not")
	l.LoginFailed(netip.MustParseAddr("198.51.100.1"))
	l.LoginFailed(netip.MustParseAddr("198.51.100.2"))
	l.LoginFailed(netip.MustParseAddr("::ffff:198.51.100.3"))
	require.False(t, l.LoginBlocked(netip.MustParseAddr("198.51.100.1")), "IPv4 addresses are counted one by one")
}
