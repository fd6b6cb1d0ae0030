package mofangyun

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

func TestFormsEncodeNestedArraysTheWayPHPDoes(t *testing.T) {
	t.Parallel()
	f := form{
		"cpu":             2,
		"hostname":        "a b",
		"skip":            nil,
		"other_data_disk": []form{{"size": 10, "store": ID("7")}, {"size": 30}},
		"cloud":           []string{"12"},
		"flag":            true,
	}
	vals, err := url.ParseQuery(f.encode())
	require.NoError(t, err)
	require.Equal(t, url.Values{
		"cpu": {"2"}, "hostname": {"a b"}, "flag": {"1"}, "cloud[0]": {"12"},
		"other_data_disk[0][size]": {"10"}, "other_data_disk[0][store]": {"7"},
		"other_data_disk[1][size]": {"30"},
	}, vals)
	require.Contains(t, f.encode(), "other_data_disk%5B0%5D%5Bsize%5D=10", "brackets are percent-encoded like http_build_query")
}

func TestConsoleAddressShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, base string
		v          vncAnswer
		want       string
	}{
		{"noVNC under the server, admin path dropped", "https://cloud.example/admin",
			vncAnswer{Path: "/ser1", Token: "tok"}, "wss://cloud.example/cloud_ws/ser1?token=tok"},
		{"plain host kept", "http://cloud.example",
			vncAnswer{VNCURL: "/novnc", Path: "/ser1", Token: "t+k"}, "ws://cloud.example/cloud_ws/ser1?token=t%2Bk"},
		{"a websocket vnc_url as given", "https://cloud.example",
			vncAnswer{VNCURL: "wss://node1.example:8443/ws?token=x"}, "wss://node1.example:8443/ws?token=x"},
		{"external console by the server's scheme", "https://cloud.example",
			vncAnswer{VNCURLHTTP: "http://vnc.example/x", VNCURLHTTPS: "https://vnc.example/x"}, "https://vnc.example/x"},
		{"no token, nothing", "https://cloud.example", vncAnswer{Path: "/ser1"}, ""},
	} {
		require.Equal(t, tc.want, tc.v.url(tc.base), tc.name)
	}
}

func TestRulesConvertBothWays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in         provider.Rule
		start, end string
		from, to   int
		back       provider.Rule
	}{
		{provider.Rule{Direction: "Inbound", Protocol: "tcp", Action: "allow", RemoteIP: "203.0.113.9/24", LocalPort: "80", Weight: 7},
			"203.0.113.0", "203.0.113.255", 80, 80,
			provider.Rule{Direction: "Inbound", Protocol: "tcp", Action: "allow", RemoteIP: "203.0.113.0/24", LocalPort: "80", Weight: 7}},
		{provider.Rule{Direction: "Outbound", Protocol: "UDP", Action: "deny", RemoteIP: "2001:db8::/126", LocalPort: "53-60"},
			"2001:db8::", "2001:db8::3", 53, 60,
			provider.Rule{Direction: "Outbound", Protocol: "udp", Action: "deny", RemoteIP: "2001:db8::/126", LocalPort: "53-60", Weight: 90}},
		{provider.Rule{Direction: "inbound", Protocol: "icmp", Action: "Allow", RemoteIP: "198.51.100.7", LocalPort: "ignored"},
			"198.51.100.7", "198.51.100.7", 1, 65535,
			provider.Rule{Direction: "Inbound", Protocol: "icmp", Action: "allow", RemoteIP: "198.51.100.7", Weight: 90}},
	} {
		row, err := toRow(tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.start, string(row.StartIP))
		require.Equal(t, tc.end, string(row.EndIP))
		require.Equal(t, tc.from, row.StartPort.int())
		require.Equal(t, tc.to, row.EndPort.int())
		require.Equal(t, tc.back, row.rule())
	}
	for _, bad := range []provider.Rule{
		{Direction: "Inbound", Protocol: "gre", Action: "allow"},
		{Direction: "Inbound", Protocol: "tcp", Action: "maybe"},
		{Direction: "Inbound", Protocol: "tcp", Action: "allow", RemoteIP: "not-an-ip"},
		{Direction: "Inbound", Protocol: "tcp", Action: "allow", LocalPort: "90-80"},
		{Direction: "Inbound", Protocol: "tcp", Action: "allow", LocalPort: "70000"},
		{Direction: "Inbound", Protocol: "tcp", Action: "allow", Weight: 1001},
	} {
		_, err := toRow(bad)
		require.ErrorIs(t, err, provider.ErrRejected, "%+v", bad)
	}
	require.Equal(t, "10.0.0.1-10.0.0.5", cidr("10.0.0.1", "10.0.0.5"))
}
