package lease_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/lease"
	_ "github.com/zonkvm/zonkvmd/internal/provider/sim" // the example lines' driver
)

// service is the lease service of the shop's daemon, to run its jobs by
// hand (the shop has no workers).
func (s *shop) service() *lease.Service {
	return &lease.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}
}

func (s *shop) do(t *testing.T, id int64, op string, final bool) error {
	t.Helper()
	return apitest.Do(s.service().Jobs(), "lease", id, op, final)
}

// useDriver puts the example line on another driver.
func (s *shop) useDriver(t *testing.T, object string) {
	t.Helper()
	s.Exec(t, `UPDATE lease_lines SET provider_config = $2, provider_driver = $3::jsonb->>'driver'
		WHERE guid = $1`, lineGUID, s.App.Box.Seal([]byte(object)), object)
}

func TestProvisioningOnTheSimulatorDeliversTheMachine(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"sim","delay_ms":0,"name":"lease-provision"}`)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "P-1", `{}`).Into(t, &c)
	s.SetNow(apitest.At("2026-01-01 00:05:00"))

	require.NoError(t, s.do(t, c.IDs[0], jobs.KindProvision, false))
	o := s.order(t, r, c.IDs[0])
	require.EqualValues(t, 1, o["order_status"])
	require.EqualValues(t, 1, o["run_status"])
	require.Equal(t, "2026-01-01 00:05:00", o["start_time"])
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindProvision, false), "a repeated job changes nothing")

	// Expired, locked, renewed, unlocked.
	s.Exec(t, `UPDATE lease_orders SET order_status = 3 WHERE id = $1`, c.IDs[0])
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindLock, false))
	require.EqualValues(t, -2, s.order(t, r, c.IDs[0])["run_status"])
	s.Exec(t, `UPDATE lease_orders SET order_status = 1 WHERE id = $1`, c.IDs[0])
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindUnlock, false))
	require.EqualValues(t, 1, s.order(t, r, c.IDs[0])["run_status"])

	// Recycled by the lifecycle: the destroy job powers it off and frees it.
	s.Exec(t, `UPDATE lease_orders SET order_status = -1 WHERE id = $1`, c.IDs[0])
	require.Equal(t, 2, s.free(t))
	require.NoError(t, s.do(t, c.IDs[0], jobs.KindDestroy, false))
	require.Equal(t, 3, s.free(t))
	s.Verify(t)
}

func TestAProvisioningTheProviderRejectsIsRefundedAndFreesTheMachine(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"sim","delay_ms":0,"name":"lease-reject"}`)
	s.Exec(t, `UPDATE systems SET mirror_name = '' WHERE guid = $1`, systemGUID) // the simulator wants an image
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "P-BAD", `{}`).Into(t, &c)
	require.Equal(t, "1450.00", s.Balance(t, r))

	require.Error(t, s.do(t, c.IDs[0], jobs.KindProvision, false))
	require.EqualValues(t, -2, s.order(t, r, c.IDs[0])["order_status"])
	require.Contains(t, s.text(t, `SELECT status_reason FROM lease_orders WHERE id = $1`, c.IDs[0]), "provisioning failed")
	require.Equal(t, "2000.00", s.Balance(t, r), "refunded in full")
	require.Equal(t, 3, s.free(t))
	s.Verify(t)
}

func TestAProvisioningFailingOnItsLastAttemptEndsThePurchase(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"nosuchdriver"}`) // cannot be opened: retried, then given up
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "P-LAST", `{}`).Into(t, &c)
	require.Error(t, s.do(t, c.IDs[0], jobs.KindProvision, false))
	require.EqualValues(t, 0, s.order(t, r, c.IDs[0])["order_status"], "retried")
	require.Error(t, s.do(t, c.IDs[0], jobs.KindProvision, true))
	require.EqualValues(t, -2, s.order(t, r, c.IDs[0])["order_status"])
	require.Equal(t, "2000.00", s.Balance(t, r))
	require.Equal(t, 3, s.free(t))
	s.Verify(t)
}

func TestProvisioningOnTheManualDriverAsksStaffToInstall(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"manual"}`)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "P-MAN", `{}`).Into(t, &c)
	for range 2 { // a retried job records its task once
		require.NoError(t, s.do(t, c.IDs[0], jobs.KindProvision, false))
	}
	require.EqualValues(t, 0, s.order(t, r, c.IDs[0])["order_status"], "开通中 until staff deliver it")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'lease'
		AND order_id = $1 AND kind = 'provision' AND payload->>'image' = 'CentOS7.9_40'
		AND payload->>'machine_id' = '1744175217000001'`, c.IDs[0]))
	password, ok := s.order(t, r, c.IDs[0])["login_password"].(string)
	require.True(t, ok && len(password) >= 8)
	require.Zero(t, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE strpos(payload::text, $1) > 0`, password),
		"no password in a task")
	require.Zero(t, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE payload::text LIKE '%ChangeMe-BMC%'`),
		"no BMC password in a task")

	// A resize is staff's work too, recorded once however often the job runs.
	for range 2 {
		require.NoError(t, s.do(t, c.IDs[0], jobs.KindResize, false))
	}
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM operator_tasks WHERE business = 'lease'
		AND order_id = $1 AND kind = 'resize'`, c.IDs[0]))
}
