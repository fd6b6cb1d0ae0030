package orderflow

import (
	"errors"
	"fmt"
	"time"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The answers of the actions that read from a provider at once (consoles
// and traffic charts of servers, leases and colocation), shared by the
// businesses.

// Console is the answer of server_getvncurl, lease_getvncurl and
// idc_getvncurl (semantics.md §6).
type Console struct {
	URL        string           `json:"url"`
	ExpireTime apitype.DateTime `json:"expire_time"`
}

// ConsoleAnswer is the answer for a console the provider made.
func ConsoleAnswer(c provider.Console) Console {
	return Console{URL: c.URL, ExpireTime: apitype.At(c.ExpireAt)}
}

// ProviderAnswer turns a provider's failure in a synchronous action into
// the answer: 暂未开放 when the driver cannot do it, else the error wrapped
// with the order and the operation, which the dispatcher logs and answers
// as 系统繁忙.
func ProviderAnswer(b Business, id int64, op string, err error) error {
	if errors.Is(err, provider.ErrUnsupported) {
		return dispatch.ErrNotOpen
	}
	return fmt.Errorf("%s order %d: %s: %w", b.Name, id, op, err)
}

// Chart windows (semantics.md §6).
const (
	chartDefault = 24 * time.Hour
	chartMax     = 31 * 24 * time.Hour
	// msMin and msMax bound a millisecond timestamp: 2001-09-09 (anything
	// smaller is seconds, not milliseconds) to the year 9999.
	msMin = 1_000_000_000_000
	msMax = 253_402_300_799_999
	// chartLayout is how a chart writes its times.
	chartLayout = "2006-01-02 15:04"
)

type chartAnswer struct {
	Date      []string `json:"date"`
	In        []int64  `json:"in"`
	Out       []int64  `json:"out"`
	StartTime string   `json:"start_time"`
	EndTime   string   `json:"end_time"`
	Unit      string   `json:"unit"`
}

// Chart is the answer of get_server_chart, get_lease_chart and
// get_idc_chart (document 五.15).
type Chart struct {
	Date      []string `json:"date"`
	In        []int64  `json:"in"`
	Out       []int64  `json:"out"`
	StartTime string   `json:"start_time"`
	EndTime   string   `json:"end_time"`
	Unit      string   `json:"unit"`
}

// ChartAnswer is the answer for the points of [from, to]: times in the
// operator's zone, empty lists as [], with the message 获取成功.
func ChartAnswer(pts []provider.TrafficPoint, from, to time.Time) dispatch.Message {
	loc := apitype.Location()
	a := Chart{Date: make([]string, 0, len(pts)), In: make([]int64, 0, len(pts)),
		Out: make([]int64, 0, len(pts)), StartTime: from.In(loc).Format(chartLayout),
		EndTime: to.In(loc).Format(chartLayout), Unit: "bps"}
	for _, p := range pts {
		a.Date = append(a.Date, p.Time.In(loc).Format(chartLayout))
		a.In = append(a.In, p.InBps)
		a.Out = append(a.Out, p.OutBps)
	}
	return dispatch.Message{Msg: "获取成功", Data: a}
}

// ChartWindow reads start_time and end_time (milliseconds). An absent end
// is now, an absent start 24 hours before the end. It returns a
// ParamError naming the parameter when one is not a millisecond timestamp,
// when the end is not after the start, or when they are more than 31 days
// apart.
func ChartWindow(p dispatch.Params, now time.Time) (time.Time, time.Time, error) {
	var ms [2]int64
	for i, name := range []string{"start_time", "end_time"} {
		n, err := p.Int(name, 0)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		if n != 0 && (n < msMin || n > msMax) {
			return time.Time{}, time.Time{}, dispatch.ParamError(name, "应为毫秒级时间戳")
		}
		ms[i] = n
	}
	to := now
	if ms[1] != 0 {
		to = time.UnixMilli(ms[1])
	}
	from := to.Add(-chartDefault)
	if ms[0] != 0 {
		from = time.UnixMilli(ms[0])
	}
	onlyStart := ms[0] != 0 && ms[1] == 0 // then the start is what is wrong
	switch {
	case !to.After(from) && onlyStart:
		return time.Time{}, time.Time{}, dispatch.ParamError("start_time", "须早于当前时间")
	case !to.After(from):
		return time.Time{}, time.Time{}, dispatch.ParamError("end_time", "须晚于start_time")
	case to.Sub(from) > chartMax && onlyStart:
		return time.Time{}, time.Time{}, dispatch.ParamError("start_time", "距当前时间不能超过31天")
	case to.Sub(from) > chartMax:
		return time.Time{}, time.Time{}, dispatch.ParamError("end_time", "与start_time相差不能超过31天")
	}
	return from, to, nil
}
