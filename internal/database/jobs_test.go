package database_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/database"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	_ "github.com/zonkvm/zonkvmd/internal/provider/sim"
)

// panelService points the example line at the provider object and returns
// the service whose jobs run on it.
func panelService(t *testing.T, s *apitest.Shop, object string) *database.Service {
	t.Helper()
	s.Exec(t, `UPDATE hosting_lines SET provider_config = $2 WHERE guid = $1`, lineGUID, s.App.Box.Seal([]byte(object)))
	return &database.Service{DB: s.DB, Box: s.App.Box, Engine: s.App.Engine}
}

func do(t *testing.T, svc *database.Service, id int64, op string, final bool) error {
	t.Helper()
	return apitest.Do(svc.Jobs(), "sql", id, op, final)
}

type dbState struct {
	Status, Run int
	PanelID     int64
}

func state(t *testing.T, s *apitest.Shop, id int64) dbState {
	t.Helper()
	var d dbState
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT order_status, run_status, panel_db_id
		FROM sql_orders WHERE id = $1`, id).Scan(&d.Status, &d.Run, &d.PanelID))
	return d
}

func TestJobsProvisionAndDestroyTheDatabaseOnThePanel(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	svc := panelService(t, s, `{"driver":"sim","delay_ms":0,"name":"`+t.Name()+`"}`)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "J-1", `{"code":"gbk"}`)

	require.NoError(t, do(t, svc, id, jobs.KindProvision, false))
	d := state(t, s, id)
	require.Equal(t, 1, d.Status)
	require.Equal(t, 1, d.Run)
	require.Positive(t, d.PanelID)
	require.NoError(t, do(t, svc, id, jobs.KindProvision, false), "a repeated job finds the order provisioned")
	require.Equal(t, d, state(t, s, id))

	require.NoError(t, do(t, svc, id, jobs.KindLock, false), "renewed before the lock job ran")
	require.Equal(t, 1, state(t, s, id).Run, "a lock job leaves an order that is not expired alone")
	s.Exec(t, `UPDATE sql_orders SET order_status = 3 WHERE id = $1`, id) // expired, as the sweep does
	require.NoError(t, do(t, svc, id, jobs.KindLock, false))
	require.Equal(t, -1, state(t, s, id).Run)
	s.Exec(t, `UPDATE sql_orders SET order_status = 1 WHERE id = $1`, id) // reinstated by a renewal
	require.NoError(t, do(t, svc, id, jobs.KindUnlock, false))
	require.Equal(t, 1, state(t, s, id).Run)

	operate(s, t, r, "sql_refund", guid).OK(t)
	require.NoError(t, do(t, svc, id, jobs.KindDestroy, false))
	require.NoError(t, do(t, svc, id, jobs.KindDestroy, false), "a database already gone is done")
	s.Verify(t)
}

func TestAProvisioningThatFailsToTheLastAttemptIsRefunded(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	svc := panelService(t, s, `{"driver":"no-such-driver"}`)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "J-2", `{"months":12}`)
	require.Equal(t, "714.40", s.Balance(t, r))

	require.Error(t, do(t, svc, id, jobs.KindProvision, false))
	require.EqualValues(t, 0, order(t, s, r, guid)["order_status"], "retried while attempts are left")
	require.Error(t, do(t, svc, id, jobs.KindProvision, true))
	require.EqualValues(t, -2, order(t, s, r, guid)["order_status"])
	require.Equal(t, "1000.00", s.Balance(t, r))
	s.Verify(t)
}
