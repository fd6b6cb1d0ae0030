package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// liveShop is a daemon with its job workers on the example catalogue
// whose example server line runs the provider object given.
func liveShop(t *testing.T, provider string) *apitest.Env {
	t.Helper()
	return apitest.New(t, catalogDB(t, provider))
}

func waitForStatus(t *testing.T, env *apitest.Env, r apitest.Reseller, id int64, want float64) map[string]any {
	t.Helper()
	var order map[string]any
	require.Eventually(t, func() bool {
		order = nil
		env.Post(t, r.Form("getserver", "guid", fmt.Sprint(id))).Into(t, &order)
		return order["orderStatus"] == want
	}, 30*time.Second, 50*time.Millisecond, "order %d never reached %v: %v", id, want, order)
	return order
}

func TestAPurchaseIsProvisionedByItsJob(t *testing.T) {
	t.Parallel()
	env := liveShop(t, `{"driver":"sim","delay_ms":0}`)
	r := env.NewReseller(t, "1000")
	var c apitest.Created
	env.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "LIVE-1", "line_guid", lineGUID,
		"system_guid", systemGUID, "content", example)).Into(t, &c)
	order := waitForStatus(t, env, r, c.IDs[0], 1)
	require.NotEmpty(t, order["ip"])
	require.EqualValues(t, 1, order["runStatus"])
	require.EqualValues(t, 0, order["actStatus"])
}

func TestAPurchaseTheProviderRefusesIsRefundedAndDeleted(t *testing.T) {
	t.Parallel()
	env := liveShop(t, `{"driver":"sim","delay_ms":0,"fail":"create"}`)
	r := env.NewReseller(t, "1000")
	var c apitest.Created
	env.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "DOOMED", "line_guid", lineGUID,
		"system_guid", systemGUID, "content", example)).Into(t, &c)
	require.Equal(t, "730.00", c.Balance)
	waitForStatus(t, env, r, c.IDs[0], -2)
	var reason, balance string
	require.NoError(t, env.DB.QueryRow(context.Background(), `SELECT o.status_reason, a.balance::text
		FROM server_orders o JOIN accounts a ON a.reseller_id = o.reseller_id WHERE o.id = $1`, c.IDs[0]).
		Scan(&reason, &balance))
	require.Contains(t, reason, "provisioning failed")
	require.Equal(t, "1000.00", balance, "refunded in full")
}
