package provider

import (
	"math"
	"sort"
	"time"
)

// ChartStep is the spacing of traffic points (semantics.md §6).
const ChartStep = 5 * time.Minute

// FiveMinutePoints averages raw traffic samples into points at multiples of
// five minutes and keeps those within [from, to], oldest first. Drivers
// whose provider samples more finely (or unevenly) answer through it.
func FiveMinutePoints(samples []TrafficPoint, from, to time.Time) []TrafficPoint {
	type sum struct{ in, out, n float64 }
	sums := map[int64]*sum{}
	for _, s := range samples {
		k := s.Time.Truncate(ChartStep).Unix()
		if sums[k] == nil {
			sums[k] = &sum{}
		}
		sums[k].in += float64(s.InBps)
		sums[k].out += float64(s.OutBps)
		sums[k].n++
	}
	out := make([]TrafficPoint, 0, len(sums))
	for k, s := range sums {
		t := time.Unix(k, 0).UTC()
		if t.Before(from) || t.After(to) {
			continue
		}
		out = append(out, TrafficPoint{
			Time: t, InBps: int64(math.Round(s.in / s.n)), OutBps: int64(math.Round(s.out / s.n)),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}
