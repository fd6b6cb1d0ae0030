package idc_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
)

func addressList(t *testing.T, o map[string]any) []map[string]string {
	t.Helper()
	var list []map[string]string
	require.NoError(t, json.Unmarshal([]byte(o["ip"].(string)), &list), o["ip"])
	return list
}

func TestAColocationShowsItsAddressesAndStateFromPurchaseToUpgrade(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"sim","delay_ms":0,"name":"idc-extra-ips"}`)
	r := s.NewReseller(t, "5000")
	var c apitest.Created
	s.buy(t, r, "IP-4", `{"ipnum":4}`).Into(t, &c)
	id := c.IDs[0]
	o := s.order(t, r, id)
	require.EqualValues(t, 0, o["order_status"])
	require.EqualValues(t, -1, o["run_status"], "not running before it is racked")
	require.Equal(t, o["buy_time"], o["start_time"], "the purchase time until delivery")

	require.NoError(t, s.do(t, id, jobs.KindProvision, false))
	list := addressList(t, s.order(t, r, id))
	require.Len(t, list, 4)

	s.Post(t, r.Form("idc_upgrade", "guid", fmt.Sprint(id), "ipnumAdd", "4")).OK(t)
	require.NoError(t, s.do(t, id, jobs.KindResize, false))
	grown := addressList(t, s.order(t, r, id))
	require.Len(t, grown, 8, "ipnum 8 after the upgrade's resize")
	require.Equal(t, list, grown[:4], "the addresses it had stay")
}

func TestAColocationUpgradeThatChangesNothingIsRefused(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "5000")
	var c apitest.Created
	s.buy(t, r, "SAME-1", `{}`).Into(t, &c)
	s.Activate(t, "idc", c.IDs[0])
	balance := s.Balance(t, r)
	s.Post(t, r.Form("idc_upgrade", "guid", fmt.Sprint(c.IDs[0]), "defenseAdd", "0")).Fails(t, "升级后的配置与当前配置相同")
	require.Equal(t, balance, s.Balance(t, r))
	require.Zero(t, s.Jobs(t, "idc", c.IDs[0], jobs.KindResize))
}
