// Package lease is the bare-metal lease (物理服务器) business: section 六 of the API document.
package lease

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/orderflow/machine"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Service serves the bare-metal lease (物理服务器) actions.
type Service struct {
	DB  *postgres.DB
	Box *secret.Box // opens the passwords kept at rest
	// Engine buys, renews, upgrades, refunds and operates orders.
	Engine *orderflow.Engine
}

// Money is the lease's renewal, upgrade and refund (lease_renew,
// lease_upgrade, lease_refund), shared with colocation: a refund gives the
// machine back to the inventory.
func (s *Service) Money() machine.Money {
	return machine.Money{Business: orderflow.Lease, Engine: s.Engine, Lock: lock,
		Refunded: func(ctx context.Context, tx pgx.Tx, id int64) error { return FreeMachine(ctx, tx, id) }}
}

// Operations are the lease's (lease_start ... get_lease_chart), shared with
// colocation. A leased machine lives on its line's driver (魔方DCIM, ipmi,
// sim or manual), for power as for everything else, and is reached as
// provisioning reaches it (loadJob): its ID is the DCIM server id (the
// order's provider_ref when set, else the machine's guid), its Ref
// orderflow.Ref("lease", id), its BMC the machine's from lease_machines
// (the password opened with Box). On an ipmi line only power works: a
// reinstall or password job ends with its reason kept, consoles and charts
// are 暂未开放. A system to install must fit the machine model's cores and
// memory.
func (s *Service) Operations() machine.Operations {
	return machine.Operations{Business: orderflow.Lease, Engine: s.Engine, Box: s.Box, Find: s.target, Fit: fit}
}

// fit reads what a system must fit to be installed on lease order id: its
// line's zone and its machine model's cores and memory.
func fit(ctx context.Context, tx pgx.Tx, id int64) (zone string, cpu, ram int, err error) {
	err = tx.QueryRow(ctx, `SELECT z.guid, p.cpu_value, p.memory_num FROM lease_orders o
		JOIN lease_lines l ON l.id = o.line_id JOIN zones z ON z.id = l.zone_id
		JOIN lease_products p ON p.id = o.product_id WHERE o.id = $1`, id).Scan(&zone, &cpu, &ram)
	if err != nil {
		return "", 0, 0, fmt.Errorf("lease_install: order %d: %w", id, err)
	}
	return zone, cpu, ram, nil
}
