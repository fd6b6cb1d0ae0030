package providertest

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// VMContract checks a VMDriver: power and state, idempotent create by Ref,
// delete (twice: ErrNotFound), ErrNotFound on unknown ids, reinstall,
// passwords, the console address, traffic points and security rules. open
// is called once per subtest (which run in parallel, each on its own VM).
func VMContract(t *testing.T, open func(t *testing.T) provider.VMDriver) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, provider.VMDriver)
	}{
		{"power cycle", vmPowerCycle},
		{"create twice with one ref gives one VM", vmCreateTwice},
		{"delete twice answers ErrNotFound", vmDeleteTwice},
		{"unknown ids answer ErrNotFound", unknownVM},
		{"reinstall and passwords", vmReinstall},
		{"console is short-lived and carries no password", vmConsole},
		{"traffic points are 5 minutes apart within the window", vmTraffic},
		{"rules round-trip", rulesRoundTrip},
		{"resize grows and keeps the VM running", vmResize},
		{"extra addresses follow ip_num", vmAddresses},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open(t))
		})
	}
}

func vmPowerCycle(t *testing.T, d provider.VMDriver) {
	vm := create(t, d, newSpec())
	state := func() (provider.PowerState, error) { return d.VMState(ctx(t), vm.ID) }
	eventually(t, "after create", provider.StateOn, state)
	for _, step := range []struct {
		op   provider.PowerOp
		want provider.PowerState
	}{
		{provider.PowerOff, provider.StateOff},
		{provider.PowerOn, provider.StateOn},
		{provider.Reboot, provider.StateOn},
		{provider.HardOff, provider.StateOff},
		{provider.PowerOn, provider.StateOn},
		{provider.HardReboot, provider.StateOn},
	} {
		require.NoError(t, d.PowerVM(ctx(t), vm.ID, step.op), "power %s", step.op)
		eventually(t, "after "+string(step.op), step.want, state)
	}
}

func vmCreateTwice(t *testing.T, d provider.VMDriver) {
	spec := newSpec()
	first := create(t, d, spec)
	require.NotEmpty(t, first.ID)
	require.NotEmpty(t, first.IP)
	require.NotEmpty(t, first.Password)
	second, err := d.CreateVM(ctx(t), spec)
	require.NoError(t, err)
	require.Equal(t, first.ID, second.ID)
	require.Equal(t, first.IP, second.IP)
}

func vmDeleteTwice(t *testing.T, d provider.VMDriver) {
	vm := create(t, d, newSpec())
	require.NoError(t, d.DeleteVM(ctx(t), vm.ID))
	require.ErrorIs(t, d.DeleteVM(ctx(t), vm.ID), provider.ErrNotFound)
	_, err := d.VMState(ctx(t), vm.ID)
	require.ErrorIs(t, err, provider.ErrNotFound)
}

func vmReinstall(t *testing.T, d provider.VMDriver) {
	vm := create(t, d, newSpec())
	require.NoError(t, d.ReinstallVM(ctx(t), vm.ID, ReinstallImage, reinstallPassword, 2222))
	eventually(t, "after reinstall", provider.StateOn, func() (provider.PowerState, error) { return d.VMState(ctx(t), vm.ID) })
	require.NoError(t, d.SetVMPassword(ctx(t), vm.ID, resetPassword))
	supported(t, d.SetVNCPassword(ctx(t), vm.ID, vncPassword), "SetVNCPassword")
}

func vmConsole(t *testing.T, d provider.VMDriver) {
	vm := create(t, d, newSpec())
	c, err := d.VMConsole(ctx(t), vm.ID)
	require.NoError(t, err)
	checkConsole(t, c, createPassword, vm.Password)
}

func vmTraffic(t *testing.T, d provider.VMDriver) {
	vm := create(t, d, newSpec())
	to := time.Now()
	from := to.Add(-2 * time.Hour)
	pts, err := d.VMTraffic(ctx(t), vm.ID, from, to)
	require.NoError(t, err)
	checkTraffic(t, pts, from, to)
}

func vmResize(t *testing.T, d provider.VMDriver) {
	spec := newSpec()
	vm := create(t, d, spec)
	bigger := spec
	bigger.CPU, bigger.MemoryGB, bigger.SystemDiskGB = 4, 4, 40
	bigger.DataDisksGB = []int{20}
	bigger.BandwidthMbps, bigger.InBandwidthMbps = 10, 20
	require.NoError(t, d.ResizeVM(ctx(t), vm.ID, bigger))
	eventually(t, "after resize", provider.StateOn, func() (provider.PowerState, error) { return d.VMState(ctx(t), vm.ID) })
	smaller := bigger
	smaller.SystemDiskGB = 10
	require.ErrorIs(t, d.ResizeVM(ctx(t), vm.ID, smaller), provider.ErrRejected, "a disk cannot shrink")
}

// newSpec is a small VM with a fresh Ref.
func newSpec() provider.VMSpec {
	return provider.VMSpec{
		Ref: newRef(), CPU: 2, MemoryGB: 2, SystemDiskGB: 20, DataDisksGB: []int{10},
		BandwidthMbps: 5, InBandwidthMbps: 10, IPNum: 1, Image: Image,
		Password: createPassword, Port: 22, Owner: "7",
	}
}

// create makes a VM and deletes it when the test ends.
func create(t *testing.T, d provider.VMDriver, spec provider.VMSpec) provider.VM {
	t.Helper()
	vm, err := d.CreateVM(ctx(t), spec)
	require.NoError(t, err)
	require.NotEmpty(t, vm.ID)
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = d.DeleteVM(c, vm.ID)
	})
	return vm
}

func unknownVM(t *testing.T, d provider.VMDriver) {
	id := UnknownID
	notFound := func(what string, err error) {
		t.Helper()
		require.ErrorIs(t, err, provider.ErrNotFound, what)
	}
	notFound("DeleteVM", d.DeleteVM(ctx(t), id))
	notFound("PowerVM", d.PowerVM(ctx(t), id, provider.PowerOn))
	_, err := d.VMState(ctx(t), id)
	notFound("VMState", err)
	notFound("ReinstallVM", d.ReinstallVM(ctx(t), id, Image, reinstallPassword, 22))
	notFound("SetVMPassword", d.SetVMPassword(ctx(t), id, resetPassword))
	if err := d.SetVNCPassword(ctx(t), id, vncPassword); !errors.Is(err, provider.ErrUnsupported) {
		notFound("SetVNCPassword", err)
	}
	_, err = d.VMConsole(ctx(t), id)
	notFound("VMConsole", err)
	_, err = d.VMAddresses(ctx(t), id)
	notFound("VMAddresses", err)
	notFound("ResizeVM", d.ResizeVM(ctx(t), id, newSpec()))
	_, err = d.VMTraffic(ctx(t), id, time.Now().Add(-time.Hour), time.Now())
	notFound("VMTraffic", err)
	_, err = d.ListRules(ctx(t), id)
	notFound("ListRules", err)
	_, err = d.AddRule(ctx(t), id, webRule())
	notFound("AddRule", err)
	notFound("DeleteRule", d.DeleteRule(ctx(t), id, "1"))
}

func webRule() provider.Rule {
	return provider.Rule{Name: "web", Direction: "Inbound", Protocol: "tcp", Action: "allow",
		RemoteIP: "203.0.113.0/24", LocalPort: "8000-8080", Weight: 90}
}

func rulesRoundTrip(t *testing.T, d provider.VMDriver) {
	vm := create(t, d, newSpec())
	rules, err := d.ListRules(ctx(t), vm.ID)
	require.NoError(t, err)
	require.Empty(t, rules)

	web, err := d.AddRule(ctx(t), vm.ID, webRule())
	require.NoError(t, err)
	require.NotEmpty(t, web.ID)
	ping := provider.Rule{Name: "no ping out", Direction: "Outbound", Protocol: "icmp", Action: "deny",
		RemoteIP: "0.0.0.0/0", Weight: 1000}
	block, err := d.AddRule(ctx(t), vm.ID, ping)
	require.NoError(t, err)
	require.NotEqual(t, web.ID, block.ID)

	rules, err = d.ListRules(ctx(t), vm.ID)
	require.NoError(t, err)
	require.Len(t, rules, 2)
	byID := map[string]provider.Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	for _, want := range []struct {
		id   string
		rule provider.Rule
	}{{web.ID, webRule()}, {block.ID, ping}} {
		got, found := byID[want.id]
		require.True(t, found, "rule %s is not listed", want.id)
		want.rule.ID = want.id
		require.Equal(t, want.rule, got)
	}

	require.NoError(t, d.DeleteRule(ctx(t), vm.ID, web.ID))
	rules, err = d.ListRules(ctx(t), vm.ID)
	require.NoError(t, err)
	require.Len(t, rules, 1)
	require.Equal(t, block.ID, rules[0].ID)
	require.ErrorIs(t, d.DeleteRule(ctx(t), vm.ID, web.ID), provider.ErrNotFound)
}

// vmAddresses checks the extra addresses of a VM bought with three: the
// create reports two besides its main one, VMAddresses the same, and a
// resize to two keeps the main address and one of them.
func vmAddresses(t *testing.T, d provider.VMDriver) {
	spec := newSpec()
	spec.IPNum = 3
	vm := create(t, d, spec)
	a, err := d.VMAddresses(ctx(t), vm.ID)
	require.NoError(t, err)
	require.Equal(t, vm.IP, a.IP)
	require.ElementsMatch(t, vm.ExtraIPs, a.Extra)
	checkAddresses(t, a, 2)

	spec.IPNum = 2
	require.NoError(t, d.ResizeVM(ctx(t), vm.ID, spec))
	b, err := d.VMAddresses(ctx(t), vm.ID)
	require.NoError(t, err)
	require.Equal(t, a.IP, b.IP, "the main address stays")
	checkAddresses(t, b, 1)
	require.Subset(t, a.Extra, b.Extra, "a kept address does not change")
}

// checkAddresses checks a machine's addresses: a main one and extra ones
// that are distinct valid addresses, none the main one.
func checkAddresses(t *testing.T, a provider.Addresses, extra int) {
	t.Helper()
	_, err := netip.ParseAddr(a.IP)
	require.NoError(t, err, "main address %q", a.IP)
	require.Len(t, a.Extra, extra, "extra addresses %v", a.Extra)
	seen := map[string]bool{a.IP: true}
	for _, ip := range a.Extra {
		_, err := netip.ParseAddr(ip)
		require.NoError(t, err, "extra address %q", ip)
		require.False(t, seen[ip], "address %s twice in %v (main %s)", ip, a.Extra, a.IP)
		seen[ip] = true
	}
}
