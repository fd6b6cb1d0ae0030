package panelorder

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := apitype.ParseDateTime(s)
	require.NoError(t, err)
	return v
}

func TestRenewToFindsTheMonthsFromTheAnchorDay(t *testing.T) {
	t.Parallel()
	product := Product{GUID: "p", Months: "1,2,3,6,12"}
	// Bought on the 31st; the clock that bought it had sub-second digits,
	// which newEndTimeStr cannot write.
	buy := at(t, "2026-01-31 10:00:00").Add(250 * time.Millisecond)
	end := at(t, "2026-02-28 10:00:00").Add(250 * time.Millisecond)
	cases := []struct {
		newEnd, length string
		months         int
		err            string
	}{
		{"2026-03-31 10:00:00", "", 1, ""},
		{"2026-04-30 10:00:00", "", 2, ""},
		{"2026-08-31 10:00:00", "", 6, ""},
		{"2026-08-31 10:00:00", "6", 6, ""},
		{"2026-03-28 10:00:00", "", 0, "参数错误: newEndTimeStr 须为当前到期时间加整月数"},
		{"2026-06-30 10:00:00", "", 0, "参数错误: newEndTimeStr 不在可选范围"}, // 4 months
		{"2026-06-30 10:00:00", "4", 0, "参数错误: renewLength 不在可选范围"},
		{"2026-04-30 10:00:00", "1", 0, "参数错误: newEndTimeStr 与renewLength不符"},
		{"2026-02-28 10:00:00", "", 0, "参数错误: newEndTimeStr 须晚于当前到期时间"},
		{"2026/03/31 10:00", "", 0, "参数错误: newEndTimeStr 格式应为Y-m-d H:i:s"},
		{"", "", 0, "缺少必要参数: newEndTimeStr"},
		{"2026-03-31 10:00:00", "x", 0, "参数错误: renewLength 应为整数"},
	}
	for _, c := range cases {
		p := map[string]any{"newEndTimeStr": c.newEnd}
		if c.length != "" {
			p["renewLength"] = c.length
		}
		months, newEnd, err := RenewTo(dispatch.NewParams(p), buy, end, product)
		if c.err != "" {
			require.EqualError(t, err, c.err, "%+v", c)
			continue
		}
		require.NoError(t, err, "%+v", c)
		require.Equal(t, c.months, months, "%+v", c)
		require.Equal(t, c.newEnd, apitype.FormatDateTime(newEnd))
		require.Equal(t, 250*time.Millisecond, newEnd.Sub(newEnd.Truncate(time.Second)), "the clock's digits are kept")
	}
}
