package app_test

import (
	"context"
	"net"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/config"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

// stallProxy forwards TCP to target until stalled, then holds every byte
// (connections stay open, nothing moves), as a hung network or server does.
type stallProxy struct {
	ln      net.Listener
	target  string
	stalled atomic.Bool
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &stallProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
	return p
}

func (p *stallProxy) handle(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	go p.pipe(up, c)
	p.pipe(c, up)
}

func (p *stallProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for n > 0 && p.stalled.Load() {
			time.Sleep(5 * time.Millisecond)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// With PostgreSQL behind a link that stops forwarding, requests answer
// 系统繁忙 within the request deadline (waiting for a pooled connection
// included), and the daemon recovers by itself once the link is back.
func TestAStalledDatabaseAnswersBusyWithinTheDeadlineAndRecovers(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil || u.Host == "" {
		t.Skip("the test database's DSN is not a URL")
	}
	proxy := newStallProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	cfg, err := config.FromEnv(func(string) string { return "" })
	require.NoError(t, err)
	cfg.RequestTimeout, cfg.StatementTimeout, cfg.DBMaxConns = time.Second, time.Second, 4
	ctx := context.Background()
	db, err := postgres.OpenWith(ctx, u.String(), postgres.Options{MaxConns: cfg.DBMaxConns, StatementTimeout: cfg.StatementTimeout})
	require.NoError(t, err)
	t.Cleanup(db.Close)
	a, err := app.New(cfg, zap.NewNop(), db, apitest.NewBox(t))
	require.NoError(t, err)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	env := &apitest.Env{App: a, DB: pgtest.DB(t), Server: srv}
	r := env.NewReseller(t, "")

	env.Post(t, r.Form("getzones")).OK(t)
	proxy.stalled.Store(true)
	answers := make(chan apitest.Response, 6)
	start := time.Now()
	for i := 0; i < cap(answers); i++ { // more requests than connections
		go func() { answers <- env.Post(t, r.Form("getzones")) }()
	}
	for i := 0; i < cap(answers); i++ {
		(<-answers).Fails(t, "系统繁忙,请稍后再试")
	}
	require.Less(t, time.Since(start), 3*time.Second, "answered within the 1s deadline (and some slack)")

	proxy.stalled.Store(false)
	require.Eventually(t, func() bool {
		return env.Post(t, r.Form("getzones")).Code == 1
	}, 10*time.Second, 50*time.Millisecond, "the daemon recovers once the database answers again")
}
