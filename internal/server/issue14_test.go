package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/server"
)

// debianWindows makes the example catalogue's two systems the issue's:
// CentOS stands for a Debian that needs a 20 G system disk, the 2016
// system for a Windows that needs 50 G.
func debianWindows(t *testing.T, s *shop) {
	t.Helper()
	s.Exec(t, `UPDATE systems SET system_harddisk = 20 WHERE guid = $1`, centOS)
	s.Exec(t, `UPDATE systems SET system_harddisk = 50 WHERE guid = $1`, systemGUID)
}

func TestAReinstallToASystemNeedingABiggerSystemDiskIsRefused(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	debianWindows(t, s)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "DEB-1", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"20,50","defense":5}`,
		"system_guid", centOS).Into(t, &c)
	id := c.IDs[0]
	s.Activate(t, "server", id)

	s.Env.Call(t, r, "server_install", id, "systemID", systemGUID, "password", "Changed#2026").
		Fails(t, "参数错误: systemID 系统盘不足")
	require.Zero(t, s.Jobs(t, "server", id, jobs.KindInstall), "nothing written")
	require.EqualValues(t, 0, getServer(t, s.Env, r, id)["actStatus"])
	s.Env.Call(t, r, "server_install", id, "systemID", centOS, "password", "Changed#2026").OK(t)
}

func TestAnOrderBelowItsSystemsSmallestDiskStillRenewsAndUpgrades(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	debianWindows(t, s)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "DEB-2", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"20,50","defense":5}`,
		"system_guid", centOS).Into(t, &c)
	id := c.IDs[0]
	s.Activate(t, "server", id)
	// As a reinstall before the check left it: Windows on a 20 G disk.
	s.Exec(t, `UPDATE server_orders SET system_id = (SELECT id FROM systems WHERE guid = $2) WHERE id = $1`, id, systemGUID)

	var renewed apitest.Charged
	s.Env.Call(t, r, "server_renew", id, "renewLength", "1").Into(t, &renewed)
	require.Equal(t, c.Amount, renewed.Amount, "priced as bought")
	var upgraded apitest.Charged
	s.Env.Call(t, r, "server_upgrade", id, "cpu", "8").Into(t, &upgraded)
	require.NotEqual(t, "0.00", upgraded.Amount)

	// Expired, it still renews.
	s.Exec(t, `UPDATE server_orders SET order_status = 3, run_status = -2 WHERE id = $1`, id)
	s.Env.Call(t, r, "server_renew", id, "renewLength", "1").OK(t)
	s.Verify(t)
}

func TestAnUpgradeThatChangesNothingIsRefused(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "SAME-1", example).Into(t, &c)
	id := c.IDs[0]
	s.Activate(t, "server", id)
	before := s.Balance(t, r)
	s.Env.Call(t, r, "server_upgrade", id).Fails(t, "升级后的配置与当前配置相同")
	s.Env.Call(t, r, "server_upgrade", id, "cpu", "4", "harddisks", "40,80").Fails(t, "升级后的配置与当前配置相同")
	require.Equal(t, before, s.Balance(t, r))
	require.Zero(t, s.Jobs(t, "server", id, jobs.KindResize))
	s.Env.Call(t, r, "server_upgrade", id, "harddisks", "40,80,10").OK(t)
}

func TestAServerNotYetDeliveredIsNotRunning(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "PEND-1", example).Into(t, &c)
	order := getServer(t, s.Env, r, c.IDs[0])
	require.EqualValues(t, 0, order["orderStatus"])
	require.EqualValues(t, -1, order["runStatus"], "开通中: not running yet")
	s.Activate(t, "server", c.IDs[0]) // as its provisioning would, with run_status 1
	require.EqualValues(t, 1, getServer(t, s.Env, r, c.IDs[0])["runStatus"])
}

func TestExtraAddressesAreShownInAppendIP(t *testing.T) {
	t.Parallel()
	env := liveShop(t, `{"driver":"sim","delay_ms":0,"name":"append-ip"}`) // its own simulator: refs are per database
	r := env.NewReseller(t, "1000")
	var c apitest.Created
	env.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "IP-3", "line_guid", lineGUID,
		"system_guid", systemGUID, "content", `{"cpu":4,"ram":8,"bandwidth":20,"harddisksValues":"40,80","defense":5,"ip_num":3}`)).Into(t, &c)
	order := waitForStatus(t, env, r, c.IDs[0], 1)
	require.EqualValues(t, 1, order["runStatus"])
	var extra []string
	require.NoError(t, json.Unmarshal([]byte(order["append_ip"].(string)), &extra), order["append_ip"])
	require.Len(t, extra, 2, "ip_num 3: the main ip and two more")
	require.NotContains(t, extra, order["ip"])

	env.Post(t, r.Form("create_order", "obj_type", "create_server", "order_id", "IP-1", "line_guid", lineGUID,
		"system_guid", systemGUID, "content", example)).Into(t, &c)
	order = waitForStatus(t, env, r, c.IDs[0], 1)
	require.Equal(t, "[]", order["append_ip"])
}

// A power job that lost a race with a refund: it read the order 正常, the
// provider then failed it for good, and meanwhile the order was refunded.
// The refund's reason stays.
func TestAFailedJobThatLostARaceWithARefundKeepsTheRefundsReason(t *testing.T) {
	t.Parallel()
	s := newFaultShop(t)
	engine := *s.jobs.Engine
	engine.Providers.HTTP = &http.Client{Timeout: 5 * time.Second}
	slow := &server.Service{DB: s.DB, Box: s.jobs.Box, Engine: &engine}
	id := s.bought(t, "RACE-R", true)

	s.Env.Call(t, s.r, "server_restart", id).OK(t)
	s.fake.SetDelay(time.Minute) // the restart hangs until the client gives up
	seen := len(s.fake.Requests())
	done := make(chan error, 1)
	go func() { done <- apitest.Attempt(s.DB, slow.Jobs(), "server", id, jobs.KindRestart, jobs.MaxAttempts) }()
	require.Eventually(t, func() bool { return len(s.fake.Requests()) > seen }, 5*time.Second, 5*time.Millisecond)
	s.Env.Call(t, s.r, "server_refund", id).OK(t) // while the provider holds the restart
	err := <-done
	apitest.RequireGivenUp(t, err)
	s.fake.SetDelay(0)
	require.Equal(t, "refunded", statusReason(t, s.Env, id))
	require.EqualValues(t, -2, getServer(t, s.Env, s.r, id)["orderStatus"])

	// And by hand: the orderflow rule itself.
	require.NoError(t, s.jobs.Engine.FailOperation(context.Background(), orderflow.Server, id, "restart",
		errors.New("resource not found")))
	require.Equal(t, "refunded", statusReason(t, s.Env, id))
	require.NoError(t, apitest.Do(s.jobs.Jobs(), "server", id, jobs.KindStop, true))
	require.Equal(t, "refunded", statusReason(t, s.Env, id), fmt.Sprint("order ", id))
}

func TestARenewalRefusedByANarrowedLineNamesNoParameter(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	r := s.NewReseller(t, "1000")
	var c apitest.Created
	s.buy(t, r, "NARROW-1", example).Into(t, &c) // harddisks 40,80
	s.Activate(t, "server", c.IDs[0])
	s.Exec(t, `UPDATE server_lines SET harddisk_max_size = 50 WHERE guid = $1`, lineGUID)
	s.Env.Call(t, r, "server_renew", c.IDs[0], "renewLength", "1").Fails(t, "订单当前配置已不在线路可选范围内,请联系客服")
	s.Env.Call(t, r, "server_upgrade", c.IDs[0], "cpu", "8").Fails(t, "订单当前配置已不在线路可选范围内,请联系客服")
	require.Equal(t, "730.00", s.Balance(t, r))
}
