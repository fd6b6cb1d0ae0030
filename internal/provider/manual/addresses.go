package manual

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// VMAddresses returns the addresses staff gave when they closed the VM's
// provisioning task (`zonkvmd task done ID --ip a,b,c`: the first is the
// main address, the others the extra ones); none while it is open. It
// fails as the operations do (ErrRejected, ErrNotFound, ErrUnavailable).
func (d *Driver) VMAddresses(ctx context.Context, id string) (provider.Addresses, error) {
	o, err := d.orderOfID(ctx, id)
	if err != nil {
		return provider.Addresses{}, fmt.Errorf("manual addresses: %w", err)
	}
	return d.addresses(ctx, o)
}

// MachineAddresses is VMAddresses for the order of m.Ref.
func (d *Driver) MachineAddresses(ctx context.Context, m provider.Machine) (provider.Addresses, error) {
	o, err := orderOfRef(m.Ref)
	if err != nil {
		return provider.Addresses{}, fmt.Errorf("manual addresses: %w", err)
	}
	return d.addresses(ctx, o)
}

// addresses reads the "ip" of the result of o's done provisioning task.
func (d *Driver) addresses(ctx context.Context, o order) (provider.Addresses, error) {
	var result json.RawMessage
	err := postgres.QueryRow(ctx, d.db, `
		SELECT result FROM operator_tasks
		WHERE business = $1 AND order_id = $2 AND kind = 'provision' AND status = 'done'
		ORDER BY id DESC LIMIT 1`, o.business, o.id).Scan(&result)
	if errors.Is(err, postgres.ErrNotFound) {
		return provider.Addresses{}, nil
	}
	if err != nil {
		return provider.Addresses{}, fmt.Errorf("manual addresses %s-%d: %w: %w", o.business, o.id, provider.ErrUnavailable, err)
	}
	var r struct {
		IP string `json:"ip"`
	}
	if err := json.Unmarshal(result, &r); err != nil {
		return provider.Addresses{}, fmt.Errorf("manual addresses %s-%d: %w: task result: %w", o.business, o.id, provider.ErrUnavailable, err)
	}
	var a provider.Addresses
	for _, ip := range strings.Split(r.IP, ",") {
		switch ip = strings.TrimSpace(ip); {
		case ip == "":
		case a.IP == "":
			a.IP = ip
		default:
			a.Extra = append(a.Extra, ip)
		}
	}
	return a, nil
}
