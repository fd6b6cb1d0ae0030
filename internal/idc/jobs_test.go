package idc_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	_ "github.com/zonkvm/zonkvmd/internal/provider/sim" // the example line's driver
)

// useDriver puts the example line on another driver.
func (s *shop) useDriver(t *testing.T, object string) {
	t.Helper()
	s.Exec(t, `UPDATE idc_lines SET provider_config = $2, provider_driver = $3::jsonb->>'driver'
		WHERE guid = $1`, lineGUID, s.App.Box.Seal([]byte(object)), object)
}

func TestColocationOnTheSimulatorIsDeliveredAtOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"sim","delay_ms":0,"name":"idc-provision"}`)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "P-1", `{"ipnum":4}`).Into(t, &c)
	s.SetNow(apitest.At("2026-01-01 00:05:00"))
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindProvision, false))
	o := s.order(t, r, c.IDs[0])
	require.EqualValues(t, 1, o["order_status"])
	require.EqualValues(t, 1, o["run_status"])
	require.Equal(t, "2026-01-01 00:05:00", o["start_time"])
	require.Regexp(t, `^\[\{"ip":"203\.0\.113\.\d+","subnet":"255\.255\.255\.0","gateway":"203\.0\.113\.1"\}(,\{[^}]+\}){3}\]$`, o["ip"])
	require.Zero(t, s.Count(t, `SELECT count(*) FROM operator_tasks`), "no staff on the simulator")

	// Expired and locked through the simulated BMC, then unlocked.
	s.Exec(t, `UPDATE idc_orders SET order_status = 3 WHERE id = $1`, c.IDs[0])
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindLock, false))
	require.EqualValues(t, -2, s.order(t, r, c.IDs[0])["run_status"])
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindUnlock, false), "not reinstated yet: nothing to do")
	require.EqualValues(t, -2, s.order(t, r, c.IDs[0])["run_status"])
	s.Exec(t, `UPDATE idc_orders SET order_status = 1 WHERE id = $1`, c.IDs[0])
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindUnlock, false))
	require.EqualValues(t, 1, s.order(t, r, c.IDs[0])["run_status"])
	s.Verify(t)
}

func TestColocationOnAnotherDriverWaitsForStaffToRackIt(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"manual"}`)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "P-MAN", `{"bandwidth":60}`).Into(t, &c)
	for range 2 { // a retried job records one task
		require.NoError(t, s.do(t, c.IDs[0], jobs.KindProvision, false))
	}
	require.EqualValues(t, 0, s.order(t, r, c.IDs[0])["order_status"], "开通中 until staff close the task")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'idc' AND order_id = $1
		AND kind = 'provision' AND status = 'open' AND payload->>'product_guid' = $2
		AND (payload->>'bandwidth')::int = 60 AND payload->>'power' = '0.5A/220V'`, c.IDs[0], productGUID))

	// Refunded: staff hand the machine back.
	var refund map[string]any
	s.Post(t, r.Form("idc_refund", "guid", fmt.Sprint(c.IDs[0]))).Into(t, &refund)
	require.Equal(t, "900.00", refund["amount"], "refunded in full: (800.00 + 10.00 * 10) * 1, at the instant bought")
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindDestroy, false))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'idc' AND order_id = $1
		AND kind = 'destroy'`, c.IDs[0]))
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindProvision, false), "a late provisioning job of a refunded order does nothing")
	s.Verify(t)
}

func TestAColocationProvisioningFailingForGoodIsRefunded(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "P-BAD", `{}`).Into(t, &c)
	s.Exec(t, `UPDATE idc_orders SET bmc_password_enc = '\xdeadbeef' WHERE id = $1`, c.IDs[0]) // sealed with no key
	require.Error(t, s.do(t, c.IDs[0], jobs.KindProvision, false))
	require.EqualValues(t, -2, s.order(t, r, c.IDs[0])["order_status"])
	require.Equal(t, "2000.00", s.Balance(t, r))
	s.Verify(t)
}
