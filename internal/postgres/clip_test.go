package postgres

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestClipKeepsTextPostgreSQLAccepts(t *testing.T) {
	for _, c := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"short text unchanged", "provisioning failed", 100, "provisioning failed"},
		{"cut on a byte boundary", "abcdef", 4, "abcd"},
		{"never half a character", "开通失败", 4, "开"}, // 3 bytes each: 4 bytes hold one
		{"invalid UTF-8 replaced", "a\xffb", 100, "a\uFFFDb"},
		{"NUL dropped", "a\x00b", 100, "ab"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Clip(c.in, c.max)
			require.Equal(t, c.want, got)
			require.True(t, utf8.ValidString(got))
			require.LessOrEqual(t, len(got), c.max)
		})
	}
	long := strings.Repeat("错", 1500)
	got := Clip(long, 1000)
	require.True(t, utf8.ValidString(got))
	require.Len(t, got, 999, "333 whole characters of 3 bytes")
}
