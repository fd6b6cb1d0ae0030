// Package auth knows the resellers: their appid and hashed appkey, the
// switches that let them in (enabled, API enabled, IP allow-list), and the
// limits on how often they and strangers may knock. Every refusal looks the
// same from outside (权限不足), so nothing can be enumerated.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"time"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Service authenticates API calls and manages resellers. While Listen runs
// it answers from memory, without a round trip to the database.
type Service struct {
	DB *postgres.DB

	cache cache
}

// HashKey returns the stored form of an appkey. Keys are 190-bit random
// strings, so a fast hash is enough: there is nothing to brute-force.
func HashKey(appkey string) []byte {
	h := sha256.Sum256([]byte(appkey))
	return h[:]
}

// dummyHash is compared against when the appid is unknown, so that an
// unknown appid costs the same time as a wrong key.
var dummyHash = HashKey("zonkvmd-no-such-reseller")

// Authenticate implements dispatch.Authenticator. It returns ok false for
// an unknown appid, a wrong key, a disabled reseller or API, or an address
// outside the reseller's allow-list, and an error only when the database
// cannot answer.
func (s *Service) Authenticate(ctx context.Context, appid, appkey string, ip netip.Addr) (dispatch.Reseller, bool, error) {
	cr, ok, gen := s.cache.get(appid)
	if !ok {
		var err error
		cr, ok, err = s.read(ctx, appid)
		if err != nil {
			return dispatch.Reseller{}, false, err
		}
		if !ok {
			subtle.ConstantTimeCompare(dummyHash, HashKey(appkey))
			return dispatch.Reseller{}, false, nil
		}
		if cr.enabled && cr.apiEnabled { // a switched-off reseller is read afresh, so switching on is seen at once
			s.cache.put(appid, cr, gen)
		}
	}
	keyOK := subtle.ConstantTimeCompare(cr.hash, HashKey(appkey)) == 1
	if !keyOK || !cr.enabled || !cr.apiEnabled || !allowed(cr.allow, ip) {
		return dispatch.Reseller{}, false, nil
	}
	return dispatch.Reseller{ID: cr.id, AppID: appid}, true, nil
}

// read loads appid's credentials; ok is false when there is no such
// reseller.
func (s *Service) read(ctx context.Context, appid string) (cr credentials, ok bool, err error) {
	err = postgres.QueryRow(ctx, s.DB, `
		SELECT id, key_hash, enabled, api_enabled, allow_ips
		FROM resellers WHERE appid = $1`, appid).Scan(&cr.id, &cr.hash, &cr.enabled, &cr.apiEnabled, &cr.allow)
	if errors.Is(err, postgres.ErrNotFound) {
		return credentials{}, false, nil
	}
	if err != nil {
		return credentials{}, false, fmt.Errorf("auth.Authenticate: %w", err)
	}
	return cr, true, nil
}

// allowed reports whether ip is in the allow-list; an empty list allows all.
func allowed(list []netip.Prefix, ip netip.Addr) bool {
	if len(list) == 0 {
		return true
	}
	if !ip.IsValid() {
		return false
	}
	for _, p := range list {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

const (
	appidDigits = 10
	keyLength   = 32
	keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// newAppID returns a random 10-digit appid that does not start with 0.
func newAppID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	if err != nil {
		panic(fmt.Sprintf("auth: crypto/rand failed: %v", err))
	}
	return fmt.Sprintf("%d", n.Int64()+1_000_000_000)
}

// NewAppKey returns a fresh 32-character appkey (about 190 random bits).
func NewAppKey() string {
	b := make([]byte, keyLength)
	max := big.NewInt(int64(len(keyAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("auth: crypto/rand failed: %v", err))
		}
		b[i] = keyAlphabet[n.Int64()]
	}
	return string(b)
}

// Reseller is what the operator sees of a reseller.
type Reseller struct {
	ID         int64          `json:"id"`
	AppID      string         `json:"appid"`
	Name       string         `json:"name"`
	Enabled    bool           `json:"enabled"`
	APIEnabled bool           `json:"api_enabled"`
	AllowIPs   []netip.Prefix `json:"allow_ips"`
	KeyRotated time.Time      `json:"key_rotated_at"`
	CreatedAt  time.Time      `json:"created_at"`
}

// ErrNoReseller is returned for an appid that does not exist.
var ErrNoReseller = errors.New("no such reseller")

// ErrDuplicateName is returned when a reseller with that name exists.
var ErrDuplicateName = errors.New("a reseller with that name exists")
