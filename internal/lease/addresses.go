package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// A lease's addresses: the main one is the inventory machine's
// (lease_machines.ip); the extra ones an order with ipnum above one has
// come from the provider (provider.BareMetalDriver.MachineAddresses) at
// provisioning and after each resize, or from staff (the addresses after
// the first of `zonkvmd task done ID --ip a,b,c`), and are kept in
// lease_orders.extra_ips. getlease shows them all in ip.

// recordAddresses asks the line's driver for the machine's extra addresses
// and keeps them on order id. A driver that cannot tell
// (provider.ErrUnsupported: IPMI-only lines) leaves them as they are. It
// returns the driver's or the database's error.
func (s *Service) recordAddresses(ctx context.Context, id int64, j job) error {
	drv, err := s.Engine.BareMetal(ctx, s.Engine.DB, orderflow.Lease, j.lineID)
	if err != nil {
		return err
	}
	a, err := drv.MachineAddresses(ctx, j.machine)
	if errors.Is(err, provider.ErrUnsupported) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lease order %d: addresses: %w", id, err)
	}
	return SetExtraIPs(ctx, s.DB, id, a.Extra)
}

// SetExtraIPs keeps extra as the extra addresses of lease order id. It
// returns the database's error.
func SetExtraIPs(ctx context.Context, q postgres.Querier, id int64, extra []string) error {
	if extra == nil {
		extra = []string{}
	}
	b, err := json.Marshal(extra)
	if err != nil {
		return fmt.Errorf("lease order %d: extra addresses: %w", id, err)
	}
	if _, err := q.Exec(ctx, `UPDATE lease_orders SET extra_ips = $2, updated_at = now() WHERE id = $1`,
		id, string(b)); err != nil {
		return fmt.Errorf("lease order %d: extra addresses: %w", id, err)
	}
	return nil
}

// ExtraOfTask returns the extra addresses of a provisioning task's ip
// result (comma-separated, the first the main one).
func ExtraOfTask(ip string) []string {
	var extra []string
	for i, a := range strings.Split(ip, ",") {
		if a = strings.TrimSpace(a); i > 0 && a != "" {
			extra = append(extra, a)
		}
	}
	return extra
}

// addressesText is getlease's ip: the machine's addresses (JSON text of
// catalog.MachineIP objects) followed by the extra ones (JSON text of a
// list of strings) as objects with the address alone. It returns an error
// when either cannot be read.
func addressesText(machine, extra string) (string, error) {
	var list []catalog.MachineIP
	if err := json.Unmarshal([]byte(machine), &list); err != nil {
		return "", fmt.Errorf("machine addresses: %w", err)
	}
	var more []string
	if err := json.Unmarshal([]byte(extra), &more); err != nil {
		return "", fmt.Errorf("extra addresses: %w", err)
	}
	if len(more) == 0 {
		return machine, nil
	}
	for _, ip := range more {
		list = append(list, catalog.MachineIP{IP: ip})
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", fmt.Errorf("addresses: %w", err)
	}
	return string(b), nil
}
