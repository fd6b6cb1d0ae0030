package leasetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Call posts action for order id as r, with more key/value pairs.
func Call(t testing.TB, env *apitest.Env, r apitest.Reseller, action string, id int64, kv ...string) apitest.Response {
	t.Helper()
	return env.Post(t, r.Form(action, append([]string{"guid", fmt.Sprint(id)}, kv...)...))
}

// Attempt runs attempt n of the newest job op of order id of business
// through h, with the job's parameters, as the job runner would (the last
// attempt is jobs.MaxAttempts). It returns the handler's answer, or an
// error when there is no such job.
func Attempt(db *postgres.DB, h jobs.Handler, business string, id int64, op string, n int) error {
	ctx := context.Background()
	var params map[string]string
	if err := db.QueryRow(ctx, `SELECT args->'params' FROM river_job
		WHERE args->>'business' = $1 AND (args->>'order_id')::bigint = $2 AND args->>'op' = $3
		ORDER BY id DESC LIMIT 1`, business, id, op).Scan(&params); err != nil {
		return fmt.Errorf("the %s job of %s order %d: %w", op, business, id, err)
	}
	a := jobs.Args{Business: business, OrderID: id, Op: op, Params: params}
	return h.Do(ctx, a, n, n == jobs.MaxAttempts)
}
