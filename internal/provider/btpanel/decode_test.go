package btpanel

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRefusalNeedsStatusFalseAndMsg(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		`{"status": false, "msg": "\u5bc6\u94a5\u6821\u9a8c\u5931\u8d25"}`: true,
		`{"status": false, "code": 501, "msg": "x"}`:                       true,
		`{"status": false, "msg": {"size": 1}}`:                            true,
		`{"status": false, "type": 0, "domain": [], "httpTohttps": false}`: false, // GetSSL: no certificate
		`{"status": true, "msg": "ok"}`:                                    false,
		`{"siteStatus": true, "siteId": 3}`:                                false,
		`[{"status": false, "msg": "x"}]`:                                  false,
		`"status"`:                                                         false,
		`12`:                                                               false,
		`{"status": "false", "msg": "a string status is not the panel's bool"}`: false,
	} {
		_, got := refusal([]byte(raw))
		require.Equal(t, want, got, raw)
	}
	msg, _ := refusal([]byte(`{"status": false, "msg": "\u5bc6\u94a5\u6821\u9a8c\u5931\u8d25"}`))
	require.Equal(t, "密钥校验失败", msg)
}

func TestPHPVersionNormalises(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"81": "81", "php81": "81", "PHP-81": "81", "PHP 8.1": "81", "8.1": "81", "74": "74"} {
		got, ok := phpVersion(in)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "8", "php", "latest", "81a", "1234"} {
		_, ok := phpVersion(in)
		require.False(t, ok, in)
	}
}
