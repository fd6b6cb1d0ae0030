package hosting_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/hosting"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/lifecycle"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

// expiredSite buys a month of a site on a fake BT panel at the shop's
// clock, creates it there, then sweeps for the instant at, past its end,
// which expires it, and runs its lock job, which stops it at the panel.
func expiredSite(t *testing.T, s *apitest.Shop, r apitest.Reseller, at string) (*btpanelfake.Panel, *hosting.Service, int64, string) {
	t.Helper()
	p, svc := btPanel(t, s)
	id, guid := buyOne(t, s, r, "RS-1", `{}`)
	require.NoError(t, apitest.Attempt(s.DB, svc.Jobs(), "hosting", id, jobs.KindProvision, 1))
	require.Equal(t, "1", siteStatus(t, p))
	sweeper := &lifecycle.Sweeper{DB: s.DB, Jobs: s.App.Jobs, Log: zap.NewNop()}
	actions, err := sweeper.Sweep(context.Background(), apitest.At(at), false)
	require.NoError(t, err)
	require.Len(t, actions, 1)
	require.Equal(t, "expire", actions[0].Action)
	require.NoError(t, apitest.Attempt(s.DB, svc.Jobs(), "hosting", id, jobs.KindLock, 1))
	require.Equal(t, "0", siteStatus(t, p), "stopped at the panel")
	return p, svc, id, guid
}

// siteStatus is the status of the panel's only site: "1" running, "0"
// stopped.
func siteStatus(t *testing.T, p *btpanelfake.Panel) string {
	t.Helper()
	sites := p.Sites()
	require.Len(t, sites, 1)
	return sites[0].Status
}

// The site is bought 2026-01-10 and ends 2026-02-10; the daemon's clock
// still says 2026-01-10, but the operator swept for 2026-02-15 (zonkvmd
// sweep --at): the site is 已过期 and not paid for. Resuming it is refused and changes nothing; the
// decision is the order's state, not the clock.
func TestResumingASiteExpiredByASweepForALaterInstantIsRefused(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	s.SetNow(apitest.At("2026-01-10 00:00:00"))
	p, _, id, guid := expiredSite(t, s, r, "2026-02-15 00:00:00")

	before := s.State(t, r, "hosting")
	operate(s, t, r, "hosting_resume_after_renew", guid).Fails(t, "业务状态异常")
	require.Equal(t, before, s.State(t, r, "hosting"))
	o := order(t, s, r, guid)
	require.EqualValues(t, 3, o["order_status"])
	require.Equal(t, 0, s.Jobs(t, "hosting", id, jobs.KindUnlock))
	require.Equal(t, "0", siteStatus(t, p))
	require.Equal(t, "920.00", s.Balance(t, r))
	s.Verify(t)
}

// An expired site that is renewed stays stopped until the reseller resumes
// it; the resume's unlock job starts it at the panel and records it 运行中.
func TestAResumedSiteIsStartedAtThePanelByItsUnlockJob(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	p, svc, id, guid := expiredSite(t, s, r, "2026-02-01 00:00:00")
	operate(s, t, r, "hosting_resume_after_renew", guid).Fails(t, "业务状态异常") // not renewed

	s.SetNow(apitest.At("2026-02-02 00:00:00"))
	operate(s, t, r, "hosting_renew", guid, "newEndTimeStr", "2026-03-01 00:00:00").OK(t)
	o := order(t, s, r, guid)
	require.EqualValues(t, 1, o["order_status"])
	require.EqualValues(t, -1, o["run_status"], "stopped until resumed")
	require.Equal(t, 0, s.Jobs(t, "hosting", id, jobs.KindUnlock))

	operate(s, t, r, "hosting_resume_after_renew", guid).OK(t)
	require.Equal(t, 1, s.Jobs(t, "hosting", id, jobs.KindUnlock))
	require.Equal(t, "0", siteStatus(t, p), "started by the job, not by the call")
	require.NoError(t, apitest.Attempt(s.DB, svc.Jobs(), "hosting", id, jobs.KindUnlock, 1))
	require.Equal(t, "1", siteStatus(t, p))
	o = order(t, s, r, guid)
	require.EqualValues(t, 1, o["order_status"])
	require.EqualValues(t, 1, o["run_status"])
	operate(s, t, r, "hosting_resume_after_renew", guid).Fails(t, "业务状态异常") // running
	require.Equal(t, "840.00", s.Balance(t, r))
	s.Verify(t)
}
