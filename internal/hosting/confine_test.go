package hosting

import (
	"net/url"
	"path"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

var testSite = siteFiles{root: "/www/wwwroot/test", name: "test.example.com"}

// hostilePaths are refused for every path parameter.
var hostilePaths = []string{
	"../etc/passwd",
	"/www/wwwroot/test/../test2/index.php",
	"/www/wwwroot/test/../../server/panel/data/default.db",
	"/www/wwwroot/test/a/../../../../etc/shadow",
	"/www/wwwroot/test/%2e%2e/%2e%2e/server/panel/config/api.json",
	"%2e%2e%2f%2e%2e%2fetc%2fpasswd",
	"/www/wwwroot/test/%2e%2e%2ftest2",
	"/www/wwwroot/test/%252e%252e/test2",
	"/etc/passwd",
	"/www/server/panel/data",
	"/www/wwwroot/other/index.php",
	"/www/wwwroot/test2",
	"/www/wwwroot/test2/index.php",
	"/www/wwwroot/testing",
	"/www/wwwroot",
	"/",
	"www/wwwroot/test/index.php",
	"index.php",
	"/www/wwwroot/test/a\x00.php",
	"/www/wwwroot/test/a%00.php",
	"/www/wwwroot/test\\..\\test2",
	"/www/wwwroot/test/a\nb",
	"/www/wwwroot/test/a\x1b[0m",
	"/www/wwwroot/test/a b",
	"/www/wwwroot/test/$(id)",
	"/www/wwwroot/test/`id`",
	"/www/wwwroot/test/a;rm -rf /",
	"/www/wwwroot/test/*",
	"/www/wwwroot/test/{a,..}",
	"/www/wwwroot/test/a'b",
	"/www/wwwroot/test/&#46;&#46;/x",
	"/www/wwwroot/test/~root",
	"/www/wwwroot/test/" + strings.Repeat("a", 256),
	"/www/wwwroot/test/" + strings.Repeat("a/", 600),
	"/www/wwwroot/test/\xff\xfe",
	"/www/wwwroot/test/%ff",
	"/www/wwwroot/test/%zz",
	"/www/server/panel/vhost/rewrite/nginx/other.example.com.conf",
	"/www/server/panel/vhost/rewrite/nginx/../../../data/default.db",
	"/www/server/panel/rewrite/nginx/wordpress.conf",
	"",
}

func TestConfineRefusesEveryPathThatLeavesTheSite(t *testing.T) {
	t.Parallel()
	for _, raw := range hostilePaths {
		for _, panelFiles := range []bool{false, true} {
			_, err := testSite.confine("path", raw, panelFiles)
			require.EqualError(t, err, "参数错误: path 超出站点目录", "%q", raw)
		}
	}
}

func TestConfineKeepsPathsInsideTheSite(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"/www/wwwroot/test":                        "/www/wwwroot/test",
		"/www/wwwroot/test/":                       "/www/wwwroot/test",
		"/www/wwwroot/test/index.html":             "/www/wwwroot/test/index.html",
		"/www/wwwroot/test/./a//b/../c.php":        "/www/wwwroot/test/a/c.php",
		"/www/wwwroot/test/%E4%B8%AD%E6%96%87.txt": "/www/wwwroot/test/中文.txt",
		"/www/wwwroot/test/a+b-c_d.e,f=g@h":        "/www/wwwroot/test/a+b-c_d.e,f=g@h",
	} {
		got, err := testSite.confine("path", raw, false)
		require.NoError(t, err, raw)
		require.Equal(t, want, got)
	}
	rewrite := "/www/server/panel/vhost/rewrite/nginx/test.example.com.conf"
	_, err := testSite.confine("path", rewrite, false)
	require.Error(t, err, "a panel file only where the operation allows it")
	got, err := testSite.confine("path", rewrite, true)
	require.NoError(t, err)
	require.Equal(t, rewrite, got)
	redirect := "/www/server/panel/vhost/nginx/redirect/test.example.com/0123456789abcdef0123456789abcdef_test.example.com.conf"
	_, err = testSite.confine("path", redirect, true)
	require.NoError(t, err)
	_, err = testSite.confine("path", strings.ReplaceAll(redirect, "test.example.com", "other.example.com"), true)
	require.Error(t, err)
}

func TestConfineNameKeepsOneEntryOfTheDirectory(t *testing.T) {
	t.Parallel()
	dir := "/www/wwwroot/test/a"
	n, err := testSite.confineName("arr", dir, "b.txt")
	require.NoError(t, err)
	require.Equal(t, "b.txt", n)
	for _, raw := range []string{"..", ".", "%2e%2e", "b/c", "%2fetc", "../../test2", "", "a b", "%00"} {
		_, err := testSite.confineName("arr", dir, raw)
		require.EqualError(t, err, "参数错误: arr 超出站点目录", "%q", raw)
	}
}

func FuzzConfine(f *testing.F) {
	for _, s := range hostilePaths {
		f.Add(s, false)
	}
	f.Add("/www/wwwroot/test/index.html", false)
	f.Add("/www/server/panel/vhost/rewrite/nginx/test.example.com.conf", true)
	f.Fuzz(func(t *testing.T, raw string, panelFiles bool) {
		p, err := testSite.confine("path", raw, panelFiles)
		if err != nil {
			require.EqualError(t, err, "参数错误: path 超出站点目录")
			return
		}
		require.Equal(t, path.Clean(p), p, "clean")
		require.True(t, utf8.ValidString(p))
		require.LessOrEqual(t, len(p), maxPathBytes)
		require.False(t, strings.ContainsAny(p, unsafeRunes+" \t\r\n\x00"), "%q", p)
		again, err := url.PathUnescape(p)
		require.NoError(t, err)
		require.Equal(t, p, again, "the panel's own decoding changes nothing")
		inside := p == testSite.root || strings.HasPrefix(p, testSite.root+"/")
		require.True(t, inside || (panelFiles && testSite.panelFile(p)), "%q escapes", p)
	})
}
