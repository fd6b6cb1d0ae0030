// Package sim is the built-in simulator driver ("sim"): cloud servers, bare
// metal and a hosting panel kept in memory, for demos and tests. It answers
// like a real provider would (small delays, ErrNotFound for unknown ids,
// idempotent creates by Ref) without touching any infrastructure.
//
// Configuration (the catalogue line's provider object):
//
//	{"driver": "sim",
//	 "delay_ms": 0,          // fixed delay of every call; absent: 50-200 ms at random
//	 "fail": "create",       // "" or "create": CreateVM always fails (ErrRejected)
//	 "machines": ["12"],     // the bare-metal ids it knows; absent: any id
//	 "name": "demo"}         // a label: lines with other settings have their own state
//
// State lives per process and per configuration: two Opens of the same
// object share it.
package sim

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

func init() {
	provider.Register("sim", func(raw json.RawMessage, deps provider.Deps) (provider.Set, error) {
		d, err := Open(raw, deps)
		if err != nil {
			return provider.Set{}, err
		}
		return provider.Set{VM: d, BareMetal: d, Panel: d}, nil
	})
}

// Config is the provider object of a simulated line.
type Config struct {
	DelayMS  *int     `json:"delay_ms"`
	Fail     string   `json:"fail"`
	Machines []string `json:"machines"`
	Name     string   `json:"name"`
}

// Driver is the simulator. It is safe for concurrent use.
type Driver struct {
	cfg Config
	st  *store
	now func() time.Time
}

var (
	_ provider.VMDriver        = (*Driver)(nil)
	_ provider.BareMetalDriver = (*Driver)(nil)
	_ provider.PanelDriver     = (*Driver)(nil)
)

// stores holds the state of every configuration opened in this process.
var stores = struct {
	sync.Mutex
	m map[string]*store
}{m: map[string]*store{}}

// Open reads a provider object and returns the simulator on its state. It
// returns an error naming the bad setting when the object is invalid.
func Open(raw json.RawMessage, deps provider.Deps) (*Driver, error) {
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("sim config: %w", err)
	}
	switch {
	case cfg.DelayMS != nil && (*cfg.DelayMS < 0 || *cfg.DelayMS > 60000):
		return nil, fmt.Errorf("sim config: delay_ms must be within 0..60000")
	case cfg.Fail != "" && cfg.Fail != "create":
		return nil, fmt.Errorf("sim config: fail must be \"\" or \"create\"")
	}
	key, err := canonical(raw)
	if err != nil {
		return nil, fmt.Errorf("sim config: %w", err)
	}
	stores.Lock()
	st := stores.m[key]
	if st == nil {
		st = newStore()
		stores.m[key] = st
	}
	stores.Unlock()
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	return &Driver{cfg: cfg, st: st, now: now}, nil
}

// canonical is the object's JSON with sorted keys and no spaces.
func canonical(raw json.RawMessage) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// wait is a call's simulated latency. It returns ErrUnavailable when ctx
// ends first.
func (d *Driver) wait(ctx context.Context, op string) error {
	delay := time.Duration(50+rand.IntN(151)) * time.Millisecond
	if d.cfg.DelayMS != nil {
		delay = time.Duration(*d.cfg.DelayMS) * time.Millisecond
	}
	if delay == 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sim %s: %w: %w", op, provider.ErrUnavailable, err)
		}
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("sim %s: %w: %w", op, provider.ErrUnavailable, ctx.Err())
	case <-t.C:
		return nil
	}
}

// token returns n random bytes in hex.
func token(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// consoleTTL is how long a console address is valid.
const consoleTTL = 5 * time.Minute

// console returns a fresh console address.
func (d *Driver) console() provider.Console {
	return provider.Console{URL: "https://console.sim.invalid/vnc/" + token(16), ExpireAt: d.now().Add(consoleTTL)}
}
