package jobs_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// A job queued by the daemon before typed jobs (kind order_op, the
// operation and its parameters as strings) is rewritten by migration 4 and
// then run by the worker of its kind, with its parameters typed.
func TestJobsQueuedUnderTheOldKindRunAfterTheUpgrade(t *testing.T) {
	ctx := context.Background()
	db := pgtest.NewDB(t)
	require.NoError(t, postgres.MigrateTo(ctx, db, 3))
	_, err := db.Exec(ctx, `INSERT INTO river_job (kind, args, max_attempts, priority, queue, state) VALUES
		('order_op', '{"business":"lease","order_id":42,"op":"install","params":{"system_id":"7","port":"2222",
		  "partition":"first","partition_size":"80","reason":"客户要求","password":"c2VhbGVk"}}', 8, 1, 'default', 'available'),
		('order_op', '{"business":"server","order_id":43,"op":"stop"}', 8, 1, 'default', 'available')`)
	require.NoError(t, err)
	require.NoError(t, postgres.MigrateUp(ctx, db))

	installs := make(chan jobs.Install, 1)
	stops := make(chan jobs.Stop, 1)
	client, err := jobs.New(db, zap.NewNop(), jobs.Config{Work: true, Poll: 50 * time.Millisecond,
		Handlers: jobs.Handlers{
			Install: map[string]jobs.Func[jobs.Install]{"lease": func(_ context.Context, a jobs.Install, _ bool) error {
				installs <- a
				return nil
			}},
			Stop: map[string]jobs.Func[jobs.Stop]{"server": func(_ context.Context, a jobs.Stop, _ bool) error {
				stops <- a
				return nil
			}},
		}})
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() { require.NoError(t, client.Stop(context.Background())) })

	select {
	case a := <-installs:
		require.Equal(t, jobs.Install{Order: jobs.Order{Business: "lease", OrderID: 42}, SystemID: 7, Port: 2222,
			Partition: "first", PartitionSize: 80, Reason: "客户要求", Password: []byte("sealed")}, a)
	case <-time.After(30 * time.Second):
		t.Fatal("the old install job never ran")
	}
	select {
	case a := <-stops:
		require.Equal(t, jobs.Stop{Order: jobs.Order{Business: "server", OrderID: 43}}, a)
	case <-time.After(30 * time.Second):
		t.Fatal("the old stop job never ran")
	}
}

// A job of a business that has no handler for its kind fails for good
// instead of being retried.
func TestAKindWithoutAHandlerFailsForGood(t *testing.T) {
	err := jobs.Work(context.Background(), jobs.Handlers{}, jobs.KindLock, []byte(`{"business":"sql","order_id":1}`), false)
	require.ErrorContains(t, err, `no lock handler for business "sql"`)
	require.ErrorContains(t, jobs.Work(context.Background(), jobs.Handlers{}, "order_op", []byte(`{}`), false), "unknown kind")
}
