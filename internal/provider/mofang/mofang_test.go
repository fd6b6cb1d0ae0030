package mofang_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/mofang"
	"github.com/zonkvm/zonkvmd/internal/provider/mofang/fake"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

const (
	user     = "dcim-api"
	password = "Dc1m-S3cret!"
)

// setup runs a fake with one server and the contract images in os_map, and
// opens the driver on it through the registry.
func setup(t *testing.T, cfg fake.Config) (*fake.Server, provider.BareMetalDriver, provider.Machine) {
	t.Helper()
	cfg.Username, cfg.Password = user, password
	srv := fake.Start(t, cfg)
	id := srv.AddMachine(3)
	osMap := map[string]int{providertest.Image: srv.AddImage("Debian 12"), providertest.ReinstallImage: srv.AddImage("Ubuntu 22.04")}
	d := open(t, srv, map[string]any{"os_map": osMap})
	return srv, d, provider.Machine{ID: strconv.Itoa(id), Ref: "zonkvmd-lease-7",
		BMC: provider.BMC{Host: "10.1.2.3", Port: 623, Username: "ADMIN", Password: "bmc-Secret-9"}}
}

func open(t *testing.T, srv *fake.Server, settings map[string]any) provider.BareMetalDriver {
	t.Helper()
	cfg := map[string]any{"driver": "mofang", "url": srv.BaseURL(), "username": user, "password": password}
	for k, v := range settings {
		cfg[k] = v
	}
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	set, err := provider.Open(raw, provider.Deps{HTTP: srv.Client()})
	require.NoError(t, err)
	require.Equal(t, "mofang", set.Driver)
	require.Nil(t, set.VM)
	require.NotNil(t, set.BareMetal)
	return set.BareMetal
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestContract(t *testing.T) {
	t.Parallel()
	providertest.BareMetalContract(t, func(t *testing.T) (provider.BareMetalDriver, provider.Machine) {
		_, d, m := setup(t, fake.Config{Prefix: "/dcim"})
		return d, m
	})
}

func TestContractWithOneServerThroughout(t *testing.T) {
	t.Parallel()
	_, d, m := setup(t, fake.Config{TrafficUnit: "Kbps"})
	providertest.BareMetalContract(t, func(*testing.T) (provider.BareMetalDriver, provider.Machine) { return d, m })
}

func TestEveryCallCarriesTheAccountAndTheMachine(t *testing.T) {
	t.Parallel()
	srv, d, m := setup(t, fake.Config{Prefix: "/dcim"})
	require.NoError(t, d.PowerMachine(ctx(t), m, provider.HardOff))
	require.NoError(t, d.ReinstallMachine(ctx(t), m, provider.Install{Image: providertest.Image, Password: "Zk8#reinstall", Port: 2022, Partition: "first"}))

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		require.Equal(t, "api", r.Query.Get("m"))
		require.Equal(t, user, r.Form.Get("username"))
		require.Equal(t, password, r.Form.Get("password"))
		require.Equal(t, m.ID, r.Form.Get("id"))
		require.Equal(t, "7", r.Form.Get("hostid"), "hostid is the numeric host (order) id")
		require.Empty(t, r.Query.Get("password"), "credentials go in the body, not the URL")
	}
	require.Equal(t, "ipmiOff", reqs[0].Action)
	require.Equal(t, "reinstallSystem", reqs[1].Action)
	require.Equal(t, "Zk8#reinstall", reqs[1].Form.Get("rootpass"))
	require.Equal(t, "2022", reqs[1].Form.Get("port"))
	require.Equal(t, "1", reqs[1].Form.Get("part_type"))

	id, _ := strconv.Atoi(m.ID)
	got, _ := srv.Machine(id)
	require.Equal(t, 1, got.Reinstalls)
	require.Equal(t, 1, got.PartType)
}

func TestTheDCIMErrorShapeIsRejectedWithItsMessage(t *testing.T) {
	t.Parallel()
	srv, d, m := setup(t, fake.Config{})
	err := d.SetMachinePassword(ctx(t), m, "short")
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "密码长度不能少于6位")
	require.NotContains(t, err.Error(), "short")

	id, _ := strconv.Atoi(m.ID)
	srv.SetPower(id, "nonsupport")
	state, err := d.MachineState(ctx(t), m)
	require.NoError(t, err)
	require.Equal(t, provider.StateUnknown, state)
	err = d.PowerMachine(ctx(t), m, provider.PowerOn)
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "不支持IPMI")

	err = d.ReinstallMachine(ctx(t), m, provider.Install{Image: "777", Password: "Zk8#reinstall"})
	require.ErrorIs(t, err, provider.ErrRejected, "an image id the DCIM lacks")
	require.Contains(t, err.Error(), "操作系统不存在")
	err = d.ReinstallMachine(ctx(t), m, provider.Install{Image: "windows-xp", Password: "Zk8#reinstall"})
	require.ErrorIs(t, err, provider.ErrRejected, "an image neither in os_map nor an id")
}

func TestBadCredentialsAreRejectedWithoutEchoingThem(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t, fake.Config{})
	d := open(t, srv, map[string]any{"password": "wrong-pass-123"})
	_, err := d.MachineState(ctx(t), m)
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "用户名或密码错误")
	require.NotContains(t, err.Error(), "wrong-pass-123")
}

func TestServerErrorsGarbageAndTimeoutsAreUnavailable(t *testing.T) {
	t.Parallel()
	srv, d, m := setup(t, fake.Config{})
	srv.FailNext(1, 502)
	_, err := d.MachineState(ctx(t), m)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	srv.GarbageNext(1)
	require.ErrorIs(t, d.PowerMachine(ctx(t), m, provider.PowerOn), provider.ErrUnavailable)

	srv.SetDelay(2 * time.Second)
	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = d.MachineState(c, m)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	srv.SetDelay(0)
	state, err := d.MachineState(ctx(t), m)
	require.NoError(t, err, "the faults have passed")
	require.Equal(t, provider.StateOn, state)
}

func TestAWrongURLIsRejected(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t, fake.Config{Prefix: "/dcim"})
	d := open(t, srv, map[string]any{"url": srv.URL + "/elsewhere"})
	_, err := d.MachineState(ctx(t), m)
	require.ErrorIs(t, err, provider.ErrRejected)
}

func TestConsoleIsTheRoomsWebsockify(t *testing.T) {
	t.Parallel()
	srv, d, m := setup(t, fake.Config{Prefix: "/dcim"})
	c, err := d.MachineConsole(ctx(t), m)
	require.NoError(t, err)
	prefix := "ws://" + strings.TrimPrefix(srv.URL, "http://") + "/dcim/websockify_3?token="
	require.True(t, strings.HasPrefix(c.URL, prefix), "%s does not start with %s", c.URL, prefix)
	require.NotContains(t, c.URL, password)
	require.NotContains(t, c.URL, user)
	require.WithinDuration(t, time.Now().Add(5*time.Minute), c.ExpireAt, time.Minute)

	// The link carries the session's pass, as ZJMF's console page does.
	id, _ := strconv.Atoi(m.ID)
	got, _ := srv.Machine(id)
	require.NotEmpty(t, got.VNCPass)
	require.Equal(t, got.VNCPass, c.Password)
	u, err := url.Parse(c.URL)
	require.NoError(t, err)
	require.Equal(t, got.VNCPass, u.Query().Get("password"))
	require.NotEmpty(t, u.Query().Get("token"))
}

func TestTrafficIsConvertedFromTheChartUnit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var got [2][]provider.TrafficPoint
	for i, unit := range []string{"Mbps", "bps"} {
		_, d, m := setup(t, fake.Config{TrafficUnit: unit, Now: func() time.Time { return now }})
		pts, err := d.MachineTraffic(ctx(t), m, now.Add(-time.Hour), now)
		require.NoError(t, err)
		require.Len(t, pts, 13, "12:00 back to 11:00 in 5-minute steps")
		require.Equal(t, now.Add(-time.Hour), pts[0].Time)
		require.Equal(t, now, pts[12].Time)
		got[i] = pts
	}
	for i := range got[0] {
		require.InDelta(t, got[1][i].InBps, got[0][i].InBps, 10000, "Mbps with two decimals is within 10 kbit/s of bps")
		require.Greater(t, got[0][i].InBps, int64(1e6))
		require.Greater(t, got[0][i].InBps, got[0][i].OutBps)
	}
}

func TestAMachineWithoutADCIMIDIsRejected(t *testing.T) {
	t.Parallel()
	_, d, m := setup(t, fake.Config{})
	m.ID = ""
	require.ErrorIs(t, d.PowerMachine(ctx(t), m, provider.PowerOn), provider.ErrRejected)
	m.ID = "abc"
	require.ErrorIs(t, d.PowerMachine(ctx(t), m, provider.PowerOn), provider.ErrNotFound)
}

func TestConfigErrorsNameTheSettingNotItsValue(t *testing.T) {
	t.Parallel()
	for _, cfg := range []string{
		`{"driver":"mofang","username":"u","password":"topsecret"}`,
		`{"driver":"mofang","url":"https://u:topsecret@x","username":"u","password":"topsecret"}`,
		`{"driver":"mofang","url":"https://x","password":"topsecret"}`,
		`{"driver":"mofang","url":"https://x","username":"u","password":"topsecret","os_map":{"a":{}}}`,
	} {
		_, err := mofang.Open(json.RawMessage(cfg), provider.Deps{})
		require.Error(t, err, cfg)
		require.NotContains(t, err.Error(), "topsecret")
	}
}

func TestAMachineWhoseRefEndsInNoOrderIDIsRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	srv, d, m := setup(t, fake.Config{})
	for _, ref := range []string{"", "zonkvmd-lease-", "zonkvmd-lease-x7", "zonkvmd-lease-07", "zonkvmd-lease-+7"} {
		m.Ref = ref
		require.ErrorIs(t, d.PowerMachine(ctx(t), m, provider.PowerOn), provider.ErrRejected, "ref %q", ref)
	}
	require.Empty(t, srv.Requests())
}

func TestTheFakeRefusesAHostidThatIsNoNumber(t *testing.T) {
	t.Parallel()
	srv, _, m := setup(t, fake.Config{})
	for _, hostid := range []string{"zonkvmd-lease-7", "", "0", "07"} {
		body := url.Values{"username": {user}, "password": {password}, "id": {m.ID}, "hostid": {hostid}}
		res, err := srv.Client().PostForm(srv.BaseURL()+"/index.php?m=api&a=ipmiOn", body)
		require.NoError(t, err)
		var answer map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&answer))
		res.Body.Close()
		require.Equal(t, map[string]any{"status": "error", "msg": "hostid参数错误"}, answer, "hostid %q", hostid)
	}
}

func TestAddressesAreTheDCIMsAsZJMFReadsThem(t *testing.T) {
	t.Parallel()
	srv, d, m := setup(t, fake.Config{})
	id, _ := strconv.Atoi(m.ID)
	srv.SetIPs(id, "192.0.2.50", "192.0.2.51", "192.0.2.52")
	providertest.MachineAddressesContract(t, 2, func(*testing.T) (provider.BareMetalDriver, provider.Machine) { return d, m })
	a, err := d.MachineAddresses(ctx(t), m)
	require.NoError(t, err)
	require.Equal(t, provider.Addresses{IP: "192.0.2.50", Extra: []string{"192.0.2.51", "192.0.2.52"}}, a)
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	require.Equal(t, "serverDetailed", last.Action)
	require.Equal(t, m.ID, last.Form.Get("id"))
	require.False(t, last.Form.Has("hostid"), "ZJMF asks serverDetailed by id only")
}
