package orderflow_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// A provider that refuses a purchase with a long Chinese message ends it:
// refunded in full, deleted, and the reason kept, cut on a character
// boundary (a cut inside a character made PostgreSQL refuse the update, and
// the refund with it).
func TestAPurchaseRefusedWithALongChineseReasonIsRefunded(t *testing.T) {
	s := apitest.NewShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "LONG-REASON",
		"line_guid", "1696808021765605", "system_guid", "1659170726623836",
		"content", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"ip_num":1}`)).Into(t, &c)
	require.Equal(t, "730.00", c.Balance)

	reason := strings.Repeat("创建失败", 375) // 1,500 characters, 4,500 bytes
	require.Equal(t, 1500, utf8.RuneCountInString(reason))
	err := s.App.Engine.ProvisionOutcome(context.Background(), orderflow.Server, c.IDs[0], false,
		fmt.Errorf("魔方云: %s: %w", reason, provider.ErrRejected), nil)
	var cancel *river.JobCancelError
	require.True(t, errors.As(err, &cancel), "the job ends: %v", err)

	var status int
	var kept, balance string
	require.NoError(t, s.DB.QueryRow(context.Background(), `SELECT o.order_status, o.status_reason, a.balance::text
		FROM server_orders o JOIN accounts a ON a.reseller_id = o.reseller_id WHERE o.id = $1`, c.IDs[0]).
		Scan(&status, &kept, &balance))
	require.Equal(t, orderflow.OrderDeleted, status)
	require.Equal(t, "1000.00", balance, "refunded in full")
	require.True(t, utf8.ValidString(kept))
	require.True(t, strings.HasPrefix(kept, "provisioning failed: 魔方云: 创建失败"), kept)
	require.LessOrEqual(t, len(kept), 1000)
	require.Greater(t, len(kept), 990, "as much of the reason as fits")
	s.Verify(t)
}
