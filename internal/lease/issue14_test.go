package lease_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
)

type address struct {
	IP      string `json:"ip"`
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway"`
}

func addresses(t *testing.T, o map[string]any) []address {
	t.Helper()
	var list []address
	require.NoError(t, json.Unmarshal([]byte(o["ip"].(string)), &list), o["ip"])
	return list
}

func TestALeasesExtraAddressesComeFromTheProvider(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.useDriver(t, `{"driver":"sim","delay_ms":0,"name":"lease-extra-ips"}`)
	r := s.NewReseller(t, "20000")
	var c apitest.Created
	s.buy(t, r, "IP-4", example).Into(t, &c) // ip_num 4
	id := c.IDs[0]
	o := s.order(t, r, id)
	require.EqualValues(t, 0, o["order_status"])
	require.EqualValues(t, -1, o["run_status"], "not running before delivery")
	require.Equal(t, o["buy_time"], o["start_time"], "the purchase time until delivery")
	main := addresses(t, o)
	require.Len(t, main, 1, "the inventory machine's own address")

	s.SetNow(apitest.At("2026-01-01 00:05:00"))
	require.NoError(t, s.do(t, id, jobs.KindProvision, false))
	o = s.order(t, r, id)
	require.EqualValues(t, 1, o["run_status"])
	require.Equal(t, "2026-01-01 00:05:00", o["start_time"])
	list := addresses(t, o)
	require.Len(t, list, 4, "ip_num 4: the machine's address and three more")
	require.Equal(t, main[0], list[0])
	for _, a := range list[1:] {
		require.NotEmpty(t, a.IP)
		require.NotEqual(t, main[0].IP, a.IP)
	}

	s.Post(t, r.Form("lease_upgrade", "guid", fmt.Sprint(id), "ipnumAdd", "4")).OK(t)
	require.NoError(t, s.do(t, id, jobs.KindResize, false))
	grown := addresses(t, s.order(t, r, id))
	require.Len(t, grown, 8, "ip_num 8 after the upgrade's resize")
	require.Equal(t, list, grown[:4], "the addresses it had stay")
}

func TestALeaseUpgradeThatChangesNothingIsRefused(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "20000")
	var c apitest.Created
	s.buy(t, r, "SAME-1", example).Into(t, &c)
	s.Activate(t, "lease", c.IDs[0])
	id := fmt.Sprint(c.IDs[0])
	balance := s.Balance(t, r)
	s.Post(t, r.Form("lease_upgrade", "guid", id)).Fails(t, "升级后的配置与当前配置相同")
	s.Post(t, r.Form("lease_upgrade", "guid", id, "ipnumAdd", "0", "bandwidthAdd", "0")).Fails(t, "升级后的配置与当前配置相同")
	require.Equal(t, balance, s.Balance(t, r))
	require.Zero(t, s.Jobs(t, "lease", c.IDs[0], jobs.KindResize))
}
