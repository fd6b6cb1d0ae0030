package apitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// What the tests of operating an order share, whatever its business.

// Call posts action for order id as r, with more key/value pairs.
func (e *Env) Call(t testing.TB, r Reseller, action string, id int64, kv ...string) Response {
	t.Helper()
	return e.Post(t, r.Form(action, append([]string{"guid", fmt.Sprint(id)}, kv...)...))
}

// Chart is the data of get_server_chart, get_lease_chart and
// get_idc_chart.
type Chart struct {
	Date      []string `json:"date"`
	In        []int64  `json:"in"`
	Out       []int64  `json:"out"`
	StartTime string   `json:"start_time"`
	EndTime   string   `json:"end_time"`
	Unit      string   `json:"unit"`
}

// RequireChart checks a chart's shape: bps, lists of one length, a point
// every five minutes.
func RequireChart(t testing.TB, c Chart) {
	t.Helper()
	require.Equal(t, "bps", c.Unit)
	require.Len(t, c.In, len(c.Date))
	require.Len(t, c.Out, len(c.Date))
	for i := 1; i < len(c.Date); i++ {
		a, err := time.ParseInLocation("2006-01-02 15:04", c.Date[i-1], apitype.Location())
		require.NoError(t, err)
		b, err := time.ParseInLocation("2006-01-02 15:04", c.Date[i], apitype.Location())
		require.NoError(t, err)
		require.Equal(t, 5*time.Minute, b.Sub(a), "points %d and %d", i-1, i)
	}
}

// Console is the data of lease_getvncurl and idc_getvncurl.
type Console struct {
	URL        string `json:"url"`
	ExpireTime string `json:"expire_time"`
}

// RequireFresh checks that a console expires within a few minutes of now.
func (c Console) RequireFresh(t testing.TB) {
	t.Helper()
	expires, err := apitype.ParseDateTime(c.ExpireTime)
	require.NoError(t, err)
	require.True(t, expires.After(time.Now()), "expires %s", c.ExpireTime)
	require.WithinDuration(t, time.Now().Add(5*time.Minute), expires, 5*time.Minute)
}

// Attempt runs attempt n of the newest job of kind for order id of
// business through h, with the job's args, as the job runner would (the
// last attempt is jobs.MaxAttempts). It returns the handler's answer, or an
// error when there is no such job.
func Attempt(db *postgres.DB, h jobs.Handlers, business string, id int64, kind string, n int) error {
	ctx := context.Background()
	var args []byte
	if err := db.QueryRow(ctx, `SELECT args FROM river_job
		WHERE args->>'business' = $1 AND (args->>'order_id')::bigint = $2 AND kind = $3
		ORDER BY id DESC LIMIT 1`, business, id, kind).Scan(&args); err != nil {
		return fmt.Errorf("the %s job of %s order %d: %w", kind, business, id, err)
	}
	return jobs.Work(ctx, h, kind, args, n == jobs.MaxAttempts)
}

// Do runs a job of kind for order id of business through h, as its first
// attempt or (final) its last, with no args but the order's.
func Do(h jobs.Handlers, business string, id int64, kind string, final bool) error {
	args, err := json.Marshal(jobs.Order{Business: business, OrderID: id})
	if err != nil {
		return err
	}
	return jobs.Work(context.Background(), h, kind, args, final)
}

// RequireRetried fails t unless a job attempt failed with the provider
// unavailable and may be retried.
func RequireRetried(t testing.TB, err error) {
	t.Helper()
	require.Error(t, err)
	var cancel *river.JobCancelError
	require.False(t, errors.As(err, &cancel), "a retry may pass: %v", err)
	require.ErrorIs(t, err, provider.ErrUnavailable)
}

// RequireGivenUp fails t unless a job attempt gave up for good (no retry).
func RequireGivenUp(t testing.TB, err error) {
	t.Helper()
	var cancel *river.JobCancelError
	require.ErrorAs(t, err, &cancel, "no retry: %v", err)
}
