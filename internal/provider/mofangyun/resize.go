package mofangyun

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// ResizeVM changes cores and memory (PUT clouds/{id}), grows disks (PUT
// disks/{disk_id} size), sets bandwidth (PUT clouds/{id}/bw) and the
// number of addresses (PUT clouds/{id}/ip num, as ZJMF-CBAP 10.4.6
// mf_cloud/model/HostLinkModel.php L2064-2066 does). Like ZJMF,
// it powers a running cloud off before a cpu, memory or disk change and on
// again afterwards (also when a change fails). Zero fields are left as they
// are. It returns ErrNotFound for an unknown cloud, ErrRejected for a disk
// shrink and ErrUnsupported for more data disks than the cloud has (adding
// disks is not done here).
func (d *Driver) ResizeVM(ctx context.Context, id string, spec provider.VMSpec) error {
	id, err := cloudID("ResizeVM", id)
	if err != nil {
		return err
	}
	c, err := d.detail(ctx, "ResizeVM", id)
	if err != nil {
		return err
	}
	grow, err := diskGrowth(c.Disk, spec)
	if err != nil {
		return fmt.Errorf("mofangyun ResizeVM %s: %w", id, err)
	}
	size := form{}
	if spec.CPU > 0 && spec.CPU != c.CPU.int() {
		size["cpu"] = spec.CPU
	}
	if spec.MemoryGB > 0 && spec.MemoryGB*1024 != c.Memory.int() {
		size["memory"] = spec.MemoryGB * 1024
	}
	wasOn := false
	if len(size) > 0 || len(grow) > 0 {
		if wasOn, err = d.stop(ctx, id); err != nil {
			return fmt.Errorf("mofangyun ResizeVM %s: powering off: %w", id, err)
		}
	}
	err = d.applyResize(ctx, id, c, spec, size, grow)
	if wasOn {
		if onErr := d.c.call(ctx, http.MethodPost, "clouds/"+id+"/on", nil, nil); onErr != nil && err == nil {
			err = fmt.Errorf("powering on again: %w", onErr)
		}
	}
	if err != nil {
		return fmt.Errorf("mofangyun ResizeVM %s: %w", id, err)
	}
	return nil
}

func (d *Driver) applyResize(ctx context.Context, id string, c cloud, spec provider.VMSpec, size form, grow map[string]int) error {
	if len(size) > 0 {
		if err := d.c.call(ctx, http.MethodPut, "clouds/"+id, size, nil); err != nil {
			return err
		}
	}
	for diskID, gb := range grow {
		if err := d.c.call(ctx, http.MethodPut, "disks/"+diskID, form{"size": gb}, nil); err != nil {
			return err
		}
	}
	if spec.BandwidthMbps > 0 {
		in := spec.InBandwidthMbps
		if in <= 0 {
			in = spec.BandwidthMbps
		}
		if in != c.InBW.int() || spec.BandwidthMbps != c.OutBW.int() {
			if err := d.c.call(ctx, http.MethodPut, "clouds/"+id+"/bw", form{"in_bw": in, "out_bw": spec.BandwidthMbps}, nil); err != nil {
				return err
			}
		}
	}
	if spec.IPNum > 0 && spec.IPNum != c.IPNum.int() {
		return d.c.call(ctx, http.MethodPut, "clouds/"+id+"/ip", form{"num": spec.IPNum}, nil)
	}
	return nil
}

// diskGrowth returns the disks to grow (disk id → GB): the system disk to
// spec.SystemDiskGB, the data disks in order to spec.DataDisksGB.
func diskGrowth(disks []disk, spec provider.VMSpec) (map[string]int, error) {
	grow := map[string]int{}
	var data []disk
	for _, dk := range disks {
		if dk.Type == "system" {
			if err := growOne(grow, dk, spec.SystemDiskGB); err != nil {
				return nil, err
			}
			continue
		}
		data = append(data, dk)
	}
	if len(spec.DataDisksGB) > len(data) {
		return nil, fmt.Errorf("%w: the cloud has %d data disks, the spec %d (adding disks is not supported)",
			provider.ErrUnsupported, len(data), len(spec.DataDisksGB))
	}
	for i, gb := range spec.DataDisksGB {
		if err := growOne(grow, data[i], gb); err != nil {
			return nil, err
		}
	}
	return grow, nil
}

func growOne(grow map[string]int, dk disk, gb int) error {
	switch {
	case gb <= 0 || gb == dk.Size.int():
		return nil
	case gb < dk.Size.int():
		return fmt.Errorf("%w: disk %s cannot shrink from %d GB to %d GB", provider.ErrRejected, dk.Name, dk.Size.int(), gb)
	}
	grow[dk.ID.idString()] = gb
	return nil
}

// Waits of stop: for a soft off, then for a hard one.
const (
	softOffWait = 90 * time.Second
	hardOffWait = 30 * time.Second
)

// stop powers a running cloud off and waits until it is off (hard off after
// softOffWait). It reports whether the cloud was on.
func (d *Driver) stop(ctx context.Context, id string) (bool, error) {
	state, err := d.VMState(ctx, id)
	if err != nil || state != provider.StateOn {
		return false, err
	}
	for _, step := range []struct {
		action string
		wait   time.Duration
	}{{"off", softOffWait}, {"hardoff", hardOffWait}} {
		if err := d.c.call(ctx, http.MethodPost, "clouds/"+id+"/"+step.action, nil, nil); err != nil {
			return true, err
		}
		off, err := d.waitOff(ctx, id, step.wait)
		if err != nil || off {
			return true, err
		}
	}
	return true, fmt.Errorf("%w: the cloud did not power off", provider.ErrUnavailable)
}

func (d *Driver) waitOff(ctx context.Context, id string, wait time.Duration) (bool, error) {
	deadline := time.Now().Add(wait)
	for {
		state, err := d.VMState(ctx, id)
		if err != nil {
			return false, err
		}
		if state == provider.StateOff {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		t := time.NewTimer(d.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, fmt.Errorf("%w: %w", provider.ErrUnavailable, ctx.Err())
		case <-t.C:
		}
	}
}
