package hosting_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

const siteRoot = "/www/wwwroot/test"

// fileSite is an order of a shop whose hosting line is a fake BT panel,
// 正常, with its site at root.
type fileSite struct {
	s    *apitest.Shop
	fake *btpanelfake.Panel
	r    apitest.Reseller
	id   int64
	guid string
	root string
}

// fileShop starts a shop on a fake panel (extra adds keys to the provider
// object) with one 正常 order whose site is /www/wwwroot/test; the panel
// also holds another site, test2, and the host's /etc/passwd.
func fileShop(t *testing.T, extra string) fileSite {
	t.Helper()
	s := apitest.NewShop(t)
	fake := btpanelfake.New(t, btpanelfake.Options{})
	object := fmt.Sprintf(`{"driver":"btpanel","url":%q,"key":%q%s}`, fake.URL, fake.Key(), extra)
	s.Exec(t, `UPDATE hosting_lines SET provider_driver = 'btpanel', provider_config = $2 WHERE guid = $1`,
		lineGUID, s.App.Box.Seal([]byte(object)))
	fake.WriteFile("/etc/passwd", "root:x:0:0")
	fake.WriteFile("/www/wwwroot/test2/config.php", "<?php $db_password = 'secret';")
	fake.WriteFile("/www/server/panel/data/default.db", "panel")
	return newFileOrder(t, s, fake, siteRoot, "test.example.com")
}

// newFileOrder buys one more order on the shop's line with its site at
// root.
func newFileOrder(t *testing.T, s *apitest.Shop, fake *btpanelfake.Panel, root, domain string) fileSite {
	t.Helper()
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "F-"+domain, `{"flow":50}`)
	s.Exec(t, `UPDATE hosting_orders SET order_status = 1, path = $2, domain = $3 WHERE id = $1`, id, root, domain)
	fake.WriteFile(root+"/index.html", "<h1>"+domain+"</h1>")
	return fileSite{s: s, fake: fake, r: r, id: id, guid: guid, root: root}
}

// op runs a file sub-operation on the order.
func (f fileSite) op(t *testing.T, name string, kv ...string) apitest.Response {
	t.Helper()
	return operate(f.s, t, f.r, name, f.guid, kv...)
}

// upload posts one hosting_upload chunk as multipart/form-data.
func (f fileSite) upload(t *testing.T, dir, name string, start, size int64, chunk []byte) apitest.Response {
	t.Helper()
	ct, body := uploadBody(t, f.r, f.guid, dir, name, start, size, chunk)
	return f.s.Do(t, ct, body, nil)
}

// uploadBody is the multipart body of one hosting_upload chunk.
func uploadBody(t testing.TB, r apitest.Reseller, guid, dir, name string, start, size int64, chunk []byte, kv ...string) (string, []byte) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fields := r.Form("hosting_operate", append([]string{"operate", "hosting_upload", "guid", guid, "contents_path", dir,
		"start", strconv.FormatInt(start, 10), "size", strconv.FormatInt(size, 10)}, kv...)...)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v[0]))
	}
	w, err := mw.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = w.Write(chunk)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), body.Bytes()
}

// readBody reads a file through hosting_get_file_body.
func (f fileSite) readBody(t *testing.T, p string) string {
	t.Helper()
	var ans struct {
		Data string `json:"data"`
	}
	f.op(t, "hosting_get_file_body", "path", p).Into(t, &ans)
	return ans.Data
}

// outside lists the fake host's paths outside root, with their bodies.
func outside(fake *btpanelfake.Panel, root string) map[string]string {
	out := map[string]string{}
	for _, p := range fake.Paths() {
		if p == root || strings.HasPrefix(p, root+"/") {
			continue
		}
		body, _ := fake.ReadFile(p)
		out[p] = body
	}
	return out
}

func TestTheFileManagerWorksEndToEndThroughTheAPI(t *testing.T) {
	t.Parallel()
	f := fileShop(t, "")
	before := outside(f.fake, f.root)
	f.op(t, "hosting_create_dir", "path", f.root+"/up").OK(t)
	f.op(t, "hosting_create_dir", "path", f.root+"/up").Fails(t, "面板拒绝: 指定目录已存在!")

	var up map[string]any
	f.upload(t, f.root+"/up", "hello.txt", 0, 12, []byte("hello, world")).Into(t, &up)
	require.Equal(t, map[string]any{"path": f.root + "/up/hello.txt", "start": 12.0, "size": 12.0, "done": true}, up)
	require.Equal(t, "hello, world", f.readBody(t, f.root+"/up/hello.txt"))

	f.op(t, "hosting_zip", "filename", "hello.txt", "path", f.root+"/up", "z_type", "zip", "dfile", f.root+"/up.zip").OK(t)
	f.op(t, "hosting_unzip", "path", f.root+"/out", "dfile", f.root+"/up.zip", "password", "").OK(t)
	require.Equal(t, "hello, world", f.readBody(t, f.root+"/out/hello.txt"))

	f.op(t, "hosting_mv_file", "sfile", f.root+"/out/hello.txt", "dfile", f.root+"/moved.txt", "rename", "true").OK(t)
	var list []map[string]string
	f.op(t, "hosting_get_dir_new", "path", f.root).Into(t, &list)
	var names []string
	for _, e := range list {
		require.Equal(t, []string{"filename", "modify_time", "size", "type"}, sortedFormKeys(e))
		names = append(names, e["type"]+":"+e["filename"])
	}
	require.Equal(t, []string{"dir:out", "dir:up", "file:index.html", "file:moved.txt", "file:up.zip"}, names)

	f.op(t, "hosting_delete_file", "path", f.root+"/moved.txt").OK(t)
	f.op(t, "hosting_get_file_body", "path", f.root+"/moved.txt").Fails(t, "面板拒绝: 指定文件不存在!")
	f.op(t, "hosting_delete_file", "path", f.root+"/up").OK(t)
	require.False(t, f.fake.Exists(f.root+"/up/hello.txt"))

	var size map[string]string
	f.op(t, "hosting_get_dir_size", "path", f.root).Into(t, &size)
	require.Equal(t, f.root, size["path"])
	require.NotEmpty(t, size["size"])
	require.Equal(t, before, outside(f.fake, f.root), "nothing outside the site changed")
	requireJournalInside(t, f.fake, f.root)
}

func sortedFormKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// requireJournalInside checks every path the fake panel was given by a
// file call lies inside one of roots.
func requireJournalInside(t *testing.T, fake *btpanelfake.Panel, roots ...string) {
	t.Helper()
	for _, c := range fake.Journal() {
		if c.Module != "files" {
			continue
		}
		for _, key := range []string{"path", "sfile", "dfile", "f_path", "files"} {
			for _, v := range c.Form[key] {
				for _, p := range strings.Split(v, "\n") {
					if key == "sfile" && c.Action == "Zip" {
						continue // names inside path
					}
					require.True(t, insideAny(p, roots), "%s %s=%q", c.Action, key, p)
				}
			}
		}
	}
}

func insideAny(p string, roots []string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// zipOf builds a zip archive of name → body.
func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func jsonList(items ...string) string {
	b, _ := json.Marshal(items)
	return string(b)
}

func TestTheFileManagerWorksOnTheSimulator(t *testing.T) {
	t.Parallel()
	s := apitest.NewShop(t)
	simService(t, s)
	r := s.NewReseller(t, "1000")
	id, guid := buyOne(t, s, r, "F-SIM", `{"flow":50}`)
	s.Exec(t, `UPDATE hosting_orders SET order_status = 1, path = $2, domain = 'test.example.com' WHERE id = $1`, id, siteRoot)
	f := fileSite{s: s, r: r, id: id, guid: guid, root: siteRoot}
	f.op(t, "hosting_create_dir", "path", f.root+"/up").OK(t)
	f.op(t, "hosting_create_dir", "path", f.root+"/up").Fails(t, "面板拒绝: 操作未被接受")
	f.upload(t, f.root+"/up", "hello.txt", 0, 5, []byte("hello")).OK(t)
	require.Equal(t, "hello", f.readBody(t, f.root+"/up/hello.txt"))
	f.op(t, "hosting_zip", "filename", "hello.txt", "path", f.root+"/up", "z_type", "zip", "dfile", f.root+"/up.zip").OK(t)
	f.op(t, "hosting_unzip", "path", f.root+"/out", "dfile", f.root+"/up.zip").OK(t)
	f.op(t, "hosting_mv_file", "sfile", f.root+"/out/hello.txt", "dfile", f.root+"/moved.txt").OK(t)
	require.Equal(t, "hello", f.readBody(t, f.root+"/moved.txt"))
	f.op(t, "hosting_delete_file", "path", f.root+"/moved.txt").OK(t)
	f.op(t, "hosting_get_file_body", "path", f.root+"/moved.txt").Fails(t, "面板拒绝: 文件不存在")
	f.op(t, "hosting_get_file_body", "path", "/etc/passwd").Fails(t, "参数错误: path 超出站点目录")
}
