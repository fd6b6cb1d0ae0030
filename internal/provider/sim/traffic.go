package sim

import (
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// step is the spacing of traffic points.
const step = 5 * time.Minute

// maxChart is the longest window a chart covers (semantics.md §6: 31 days).
const maxChart = 31 * 24 * time.Hour

// chart returns a point every five minutes (on the 5-minute marks) within
// [from, to]: a daily wave around a level of its own for key, with noise,
// the same for one key and time every time. It returns ErrRejected when to
// is not after from or the window is longer than 31 days.
func chart(key string, from, to time.Time) ([]provider.TrafficPoint, error) {
	if !to.After(from) || to.Sub(from) > maxChart {
		return nil, fmt.Errorf("sim traffic: %w: want a window of up to 31 days, end after start", provider.ErrRejected)
	}
	level := 1e6 + float64(hash(key)%20_000)*1e3 // 1 to 21 Mbit/s
	phase := float64(hash(key+"/phase")%86400) / 86400 * 2 * math.Pi
	t := from.Truncate(step)
	if t.Before(from) {
		t = t.Add(step)
	}
	var pts []provider.TrafficPoint
	for ; !t.After(to); t = t.Add(step) {
		day := math.Sin(2*math.Pi*float64(t.Unix()%86400)/86400 + phase)
		noise := float64(hash(fmt.Sprintf("%s@%d", key, t.Unix()))%1000) / 1000
		in := level * (1 + 0.6*day + 0.3*noise)
		pts = append(pts, provider.TrafficPoint{
			Time: t.UTC(), InBps: int64(in), OutBps: int64(in * (0.3 + 0.4*noise)),
		})
	}
	return pts, nil
}

func hash(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}
