package leasetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
)

// Chart is the data of get_lease_chart and get_idc_chart.
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
