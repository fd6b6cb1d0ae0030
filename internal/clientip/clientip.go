// Package clientip finds the address of the caller behind nginx: the
// X-Forwarded-For / X-Real-IP headers are believed only when the TCP peer is
// a configured trusted proxy.
package clientip

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

type ctxKey struct{}

// Resolver computes client addresses. Its zero value trusts no proxy.
type Resolver struct{ Trusted []netip.Prefix }

func (r Resolver) trusted(a netip.Addr) bool {
	for _, p := range r.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// TrustedPeer reports whether req comes straight from a trusted proxy, whose
// headers (X-Forwarded-For, X-Request-Id) are believed.
func (r Resolver) TrustedPeer(req *http.Request) bool {
	peer := peerAddr(req.RemoteAddr)
	return peer.IsValid() && r.trusted(peer)
}

// Of returns the client address of req. From a trusted peer it walks
// X-Forwarded-For from the right, skipping trusted proxies, then falls back
// to X-Real-IP; from any other peer it returns the peer itself.
func (r Resolver) Of(req *http.Request) netip.Addr {
	peer := peerAddr(req.RemoteAddr)
	if !peer.IsValid() || !r.trusted(peer) {
		return peer
	}
	if xff := req.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops := strings.Split(strings.Join(xff, ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a forged or broken hop: stop at what we can trust
			}
			a = a.Unmap()
			if !r.trusted(a) || i == 0 {
				return a
			}
		}
	}
	if xr := strings.TrimSpace(req.Header.Get("X-Real-IP")); xr != "" {
		if a, err := netip.ParseAddr(xr); err == nil {
			return a.Unmap()
		}
	}
	return peer
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// Middleware stores the client address of each request in its context.
func (r Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		next.ServeHTTP(w, req.WithContext(With(req.Context(), r.Of(req))))
	})
}

// With returns ctx carrying addr.
func With(ctx context.Context, addr netip.Addr) context.Context {
	return context.WithValue(ctx, ctxKey{}, addr)
}

// From returns the client address stored by Middleware, or the invalid Addr.
func From(ctx context.Context) netip.Addr {
	a, _ := ctx.Value(ctxKey{}).(netip.Addr)
	return a
}
