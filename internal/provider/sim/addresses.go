package sim

import (
	"context"
	"fmt"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// extraIP hands out the next extra address, from 198.18.0.0/15 (kept apart
// from the main addresses of 198.51.100.0/24). The store's lock is held.
func (s *store) extraIP() string {
	n := s.extraCount
	s.extraCount++
	return fmt.Sprintf("198.%d.%d.%d", 18+n/(256*254)%2, n/254%256, 1+n%254)
}

// setExtra gives addresses n-1 extra addresses (n below one counts as
// one): kept ones stay, new ones are handed out, surplus ones dropped from
// the end. The store's lock is held.
func (s *store) setExtra(extra []string, n int) []string {
	want := max(n, 1) - 1
	for len(extra) < want {
		extra = append(extra, s.extraIP())
	}
	if want == 0 {
		return nil
	}
	return extra[:want]
}

// VMAddresses returns the VM's main address and its IPNum-1 extra ones. It
// returns ErrNotFound for an unknown VM.
func (d *Driver) VMAddresses(ctx context.Context, id string) (provider.Addresses, error) {
	var a provider.Addresses
	err := d.withVM(ctx, "VMAddresses", id, func(v *vm) error {
		a = provider.Addresses{IP: v.IP, Extra: append([]string(nil), v.ExtraIPs...)}
		return nil
	})
	return a, err
}

// MachineAddresses returns m.IPNum-1 extra addresses handed out to the
// machine (kept across calls, following m.IPNum when it changes); the main
// address is the inventory's, so IP is "". It returns ErrNotFound for an
// unknown machine.
func (d *Driver) MachineAddresses(ctx context.Context, m provider.Machine) (provider.Addresses, error) {
	var a provider.Addresses
	err := d.withMachine(ctx, "MachineAddresses", m, func(mc *machine) error {
		mc.extra = d.st.setExtra(mc.extra, m.IPNum)
		a.Extra = append([]string(nil), mc.extra...)
		return nil
	})
	return a, err
}
