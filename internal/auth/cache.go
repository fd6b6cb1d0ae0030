package auth

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"
)

// Channel is the PostgreSQL notification channel on which every change to
// a reseller's row is announced with its appid (migration 000007's
// trigger); an empty payload means every reseller.
const Channel = "zonkvmd_resellers"

// credentials are what authentication reads of one reseller.
type credentials struct {
	id                  int64
	hash                []byte
	enabled, apiEnabled bool
	allow               []netip.Prefix
}

// cache keeps resellers' credentials in memory while the daemon listens on
// Channel. It is used only while live (listening): when the notification
// connection is lost it is emptied and bypassed until it is back, so a
// change is never missed. Only existing resellers are cached, so its size
// is bounded by their number.
type cache struct {
	mu      sync.RWMutex
	live    bool
	gen     uint64 // bumped by every invalidation
	entries map[string]credentials
}

// get returns appid's cached credentials, and the generation to store a
// fresh read under when there are none.
func (c *cache) get(appid string) (credentials, bool, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.live {
		return credentials{}, false, 0
	}
	cr, ok := c.entries[appid]
	return cr, ok, c.gen
}

// put stores a read made at generation gen, unless something was
// invalidated since (the read may be older than the change).
func (c *cache) put(appid string, cr credentials, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live && c.gen == gen {
		c.entries[appid] = cr
	}
}

// invalidate forgets appid ("" forgets everyone).
func (c *cache) invalidate(appid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if appid == "" {
		clear(c.entries)
		return
	}
	delete(c.entries, appid)
}

// setLive empties the cache and turns it on or off.
func (c *cache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = live
	c.entries = map[string]credentials{}
}

// Live reports whether the cache is in use (the daemon is listening on
// Channel).
func (s *Service) Live() bool {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return s.cache.live
}

// heartbeat is how often an idle notification connection is checked, so a
// connection lost without a word (a dead network) is noticed.
const heartbeat = 5 * time.Second

// Listen keeps the cache in step with the database until ctx ends: it holds
// a connection of its own (outside the pool) listening on Channel, and
// forgets each reseller it is told about. While that connection is down the
// cache is empty and unused; Listen reconnects every second. It returns
// when ctx ends.
func (s *Service) Listen(ctx context.Context, log *zap.Logger) {
	defer s.cache.setLive(false)
	for ctx.Err() == nil {
		err := s.listenOnce(ctx)
		s.cache.setLive(false)
		if ctx.Err() != nil {
			return
		}
		log.Warn("auth cache off: notification connection lost", zap.Error(err))
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// listenOnce connects, listens and applies notifications until the
// connection fails.
func (s *Service) listenOnce(ctx context.Context) error {
	cfg := s.DB.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "zonkvmd-auth-listen"
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(connectCtx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	s.cache.setLive(true) // anything read before LISTEN is gone
	for {
		waitCtx, cancel := context.WithTimeout(ctx, heartbeat)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			s.cache.invalidate(n.Payload)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			pingCtx, cancel := context.WithTimeout(ctx, heartbeat)
			err := conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// Cached reports whether appid's credentials are in the cache (for tests
// and diagnostics).
func (s *Service) Cached(appid string) bool {
	_, ok, _ := s.cache.get(appid)
	return ok
}
