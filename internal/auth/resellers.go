package auth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Created is what `reseller create` prints: the only time the key is shown.
type Created struct {
	ID     int64  `json:"-"`
	AppID  string `json:"appid"`
	AppKey string `json:"appkey"`
}

// ParseAllowList reads "CIDR,CIDR,..." (a bare address means that one
// address); "" is the empty list (any address).
func ParseAllowList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if a, err := netip.ParseAddr(part); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// CreateTx inserts a reseller and its empty account inside tx and returns
// its appid and appkey. It returns ErrDuplicateName when the name is taken.
func CreateTx(ctx context.Context, tx pgx.Tx, name string, allow []netip.Prefix) (Created, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Created{}, errors.New("name must not be empty")
	}
	if allow == nil {
		allow = []netip.Prefix{}
	}
	key := NewAppKey()
	for attempt := 0; ; attempt++ {
		c := Created{AppID: newAppID(), AppKey: key}
		err := postgres.QueryRow(ctx, tx, `
			INSERT INTO resellers (appid, name, key_hash, allow_ips)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (appid) DO NOTHING
			RETURNING id`, c.AppID, name, HashKey(key), allow).Scan(&c.ID)
		if errors.Is(err, postgres.ErrNotFound) && attempt < 5 { // appid collision: draw again
			continue
		}
		if postgres.Constraint(err) == "resellers_name_key" {
			return Created{}, ErrDuplicateName
		}
		if err != nil {
			return Created{}, fmt.Errorf("auth.Create: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (reseller_id) VALUES ($1)`, c.ID); err != nil {
			return Created{}, fmt.Errorf("auth.Create: account: %w", err)
		}
		return c, nil
	}
}

const resellerColumns = `id, appid, name, enabled, api_enabled, allow_ips, key_rotated_at, created_at`

func scanReseller(row pgx.Row) (Reseller, error) {
	var r Reseller
	err := row.Scan(&r.ID, &r.AppID, &r.Name, &r.Enabled, &r.APIEnabled, &r.AllowIPs, &r.KeyRotated, &r.CreatedAt)
	return r, err
}

// Get returns the reseller with appid, or ErrNoReseller.
func Get(ctx context.Context, q postgres.Querier, appid string) (Reseller, error) {
	r, err := scanReseller(postgres.QueryRow(ctx, q, `SELECT `+resellerColumns+` FROM resellers WHERE appid = $1`, appid))
	if errors.Is(err, postgres.ErrNotFound) {
		return Reseller{}, ErrNoReseller
	}
	if err != nil {
		return Reseller{}, fmt.Errorf("auth.Get: %w", err)
	}
	return r, nil
}

// List returns every reseller, oldest first.
func List(ctx context.Context, q postgres.Querier) ([]Reseller, error) {
	rows, err := q.Query(ctx, `SELECT `+resellerColumns+` FROM resellers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("auth.List: %w", err)
	}
	defer rows.Close()
	var out []Reseller
	for rows.Next() {
		r, err := scanReseller(rows)
		if err != nil {
			return nil, fmt.Errorf("auth.List: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// update runs one UPDATE of the reseller with appid, returning
// ErrNoReseller when there is none.
func update(ctx context.Context, q postgres.Querier, op, appid, set string, args ...any) error {
	tag, err := q.Exec(ctx, `UPDATE resellers SET `+set+`, updated_at = now() WHERE appid = $1`,
		append([]any{appid}, args...)...)
	if err != nil {
		return fmt.Errorf("auth.%s: %w", op, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNoReseller
	}
	return nil
}

// SetEnabled enables or disables a reseller; a disabled one is refused with
// 权限不足 from its next request on.
func SetEnabled(ctx context.Context, q postgres.Querier, appid string, on bool) error {
	return update(ctx, q, "SetEnabled", appid, `enabled = $2`, on)
}

// SetAPIEnabled turns a reseller's API access on or off.
func SetAPIEnabled(ctx context.Context, q postgres.Querier, appid string, on bool) error {
	return update(ctx, q, "SetAPIEnabled", appid, `api_enabled = $2`, on)
}

// SetAllowList replaces a reseller's IP allow-list (empty: any address).
func SetAllowList(ctx context.Context, q postgres.Querier, appid string, allow []netip.Prefix) error {
	if allow == nil {
		allow = []netip.Prefix{}
	}
	return update(ctx, q, "SetAllowList", appid, `allow_ips = $2`, allow)
}

// RotateKey gives the reseller a new appkey and returns it; the old key
// stops working at once.
func RotateKey(ctx context.Context, q postgres.Querier, appid string) (string, error) {
	key := NewAppKey()
	if err := update(ctx, q, "RotateKey", appid, `key_hash = $2, key_rotated_at = now()`, HashKey(key)); err != nil {
		return "", err
	}
	return key, nil
}
