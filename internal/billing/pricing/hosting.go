package pricing

import "github.com/shopspring/decimal"

// HostingProduct is what pricing needs of a hosting_product.
type HostingProduct struct {
	Price, UpFlowPrice    decimal.Decimal
	Flow, MaxFlow, UpFlow int
}

// HostingMonthly returns the monthly price of a hosting product with flow
// GB a month (billing.md §2): p.price + up_flow_price * ceil((flow -
// p.flow)+ / up_flow). flow 0 means p.Flow. It returns *FieldError{"flow",
// "不在可选范围"} when flow is below p.Flow, above MaxFlow (MaxFlow 0: p.Flow
// is the maximum), or above p.Flow on a product without an up_flow step.
func HostingMonthly(p HostingProduct, flow int) (decimal.Decimal, error) {
	if flow == 0 {
		flow = p.Flow
	}
	maxFlow := p.MaxFlow
	if maxFlow <= 0 {
		maxFlow = p.Flow
	}
	if flow < p.Flow || flow > max(maxFlow, p.Flow) || (flow > p.Flow && p.UpFlow <= 0) {
		return decimal.Zero, fieldErr("flow", whyRange)
	}
	steps := 0
	if extra := flow - p.Flow; extra > 0 {
		steps = (extra + p.UpFlow - 1) / p.UpFlow
	}
	return p.Price.Add(dec(steps).Mul(p.UpFlowPrice)), nil
}

// DatabaseMonthly returns the monthly price of a cloud database product,
// which is its price (billing.md §2). It cannot fail.
func DatabaseMonthly(price decimal.Decimal) decimal.Decimal { return price }
