package sim_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
	_ "github.com/zonkvm/zonkvmd/internal/provider/sim"
)

// open opens the sim through the registry; settings are added to
// {"driver": "sim", "delay_ms": 0, "name": <the test's name>}.
func open(t *testing.T, settings map[string]any) provider.Set {
	t.Helper()
	cfg := map[string]any{"driver": "sim", "delay_ms": 0, "name": t.Name()}
	for k, v := range settings {
		cfg[k] = v
	}
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	set, err := provider.Open(raw, provider.Deps{})
	require.NoError(t, err)
	require.Equal(t, "sim", set.Driver)
	require.NotNil(t, set.VM)
	require.NotNil(t, set.BareMetal)
	require.NotNil(t, set.Panel)
	return set
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func spec(ref string) provider.VMSpec {
	return provider.VMSpec{Ref: ref, CPU: 1, MemoryGB: 1, SystemDiskGB: 20, Image: providertest.Image, Password: "Zk8#sim-pw1"}
}

func TestVMContract(t *testing.T) {
	t.Parallel()
	providertest.VMContract(t, func(t *testing.T) provider.VMDriver { return open(t, nil).VM })
}

func TestBareMetalContract(t *testing.T) {
	t.Parallel()
	providertest.BareMetalContract(t, func(t *testing.T) (provider.BareMetalDriver, provider.Machine) {
		set := open(t, map[string]any{"machines": []string{"12"}})
		return set.BareMetal, provider.Machine{ID: "12", Ref: "zonkvmd-lease-1", BMC: provider.BMC{Password: "bmc-Secret-1"}}
	})
}

func TestBareMetalContractForAMachineKnownByRefOnly(t *testing.T) {
	t.Parallel()
	providertest.BareMetalContract(t, func(t *testing.T) (provider.BareMetalDriver, provider.Machine) {
		return open(t, nil).BareMetal, provider.Machine{Ref: "zonkvmd-idc-3"}
	})
}

func TestPanelContract(t *testing.T) {
	t.Parallel()
	providertest.PanelContract(t, func(t *testing.T) provider.PanelDriver { return open(t, nil).Panel })
}

func TestTwoOpensOfOneLineShareStateAndOtherLinesDoNot(t *testing.T) {
	t.Parallel()
	a, b := open(t, nil).VM, open(t, nil).VM
	other := open(t, map[string]any{"name": t.Name() + "-other"}).VM
	vm, err := a.CreateVM(ctx(t), spec("zonkvmd-server-1"))
	require.NoError(t, err)
	require.NoError(t, b.PowerVM(ctx(t), vm.ID, provider.PowerOff))
	state, err := a.VMState(ctx(t), vm.ID)
	require.NoError(t, err)
	require.Equal(t, provider.StateOff, state)
	_, err = other.VMState(ctx(t), vm.ID)
	require.ErrorIs(t, err, provider.ErrNotFound)
}

func TestVMsGetAddressesFromTheDocumentationRanges(t *testing.T) {
	t.Parallel()
	d := open(t, nil).VM
	public := netip.MustParsePrefix("198.51.100.0/24")
	local := netip.MustParsePrefix("10.0.0.0/8")
	seen := map[string]bool{}
	for i := range 5 {
		vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-"+string(rune('a'+i))))
		require.NoError(t, err)
		require.True(t, public.Contains(netip.MustParseAddr(vm.IP)), vm.IP)
		require.True(t, local.Contains(netip.MustParseAddr(vm.LocalIP)), vm.LocalIP)
		require.False(t, seen[vm.IP], "addresses are not reused")
		seen[vm.IP] = true
		require.Equal(t, "Zk8#sim-pw1", vm.Password)
	}
	noPassword := spec("zonkvmd-server-z")
	noPassword.Password = ""
	vm, err := d.CreateVM(ctx(t), noPassword)
	require.NoError(t, err)
	require.NotEmpty(t, vm.Password, "a password is generated")
}

func TestALineSetToFailCreatesRejectsEveryCreate(t *testing.T) {
	t.Parallel()
	d := open(t, map[string]any{"fail": "create"}).VM
	for range 2 {
		_, err := d.CreateVM(ctx(t), spec("zonkvmd-server-1"))
		require.ErrorIs(t, err, provider.ErrRejected)
	}
}

func TestCallsTakeTimeAndGiveUpWithTheContext(t *testing.T) {
	t.Parallel()
	raw := json.RawMessage(`{"driver":"sim","name":"` + t.Name() + `"}`)
	set, err := provider.Open(raw, provider.Deps{})
	require.NoError(t, err)
	start := time.Now()
	_, err = set.Panel.PHPVersions(ctx(t))
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "the default delay is 50-200 ms")

	c, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = set.VM.VMState(c, "1")
	require.ErrorIs(t, err, provider.ErrUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestTrafficIsTheSameForOneVMAndWindow(t *testing.T) {
	t.Parallel()
	d := open(t, nil).VM
	a, err := d.CreateVM(ctx(t), spec("zonkvmd-server-1"))
	require.NoError(t, err)
	b, err := d.CreateVM(ctx(t), spec("zonkvmd-server-2"))
	require.NoError(t, err)
	to := time.Date(2026, 5, 1, 12, 2, 0, 0, time.UTC)
	from := to.Add(-24 * time.Hour)
	first, err := d.VMTraffic(ctx(t), a.ID, from, to)
	require.NoError(t, err)
	again, err := d.VMTraffic(ctx(t), a.ID, from, to)
	require.NoError(t, err)
	other, err := d.VMTraffic(ctx(t), b.ID, from, to)
	require.NoError(t, err)
	require.Len(t, first, 288)
	require.Equal(t, first, again)
	require.NotEqual(t, first, other)
	require.Equal(t, time.Date(2026, 4, 30, 12, 5, 0, 0, time.UTC), first[0].Time)

	_, err = d.VMTraffic(ctx(t), a.ID, to, from)
	require.ErrorIs(t, err, provider.ErrRejected)
	_, err = d.VMTraffic(ctx(t), a.ID, to.Add(-40*24*time.Hour), to)
	require.ErrorIs(t, err, provider.ErrRejected)
}

func TestConsolesAreFreshSimAddresses(t *testing.T) {
	t.Parallel()
	d := open(t, nil).VM
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-1"))
	require.NoError(t, err)
	a, err := d.VMConsole(ctx(t), vm.ID)
	require.NoError(t, err)
	b, err := d.VMConsole(ctx(t), vm.ID)
	require.NoError(t, err)
	require.Regexp(t, `^https://console\.sim\.invalid/vnc/[0-9a-f]{32}$`, a.URL)
	require.NotEqual(t, a.URL, b.URL)
}

func TestAnUnknownMachineIsNotFoundWhenMachinesAreListed(t *testing.T) {
	t.Parallel()
	bm := open(t, map[string]any{"machines": []string{"12"}}).BareMetal
	_, err := bm.MachineState(ctx(t), provider.Machine{ID: "13"})
	require.ErrorIs(t, err, provider.ErrNotFound)
	_, err = bm.MachineState(ctx(t), provider.Machine{})
	require.ErrorIs(t, err, provider.ErrRejected)
}

func TestPanelSitesAndDatabases(t *testing.T) {
	t.Parallel()
	p := open(t, nil).Panel

	versions, err := p.PHPVersions(ctx(t))
	require.NoError(t, err)
	require.Equal(t, []provider.PHPVersion{{Name: "PHP 56", Version: "56"}, {Name: "PHP 74", Version: "74"}, {Name: "PHP 80", Version: "80"}, {Name: "PHP 81", Version: "81"}, {Name: "PHP 82", Version: "82"}}, versions)

	u, err := p.SoftURL(ctx(t), "phpmyadmin")
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`^https://panel\.sim\.invalid/phpmyadmin_[0-9a-f]{8}/index\.php$`), u)
	again, err := p.SoftURL(ctx(t), "phpmyadmin")
	require.NoError(t, err)
	require.Equal(t, u, again)
	_, err = p.SoftURL(ctx(t), "../etc")
	require.ErrorIs(t, err, provider.ErrRejected)

	s := provider.SiteSpec{Ref: "zonkvmd-hosting-1", Domain: "example.test", PHPVersion: "81",
		FTPUser: "ab_1", FTPPassword: "Zk8#ftp-pw", DBName: "ab_1", DBUser: "ab_1", DBPassword: "Zk8#db-pw", DBCode: "utf8mb4"}
	site, err := p.CreateSite(ctx(t), s)
	require.NoError(t, err)
	require.Equal(t, "example.test", site.Name)
	require.Equal(t, "/www/wwwroot/example.test", site.Path)
	require.NotZero(t, site.FTPID)
	require.NotZero(t, site.DBID)
	same, err := p.CreateSite(ctx(t), s)
	require.NoError(t, err)
	require.Equal(t, site, same, "a retried create finds the site")
	require.NoError(t, p.StopSite(ctx(t), site))
	require.NoError(t, p.StartSite(ctx(t), site))
	require.NoError(t, p.DeleteSite(ctx(t), site))
	require.ErrorIs(t, p.DeleteSite(ctx(t), site), provider.ErrNotFound)
	require.ErrorIs(t, p.StopSite(ctx(t), site), provider.ErrNotFound)
	require.ErrorIs(t, p.DeleteDatabase(ctx(t), provider.Database{ID: site.DBID}), provider.ErrNotFound, "deleted with its site")

	bad := s
	bad.Ref, bad.PHPVersion = "zonkvmd-hosting-2", "99"
	_, err = p.CreateSite(ctx(t), bad)
	require.ErrorIs(t, err, provider.ErrRejected)

	db, err := p.CreateDatabase(ctx(t), provider.DBSpec{Name: "cd_1", User: "cd_1", Password: "Zk8#db-pw", Code: "gbk", Access: "%"})
	require.NoError(t, err)
	dup, err := p.CreateDatabase(ctx(t), provider.DBSpec{Name: "cd_1", User: "cd_1", Password: "Zk8#db-pw"})
	require.NoError(t, err)
	require.Equal(t, db, dup)
	_, err = p.CreateDatabase(ctx(t), provider.DBSpec{Name: "cd_2", Code: "ebcdic"})
	require.ErrorIs(t, err, provider.ErrRejected)
	require.NoError(t, p.DeleteDatabase(ctx(t), db))
	require.ErrorIs(t, p.DeleteDatabase(ctx(t), db), provider.ErrNotFound)
}

func TestBadSettingsAreRefused(t *testing.T) {
	t.Parallel()
	for _, cfg := range []string{
		`{"driver":"sim","delay_ms":-1}`,
		`{"driver":"sim","fail":"delete"}`,
		`{"driver":"sim","machines":"12"}`,
	} {
		_, err := provider.Open(json.RawMessage(cfg), provider.Deps{})
		require.Error(t, err, cfg)
	}
}

func TestAMachineGetsItsExtraAddressesOnce(t *testing.T) {
	t.Parallel()
	set := open(t, nil)
	m := provider.Machine{Ref: "zonkvmd-lease-9", IPNum: 3}
	providertest.MachineAddressesContract(t, 2, func(*testing.T) (provider.BareMetalDriver, provider.Machine) { return set.BareMetal, m })
	first, err := set.BareMetal.MachineAddresses(context.Background(), m)
	require.NoError(t, err)
	again, err := set.BareMetal.MachineAddresses(context.Background(), m)
	require.NoError(t, err)
	require.Equal(t, first, again, "the same addresses every time")
	other, err := set.BareMetal.MachineAddresses(context.Background(), provider.Machine{Ref: "zonkvmd-lease-10", IPNum: 2})
	require.NoError(t, err)
	require.Len(t, other.Extra, 1)
	require.NotContains(t, first.Extra, other.Extra[0], "two machines never share an address")
}
