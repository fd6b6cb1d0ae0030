package mofangyun_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/mofangyun"
	"github.com/zonkvm/zonkvmd/internal/provider/mofangyun/fake"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

const (
	user     = "reseller"
	password = "Pr0vider-S3cret!"
)

// setup runs a fake under a sub-directory with the contract images (the
// first in os_map, the second found by images/search) and opens the driver
// on it through the registry.
func setup(t *testing.T, extra map[string]any) (*fake.Server, provider.VMDriver) {
	t.Helper()
	srv := fake.Start(t, fake.Config{Username: user, Password: password, Prefix: "/cloud"})
	img := srv.AddImage(providertest.Image)
	srv.AddImage(providertest.ReinstallImage)
	return srv, open(t, srv, map[string]any{"os_map": map[string]int{providertest.Image: img}}, extra)
}

func open(t *testing.T, srv *fake.Server, settings ...map[string]any) provider.VMDriver {
	t.Helper()
	cfg := map[string]any{"driver": "mofangyun", "url": srv.BaseURL(), "username": user, "password": password, "node": 3}
	for _, s := range settings {
		for k, v := range s {
			cfg[k] = v
		}
	}
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	set, err := provider.Open(raw, provider.Deps{HTTP: srv.Client()})
	require.NoError(t, err)
	require.Equal(t, "mofangyun", set.Driver)
	require.Nil(t, set.BareMetal)
	require.NotNil(t, set.VM)
	return set.VM
}

func spec(ref string) provider.VMSpec {
	return provider.VMSpec{Ref: ref, CPU: 2, MemoryGB: 2, SystemDiskGB: 20, DataDisksGB: []int{10, 30},
		BandwidthMbps: 5, IPNum: 1, Image: providertest.Image, Password: "Zk8#pw-test1", Port: 22, Owner: "7"}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestContractWithAFakePerSubtest(t *testing.T) {
	t.Parallel()
	providertest.VMContract(t, func(t *testing.T) provider.VMDriver {
		_, d := setup(t, nil)
		return d
	})
}

func TestContractWithOneDriverForAll(t *testing.T) {
	t.Parallel()
	_, d := setup(t, nil)
	providertest.VMContract(t, func(*testing.T) provider.VMDriver { return d })
}

func TestAnExpiredTokenLogsInOnceMoreAndRetries(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-1"))
	require.NoError(t, err)
	require.Equal(t, 1, srv.Logins())

	srv.ExpireTokens()
	state, err := d.VMState(ctx(t), vm.ID)
	require.NoError(t, err)
	require.Equal(t, provider.StateOn, state)
	require.Equal(t, 2, srv.Logins())

	reqs := srv.Requests()
	last := reqs[len(reqs)-3:]
	require.Equal(t, "/v1/clouds/"+vm.ID+"/status", last[0].Path)
	require.Equal(t, "/v1/login", last[1].Path)
	require.Equal(t, "a", last[1].Query.Get("a"))
	require.Equal(t, user, last[1].Form.Get("username"))
	require.Equal(t, "/v1/clouds/"+vm.ID+"/status", last[2].Path)
	require.NotEqual(t, last[0].Token, last[2].Token)
}

func TestA401AfterANewLoginIsRejected(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-2"))
	require.NoError(t, err)
	srv.RefuseTokens(2)
	_, err = d.VMState(ctx(t), vm.ID)
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Equal(t, 2, srv.Logins(), "one login, one re-login, no more")
}

func TestServerErrorsAndGarbageAreUnavailable(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-3"))
	require.NoError(t, err)

	for _, status := range []int{500, 502, 503} {
		srv.FailNext(1, status)
		_, err = d.VMState(ctx(t), vm.ID)
		require.ErrorIs(t, err, provider.ErrUnavailable, "HTTP %d", status)
	}
	srv.GarbageNext(1)
	_, err = d.VMState(ctx(t), vm.ID)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	srv.GarbageNext(1)
	require.ErrorIs(t, d.PowerVM(ctx(t), vm.ID, provider.PowerOn), provider.ErrUnavailable, "garbage after an action")

	state, err := d.VMState(ctx(t), vm.ID)
	require.NoError(t, err, "the fault has passed")
	require.Equal(t, provider.StateOn, state)
}

func TestGarbageOrFailureAtLoginIsUnavailable(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	srv.GarbageNext(1)
	_, err := d.VMState(ctx(t), "1")
	require.ErrorIs(t, err, provider.ErrUnavailable)
	srv.FailNext(1, 500)
	_, err = d.VMState(ctx(t), "1")
	require.ErrorIs(t, err, provider.ErrUnavailable)
}

func TestASlowProviderIsUnavailable(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-4"))
	require.NoError(t, err)
	srv.SetDelay(2 * time.Second)

	c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = d.VMState(c, vm.ID)
	require.ErrorIs(t, err, provider.ErrUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	hc := srv.Client()
	hc.Timeout = 50 * time.Millisecond
	raw, _ := json.Marshal(map[string]any{"driver": "mofangyun", "url": srv.BaseURL(), "username": user, "password": password})
	set, err := provider.Open(raw, provider.Deps{HTTP: hc})
	require.NoError(t, err)
	_, err = set.VM.VMState(ctx(t), vm.ID)
	require.ErrorIs(t, err, provider.ErrUnavailable, "client timeout")
}

func TestAnUnreachableProviderIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := fake.New(fake.Config{Username: user, Password: password})
	d := open(t, srv)
	srv.Close()
	_, err := d.VMState(ctx(t), "1")
	require.ErrorIs(t, err, provider.ErrUnavailable)
}

func TestBadCredentialsAreRejectedWithoutEchoingThem(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, nil)
	d := open(t, srv, map[string]any{"password": "wrong-pass-123"})
	_, err := d.VMState(ctx(t), "1")
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "用户名或密码错误")
	require.NotContains(t, err.Error(), "wrong-pass-123")
}

func TestCreateSendsAPHPFormWithNestedDisks(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, map[string]any{"store": 7, "type": "host"})
	s := spec("zonkvmd-server-5")
	s.InBandwidthMbps = 20
	vm, err := d.CreateVM(ctx(t), s)
	require.NoError(t, err)

	var create *fake.Request
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/clouds" {
			create = &r
		}
	}
	require.NotNil(t, create)
	f := create.Form
	for key, want := range map[string]string{
		"hostname": "zonkvmd-server-5", "cpu": "2", "memory": "2048", "system_disk_size": "20",
		"other_data_disk[0][size]": "10", "other_data_disk[0][store]": "7",
		"other_data_disk[1][size]": "30", "other_data_disk[1][store]": "7",
		"in_bw": "20", "out_bw": "5", "ip_num": "1", "password_type": "0", "rootpass": "Zk8#pw-test1",
		"port": "22", "num": "1", "node": "3", "store": "7", "type": "host",
	} {
		require.Equal(t, want, f.Get(key), key)
	}
	client, err := strconv.Atoi(f.Get("client"))
	require.NoError(t, err, "client is the id of the reseller's 魔方云 user")
	require.Equal(t, "zonkvmd7", srv.Users()[client])
	require.Empty(t, create.Query, "a POST carries its parameters in the body")

	id, _ := strconv.Atoi(vm.ID)
	c, found := srv.Cloud(id)
	require.True(t, found)
	require.Equal(t, 2048, c.Memory)
	require.Len(t, c.Disks, 3)
	var sizes []int
	for _, did := range c.Disks {
		dk, _ := srv.Disk(did)
		sizes = append(sizes, dk.Size)
	}
	require.Equal(t, []int{20, 10, 30}, sizes)
	require.Equal(t, c.RootPassword, vm.Password)
	require.Equal(t, c.MainIP, vm.IP)
}

func TestCreateFindsAnExistingCloudBeyondTheFirstPage(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	for i := range 250 {
		srv.AddCloud("other-" + strconv.Itoa(i))
	}
	want := srv.AddCloud("zonkvmd-server-6")
	srv.AddCloud("other-last")
	before := srv.CloudCount()

	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-6"))
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(want), vm.ID)
	require.Equal(t, before, srv.CloudCount(), "no second cloud")
	for _, r := range srv.Requests() {
		if r.Path == "/v1/clouds" && r.Method == http.MethodGet {
			require.Equal(t, "100", r.Query.Get("per_page"))
		}
	}
}

func TestImagesComeFromOSMapOrASearch(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, map[string]any{"os_map": map[string]int{providertest.Image: 999999}})
	vm, err := d.CreateVM(ctx(t), func() provider.VMSpec { s := spec("zonkvmd-server-7"); s.Image = providertest.ReinstallImage; return s }())
	require.NoError(t, err, "found by images/search")

	err = d.ReinstallVM(ctx(t), vm.ID, providertest.Image, "Zk8#pw-test2", 22)
	require.ErrorIs(t, err, provider.ErrRejected, "os_map names an image the provider lacks")
	require.Contains(t, err.Error(), "镜像不存在", "the provider's message is kept")

	err = d.ReinstallVM(ctx(t), vm.ID, "no-such-os", "Zk8#pw-test2", 22)
	require.ErrorIs(t, err, provider.ErrRejected)
	require.NotErrorIs(t, err, provider.ErrNotFound, "a missing image is no missing cloud")
	for _, r := range srv.Requests() {
		if r.Path == "/v1/images/search" {
			require.Equal(t, http.MethodPost, r.Method)
		}
	}
}

func TestResizePowersOffChangesAndPowersOn(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-8"))
	require.NoError(t, err)
	bigger := spec("zonkvmd-server-8")
	bigger.CPU, bigger.MemoryGB, bigger.DataDisksGB = 4, 8, []int{10, 50}
	created := len(srv.Requests())
	require.NoError(t, d.ResizeVM(ctx(t), vm.ID, bigger))

	var calls []string
	for _, r := range srv.Requests()[created:] {
		if r.Method != http.MethodGet && strings.HasPrefix(r.Path, "/v1/") && r.Path != "/v1/login" && r.Path != "/v1/clouds" {
			calls = append(calls, r.Method+" "+r.Path)
		}
	}
	id, _ := strconv.Atoi(vm.ID)
	c, _ := srv.Cloud(id)
	dataDisk := strconv.Itoa(c.Disks[2])
	require.Equal(t, []string{
		"POST /v1/clouds/" + vm.ID + "/off",
		"PUT /v1/clouds/" + vm.ID,
		"PUT /v1/disks/" + dataDisk,
		"POST /v1/clouds/" + vm.ID + "/on",
	}, calls)
	require.Equal(t, 4, c.CPU)
	require.Equal(t, 8192, c.Memory)
	dk, _ := srv.Disk(c.Disks[2])
	require.Equal(t, 50, dk.Size)
	require.Equal(t, "on", c.Status)

	more := bigger
	more.DataDisksGB = []int{10, 50, 5}
	require.ErrorIs(t, d.ResizeVM(ctx(t), vm.ID, more), provider.ErrUnsupported)
}

func TestConsoleIsTheWebsocketOutsideTheAdminPath(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-9"))
	require.NoError(t, err)
	c, err := d.VMConsole(ctx(t), vm.ID)
	require.NoError(t, err)
	id, _ := strconv.Atoi(vm.ID)
	cl, _ := srv.Cloud(id)
	prefix := "ws://" + strings.TrimPrefix(srv.URL, "http://") + "/cloud_ws/" + cl.KVMID + "?token="
	require.True(t, strings.HasPrefix(c.URL, prefix), "%s does not start with %s", c.URL, prefix)
	require.NotContains(t, c.URL, cl.RootPassword)
	require.NotContains(t, c.URL, password)
	require.WithinDuration(t, time.Now().Add(5*time.Minute), c.ExpireAt, time.Minute)

	// The link carries the session's vnc_pass, as ZJMF's console page does.
	require.NotEmpty(t, cl.VNCPass)
	require.Equal(t, cl.VNCPass, c.Password)
	u, err := url.Parse(c.URL)
	require.NoError(t, err)
	require.Equal(t, cl.VNCPass, u.Query().Get("password"))
	require.NotEmpty(t, u.Query().Get("token"))
	again, err := d.VMConsole(ctx(t), vm.ID)
	require.NoError(t, err)
	cl, _ = srv.Cloud(id)
	require.Equal(t, cl.VNCPass, again.Password, "each link carries its own session's password")
	require.NotEqual(t, c.Password, again.Password)
}

func TestEachCloudGetsOneBoundGroupDroppedWithIt(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-10"))
	require.NoError(t, err)
	rule := provider.Rule{Name: "ssh", Direction: "Inbound", Protocol: "tcp", Action: "allow", RemoteIP: "198.51.100.7", LocalPort: "22", Weight: 5}
	got, err := d.AddRule(ctx(t), vm.ID, rule)
	require.NoError(t, err)
	rule.ID = got.ID
	require.Equal(t, rule, got)

	other := open(t, srv, map[string]any{"os_map": map[string]int{}}) // a second process: finds the group by name
	_, err = other.AddRule(ctx(t), vm.ID, provider.Rule{Direction: "Outbound", Protocol: "all", Action: "deny", Weight: 1000})
	require.NoError(t, err)

	groups := srv.Groups()
	require.Len(t, groups, 1)
	require.Equal(t, "zonkvmd-cloud-"+vm.ID, groups[0].Name)
	id, _ := strconv.Atoi(vm.ID)
	require.True(t, groups[0].Clouds[id], "the group is bound to the cloud")

	bad := provider.Rule{Direction: "Sideways", Protocol: "tcp", Action: "allow"}
	_, err = d.AddRule(ctx(t), vm.ID, bad)
	require.ErrorIs(t, err, provider.ErrRejected)

	require.NoError(t, d.DeleteVM(ctx(t), vm.ID))
	require.Empty(t, srv.Groups())
}

func TestAGroupDeletedElsewhereIsLookedUpAgain(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-11"))
	require.NoError(t, err)
	_, err = d.AddRule(ctx(t), vm.ID, provider.Rule{Direction: "Inbound", Protocol: "tcp", Action: "allow", LocalPort: "443"})
	require.NoError(t, err)
	srv.DeleteGroup(srv.Groups()[0].ID)

	_, err = d.ListRules(ctx(t), vm.ID)
	require.ErrorIs(t, err, provider.ErrUnavailable, "the remembered group is gone; the cloud is not")
	rules, err := d.ListRules(ctx(t), vm.ID)
	require.NoError(t, err)
	require.Empty(t, rules)
	_, err = d.AddRule(ctx(t), vm.ID, provider.Rule{Direction: "Inbound", Protocol: "tcp", Action: "allow", LocalPort: "443"})
	require.NoError(t, err)
	require.Len(t, srv.Groups(), 1, "a new group")
}

func TestConfigErrorsNameTheSettingNotItsValue(t *testing.T) {
	t.Parallel()
	for _, cfg := range []string{
		`{"driver":"mofangyun","username":"u","password":"topsecret"}`,
		`{"driver":"mofangyun","url":"ftp://x","username":"u","password":"topsecret"}`,
		`{"driver":"mofangyun","url":"https://u:topsecret@x","username":"u","password":"topsecret"}`,
		`{"driver":"mofangyun","url":"https://x","username":"u"}`,
		`{"driver":"mofangyun","url":"https://x","username":"u","password":"topsecret","node":1,"area":2}`,
		`{"driver":"mofangyun","url":"https://x","username":"u","password":"topsecret","timezone":"Mars/Base"}`,
	} {
		_, err := mofangyun.Open(json.RawMessage(cfg), provider.Deps{})
		require.Error(t, err, cfg)
		require.NotContains(t, err.Error(), "topsecret")
	}
}
