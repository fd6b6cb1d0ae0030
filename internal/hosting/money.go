package hosting

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/billing/pricing"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/orderflow/panelorder"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Renew serves hosting_renew, Refund hosting_refund and EditName
// hosting_edit_name, as panelorder.Business does for both businesses sold
// on the hosting lines' panels.
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

// panel is this business for the operations it shares with databases. A
// renewal reinstates an expired site to 正常 but leaves it stopped until
// hosting_resume_after_renew, as the document says.
func (s *Service) panel() panelorder.Business[detail] {
	return panelorder.Business[detail]{Business: business, Engine: s.Engine, Lock: lock}
}

// detail is what hosting adds to a locked order: its flow and its
// product's prices.
type detail struct {
	Flow    int
	Pricing pricing.HostingProduct
}

// lock reads the reseller's hosting order id FOR UPDATE inside tx (a
// panelorder.LockFunc), with its product and monthly price. It returns
// dispatch.ErrOrderNotFound for another reseller's or an unknown order.
func lock(ctx context.Context, tx pgx.Tx, resellerID, id int64) (panelorder.Order[detail], error) {
	var o panelorder.Order[detail]
	d := &o.Detail
	dest := append([]any{&o.ID, &o.LineID, &o.LineGUID, &o.OrderNo, &o.Status, &o.RunStatus, &o.Act,
		&o.BuyTime, &o.EndTime, &d.Flow}, o.Product.Dest()...)
	err := postgres.QueryRow(ctx, tx, `
		SELECT o.id, o.line_id, l.guid, o.order_no, o.order_status, o.run_status, o.act_status, o.buy_time,
		       o.end_time, o.flow, `+panelorder.ProductColumns+`, p.flow, p.max_flow, p.up_flow, p.up_flow_price
		FROM hosting_orders o
		JOIN hosting_lines l ON l.id = o.line_id
		JOIN hosting_products p ON p.id = o.product_id
		WHERE o.id = $1 AND o.reseller_id = $2
		FOR UPDATE OF o`, id, resellerID).
		Scan(append(dest, &d.Pricing.Flow, &d.Pricing.MaxFlow, &d.Pricing.UpFlow, &d.Pricing.UpFlowPrice)...)
	if errors.Is(err, postgres.ErrNotFound) {
		return o, dispatch.ErrOrderNotFound
	}
	if err != nil {
		return o, fmt.Errorf("hosting: lock order %d: %w", id, err)
	}
	d.Pricing.Price = o.Product.Price
	if o.Monthly, err = pricing.HostingMonthly(d.Pricing, d.Flow); err != nil {
		return o, fmt.Errorf("hosting order %d: flow %d on product %s: %w", id, d.Flow, o.Product.GUID, err)
	}
	return o, nil
}

// Upgrade serves hosting_upgrade (document 七.8, billing.md §5): flow (the
// new monthly flow in GB, which may not drop) and/or new_product_guid (a
// product of the order's line, not cheaper), flow first, then the product,
// charged together (panelorder.Business.Upgrade). When only the product
// changes, the flow becomes the least of the new product's steps that keeps
// the order's flow.
func (s *Service) Upgrade(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.panel().Upgrade(ctx, req, func(ctx context.Context, tx pgx.Tx, o panelorder.Order[detail]) (panelorder.Change, error) {
		guid, err := req.Params.Text("new_product_guid")
		if err != nil {
			return panelorder.Change{}, err
		}
		flowText, err := req.Params.Text("flow")
		if err != nil {
			return panelorder.Change{}, err
		}
		guid, flowText = strings.TrimSpace(guid), strings.TrimSpace(flowText)
		if guid == "" && flowText == "" {
			return panelorder.Change{}, dispatch.MissingOneOf("flow", "new_product_guid")
		}
		next := product{Product: o.Product, Pricing: o.Detail.Pricing}
		if guid != "" && guid != o.Product.GUID {
			if next, err = loadProduct(ctx, tx, "new_product_guid", guid); err != nil {
				return panelorder.Change{}, err
			}
		}
		flow := next.fitFlow(o.Detail.Flow)
		if flowText != "" {
			f, err := req.Params.IntIn("flow", 0, 1, 1<<20)
			if err != nil {
				return panelorder.Change{}, err
			}
			if int(f) < o.Detail.Flow {
				return panelorder.Change{}, dispatch.ParamError("flow", "不能低于原配置")
			}
			flow = int(f)
		}
		if next.ID == o.Product.ID && flow == o.Detail.Flow {
			return panelorder.Change{}, dispatch.ErrUpgradeNoChange
		}
		m, err := next.monthly(flow, "flow")
		if err != nil {
			return panelorder.Change{}, err
		}
		if err := o.CheckUpgrade(next.Product, m, "new_product_guid"); err != nil {
			return panelorder.Change{}, err
		}
		return panelorder.Change{Monthly: m, Apply: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE hosting_orders SET product_id = $2, flow = $3, renew_price = $4,
				updated_at = now() WHERE id = $1`, o.ID, next.ID, flow, pricing.RoundCharge(m))
			return err
		}}, nil
	})
}

// ResumeAfterRenew serves hosting_resume_after_renew (document 七.8): a
// site that a renewal reinstated to 正常 but that is still stopped (a
// renewal of an expired site leaves it stopped) is started again by an
// unlock job, which records 运行中 once the panel has started it. The
// decision is the order's state under its lock, never the daemon's clock:
// an order still 已过期 (a sweep run for a later instant expires it before
// its end_time) is not paid for and stays as it is. It answers data {}, or
// 业务状态异常 for a site that is running, not 正常, or suspended by the
// operator, and changes nothing then.
func (s *Service) ResumeAfterRenew(ctx context.Context, req *dispatch.Request) (any, error) {
	id, err := req.Params.OrderID()
	if err != nil {
		return nil, err
	}
	err = postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
		o, err := lock(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return err
		}
		var suspended bool
		if err := tx.QueryRow(ctx, `SELECT starts_with(status_reason, $2) FROM hosting_orders WHERE id = $1`,
			o.ID, orderflow.SuspendedPrefix).Scan(&suspended); err != nil {
			return fmt.Errorf("hosting: resume order %d: %w", o.ID, err)
		}
		if o.Status != orderflow.OrderActive || o.RunStatus == orderflow.RunRunning || suspended {
			return dispatch.ErrStatusAbnormal
		}
		return s.Engine.Jobs.Insert(ctx, tx, jobs.Unlock{Order: jobs.Order{Business: business.Name, OrderID: o.ID}})
	})
	return nil, err
}
