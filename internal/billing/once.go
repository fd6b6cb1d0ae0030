package billing

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Idempotency scopes: purchases (create_order) on the reseller's order_id,
// renewals and upgrades on its client_order_id.
const (
	ScopePurchase    = "purchase"
	ScopeClientOrder = "client_order"
)

// ErrKeyReused: the reseller used an order_id / client_order_id again with
// other parameters (the API answers 订单号已存在).
var ErrKeyReused = errors.New("order reference already used with other parameters")

// RequestHash fingerprints a request's parameters (any JSON-encodable
// value with a stable encoding, such as a map: encoding/json sorts keys).
func RequestHash(request any) ([]byte, error) {
	b, err := json.Marshal(request)
	if err != nil {
		return nil, fmt.Errorf("billing.RequestHash: %w", err)
	}
	h := sha256.Sum256(b)
	return h[:], nil
}

// Once runs fn at most once for (reseller, scope, key) and returns its
// answer; a repeat with the same request hash gets the first answer again
// without running fn, a repeat with another hash gets ErrKeyReused. fn runs
// inside the transaction that first inserts the key row, so its charge and
// the key commit together, and a concurrent call with the key waits for
// that row and then answers the first answer; when fn fails nothing is
// recorded and the reseller may try again. Renewals and upgrades use it: they
// check their order inside the transaction. An empty key runs fn in a
// transaction with no idempotency.
func Once(ctx context.Context, db *postgres.DB, resellerID int64, scope, key string, hash []byte,
	fn func(tx pgx.Tx) (any, error)) (json.RawMessage, error) {
	var answer json.RawMessage
	var replay bool
	err := postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		answer, replay = nil, false
		if key != "" {
			tag, err := tx.Exec(ctx, `
				INSERT INTO idempotency_keys (reseller_id, scope, key, request_hash, response)
				VALUES ($1, $2, $3, $4, 'null') ON CONFLICT DO NOTHING`, resellerID, scope, key, hash)
			if err != nil {
				return fmt.Errorf("billing.Once: %w", err)
			}
			if tag.RowsAffected() == 0 { // another call with this key committed first
				replay = true
				return nil
			}
		}
		v, err := fn(tx)
		if err != nil {
			return err
		}
		if answer, err = json.Marshal(v); err != nil {
			return fmt.Errorf("billing.Once: encode answer: %w", err)
		}
		if key != "" {
			_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET response = $4
				WHERE reseller_id = $1 AND scope = $2 AND key = $3`, resellerID, scope, key, answer)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if replay {
		return Replay(ctx, db, resellerID, scope, key, hash)
	}
	return answer, nil
}

// ErrReplay is what Charge answers when the idempotency key it was to write
// is already there: a concurrent call with the same key committed first.
var ErrReplay = errors.New("a concurrent call with this key answered first")

// OnceLate is Once for purchases, whose key row is written last: fn's
// billing.Charge, its last statement, inserts it (with the answer) in the
// very statement that charges and sends the COMMIT with it, so the key
// costs no round trip of its own. The caller has looked
// the key up before checking the request (Replay), so a sequential repeat
// never gets here. A concurrent duplicate's key insert waits for the first
// call's commit, finds its row, and this call's transaction is rolled back
// (nothing charged) and answers the first answer. When fn fails, the key is
// looked up again: a duplicate that committed meanwhile (and spent the
// money or took the last machine) is answered instead of the failure. A
// repeat with another hash gets ErrKeyReused.
func OnceLate(ctx context.Context, db *postgres.DB, resellerID int64, scope, key string, hash []byte,
	fn func(tx pgx.Tx, rec *Record) (any, error)) (json.RawMessage, error) {
	var answer json.RawMessage
	err := postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		rec := &Record{Scope: scope, Key: key, hash: hash}
		v, err := fn(tx, rec)
		if err != nil {
			return err
		}
		if !rec.stored {
			return fmt.Errorf("billing.OnceLate: %s %q: the charge did not record the key", scope, key)
		}
		answer, err = json.Marshal(v)
		return err
	})
	if err == nil {
		return answer, nil
	}
	if first, rerr := Replay(ctx, db, resellerID, scope, key, hash); rerr != nil || first != nil {
		return first, rerr
	}
	return nil, err
}

// Replay returns the kept answer for a key, nil when there is none, and
// ErrKeyReused when the key was used with another request hash.
func Replay(ctx context.Context, q postgres.Querier, resellerID int64, scope, key string, hash []byte) (json.RawMessage, error) {
	var stored []byte
	var answer json.RawMessage
	err := postgres.QueryRow(ctx, q, `SELECT request_hash, response FROM idempotency_keys
		WHERE reseller_id = $1 AND scope = $2 AND key = $3`, resellerID, scope, key).Scan(&stored, &answer)
	if errors.Is(err, postgres.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("billing.Replay: %w", err)
	}
	if string(stored) != string(hash) {
		return nil, ErrKeyReused
	}
	return answer, nil
}

// Record is the idempotency key an OnceLate call holds: fn sets Answer
// (the purchase's answer without its balance) and passes the record to
// Charge, which inserts the key row with the answer, the balance after
// filled in, in the very statement that charges.
type Record struct {
	Scope, Key string
	Answer     json.RawMessage
	hash       []byte
	stored     bool
}

// keyed reports whether Charge is to insert r's key row (and commit).
func (r *Record) keyed() bool { return r != nil && r.Answer != nil }
