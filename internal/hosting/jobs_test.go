package hosting_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/hosting"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	_ "github.com/zonkvm/zonkvmd/internal/provider/sim"
)

// simService points the example line at a simulated panel of this test's
// own (no delay) and returns the service whose jobs run on it.
func simService(t *testing.T, s *apitest.Shop) *hosting.Service {
	t.Helper()
	object := `{"driver":"sim","delay_ms":0,"name":"` + t.Name() + `"}`
	s.Exec(t, `UPDATE hosting_lines SET provider_driver = 'sim', provider_config = $2 WHERE guid = $1`,
		lineGUID, s.App.Box.Seal([]byte(object)))
	return &hosting.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}
}

func do(t *testing.T, svc *hosting.Service, id int64, op string) error {
	t.Helper()
	return apitest.Do(svc.Jobs(), "hosting", id, op, false)
}

type panelState struct {
	Status, Run   int
	SiteID, FTPID int64
}

func state(t *testing.T, s *apitest.Shop, id int64) panelState {
	t.Helper()
	var p panelState
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT order_status, run_status, site_id, ftp_id
		FROM hosting_orders WHERE id = $1`, id).Scan(&p.Status, &p.Run, &p.SiteID, &p.FTPID))
	return p
}

func TestJobsProvisionStopStartAndDestroyTheSiteOnThePanel(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	svc := simService(t, s)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "J-1", `{"program_version":"php81","db":"mysql","code":"utf8mb4"}`)

	require.NoError(t, do(t, svc, id, jobs.KindProvision))
	p := state(t, s, id)
	require.Equal(t, 1, p.Status)
	require.Equal(t, 1, p.Run)
	require.Positive(t, p.SiteID)
	require.Positive(t, p.FTPID)
	require.NoError(t, do(t, svc, id, jobs.KindProvision), "a repeated job finds the order provisioned")
	require.Equal(t, p, state(t, s, id))

	require.NoError(t, do(t, svc, id, jobs.KindLock), "renewed before the lock job ran")
	require.Equal(t, 1, state(t, s, id).Run, "a lock job leaves an order that is not expired alone")
	s.Exec(t, `UPDATE hosting_orders SET order_status = 3 WHERE id = $1`, id) // expired, as the sweep does
	require.NoError(t, do(t, svc, id, jobs.KindLock))
	require.Equal(t, -1, state(t, s, id).Run)
	s.Exec(t, `UPDATE hosting_orders SET order_status = 1 WHERE id = $1`, id) // reinstated by a renewal
	require.NoError(t, do(t, svc, id, jobs.KindUnlock))
	require.Equal(t, 1, state(t, s, id).Run)
	require.NoError(t, do(t, svc, id, jobs.KindResize))

	operate(s, t, r, "hosting_refund", guid).OK(t)
	require.NoError(t, do(t, svc, id, jobs.KindDestroy))
	require.NoError(t, do(t, svc, id, jobs.KindDestroy), "a site already gone is done")
	s.Verify(t)
}

func TestAProvisioningThePanelRejectsEndsThePurchaseRefunded(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	svc := simService(t, s)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "J-2", `{"program_version":"php99","flow":50}`) // the panel has no PHP 9.9
	require.Equal(t, "910.00", s.Balance(t, r))

	require.Error(t, do(t, svc, id, jobs.KindProvision))
	require.EqualValues(t, -2, order(t, s, r, guid)["order_status"])
	require.Equal(t, "1000.00", s.Balance(t, r))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM hosting_orders
		WHERE id = $1 AND status_reason LIKE 'provisioning failed: %PHP 99%'`, id))
	s.Verify(t)
}
