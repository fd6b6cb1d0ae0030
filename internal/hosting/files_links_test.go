package hosting_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOperationsThatRecurseRefuseATreeWithALinkOut(t *testing.T) {
	t.Parallel()
	f := fileShop(t, "")
	f.fake.WriteFile(f.root+"/site/a.php", "a")
	f.fake.Symlink("/etc", f.root+"/site/deep/etc")
	f.fake.Symlink("../site", f.root+"/alias") // inside: followed, and its tree walked
	before := outside(f.fake, f.root)

	f.op(t, "hosting_zip", "filename", "site", "path", f.root, "z_type", "zip", "dfile", f.root+"/s.zip").
		Fails(t, "参数错误: filename 经符号链接超出站点目录")
	f.op(t, "hosting_zip", "filename", "alias", "path", f.root, "z_type", "tar.gz", "dfile", f.root+"/s.tar.gz").
		Fails(t, "参数错误: filename 经符号链接超出站点目录")
	f.op(t, "hosting_paste_file", "type", "copy", "sfile", f.root+"/site", "dfile", f.root+"/copy").
		Fails(t, "参数错误: sfile 经符号链接超出站点目录")
	f.op(t, "hosting_mv_file", "sfile", f.root+"/site", "dfile", f.root+"/copy").
		Fails(t, "参数错误: sfile 经符号链接超出站点目录")
	f.op(t, "hosting_set_batch_data", "type", "Copy", "path", f.root, "arr", jsonList("site")).OK(t)
	f.op(t, "hosting_batch_paste", "type", "copy", "contents_path", f.root+"/copy").
		Fails(t, "参数错误: arr 经符号链接超出站点目录")
	f.op(t, "hosting_unzip", "path", f.root+"/site", "dfile", f.root+"/x.zip").
		Fails(t, "参数错误: path 经符号链接超出站点目录")
	f.fake.Symlink("/etc/passwd", f.root+"/pw")
	f.op(t, "hosting_check_exists_files", "contents_path", f.root, "filename", "pw").
		Fails(t, "参数错误: filename 经符号链接超出站点目录")
	var list []map[string]string
	f.op(t, "hosting_get_dir_new", "path", f.root).Into(t, &list)
	for _, e := range list {
		if e["filename"] == "pw" {
			require.Equal(t, "0", e["size"], "nothing is told of a file outside")
		}
	}
	f.op(t, "hosting_set_batch_data", "type", "Delete", "path", f.root, "arr", jsonList("pw")).
		Fails(t, "参数错误: arr 经符号链接超出站点目录")
	f.op(t, "hosting_delete_file", "path", f.root+"/pw").OK(t)
	require.False(t, f.fake.Exists(f.root+"/s.zip"))
	require.False(t, f.fake.Exists(f.root+"/copy"))

	// Deleting the link removes the link, never /etc.
	f.op(t, "hosting_delete_file", "path", f.root+"/site/deep/etc").OK(t)
	require.False(t, f.fake.Exists(f.root+"/site/deep/etc"))
	require.Equal(t, before, outside(f.fake, f.root))

	// Without it, the same tree zips and copies.
	f.op(t, "hosting_zip", "filename", "site", "path", f.root, "z_type", "zip", "dfile", f.root+"/s.zip").OK(t)
	f.op(t, "hosting_paste_file", "type", "copy", "sfile", f.root+"/site", "dfile", f.root+"/copy").OK(t)
	body, ok := f.fake.ReadFile(f.root + "/copy/site/a.php")
	require.True(t, ok)
	require.Equal(t, "a", body)
	requireJournalInside(t, f.fake, f.root)
}

func TestAnArchiveWhoseEntriesClimbOutUnpacksInsideTheSite(t *testing.T) {
	t.Parallel()
	f := fileShop(t, "")
	before := outside(f.fake, f.root)
	archive := zipOf(t, map[string]string{
		"../../x.php":                  "climbed",
		"../../../../etc/cron.d/evil":  "* * * * * root id",
		"/www/wwwroot/test2/index.php": "absolute",
		"ok/readme.txt":                "fine",
	})
	f.upload(t, f.root, "evil.zip", 0, int64(len(archive)), archive).OK(t)
	f.op(t, "hosting_unzip", "path", f.root+"/out", "dfile", f.root+"/evil.zip", "password", "").OK(t)

	require.Equal(t, before, outside(f.fake, f.root), "nothing written outside the root")
	for name, body := range map[string]string{
		"out/x.php": "climbed", "out/etc/cron.d/evil": "* * * * * root id",
		"out/www/wwwroot/test2/index.php": "absolute", "out/ok/readme.txt": "fine",
	} {
		got, ok := f.fake.ReadFile(f.root + "/" + name)
		require.True(t, ok, name)
		require.Equal(t, body, got)
	}
	f.op(t, "hosting_unzip", "path", f.root+"/out", "dfile", f.root+"/evil.rar").
		Fails(t, "参数错误: dfile 应为 .zip、.tar.gz 或 .tgz 压缩包")
	f.op(t, "hosting_unzip", "path", f.root+"/out", "dfile", f.root+"/evil.zip", "password", "x';id;'").
		Fails(t, "参数错误: password 含有不允许的字符")
}

func TestConcurrentBatchesOfTwoOrdersOnOnePanelPasteOnlyTheirOwnFiles(t *testing.T) {
	t.Parallel()
	a := fileShop(t, "")
	b := newFileOrder(t, a.s, a.fake, "/www/wwwroot/other", "other.example.com")
	const rounds = 8
	var wg sync.WaitGroup
	for _, o := range []fileSite{a, b} {
		for i := range rounds {
			o.fake.WriteFile(fmt.Sprintf("%s/src%d/%s-%d.txt", o.root, i, strings.TrimPrefix(o.root, "/www/wwwroot/"), i), "x")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				src, dst := fmt.Sprintf("%s/src%d", o.root, i), fmt.Sprintf("%s/dst", o.root)
				if i == 0 {
					o.op(t, "hosting_create_dir", "path", dst).OK(t)
				}
				name := fmt.Sprintf("%s-%d.txt", strings.TrimPrefix(o.root, "/www/wwwroot/"), i)
				o.op(t, "hosting_set_batch_data", "type", "Copy", "path", src, "arr", jsonList(name)).OK(t)
				var got map[string]string
				o.op(t, "hosting_batch_paste", "type", "copy", "contents_path", dst).Into(t, &got)
				require.Equal(t, "批量操作成功[1],失败[0]", got["msg"])
			}
		}()
	}
	wg.Wait()
	for _, o := range []fileSite{a, b} {
		var list []map[string]string
		o.op(t, "hosting_get_dir_new", "path", o.root+"/dst").Into(t, &list)
		require.Len(t, list, rounds)
		own := strings.TrimPrefix(o.root, "/www/wwwroot/") + "-"
		for _, e := range list {
			require.True(t, strings.HasPrefix(e["filename"], own), "%s pasted %s", o.root, e["filename"])
		}
		o.op(t, "hosting_batch_paste", "type", "copy", "contents_path", o.root+"/dst").
			Fails(t, "参数错误: contents_path 没有已标记的文件,请先复制或剪切")
	}
	requireJournalInside(t, a.fake, a.root, b.root)
}
