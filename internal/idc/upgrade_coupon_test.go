package idc_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// billing.md §5 and §7: coupon_id applies to idc_upgrade as to every
// upgrade. The product 1U (M 800.00) is bought 2026-01-01 00:00 for a month
// (31 days) and upgraded at once, 10 Mbps at a time: M grows by 10.00 * 10
// = 100.00, for 31 of 30 days 103.33. Less a 3.00 coupon: 100.33; less 10%
// (10.33): 93.00. A refund on 2026-01-21 00:00 pays back 11 of the 31 days
// of what was paid: (800.00 + 100.33 + 93.00) * 11/31 = 352.471... ->
// 352.47.
func TestColocationUpgradesTakeCouponsAndARefundPaysBackWhatWasPaid(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.Coupon(t, 1001, "idc", "amount", "3.00", 1)
	s.Coupon(t, 1002, "idc", "percent", "10", 1)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "CU-1", `{}`).Into(t, &c)
	id := c.IDs[0]
	s.Activate(t, "idc", id)
	upgrade := func(coupon, clientOrder string) apitest.Response {
		return s.Call(t, r, "idc_upgrade", id, "bandwidthAdd", "10", "coupon_id", coupon, "client_order_id", clientOrder)
	}

	var up apitest.Charged
	upgrade("1001", "CU-A").Into(t, &up)
	require.Equal(t, "100.33", up.Amount)
	require.Equal(t, "1099.67", up.Balance)
	require.Equal(t, 0, s.CouponUses(t, 1001))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM ledger_entries l JOIN coupon_uses u ON u.ledger_id = l.id
		WHERE l.order_id = $1 AND l.kind = 'upgrade' AND l.amount = -100.33 AND l.coupon_id = 1001 AND u.discount = 3.00`, id))

	upgrade("1002", "CU-B").Into(t, &up)
	require.Equal(t, "93.00", up.Amount)
	require.Equal(t, "1006.67", up.Balance)
	require.Equal(t, 0, s.CouponUses(t, 1002))

	upgrade("1001", "CU-C").Fails(t, "优惠券不可用") // used up
	s.RequireUnusableCouponsRefused(t, r, "idc", func(coupon string) apitest.Response {
		return upgrade(coupon, "CU-"+coupon)
	})
	require.EqualValues(t, 70, s.order(t, r, id)["bandwidth"])
	require.Equal(t, 2, s.Jobs(t, "idc", id, "resize"))

	s.SetNow(apitest.At("2026-01-21 00:00:00"))
	var refund map[string]any
	s.Post(t, r.Form("idc_refund", "guid", fmt.Sprint(id))).Into(t, &refund)
	require.Equal(t, "352.47", refund["amount"])
	require.Equal(t, "1359.14", refund["balance"])
	s.Verify(t)
}
