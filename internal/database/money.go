package database

import (
	"context"
	"errors"
	"fmt"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow/panelorder"
)

// Renew serves sql_renew, Refund sql_refund and EditName sql_edit_name,
// as panelorder.Business does for both businesses sold on the hosting
// lines' panels.
func (s *Service) Renew(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.panel().Renew(ctx, req)
}

// Refund: see Renew.
func (s *Service) Refund(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.panel().Refund(ctx, req)
}

// EditName: see Renew.
func (s *Service) EditName(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.panel().EditName(ctx, req)
}

// panel is this business for the operations it shares with hosting. The
// document has no resume operation for databases, so a renewal of an
// expired database reinstates it directly: 正常, with an unlock job.
func (s *Service) panel() panelorder.Business[struct{}] {
	return panelorder.Business[struct{}]{Business: business, Engine: s.Engine, Lock: lock,
		UnlockOnRenew: true}
}

// lock reads the reseller's database order id FOR UPDATE inside tx (a
// panelorder.LockFunc), with its product; its monthly price is the
// product's. It returns dispatch.ErrOrderNotFound for another reseller's or
// an unknown order.
func lock(ctx context.Context, tx pgx.Tx, resellerID, id int64) (panelorder.Order[struct{}], error) {
	var o panelorder.Order[struct{}]
	dest := append([]any{&o.ID, &o.LineID, &o.LineGUID, &o.OrderNo, &o.Status, &o.RunStatus, &o.Act,
		&o.BuyTime, &o.EndTime}, o.Product.Dest()...)
	err := postgres.QueryRow(ctx, tx, `
		SELECT o.id, o.line_id, l.guid, o.order_no, o.order_status, o.run_status, o.act_status, o.buy_time,
		       o.end_time, `+panelorder.ProductColumns+`
		FROM sql_orders o
		JOIN hosting_lines l ON l.id = o.line_id
		JOIN sql_products p ON p.id = o.product_id
		WHERE o.id = $1 AND o.reseller_id = $2
		FOR UPDATE OF o`, id, resellerID).Scan(dest...)
	if errors.Is(err, postgres.ErrNotFound) {
		return o, dispatch.ErrOrderNotFound
	}
	if err != nil {
		return o, fmt.Errorf("sql: lock order %d: %w", id, err)
	}
	o.Monthly = pricing.DatabaseMonthly(o.Product.Price)
	return o, nil
}

// Upgrade serves sql_upgrade (document 八.5, billing.md §5):
// new_product_guid (required) names a product of the order's line that is
// not cheaper; the difference of the prices for what is left of the period
// is charged (panelorder.Business.Upgrade).
func (s *Service) Upgrade(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.panel().Upgrade(ctx, req, func(ctx context.Context, tx pgx.Tx, o panelorder.Order[struct{}]) (panelorder.Change, error) {
		guid, err := req.Params.RequiredText("new_product_guid")
		if err != nil {
			return panelorder.Change{}, err
		}
		if strings.TrimSpace(guid) == o.Product.GUID {
			return panelorder.Change{}, dispatch.ErrUpgradeNoChange
		}
		next, err := loadProduct(ctx, tx, "new_product_guid", guid)
		if err != nil {
			return panelorder.Change{}, err
		}
		m := pricing.DatabaseMonthly(next.Price)
		if err := o.CheckUpgrade(next.Product, m, "new_product_guid"); err != nil {
			return panelorder.Change{}, err
		}
		return panelorder.Change{Monthly: m, Apply: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE sql_orders SET product_id = $2, renew_price = $3, updated_at = now()
				WHERE id = $1`, o.ID, next.ID, pricing.RoundCharge(m))
			return err
		}}, nil
	})
}
