package server_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

// billing.md §5 and §7: coupon_id applies to server_upgrade as to every
// upgrade. The worked example (M 270.00) is bought 2026-01-01 00:00 for a
// month (31 days) and upgraded at once, one GB of memory at a time: M grows
// by 10.00, for 31 of 30 days 10.33. Less a 3.00 coupon: 7.33; less 10%
// (1.03): 9.30. A refund on 2026-01-21 00:00 pays back 11 of the 31 days of
// what was paid: (270.00 + 7.33 + 9.30) * 11/31 = 101.707... -> 101.70.
func TestServerUpgradesTakeCouponsAndARefundPaysBackWhatWasPaid(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.Coupon(t, 1001, "server", "amount", "3.00", 1)
	s.Coupon(t, 1002, "server", "percent", "10", 1)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "CU-1", example).Into(t, &c)
	id := c.IDs[0]
	s.Activate(t, "server", id)
	upgrade := func(memory, coupon, clientOrder string) apitest.Response {
		return s.Call(t, r, "server_upgrade", id, "memory", memory, "coupon_id", coupon, "client_order_id", clientOrder)
	}

	var up apitest.Charged
	upgrade("9", "1001", "CU-A").Into(t, &up)
	require.Equal(t, "7.33", up.Amount)
	require.Equal(t, "722.67", up.Balance)
	require.Equal(t, 0, s.CouponUses(t, 1001))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM ledger_entries l JOIN coupon_uses u ON u.ledger_id = l.id
		WHERE l.order_id = $1 AND l.kind = 'upgrade' AND l.amount = -7.33 AND l.coupon_id = 1001 AND u.discount = 3.00`, id))
	var again apitest.Charged
	upgrade("9", "1001", "CU-A").Into(t, &again)
	require.Equal(t, up, again, "a repeated client_order_id answers the first answer and uses nothing more")
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM coupon_uses WHERE coupon_id = 1001`))

	upgrade("10", "1002", "CU-B").Into(t, &up)
	require.Equal(t, "9.30", up.Amount)
	require.Equal(t, "713.37", up.Balance)
	require.Equal(t, 0, s.CouponUses(t, 1002))

	upgrade("11", "1001", "CU-C").Fails(t, "优惠券不可用") // used up
	s.RequireUnusableCouponsRefused(t, r, "server", func(coupon string) apitest.Response {
		return upgrade("11", coupon, "CU-"+coupon)
	})
	require.Equal(t, 10, s.Count(t, `SELECT memory FROM server_orders WHERE id = $1`, id))
	require.Equal(t, 2, s.Jobs(t, "server", id, "resize"))

	s.SetNow(apitest.At("2026-01-21 00:00:00"))
	var refund map[string]any
	s.Post(t, r.Form("server_refund", "guid", fmt.Sprint(id))).Into(t, &refund)
	require.Equal(t, "101.70", refund["amount"])
	require.Equal(t, "815.07", refund["balance"])
	s.Verify(t)
}
