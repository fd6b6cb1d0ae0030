// Package testfactory inserts fixture rows straight into the database for
// the tests of every package: a reseller with its account, the catalogue
// rows an order needs and one order of each business. Every factory fills
// sensible defaults (the values of the API document's examples where it has
// some), lets the caller override fields through a func on the row, creates
// the rows a row refers to when the caller gave none, and returns the row
// with its id and guid. Failures stop the test (require.NoError).
//
// Only tests use it, but it is a normal package so that every package's
// tests can share it.
package testfactory

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// DefaultAppKey is the appkey of a reseller made without one.
const DefaultAppKey = "test-appkey-0123456789"

var (
	guidBase = time.Now().UnixMicro() // 16 digits, as catalogue guids are
	sequence atomic.Int64
)

// GUID returns a fresh 16-digit catalogue guid, unique within the process.
func GUID() string { return strconv.FormatInt(guidBase+sequence.Add(1), 10) }

// unique returns prefix followed by a number unique within the process.
func unique(prefix string) string { return prefix + strconv.FormatInt(sequence.Add(1), 10) }

// MustTime parses "YYYY-MM-DD HH:MM:SS" in the operator's time zone, as the
// API writes datetimes; it panics on a malformed literal.
func MustTime(s string) time.Time {
	t, err := apitype.ParseDateTime(s)
	if err != nil {
		panic("testfactory.MustTime(" + strconv.Quote(s) + "): " + err.Error())
	}
	return t
}

// ResellerOpts overrides a reseller's defaults. The zero value (or nil) is
// an enabled reseller with API access from anywhere, the key DefaultAppKey
// and a balance of 0.
type ResellerOpts struct {
	AppID       string // default: a fresh random appid
	AppKey      string // default: DefaultAppKey
	Name        string
	Disabled    bool
	APIDisabled bool
	AllowIPs    []string // CIDRs; empty: any address
	Balance     apitype.Money
	CreditLimit apitype.Money
}

// Reseller inserts a reseller (key_hash = sha256 of the appkey) and its
// account, and returns the reseller's id and appid.
func Reseller(t testing.TB, db postgres.Querier, opts *ResellerOpts) (id int64, appid string) {
	t.Helper()
	var o ResellerOpts
	if opts != nil {
		o = *opts
	}
	if o.AppID == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		o.AppID = "t" + hex.EncodeToString(b)
	}
	if o.AppKey == "" {
		o.AppKey = DefaultAppKey
	}
	if o.Name == "" {
		o.Name = "reseller " + o.AppID
	}
	if o.AllowIPs == nil {
		o.AllowIPs = []string{}
	}
	hash := sha256.Sum256([]byte(o.AppKey))
	ctx := t.Context()
	err := db.QueryRow(ctx, `
		INSERT INTO resellers (appid, name, key_hash, enabled, api_enabled, allow_ips)
		VALUES ($1, $2, $3, $4, $5, $6::text[]::cidr[])
		RETURNING id`,
		o.AppID, o.Name, hash[:], !o.Disabled, !o.APIDisabled, o.AllowIPs).Scan(&id)
	require.NoError(t, err, "insert reseller")
	_, err = db.Exec(ctx, `
		INSERT INTO accounts (reseller_id, balance, credit_limit) VALUES ($1, $2, $3)`,
		id, o.Balance, o.CreditLimit)
	require.NoError(t, err, "insert account")
	return id, o.AppID
}
