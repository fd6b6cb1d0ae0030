package app_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/config"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

// waitLive waits until a daemon's authentication cache listens.
func waitLive(t *testing.T, envs ...*apitest.Env) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, e := range envs {
			if !e.App.Auth.Live() {
				return false
			}
		}
		return true
	}, 10*time.Second, 5*time.Millisecond, "the auth cache never listened")
}

// refusedOnBoth checks that the next request with r's form, to either
// daemon, is refused. A notification travels from the commit to each
// daemon asynchronously (well under a millisecond on one host), so each
// daemon is given up to a second.
func refusedOnBoth(t *testing.T, r apitest.Reseller, envs ...*apitest.Env) {
	t.Helper()
	for _, e := range envs {
		require.Eventually(t, func() bool {
			return e.Post(t, r.Form("getzones")).Msg == "权限不足"
		}, time.Second, time.Millisecond, "still answered")
	}
}

// acceptedOnBoth checks that requests with r's form are answered by both
// daemons (after at most a second, for the same reason) and that both have
// r's credentials in their caches afterwards.
func acceptedOnBoth(t *testing.T, r apitest.Reseller, envs ...*apitest.Env) {
	t.Helper()
	for _, e := range envs {
		require.Eventually(t, func() bool {
			return e.Post(t, r.Form("getzones")).Code == 1 && e.App.Auth.Cached(r.AppID)
		}, time.Second, time.Millisecond, "not answered from the cache")
	}
}

// Two daemons on one database cache resellers; what the operator changes
// with the CLI's functions (auth.RotateKey, SetEnabled, ...) reaches both at
// once through the database's notifications, without any code of the CLI
// knowing of caches.
func TestTwoDaemonsForgetAResellerTheOperatorChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	// Refusals count as failed logins from 127.0.0.1: never block it here.
	unblocked := func(c *config.Config) { c.LoginFailures = 1 << 30 }
	one, two := apitest.New(t, db, unblocked), apitest.New(t, db, unblocked)
	waitLive(t, one, two)
	r := one.NewReseller(t, "")
	acceptedOnBoth(t, r, one, two)

	// The cache is used: a change that notifies nobody goes unseen.
	_, err := db.Exec(ctx, `ALTER TABLE resellers DISABLE TRIGGER resellers_notify`)
	require.NoError(t, err)
	require.NoError(t, auth.SetEnabled(ctx, db, r.AppID, false))
	acceptedOnBoth(t, r, one, two)
	require.NoError(t, auth.SetEnabled(ctx, db, r.AppID, true))
	_, err = db.Exec(ctx, `ALTER TABLE resellers ENABLE TRIGGER resellers_notify`)
	require.NoError(t, err)

	key, err := auth.RotateKey(ctx, db, r.AppID)
	require.NoError(t, err)
	refusedOnBoth(t, r, one, two)
	old := r
	r.AppKey = key
	acceptedOnBoth(t, r, one, two)
	refusedOnBoth(t, old, one, two)

	require.NoError(t, auth.SetEnabled(ctx, db, r.AppID, false))
	refusedOnBoth(t, r, one, two)
	require.NoError(t, auth.SetEnabled(ctx, db, r.AppID, true))
	acceptedOnBoth(t, r, one, two)

	require.NoError(t, auth.SetAPIEnabled(ctx, db, r.AppID, false))
	refusedOnBoth(t, r, one, two)
	require.NoError(t, auth.SetAPIEnabled(ctx, db, r.AppID, true))
	acceptedOnBoth(t, r, one, two)

	require.NoError(t, auth.SetAllowList(ctx, db, r.AppID, []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}))
	refusedOnBoth(t, r, one, two)
	require.NoError(t, auth.SetAllowList(ctx, db, r.AppID, nil))
	acceptedOnBoth(t, r, one, two)
}

// When the notification connection is lost, the cache is emptied and
// unused (every request reads the database) until it is back.
func TestTheCacheIsOffWhileItsConnectionIsLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	e := apitest.New(t, db)
	waitLive(t, e)
	r := e.NewReseller(t, "")
	e.Post(t, r.Form("getzones")).OK(t)

	_, err := db.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'zonkvmd-auth-listen' AND datname = current_database()`)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !e.App.Auth.Live() }, 5*time.Second, time.Millisecond)
	// Even a change nobody is told of is seen while the cache is off.
	_, err = db.Exec(ctx, `ALTER TABLE resellers DISABLE TRIGGER resellers_notify`)
	require.NoError(t, err)
	_, err = auth.RotateKey(ctx, db, r.AppID)
	require.NoError(t, err)
	e.Post(t, r.Form("getzones")).Fails(t, "权限不足")
	_, err = db.Exec(ctx, `ALTER TABLE resellers ENABLE TRIGGER resellers_notify`)
	require.NoError(t, err)
	waitLive(t, e)
}
