package mofang

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// MachineAddresses reads the server's addresses as ZJMF does after an IP
// change (ZJMF-CBAP 10.4.6 mf_dcim/model/HostLinkModel.php L1222-1226:
// serverDetailed with the id only; server.zhuip is the main address,
// ip.ipaddress the others, which this driver also drops the main one
// from). It returns ErrNotFound for an unknown server.
func (d *Driver) MachineAddresses(ctx context.Context, m provider.Machine) (provider.Addresses, error) {
	if _, err := machineParams("MachineAddresses", m); err != nil {
		return provider.Addresses{}, err
	}
	var res struct {
		Server struct {
			MainIP text `json:"zhuip"`
		} `json:"server"`
		IP struct {
			Addresses []text `json:"ipaddress"`
		} `json:"ip"`
	}
	id, _ := strconv.ParseInt(m.ID, 10, 64)
	if err := d.call(ctx, "serverDetailed", url.Values{"id": {strconv.FormatInt(id, 10)}}, &res); err != nil {
		return provider.Addresses{}, fmt.Errorf("mofang MachineAddresses %s: %w", m.ID, err)
	}
	a := provider.Addresses{IP: strings.TrimSpace(string(res.Server.MainIP))}
	for _, ip := range res.IP.Addresses {
		if s := strings.TrimSpace(string(ip)); s != "" && s != a.IP && !slices.Contains(a.Extra, s) {
			a.Extra = append(a.Extra, s)
		}
	}
	return a, nil
}
