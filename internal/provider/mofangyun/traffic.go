package mofangyun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// VMTraffic reads the bandwidth chart of a cloud's first NIC (GET
// statistics, type=net_adapter, kvm_ifname=<kvmid>.0, st=from in ms). Its
// rows are [time, in, out] in bits per second; they are averaged into
// 5-minute points (aligned to the minute 00, 05, ...) and kept within
// [from, to]. Times written without a zone are read in the configured
// timezone. It returns ErrNotFound for an unknown cloud, ErrRejected when to
// is not after from, and ErrUnavailable for an unreadable chart.
func (d *Driver) VMTraffic(ctx context.Context, id string, from, to time.Time) ([]provider.TrafficPoint, error) {
	id, err := cloudID("VMTraffic", id)
	if err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, fmt.Errorf("mofangyun VMTraffic %s: %w: the end is not after the start", id, provider.ErrRejected)
	}
	c, err := d.detail(ctx, "VMTraffic", id)
	if err != nil {
		return nil, err
	}
	q := form{
		"node_id":    c.NodeID.idString(),
		"kvm":        string(c.KVMID),
		"st":         strconv.FormatInt(from.UnixMilli(), 10),
		"type":       "net_adapter",
		"kvm_ifname": string(c.KVMID) + ".0",
	}
	var rows page[[]json.RawMessage]
	if err := d.c.call(ctx, http.MethodGet, "statistics", q, &rows); err != nil {
		return nil, fmt.Errorf("mofangyun VMTraffic %s: %w", id, err)
	}
	samples := make([]provider.TrafficPoint, 0, len(rows.Data))
	for _, row := range rows.Data {
		if len(row) < 3 {
			return nil, fmt.Errorf("mofangyun VMTraffic %s: %w: a chart row has %d columns", id, provider.ErrUnavailable, len(row))
		}
		t, err := d.chartTime(row[0])
		if err != nil {
			return nil, fmt.Errorf("mofangyun VMTraffic %s: %w: %w", id, provider.ErrUnavailable, err)
		}
		var in, out num
		if json.Unmarshal(row[1], &in) != nil || json.Unmarshal(row[2], &out) != nil {
			return nil, fmt.Errorf("mofangyun VMTraffic %s: %w: a chart row has no numbers", id, provider.ErrUnavailable)
		}
		samples = append(samples, provider.TrafficPoint{Time: t, InBps: int64(in), OutBps: int64(out)})
	}
	return provider.FiveMinutePoints(samples, from, to), nil
}

// chartTime reads a chart time: "2006-01-02 15:04:05" (in the configured
// zone), RFC 3339, or a Unix time in seconds or milliseconds.
func (d *Driver) chartTime(raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		s = string(bytes.TrimSpace(raw))
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n > 1e11 { // milliseconds
			return time.UnixMilli(int64(n)), nil
		}
		return time.Unix(int64(n), 0), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, d.tz); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("unreadable chart time %q", s)
}
