package lease_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// billing.md §5 and §7: coupon_id applies to lease_upgrade as to every
// upgrade. The model (M 550.00) is bought 2026-01-01 00:00 for a month (31
// days) and upgraded at once, 10 Mbps at a time: M grows by 16.00 * 10 =
// 160.00, for 31 of 30 days 165.33. Less a 3.00 coupon: 162.33; less 10%
// (16.53): 148.80. A refund on 2026-01-21 00:00 pays back 11 of the 31 days
// of what was paid: (550.00 + 162.33 + 148.80) * 11/31 = 305.562... ->
// 305.56.
func TestLeaseUpgradesTakeCouponsAndARefundPaysBackWhatWasPaid(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.Coupon(t, 1001, "lease", "amount", "3.00", 1)
	s.Coupon(t, 1002, "lease", "percent", "10", 1)
	r := s.NewReseller(t, "2000")
	var c apitest.Created
	s.buy(t, r, "CU-1", `{}`).Into(t, &c)
	id := c.IDs[0]
	s.Activate(t, "lease", id)
	upgrade := func(coupon, clientOrder string) apitest.Response {
		return s.Call(t, r, "lease_upgrade", id, "bandwidthAdd", "10", "coupon_id", coupon, "client_order_id", clientOrder)
	}

	var up apitest.Charged
	upgrade("1001", "CU-A").Into(t, &up)
	require.Equal(t, "162.33", up.Amount)
	require.Equal(t, "1287.67", up.Balance)
	require.Equal(t, 0, s.CouponUses(t, 1001))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM ledger_entries l JOIN coupon_uses u ON u.ledger_id = l.id
		WHERE l.order_id = $1 AND l.kind = 'upgrade' AND l.amount = -162.33 AND l.coupon_id = 1001 AND u.discount = 3.00`, id))

	upgrade("1002", "CU-B").Into(t, &up)
	require.Equal(t, "148.80", up.Amount)
	require.Equal(t, "1138.87", up.Balance)
	require.Equal(t, 0, s.CouponUses(t, 1002))

	upgrade("1001", "CU-C").Fails(t, "优惠券不可用") // used up
	s.RequireUnusableCouponsRefused(t, r, "lease", func(coupon string) apitest.Response {
		return upgrade(coupon, "CU-"+coupon)
	})
	require.EqualValues(t, 50, s.order(t, r, id)["bandwidth"])
	require.Equal(t, 2, s.Jobs(t, "lease", id, "resize"))

	s.SetNow(apitest.At("2026-01-21 00:00:00"))
	var refund map[string]any
	s.Post(t, r.Form("lease_refund", "guid", fmt.Sprint(id))).Into(t, &refund)
	require.Equal(t, "305.56", refund["amount"])
	require.Equal(t, "1444.43", refund["balance"])
	require.Equal(t, 3, s.free(t))
	s.Verify(t)
}
