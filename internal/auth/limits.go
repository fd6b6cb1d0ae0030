package auth

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter implements dispatch.Limiter in memory: a token bucket per appid,
// and a block on an IP address after too many failed logins within a window.
// IPv6 addresses are counted per /64 (one customer's network: rotating
// addresses inside it escapes nothing). Each daemon keeps its own counts.
type Limiter struct {
	rate        rate.Limit
	burst       int
	maxFailures int
	window      time.Duration
	now         func() time.Time

	mu       sync.Mutex
	buckets  map[string]*rate.Limiter
	failures map[netip.Prefix]*failures
	sweptAt  time.Time
}

type failures struct {
	count        int
	since        time.Time
	blockedUntil time.Time
}

// NewLimiter allows each reseller perSecond requests a second with bursts of
// burst, and blocks an address for window after maxFailures failed logins
// within window. now may be nil (time.Now).
func NewLimiter(perSecond float64, burst, maxFailures int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{
		rate: rate.Limit(perSecond), burst: burst, maxFailures: maxFailures, window: window, now: now,
		buckets: map[string]*rate.Limiter{}, failures: map[netip.Prefix]*failures{},
	}
}

// Allow takes one request from appid's bucket and reports whether it had one.
func (l *Limiter) Allow(appid string) bool {
	l.mu.Lock()
	b, ok := l.buckets[appid]
	if !ok {
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[appid] = b
	}
	l.mu.Unlock()
	return b.AllowN(l.now(), 1)
}

// failureKey is what failures are counted under: the address itself for
// IPv4, its /64 for IPv6.
func failureKey(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap()
	bits := ip.BitLen() // 0 for the invalid address: one key for all of them
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// LoginBlocked reports whether ip is blocked for failing too often.
func (l *Limiter) LoginBlocked(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.failures[failureKey(ip)]
	return ok && l.now().Before(f.blockedUntil)
}

// LoginFailed counts a failed login from ip, blocking it when the count
// reaches the limit within the window.
func (l *Limiter) LoginFailed(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	key := failureKey(ip)
	f, ok := l.failures[key]
	if !ok || now.Sub(f.since) > l.window {
		f = &failures{since: now}
		l.failures[key] = f
	}
	f.count++
	if f.count >= l.maxFailures {
		f.blockedUntil = now.Add(l.window)
		f.count, f.since = 0, now
	}
}

// sweep forgets addresses whose window and block have passed, at most once
// a window, so the map cannot grow without bound.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.sweptAt) < l.window {
		return
	}
	l.sweptAt = now
	for key, f := range l.failures {
		if now.Sub(f.since) > l.window && !now.Before(f.blockedUntil) {
			delete(l.failures, key)
		}
	}
}
