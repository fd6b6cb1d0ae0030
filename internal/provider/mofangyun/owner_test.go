package mofangyun_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/mofangyun/fake"
)

func TestEachResellersCloudsBelongToItsOwnUser(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, map[string]any{"user_prefix": "zk_"})
	a1 := spec("zonkvmd-server-21")
	a2 := spec("zonkvmd-server-22")
	b := spec("zonkvmd-server-23")
	b.Owner = "8"
	var ids []int
	for _, s := range []provider.VMSpec{a1, a2, b} {
		vm, err := d.CreateVM(ctx(t), s)
		require.NoError(t, err)
		id, _ := strconv.Atoi(vm.ID)
		ids = append(ids, id)
	}
	users := srv.Users()
	require.Len(t, users, 2)
	owner := func(cloud int) string {
		c, found := srv.Cloud(cloud)
		require.True(t, found)
		return users[c.UserID]
	}
	require.Equal(t, "zk_7", owner(ids[0]))
	require.Equal(t, "zk_7", owner(ids[1]))
	require.Equal(t, "zk_8", owner(ids[2]))

	userCalls := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/user" {
			userCalls++
			require.Equal(t, "1", r.Form.Get("status"))
			require.NotEmpty(t, r.Form.Get("password"))
		}
	}
	require.Equal(t, 2, userCalls, "one user per reseller, created once by this driver")
}

func TestAUserMadeEarlierIsFoundAgain(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	_, err := d.CreateVM(ctx(t), spec("zonkvmd-server-31"))
	require.NoError(t, err)
	again := open(t, srv, map[string]any{"os_map": map[string]int{}}) // a new driver: nothing remembered
	s := spec("zonkvmd-server-32")
	s.Image = "ubuntu-22.04"
	srv.AddImage("ubuntu-22.04")
	vm, err := again.CreateVM(ctx(t), s)
	require.NoError(t, err)
	id, _ := strconv.Atoi(vm.ID)
	c, _ := srv.Cloud(id)
	require.Len(t, srv.Users(), 1, "the user's create was refused (it exists) and user/check found it")
	require.Equal(t, "zonkvmd7", srv.Users()[c.UserID])
}

func TestACreateWithoutOwnerIsRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	s := spec("zonkvmd-server-41")
	s.Owner = ""
	_, err := d.CreateVM(ctx(t), s)
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Empty(t, srv.Requests())
}

func TestTheFakeRefusesACloudWithoutItsUser(t *testing.T) {
	t.Parallel()
	srv := fake.Start(t, fake.Config{Username: user, Password: password})
	img := srv.AddImage("debian-12")
	body := url.Values{"node": {"1"}, "cpu": {"1"}, "memory": {"1024"}, "system_disk_size": {"20"},
		"os": {strconv.Itoa(img)}, "num": {"1"}, "password_type": {"0"}, "rootpass": {"Zk8#secret"}}
	for _, client := range []string{"", "999"} {
		if client != "" {
			body.Set("client", client)
		}
		status, answer := post(t, srv, "clouds", body)
		require.Equal(t, http.StatusBadRequest, status)
		require.Contains(t, answer, "用户不存在")
	}
}

func TestTheClientSettingIsRefused(t *testing.T) {
	t.Parallel()
	raw, err := json.Marshal(map[string]any{"driver": "mofangyun", "url": "https://cloud.invalid",
		"username": user, "password": password, "client": 55})
	require.NoError(t, err)
	_, err = provider.Open(raw, provider.Deps{})
	require.ErrorContains(t, err, "client is not a setting")
}

// post logs in to the fake and posts a form to /v1/<path>; it returns the
// status and the body.
func post(t *testing.T, srv *fake.Server, path string, body url.Values) (int, string) {
	t.Helper()
	hc := srv.Client()
	res, err := hc.PostForm(srv.BaseURL()+"/v1/login?a=a", url.Values{"username": {user}, "password": {password}})
	require.NoError(t, err)
	var tok string
	require.NoError(t, json.NewDecoder(res.Body).Decode(&tok))
	res.Body.Close()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, srv.BaseURL()+"/v1/"+path, strings.NewReader(body.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("access-token", tok)
	res, err = hc.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var b strings.Builder
	_, err = io.Copy(&b, res.Body)
	require.NoError(t, err)
	return res.StatusCode, b.String()
}
