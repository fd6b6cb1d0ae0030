package orderflow_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// A lock job that finds its order renewed since (正常 again) leaves the
// machine running and says so in the job's output.
func TestALockJobOfARenewedOrderSaysItLeftItAlone(t *testing.T) {
	s := apitest.NewShop(t, apitest.WithWorkers())
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "LOCK-NOTE",
		"line_guid", "1696808021765605", "system_guid", "1659170726623836",
		"content", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"ip_num":1}`)).Into(t, &c)
	id := c.IDs[0]
	status := func() string {
		var st string
		require.NoError(t, s.DB.QueryRow(context.Background(),
			`SELECT order_status || '/' || run_status FROM server_orders WHERE id = $1`, id).Scan(&st))
		return st
	}
	require.Eventually(t, func() bool { return status() == "1/1" }, 30*time.Second, 50*time.Millisecond, "provisioned")

	ctx := context.Background()
	require.NoError(t, postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
		return s.App.Jobs.Insert(ctx, tx, jobs.Lock{Order: jobs.Order{Business: "server", OrderID: id}})
	}))
	var note string
	require.Eventually(t, func() bool {
		err := s.DB.QueryRow(ctx, `SELECT coalesce(metadata->'output'->>'note', '') FROM river_job
			WHERE kind = 'lock' AND (args->>'order_id')::bigint = $1 AND state = 'completed'`, id).Scan(&note)
		return err == nil
	}, 30*time.Second, 50*time.Millisecond, "the lock job completes")
	require.Contains(t, note, "left alone", fmt.Sprintf("the job's output: %q", note))
	require.Equal(t, "1/1", status(), "still 正常 and running")
}
