package orderflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Provider opens the driver of an order's line from its sealed provider
// object, read through q: a caller inside a transaction passes it, so that
// holding a row lock never waits for a second connection from the pool. It returns an error naming the line when the object cannot be
// opened or names a driver this binary lacks.
func (e *Engine) Provider(ctx context.Context, q postgres.Querier, b Business, lineID int64) (provider.Set, error) {
	var sealed []byte
	if err := q.QueryRow(ctx, `SELECT provider_config FROM `+b.Lines+` WHERE id = $1`, lineID).Scan(&sealed); err != nil {
		return provider.Set{}, fmt.Errorf("orderflow.Provider: %s line %d: %w", b.Name, lineID, err)
	}
	object, err := e.Box.Open(sealed)
	if err != nil {
		return provider.Set{}, fmt.Errorf("orderflow.Provider: %s line %d: %w", b.Name, lineID, err)
	}
	deps := e.Providers
	if deps.DB == nil {
		deps.DB = e.DB
	}
	return provider.Open(object, deps)
}

// Ref is zonkvmd's name of an order at the provider.
func Ref(b Business, orderID int64) string {
	return fmt.Sprintf("zonkvmd-%s-%d", b.Name, orderID)
}

// FailPurchase ends a purchase whose provisioning finally failed
// (semantics.md §4): in one transaction it refunds everything the order
// paid, sets it to -2 with the reason kept for the operator, and runs
// undo (a lease frees its machine; may be nil). An order no longer in
// 开通中 is left alone.
func (e *Engine) FailPurchase(ctx context.Context, b Business, orderID int64, reason string,
	undo func(ctx context.Context, tx pgx.Tx) error) error {
	return postgres.Tx(ctx, e.DB, func(tx pgx.Tx) error {
		var resellerID int64
		var status int
		var orderNo string
		err := postgres.QueryRow(ctx, tx, `SELECT reseller_id, order_status, order_no FROM `+b.Orders+`
			WHERE id = $1 FOR UPDATE`, orderID).Scan(&resellerID, &status, &orderNo)
		if errors.Is(err, postgres.ErrNotFound) || status != OrderProvisioning {
			return nil
		}
		if err != nil {
			return fmt.Errorf("orderflow.FailPurchase: %w", err)
		}
		charges, refunded, err := billing.Paid(ctx, tx, b.Name, orderID)
		if err != nil {
			return err
		}
		back := decimal.Max(sum(charges).Sub(refunded), decimal.Zero)
		if _, err := billing.Credit(ctx, tx, resellerID, billing.Entry{Kind: "refund", Amount: back,
			Business: b.Name, OrderID: orderID, Reference: orderNo, Note: "provisioning failed"}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+b.Orders+` SET order_status = -2, act_status = 0,
			run_status = -1, status_reason = $2, updated_at = now() WHERE id = $1`, orderID,
			postgres.Clip("provisioning failed: "+reason, maxReason)); err != nil {
			return fmt.Errorf("orderflow.FailPurchase: %w", err)
		}
		if undo != nil {
			return undo(ctx, tx)
		}
		return nil
	})
}

// VMs opens the driver of a line and returns its cloud servers, or an error
// wrapping provider.ErrUnsupported when its driver runs none.
func (e *Engine) VMs(ctx context.Context, q postgres.Querier, b Business, lineID int64) (provider.VMDriver, error) {
	set, err := e.Provider(ctx, q, b, lineID)
	if err != nil {
		return nil, err
	}
	if set.VM == nil {
		return nil, unsupported(b.Name, lineID, set.Driver, "cloud servers")
	}
	return set.VM, nil
}

// BareMetal opens the driver of a line and returns its bare metal, or an
// error wrapping provider.ErrUnsupported when its driver runs none.
func (e *Engine) BareMetal(ctx context.Context, q postgres.Querier, b Business, lineID int64) (provider.BareMetalDriver, error) {
	set, err := e.Provider(ctx, q, b, lineID)
	if err != nil {
		return nil, err
	}
	if set.BareMetal == nil {
		return nil, unsupported(b.Name, lineID, set.Driver, "bare metal")
	}
	return set.BareMetal, nil
}

// Panel opens the driver of a line and returns its hosting panel, or an
// error wrapping provider.ErrUnsupported when its driver runs none.
func (e *Engine) Panel(ctx context.Context, q postgres.Querier, b Business, lineID int64) (provider.PanelDriver, error) {
	set, err := e.Provider(ctx, q, b, lineID)
	if err != nil {
		return nil, err
	}
	if set.Panel == nil {
		return nil, unsupported(b.Name, lineID, set.Driver, "hosting panel")
	}
	return set.Panel, nil
}

func unsupported(business string, lineID int64, driver, what string) error {
	return fmt.Errorf("%s line %d: driver %s runs no %s: %w", business, lineID, driver, what, provider.ErrUnsupported)
}
