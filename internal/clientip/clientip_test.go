package clientip

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClientAddressBehindTrustedProxies(t *testing.T) {
	t.Parallel()
	r := Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}}
	cases := []struct {
		name, peer, xff, xrealip, want string
	}{
		{"no headers", "127.0.0.1:5000", "", "", "127.0.0.1"},
		{"nginx sets XFF", "127.0.0.1:5000", "203.0.113.7", "", "203.0.113.7"},
		{"forged hop before the client", "127.0.0.1:5000", "1.2.3.4, 203.0.113.7", "", "203.0.113.7"},
		{"chain of trusted proxies", "127.0.0.1:5000", "203.0.113.7, 10.1.1.1", "", "203.0.113.7"},
		{"X-Real-IP", "127.0.0.1:5000", "", "198.51.100.2", "198.51.100.2"},
		{"untrusted peer cannot claim", "192.0.2.9:5000", "203.0.113.7", "203.0.113.8", "192.0.2.9"},
		{"garbage header", "127.0.0.1:5000", "not-an-ip", "", "127.0.0.1"},
		{"IPv4-mapped peer", "[::ffff:192.0.2.9]:5000", "", "", "192.0.2.9"},
	}
	for _, c := range cases {
		req := httptest.NewRequest("POST", "/", nil)
		req.RemoteAddr = c.peer
		if c.xff != "" {
			req.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.xrealip != "" {
			req.Header.Set("X-Real-IP", c.xrealip)
		}
		require.Equal(t, c.want, r.Of(req).String(), c.name)
	}
}
