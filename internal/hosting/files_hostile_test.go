package hosting_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fileCall is a file sub-operation with valid parameters, and which of
// them are paths (full) or names (entries of a directory).
type fileCall struct {
	op           string
	base         map[string]string
	paths, names []string
	lists        []string // names given as a JSON list
}

func fileCalls(root string) []fileCall {
	return []fileCall{
		{op: "hosting_get_file_body", base: map[string]string{"path": root + "/index.html"}, paths: []string{"path"}},
		{op: "hosting_get_file_body", base: map[string]string{"rewrite": "wordpress"}, paths: []string{"rewrite"}},
		{op: "hosting_save_file_body", base: map[string]string{"file_type": "1", "path": root + "/index.html", "text": "x"}, paths: []string{"path"}},
		{op: "hosting_create_file", base: map[string]string{"path": root + "/new.txt"}, paths: []string{"path"}},
		{op: "hosting_create_dir", base: map[string]string{"path": root + "/new"}, paths: []string{"path"}},
		{op: "hosting_get_dir_new", base: map[string]string{"path": root}, paths: []string{"path"}},
		{op: "hosting_get_dir_size", base: map[string]string{"path": root}, paths: []string{"path"}},
		{op: "hosting_zip", base: map[string]string{"filename": "index.html", "path": root, "z_type": "zip", "dfile": root + "/a.zip"},
			paths: []string{"path", "dfile"}, names: []string{"filename"}},
		{op: "hosting_unzip", base: map[string]string{"path": root + "/out", "dfile": root + "/a.zip", "password": ""}, paths: []string{"path", "dfile"}},
		{op: "hosting_delete_file", base: map[string]string{"path": root + "/index.html"}, paths: []string{"path"}},
		{op: "hosting_set_batch_data", base: map[string]string{"path": root, "type": "Copy", "arr": `["index.html"]`},
			paths: []string{"path"}, lists: []string{"arr"}},
		{op: "hosting_set_batch_data", base: map[string]string{"path": root, "type": "Delete", "arr": `["index.html"]`},
			paths: []string{"path"}, lists: []string{"arr"}},
		{op: "hosting_mv_file", base: map[string]string{"sfile": root + "/index.html", "dfile": root + "/b.html"}, paths: []string{"sfile", "dfile"}},
		{op: "hosting_check_exists_files", base: map[string]string{"contents_path": root, "filename": "index.html"},
			paths: []string{"contents_path"}, names: []string{"filename"}},
		{op: "hosting_paste_file", base: map[string]string{"type": "copy", "sfile": root + "/index.html", "dfile": root + "/sub"},
			paths: []string{"sfile", "dfile"}},
		{op: "hosting_batch_paste", base: map[string]string{"contents_path": root + "/sub", "type": "copy"}, paths: []string{"contents_path"}},
		{op: "hosting_upload_files_exists", base: map[string]string{"files": `["a.zip"]`, "contents_path": root},
			paths: []string{"contents_path"}, lists: []string{"files"}},
	}
}

// hostileFullPaths leave the site root /www/wwwroot/test, each its own way.
func hostileFullPaths(root string) []string {
	return []string{
		root + "/../test2/config.php",
		root + "/a/../../../server/panel/data/default.db",
		root + "/%2e%2e/test2/config.php",
		root + "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"%2fetc%2fpasswd",
		"/etc/passwd",
		"/www/server/panel/data",
		"/www/wwwroot/test2",
		"/www/wwwroot/test2/config.php",
		root + "\x00/../../etc/passwd",
		root + "\\..\\test2",
		root + "/evil/passwd", // evil -> /etc
		root + "/up/evil/passwd",
	}
}

// hostileNames leave their directory.
var hostileNames = []string{"..", "%2e%2e", "../test2", "../../../etc/passwd", "/etc/passwd", "%2fetc%2fpasswd", "a\x00b", "a\\..\\b"}

func TestEveryPathParameterRefusesWhatLeavesTheSite(t *testing.T) {
	t.Parallel()
	f := fileShop(t, "")
	f.fake.Symlink("/etc", f.root+"/evil")
	f.fake.Symlink("../evil", f.root+"/up")
	before := outside(f.fake, f.root)
	n := 0
	for _, c := range fileCalls(f.root) {
		try := func(param, value string) {
			t.Helper()
			kv := []string{}
			for k, v := range c.base {
				if k == param {
					v = value
				}
				kv = append(kv, k, v)
			}
			res := f.op(t, c.op, kv...)
			require.Equal(t, 0, res.Code, "%s %s=%q answered %s", c.op, param, value, res.Body)
			// A NUL or control character is refused by the front door
			// before the handler sees it (含有无效字符), anything else by the
			// site's confinement.
			require.True(t, strings.HasPrefix(res.Msg, "参数错误: "+param+" ") &&
				(strings.Contains(res.Msg, "超出站点目录") || strings.Contains(res.Msg, "含有无效字符")),
				"%s %s=%q: %s", c.op, param, value, res.Msg)
			n++
		}
		for _, param := range c.paths {
			for _, v := range hostileFullPaths(f.root) {
				try(param, v)
			}
		}
		for _, param := range c.names {
			for _, v := range hostileNames {
				try(param, v)
			}
		}
		for _, param := range c.lists {
			for _, v := range append(hostileNames, hostileFullPaths(f.root)...) {
				try(param, jsonList("index.html", v))
			}
		}
	}
	for _, v := range hostileFullPaths(f.root) {
		res := f.upload(t, v, "a.txt", 0, 3, []byte("abc"))
		require.Equal(t, 0, res.Code)
		require.Contains(t, res.Msg, "参数错误: contents_path ")
		n++
	}
	for _, v := range hostileNames {
		ct, body := uploadBody(t, f.r, f.guid, f.root, "a.txt", 0, 3, []byte("abc"), "filename", v)
		res := f.s.Do(t, ct, body, nil)
		// A NUL or control character is refused by the front door first.
		require.Contains(t, []string{"参数错误: filename 超出站点目录", "参数错误: filename 含有无效字符"}, res.Msg,
			"filename=%q", v)
		n++
	}
	require.Greater(t, n, 300)
	for _, c := range f.fake.Journal() {
		require.Equal(t, "GetDirNew", c.Action, "only the link checks reached the panel: %v", c.Form)
	}
	requireJournalInside(t, f.fake, f.root)
	require.Equal(t, before, outside(f.fake, f.root))
}
