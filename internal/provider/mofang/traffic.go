package mofang

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// unitBits is how many bits per second one y_unit is.
var unitBits = map[string]float64{"": 1, "bps": 1, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9}

// MachineTraffic reads the switch-port chart of a server (the traffic
// action as ZJMF calls it: type=server, switch_id=<id>, reverse=1,
// start_time=<from in ms>). The answer maps sample times in ms to rates:
// "in" → InBps, "out" → OutBps (reverse=1 gives them from the server's side,
// not the switch's), in the unit y_unit (bps, Kbps, Mbps, Gbps; none: bps),
// converted to bits per second. Samples are averaged into 5-minute points
// kept within [from, to]. It returns ErrNotFound for an unknown server,
// ErrRejected when to is not after from, and ErrUnavailable for an
// unreadable chart.
func (d *Driver) MachineTraffic(ctx context.Context, m provider.Machine, from, to time.Time) ([]provider.TrafficPoint, error) {
	p, err := machineParams("MachineTraffic", m)
	if err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, fmt.Errorf("mofang MachineTraffic %s: %w: the end is not after the start", m.ID, provider.ErrRejected)
	}
	p.Set("type", "server")
	p.Set("switch_id", p.Get("id"))
	p.Set("reverse", "1")
	p.Set("start_time", strconv.FormatInt(from.UnixMilli(), 10))
	var res struct {
		In    json.RawMessage `json:"in"`
		Out   json.RawMessage `json:"out"`
		YUnit text            `json:"y_unit"`
	}
	if err := d.call(ctx, "traffic", p, &res); err != nil {
		return nil, fmt.Errorf("mofang MachineTraffic %s: %w", m.ID, err)
	}
	scale, ok := unitBits[strings.ToLower(strings.TrimSpace(string(res.YUnit)))]
	if !ok {
		return nil, fmt.Errorf("mofang MachineTraffic %s: %w: unknown unit %q", m.ID, provider.ErrUnavailable, res.YUnit)
	}
	in, errIn := series(res.In)
	out, errOut := series(res.Out)
	if errIn != nil || errOut != nil {
		return nil, fmt.Errorf("mofang MachineTraffic %s: %w: unreadable chart", m.ID, provider.ErrUnavailable)
	}
	samples := map[int64]*provider.TrafficPoint{}
	sample := func(ms int64) *provider.TrafficPoint {
		if samples[ms] == nil {
			samples[ms] = &provider.TrafficPoint{Time: time.UnixMilli(ms)}
		}
		return samples[ms]
	}
	for ms, v := range in {
		sample(ms).InBps = int64(math.Round(v * scale))
	}
	for ms, v := range out {
		sample(ms).OutBps = int64(math.Round(v * scale))
	}
	points := make([]provider.TrafficPoint, 0, len(samples))
	for _, s := range samples {
		points = append(points, *s)
	}
	return provider.FiveMinutePoints(points, from, to), nil
}

// series reads {"<ms>": rate, ...} (or a list of [ms, rate] pairs; null or
// an empty list is no samples).
func series(raw json.RawMessage) (map[int64]float64, error) {
	out := map[int64]float64{}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return out, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err == nil {
		for k, v := range obj {
			ms, err1 := strconv.ParseInt(k, 10, 64)
			f, err2 := number(v)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("bad sample %q", k)
			}
			out[ms] = f
		}
		return out, nil
	}
	var pairs [][]json.RawMessage
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, err
	}
	for _, pair := range pairs {
		if len(pair) < 2 {
			return nil, fmt.Errorf("short sample")
		}
		t, err1 := number(pair[0])
		f, err2 := number(pair[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad sample")
		}
		out[int64(t)] = f
	}
	return out, nil
}

// number reads a JSON number or numeric string.
func number(raw json.RawMessage) (float64, error) {
	var s text
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	return strconv.ParseFloat(strings.TrimSpace(string(s)), 64)
}
