package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/lifecycle"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// TestRandomHistoriesKeepTheLedgerWhole runs random sequences of
// purchases, renewals, upgrades, refunds, top-ups and sweeps, with the
// clock moving forward, and checks after each sequence that the ledger sums
// to every balance, every balance_after follows from the one before, and no
// order was refunded more than it paid.
func TestRandomHistoriesKeepTheLedgerWhole(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	sweeper := &lifecycle.Sweeper{DB: s.DB, Jobs: s.App.Jobs, Log: zap.NewNop()}
	ctx := context.Background()
	const sequences, steps = 6, 40
	for seq := 0; seq < sequences; seq++ {
		seed := uint64(seq)*7919 + 17
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		r := s.NewReseller(t, fmt.Sprint(rng.IntN(3000)))
		s.SetNow(apitest.At("2026-01-31 10:00:00"))
		now := apitest.At("2026-01-31 10:00:00")
		var orders []int64
		for step := 0; step < steps; step++ {
			switch op := rng.IntN(7); op {
			case 0, 1:
				content := fmt.Sprintf(`{"cpu":%d,"ram":8,"bandwidth":%d,"harddisksValues":"40,%d","defense":5,"renew_auto":%d}`,
					4+rng.IntN(4), 10+10*rng.IntN(5), 10*(1+rng.IntN(8)), rng.IntN(2))
				var c apitest.Created
				resp := s.buy(t, r, fmt.Sprintf("P-%d-%d", seq, step), content)
				if resp.Code == 1 {
					resp.Into(t, &c)
					orders = append(orders, c.IDs...)
					s.Activate(t, "server", c.IDs...)
				} else {
					require.Equal(t, "余额不足", resp.Msg, "seed %d step %d", seed, step)
				}
			case 2:
				if id, ok := pick(rng, orders); ok {
					s.Post(t, r.Form("server_renew", "guid", fmt.Sprint(id), "renewLength", fmt.Sprint(1+rng.IntN(3))))
				}
			case 3:
				if id, ok := pick(rng, orders); ok {
					s.Post(t, r.Form("server_upgrade", "guid", fmt.Sprint(id), "cpu", fmt.Sprint(8+rng.IntN(8))))
				}
			case 4:
				if id, ok := pick(rng, orders); ok {
					s.Post(t, r.Form("server_refund", "guid", fmt.Sprint(id)))
				}
			case 5:
				topup(t, s.DB, r.ID, decimal.NewFromInt(int64(1+rng.IntN(500))))
			case 6:
				now = now.Add(time.Duration(rng.IntN(40*24)) * time.Hour)
				s.SetNow(now)
				_, err := sweeper.Sweep(ctx, now, false)
				require.NoError(t, err)
			}
		}
		problems, err := billing.Verify(ctx, s.DB)
		require.NoError(t, err)
		require.Empty(t, problems, "seed %d", seed)
	}
}

func pick(rng *rand.Rand, ids []int64) (int64, bool) {
	if len(ids) == 0 {
		return 0, false
	}
	return ids[rng.IntN(len(ids))], true
}

func topup(t *testing.T, db *postgres.DB, resellerID int64, amount decimal.Decimal) {
	t.Helper()
	require.NoError(t, postgres.Tx(context.Background(), db, func(tx pgx.Tx) error {
		_, err := billing.Topup(context.Background(), tx, resellerID, amount, "property test")
		return err
	}))
}

var _ = apitest.Reseller{}
