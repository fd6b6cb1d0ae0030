package hosting_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

func TestUploadChunksResumeAndRefuseWhatIsOutOfOrder(t *testing.T) {
	t.Parallel()
	f := fileShop(t, "")
	file := []byte("0123456789abcdef")
	var got map[string]any
	f.upload(t, f.root+"/up", "f.bin", 0, 16, file[:6]).Into(t, &got)
	require.Equal(t, map[string]any{"path": f.root + "/up/f.bin", "start": 6.0, "size": 16.0, "done": false}, got)

	f.upload(t, f.root+"/up", "f.bin", 0, 16, file[:6]).Into(t, &got)
	require.Equal(t, 6.0, got["start"], "a chunk sent again is answered as written, and not written twice")
	f.upload(t, f.root+"/up", "f.bin", 12, 16, file[12:]).Fails(t, "参数错误: start 应为6")
	f.upload(t, f.root+"/up", "f.bin", 3, 16, file[3:9]).Fails(t, "参数错误: start 应为6")
	f.upload(t, f.root+"/up", "f.bin", 6, 16, file[6:12]).Into(t, &got)
	require.Equal(t, 12.0, got["start"])
	f.upload(t, f.root+"/up", "f.bin", 12, 16, file[12:]).Into(t, &got)
	require.Equal(t, true, got["done"])
	body, ok := f.fake.ReadFile(f.root + "/up/f.bin")
	require.True(t, ok)
	require.Equal(t, string(file), body)

	var exists []map[string]any
	f.op(t, "hosting_upload_files_exists", "contents_path", f.root+"/up", "files", jsonList("f.bin", "none.bin")).Into(t, &exists)
	require.Len(t, exists, 2)
	require.Equal(t, f.root+"/up/f.bin", exists[0]["filename"])
	require.Equal(t, true, exists[0]["exists"])
	require.Equal(t, 16.0, exists[0]["size"])
	require.Equal(t, false, exists[1]["exists"])

	f.upload(t, f.root, "f.bin", 10, 16, file).Fails(t, "参数错误: start 加分片长度超过 size")
	f.upload(t, f.root, "a;b.bin", 0, 3, []byte("abc")).Fails(t, "参数错误: filename 超出站点目录")
	res := f.s.Post(t, f.r.Form("hosting_operate", "operate", "hosting_upload", "guid", f.guid, "contents_path", f.root))
	res.Fails(t, "缺少必要参数: file")
}

func TestUploadsKeepToTheFileLimitAndTheDiskQuota(t *testing.T) {
	t.Parallel()
	f := fileShop(t, `,"upload_max_bytes":1000`)
	f.upload(t, f.root, "big.bin", 0, 1001, []byte("x")).Fails(t, "参数错误: size 超过单个文件上限1000字节")

	f.s.Exec(t, `UPDATE hosting_products SET disk = 1 WHERE id = (SELECT product_id FROM hosting_orders WHERE id = $1)`, f.id)
	f.fake.WriteFile(f.root+"/fill.bin", strings.Repeat("x", 1<<20-900))
	f.upload(t, f.root, "more.bin", 0, 1000, []byte("x")).Fails(t, fmt.Sprintf("参数错误: size 超出空间配额(已用%d字节,配额1MB)", 1<<20-900+len("<h1>test.example.com</h1>")))
	f.upload(t, f.root, "less.bin", 0, 800, []byte("x")).OK(t)
	require.False(t, f.fake.Exists(f.root+"/more.bin"))
}

func TestBodiesAreBoundedAndListingsPage(t *testing.T) {
	t.Parallel()
	f := fileShop(t, `,"save_max_bytes":10`)
	f.fake.WriteFile(f.root+"/huge.log", strings.Repeat("y", 3145929))
	f.op(t, "hosting_get_file_body", "path", f.root+"/huge.log").Fails(t, "参数错误: path 文件大于3145928字节,不能在线编辑")
	f.op(t, "hosting_save_file_body", "file_type", "1", "path", f.root+"/index.html", "text", "01234567890").
		Fails(t, "参数错误: text 超过10字节")
	f.op(t, "hosting_save_file_body", "file_type", "1", "path", f.root+"/index.html", "text", "0123456789").OK(t)
	require.Equal(t, "0123456789", f.readBody(t, f.root+"/index.html"))

	rewrite := "/www/server/panel/vhost/rewrite/nginx/test.example.com.conf"
	f.fake.WriteFile(rewrite, "")
	f.fake.WriteFile("/www/server/panel/rewrite/nginx/wordpress.conf", "location / {}")
	f.op(t, "hosting_save_file_body", "file_type", "0", "path", "wordpress", "text", "rules").OK(t)
	got, _ := f.fake.ReadFile(rewrite)
	require.Equal(t, "rules", got)
	tpl, _ := f.fake.ReadFile("/www/server/panel/rewrite/nginx/wordpress.conf")
	require.Equal(t, "location / {}", tpl, "a shared template is never written")
	require.Equal(t, "rules", f.readBody(t, rewrite))
	var ans map[string]any
	f.op(t, "hosting_get_file_body", "rewrite", "wordpress").Into(t, &ans)
	require.Equal(t, "location / {}", ans["data"])

	for i := range 7 {
		f.fake.WriteFile(fmt.Sprintf("%s/list/f%d.txt", f.root, i), "z")
	}
	var page []map[string]string
	f.op(t, "hosting_get_dir_new", "path", f.root+"/list", "showRow", "3", "p", "3").Into(t, &page)
	require.Len(t, page, 1)
	require.Equal(t, "f6.txt", page[0]["filename"])
	f.op(t, "hosting_get_dir_new", "path", f.root+"/list", "showRow", "501").Fails(t, "参数错误: showRow 不在可选范围")
	f.op(t, "hosting_get_dir_new", "path", f.root+"/none").Fails(t, "参数错误: path 不存在")
}

func TestTheFileManagerNeedsTheCallersOrderInService(t *testing.T) {
	t.Parallel()
	f := fileShop(t, "")
	other := f.s.NewReseller(t, "")
	operate(f.s, t, other, "hosting_get_dir_new", f.guid, "path", f.root).Fails(t, "未找到产品记录")
	f.op(t, "hosting_get_dir_new").Fails(t, "缺少必要参数: path")
	f.s.Exec(t, `UPDATE hosting_orders SET order_status = 3 WHERE id = $1`, f.id)
	f.op(t, "hosting_get_dir_new", "path", f.root).Fails(t, "业务状态异常")
	f.s.Exec(t, `UPDATE hosting_orders SET order_status = 1, path = '/www/wwwroot' WHERE id = $1`, f.id)
	f.op(t, "hosting_get_dir_new", "path", f.root).Fails(t, "系统繁忙,请稍后再试")
	require.Empty(t, f.fake.Journal(), "no panel call for an order that cannot be served")

	manual := apitest.NewShop(t)
	manual.Exec(t, `UPDATE hosting_lines SET provider_driver = 'manual', provider_config = $2 WHERE guid = $1`,
		lineGUID, manual.App.Box.Seal([]byte(`{"driver":"manual"}`)))
	m := newFileOrder(t, manual, btpanelfake.New(t, btpanelfake.Options{}), siteRoot, "test.example.com")
	m.op(t, "hosting_get_dir_new", "path", siteRoot).Fails(t, "暂未开放")
}
