package server_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
)

func TestACouponDiscountsAPurchaseAfterItsDiscountsAndIsUsedOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "2000")
	before := s.CouponUses(t, 1)

	// The example coupon: 10% off cloud servers. Three orders of 270.00:
	// 810.00 less 81.00, each order paying 243.00.
	var c apitest.Created
	s.buy(t, r, "C-1", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"number":3}`,
		"coupon_id", "1").Into(t, &c)
	require.Equal(t, "729.00", c.Amount)
	require.Equal(t, "1271.00", c.Balance)
	require.Equal(t, before-1, s.CouponUses(t, 1), "one use for the whole purchase")
	require.Equal(t, 3, s.Count(t, `SELECT count(*) FROM ledger_entries WHERE reseller_id = $1 AND kind = 'purchase'
		AND amount = -243.00 AND coupon_id = 1`, r.ID))
	require.Equal(t, 1, s.Count(t, `SELECT count(*) FROM coupon_uses WHERE reseller_id = $1 AND discount = 81.00`, r.ID))

	// A repeat of the purchase answers the first answer and uses nothing more.
	s.buy(t, r, "C-1", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"number":3}`,
		"coupon_id", "1").OK(t)
	require.Equal(t, before-1, s.CouponUses(t, 1))
	s.Verify(t)
}

func TestAnUnusableCouponRefusesThePurchaseAndChangesNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "2000")
	ctx := context.Background()
	_, err := s.DB.Exec(ctx, `INSERT INTO coupons (id, reseller_id, businesses, kind, value, min_amount, valid_from, valid_until, uses)
		VALUES (901, NULL, '{server}', 'amount', 50, 500, '2025-01-01', '2030-01-01', 1),
		       (902, NULL, '{hosting}', 'amount', 50, 0, '2025-01-01', '2030-01-01', 5),
		       (903, NULL, '{server}', 'amount', 50, 0, '2027-01-01', '2030-01-01', 5),
		       (904, NULL, '{server}', 'amount', 50, 0, '2025-01-01', '2030-01-01', 0)`)
	require.NoError(t, err)
	for _, id := range []string{"901", "902", "903", "904", "999"} { // below its minimum, other business, not yet valid, used up, unknown
		s.buy(t, r, "U-"+id, example, "coupon_id", id).Fails(t, "优惠券不可用")
	}
	require.Equal(t, "2000.00", s.Balance(t, r))
	require.Equal(t, 0, s.Count(t, `SELECT count(*) FROM server_orders WHERE reseller_id = $1`, r.ID))
	require.Equal(t, 1, s.CouponUses(t, 901))
	s.buy(t, r, "U-ok", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"number":2}`,
		"coupon_id", "901").OK(t) // 540.00 reaches the minimum: 490.00
	require.Equal(t, "1510.00", s.Balance(t, r))
	require.Equal(t, 0, s.CouponUses(t, 901))
	s.buy(t, r, "U-again", example, "coupon_id", "901").Fails(t, "优惠券不可用")
	s.Verify(t)
}
