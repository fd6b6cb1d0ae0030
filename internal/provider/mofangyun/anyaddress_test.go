package mofangyun_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

func TestAnyAddressIsSentAsZJMFSendsIt(t *testing.T) {
	t.Parallel()
	for _, remote := range []string{"0.0.0.0/0", "", "0.0.0.0"} {
		srv, d := setup(t, nil)
		vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-51"))
		require.NoError(t, err)
		r, err := d.AddRule(ctx(t), vm.ID, provider.Rule{Name: "ssh", Direction: "Inbound", Protocol: "tcp",
			Action: "allow", RemoteIP: remote, LocalPort: "22", Weight: 90})
		require.NoError(t, err, "remote %q", remote)
		var sent url.Values
		for _, q := range srv.Requests() {
			if q.Method == http.MethodPost && strings.HasSuffix(q.Path, "/rules") {
				sent = q.Form
			}
		}
		require.Equal(t, "0.0.0.0", sent.Get("start_ip"), "remote %q", remote)
		require.Equal(t, "0.0.0.0", sent.Get("end_ip"), "remote %q", remote)
		rules, err := d.ListRules(ctx(t), vm.ID)
		require.NoError(t, err)
		require.Len(t, rules, 1)
		require.Equal(t, r.ID, rules[0].ID)
		require.Equal(t, "0.0.0.0/0", rules[0].RemoteIP)
	}
}

func TestTheFakeRefusesTheWholeSpaceRange(t *testing.T) {
	t.Parallel()
	srv, d := setup(t, nil)
	vm, err := d.CreateVM(ctx(t), spec("zonkvmd-server-52"))
	require.NoError(t, err)
	_, err = d.AddRule(ctx(t), vm.ID, provider.Rule{Name: "web", Direction: "Inbound", Protocol: "tcp",
		Action: "allow", RemoteIP: "203.0.113.0/24", LocalPort: "80", Weight: 90}) // makes the cloud's group
	require.NoError(t, err)
	groups := srv.Groups()
	require.Len(t, groups, 1)
	status, body := post(t, srv, "security_groups/"+strconv.Itoa(groups[0].ID)+"/rules", url.Values{
		"description": {"all"}, "direction": {"in"}, "protocol": {"tcp"}, "action": {"accept"},
		"start_ip": {"0.0.0.0"}, "end_ip": {"255.255.255.255"}, "start_port": {"22"}, "end_port": {"22"}, "priority": {"90"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "IP参数错误")
}
