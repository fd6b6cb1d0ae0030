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

// Idempotency scopes: create_order on the reseller's order_id, renewals and
// upgrades on its client_order_id.
const (
	ScopeCreateOrder = "create_order"
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
// without running fn, a repeat with another hash gets ErrKeyReused (the key
// row's insert finds the first call's row and waits for it, so there is no
// separate look-up before the transaction). fn runs
// inside the transaction that records the key, so its charge and the key
// commit together; when fn fails nothing is recorded and the reseller may
// try again. Concurrent calls with one key wait for each other. An empty key
// runs fn in a transaction with no idempotency.
func Once(ctx context.Context, db *postgres.DB, resellerID int64, scope, key string, hash []byte,
	fn func(tx pgx.Tx, rec *Record) (any, error)) (json.RawMessage, error) {
	var answer json.RawMessage
	var replay bool
	err := postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		answer, replay = nil, false
		var rec *Record
		if key != "" {
			rec = &Record{Scope: scope, Key: key}
		}
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
		v, err := fn(tx, rec)
		if err != nil {
			return err
		}
		if answer, err = json.Marshal(v); err != nil {
			return fmt.Errorf("billing.Once: encode answer: %w", err)
		}
		if rec != nil && !rec.stored {
			_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET response = $4
				WHERE reseller_id = $1 AND scope = $2 AND key = $3`, resellerID, scope, key, answer)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if replay {
		return recorded(ctx, db, resellerID, scope, key, hash)
	}
	return answer, nil
}

// recorded returns the kept answer for a key, nil when there is none.
func recorded(ctx context.Context, q postgres.Querier, resellerID int64, scope, key string, hash []byte) (json.RawMessage, error) {
	var stored []byte
	var answer json.RawMessage
	err := q.QueryRow(ctx, `SELECT request_hash, response FROM idempotency_keys
		WHERE reseller_id = $1 AND scope = $2 AND key = $3`, resellerID, scope, key).Scan(&stored, &answer)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("billing.Once: %w", err)
	}
	if string(stored) != string(hash) {
		return nil, ErrKeyReused
	}
	return answer, nil
}

// Record is the idempotency key a Once call holds. Charge can store the
// answer (Answer, with the balance after filled in) in its own statement,
// which spares a round trip while the account row is locked; Once then
// does not store it again.
type Record struct {
	Scope, Key string
	Answer     json.RawMessage
	stored     bool
}

func (r *Record) scope() *string {
	if r == nil || r.Answer == nil {
		return nil
	}
	return &r.Scope
}

func (r *Record) key() *string {
	if r == nil {
		return nil
	}
	return &r.Key
}

func (r *Record) answer() []byte {
	if r == nil {
		return nil
	}
	return r.Answer
}
