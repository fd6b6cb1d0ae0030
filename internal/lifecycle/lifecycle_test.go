package lifecycle_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/lifecycle"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

const example = `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"ip_num":1,"renew_auto":%d}`

type fixture struct {
	env *apitest.Shop
	sw  *lifecycle.Sweeper
}

func setup(t *testing.T) fixture {
	t.Helper()
	env := apitest.NewShop(t, apitest.StartingAt(apitest.At("2026-01-31 10:00:00")))
	return fixture{env: env, sw: &lifecycle.Sweeper{DB: env.DB, Jobs: env.App.Jobs, Log: zap.NewNop()}}
}

// buy makes one active server order for r bought 2026-01-31 10:00 (it
// ends 2026-02-28 10:00) and returns its id.
func (f fixture) buy(t *testing.T, r apitest.Reseller, renewAuto int) int64 {
	t.Helper()
	var c struct{ IDs []int64 }
	f.env.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", fmt.Sprint(time.Now().UnixNano()),
		"line_guid", "1696808021765605", "system_guid", "1659170726623836",
		"content", fmt.Sprintf(example, renewAuto))).Into(t, &c)
	f.env.Activate(t, "server", c.IDs[0])
	return c.IDs[0]
}

type state struct {
	Status, Run int
	End         time.Time
}

func (f fixture) state(t *testing.T, id int64) state {
	t.Helper()
	var s state
	require.NoError(t, f.env.DB.QueryRow(context.Background(),
		`SELECT order_status, run_status, end_time FROM server_orders WHERE id = $1`, id).Scan(&s.Status, &s.Run, &s.End))
	return s
}

func TestAutoRenewalRenewsWhileTheMoneyLastsThenExpires(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.env.NewReseller(t, "810") // the purchase and two renewals of 270.00
	id := f.buy(t, r, 1)
	ctx := context.Background()

	actions, err := f.sw.Sweep(ctx, apitest.At("2026-02-28 09:59:59"), false)
	require.NoError(t, err)
	require.Empty(t, actions, "nothing is due a second early")

	actions, err = f.sw.Sweep(ctx, apitest.At("2026-02-28 10:00:00"), false)
	require.NoError(t, err)
	require.Len(t, actions, 1)
	require.Equal(t, "auto_renew", actions[0].Action)
	require.Equal(t, "2026-03-31 10:00:00", actions[0].EndTime, "back on the anchor day")
	again, err := f.sw.Sweep(ctx, apitest.At("2026-02-28 10:00:00"), false)
	require.NoError(t, err)
	require.Empty(t, again, "sweeping one instant twice changes nothing more")

	// Far ahead: one more month is paid, then the money runs out.
	actions, err = f.sw.Sweep(ctx, apitest.At("2026-05-01 00:00:00"), false)
	require.NoError(t, err)
	require.Equal(t, []string{"auto_renew", "expire"}, []string{actions[0].Action, actions[1].Action})
	s := f.state(t, id)
	require.Equal(t, 3, s.Status)
	require.Equal(t, -2, s.Run)
	require.True(t, s.End.Equal(apitest.At("2026-04-30 10:00:00")))
	require.Equal(t, 1, f.env.Jobs(t, "server", id, "lock"))
	f.env.Verify(t)
}

func TestExpiredOrdersAreRecycledAfterRetention(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.env.NewReseller(t, "270")
	id := f.buy(t, r, 0)
	ctx := context.Background()
	_, err := f.sw.Sweep(ctx, apitest.At("2026-02-28 10:00:00"), false)
	require.NoError(t, err)
	require.Equal(t, 3, f.state(t, id).Status)

	// The example line keeps an expired order 7 days.
	actions, err := f.sw.Sweep(ctx, apitest.At("2026-03-07 09:59:59"), false)
	require.NoError(t, err)
	require.Empty(t, actions)
	actions, err = f.sw.Sweep(ctx, apitest.At("2026-03-07 10:00:00"), false)
	require.NoError(t, err)
	require.Len(t, actions, 1)
	require.Equal(t, "recycle", actions[0].Action)
	require.Equal(t, -1, f.state(t, id).Status)
	require.Equal(t, 1, f.env.Jobs(t, "server", id, "destroy"))
	actions, err = f.sw.Sweep(ctx, apitest.At("2026-03-07 10:00:00"), false)
	require.NoError(t, err)
	require.Empty(t, actions)
	f.env.Verify(t)
}

func TestARenewalReinstatesAnExpiredOrder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.env.NewReseller(t, "540")
	id := f.buy(t, r, 0)
	_, err := f.sw.Sweep(context.Background(), apitest.At("2026-03-01 00:00:00"), false)
	require.NoError(t, err)
	require.Equal(t, 3, f.state(t, id).Status)
	var ans map[string]any
	f.env.Post(t, r.Form("server_renew", "guid", fmt.Sprint(id))).Into(t, &ans)
	require.Equal(t, "2026-03-31 10:00:00", ans["end_time"], "renewed from the old end, not from now")
	require.Equal(t, 1, f.state(t, id).Status)
	require.Equal(t, 1, f.env.Jobs(t, "server", id, "unlock"))
}

func TestADryRunReportsAndChangesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.env.NewReseller(t, "540")
	id := f.buy(t, r, 1)
	before := f.state(t, id)
	actions, err := f.sw.Sweep(context.Background(), apitest.At("2026-02-28 10:00:00"), true)
	require.NoError(t, err)
	require.Len(t, actions, 1)
	require.Equal(t, "auto_renew", actions[0].Action)
	require.Equal(t, before, f.state(t, id))
	a, err := billing.GetAccount(context.Background(), f.env.DB, r.ID)
	require.NoError(t, err)
	require.Equal(t, "270.00", a.Balance.String())
}

// TestASweepNumbersOrdersNoListHasNumbered: purchases leave their list
// positions to the next list (migration 12); a sweep gives them too, so a
// reseller who never lists leaves its first list little to do.
func TestASweepNumbersOrdersNoListHasNumbered(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r, other := f.env.NewReseller(t, "900"), f.env.NewReseller(t, "900")
	ids := []int64{f.buy(t, r, 0), f.buy(t, other, 0), f.buy(t, r, 0)}
	positions := func() []int64 {
		rows, err := f.env.DB.Query(context.Background(), `SELECT position FROM server_orders WHERE id = ANY($1) ORDER BY id`, ids)
		require.NoError(t, err)
		p, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		require.NoError(t, err)
		return p
	}
	require.Equal(t, []int64{-ids[0], -ids[1], -ids[2]}, positions())
	_, err := f.sw.Sweep(context.Background(), apitest.At("2026-02-01 10:00:00"), true)
	require.NoError(t, err)
	require.Equal(t, []int64{-ids[0], -ids[1], -ids[2]}, positions(), "a dry run numbers nothing")
	_, err = f.sw.Sweep(context.Background(), apitest.At("2026-02-01 10:00:00"), false)
	require.NoError(t, err)
	require.Equal(t, []int64{1, 1, 2}, positions())
}

// TestASweepNumbersPastTheAPIsStatementTimeout: the sweep's numbering is
// not cut short by the pool's statement timeout (a backlog, or here a list
// holding the reseller's position lock, may take longer), so a backlog
// that lists time out on still gets numbered.
func TestASweepNumbersPastTheAPIsStatementTimeout(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	r := f.env.NewReseller(t, "900")
	id := f.buy(t, r, 0)
	short, err := postgres.OpenWith(ctx, f.env.DB.Config().ConnString(), postgres.Options{StatementTimeout: 200 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(short.Close)
	_, err = short.Exec(ctx, `SELECT pg_sleep(0.4)`)
	require.Error(t, err, "the pool's statements time out")

	// Another session holds the reseller's position lock for longer than
	// the timeout, as a long list would.
	holder, err := f.env.DB.Begin(ctx)
	require.NoError(t, err)
	_, err = holder.Exec(ctx, `INSERT INTO order_position_locks (reseller_id, business) VALUES ($1, 'server')
		ON CONFLICT DO NOTHING`, r.ID)
	require.NoError(t, err)
	_, err = holder.Exec(ctx, `SELECT FROM order_position_locks WHERE reseller_id = $1 AND business = 'server' FOR UPDATE`, r.ID)
	require.NoError(t, err)
	swept := make(chan error, 1)
	go func() {
		sw := &lifecycle.Sweeper{DB: short, Jobs: f.env.App.Jobs, Log: zap.NewNop()}
		_, err := sw.Sweep(ctx, apitest.At("2026-02-01 10:00:00"), false)
		swept <- err
	}()
	time.Sleep(600 * time.Millisecond)
	require.NoError(t, holder.Commit(ctx))
	require.NoError(t, <-swept)
	var position int64
	require.NoError(t, f.env.DB.QueryRow(ctx, `SELECT position FROM server_orders WHERE id = $1`, id).Scan(&position))
	require.Equal(t, int64(1), position)
}

func TestConcurrentSweepsRenewOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r := f.env.NewReseller(t, "10000")
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, f.buy(t, r, 1))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	renewals := 0
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			actions, err := f.sw.Sweep(context.Background(), apitest.At("2026-02-28 10:00:00"), false)
			if err != nil {
				require.ErrorIs(t, err, lifecycle.ErrBusy)
			}
			mu.Lock()
			renewals += len(actions)
			mu.Unlock()
		}()
	}
	wg.Wait()
	// Sweeps that lost the lock skipped their turn; a later one for the
	// same instant finds nothing left to do.
	actions, err := f.sw.Sweep(context.Background(), apitest.At("2026-02-28 10:00:00"), false)
	require.NoError(t, err)
	renewals += len(actions)
	require.Equal(t, 5, renewals)
	a, err := billing.GetAccount(context.Background(), f.env.DB, r.ID)
	require.NoError(t, err)
	require.Equal(t, "7300.00", a.Balance.String(), "5 purchases and 5 renewals of 270.00")
	f.env.Verify(t)
	_ = json.Marshal
}
