package hosting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The file manager's hosting_operate sub-operations (document 七.8) are
// fileHandlers, put into the route table through FileOp: each acts on the
// caller's 正常 order's site only, every path confined to its root.

// fileHandler serves one file sub-operation on an order's site.
type fileHandler func(ctx context.Context, f fileSite, req *dispatch.Request) (any, error)

// fileSite is one order's site on its panel's file manager.
type fileSite struct {
	orderID int64
	diskMB  int64 // the product's disk quota
	site    siteFiles
	d       provider.FileDriver
	g       guard
}

// FileOp wraps h, a file sub-operation, into a handler: it opens the caller's order (正常, the caller's) and its line's file
// manager, then runs h.
func (s *Service) FileOp(h fileHandler) dispatch.HandlerFunc {
	return func(ctx context.Context, req *dispatch.Request) (any, error) {
		o, err := s.Engine.ActiveOrder(ctx, req, business)
		if err != nil {
			return nil, err
		}
		f := fileSite{orderID: o.ID}
		err = s.DB.QueryRow(ctx, `SELECT o.path, o.domain, p.disk FROM hosting_orders o
			JOIN hosting_products p ON p.id = o.product_id WHERE o.id = $1`, o.ID).Scan(&f.site.root, &f.site.name, &f.diskMB)
		if err != nil {
			return nil, fmt.Errorf("hosting files: order %d: %w", o.ID, err)
		}
		if !usableRoot(f.site.root) {
			return nil, fmt.Errorf("hosting files: order %d has no usable site root %q", o.ID, f.site.root)
		}
		panel, err := s.Engine.Panel(ctx, s.Engine.DB, business, o.LineID)
		if err != nil {
			return nil, panelError(err)
		}
		d, ok := panel.(provider.FileDriver)
		if !ok {
			return nil, dispatch.ErrNotOpen
		}
		f.d, f.g = d, guard{d: d, site: f.site}
		data, err := h(ctx, f, req)
		if err != nil {
			return nil, fileError(req.Sub, err)
		}
		return data, nil
	}
}

// usableRoot reports whether root can confine anything: absolute, clean,
// at least two levels deep and not a directory of many sites or of the
// panel.
func usableRoot(root string) bool {
	if root == "" || root != path.Clean(root) || !path.IsAbs(root) || strings.Count(root, "/") < 2 {
		return false
	}
	switch root {
	case "/www/wwwroot", "/www/server", "/home", "/var/www":
		return false
	}
	return !strings.HasPrefix(root+"/", "/www/server/")
}

// fileError turns a driver's failure into the answer: the panel's own
// refusal is shown (it names only the site's paths, which the reseller
// sent), a driver without a file manager answers 暂未开放, the rest is
// internal.
func fileError(op string, err error) error {
	var api *dispatch.Error
	if errors.As(err, &api) {
		return err
	}
	if errors.Is(err, provider.ErrUnsupported) {
		return dispatch.ErrNotOpen
	}
	var r interface{ Reason() string }
	refused := func(why string) error { return dispatch.PanelRefused(why) }
	switch {
	case errors.As(err, &r) && r.Reason() != "":
		return refused(r.Reason())
	case errors.Is(err, provider.ErrNotFound):
		return refused("文件不存在")
	case errors.Is(err, provider.ErrRejected):
		return refused("操作未被接受")
	}
	return fmt.Errorf("%s: %w", op, err)
}

// path confines the path parameter key and checks it against links (final:
// its last component too).
func (f fileSite) path(ctx context.Context, req *dispatch.Request, key string, final bool) (string, error) {
	raw, err := req.Params.RequiredText(key)
	if err != nil {
		return "", err
	}
	p, err := f.site.confine(key, raw, false)
	if err != nil {
		return "", err
	}
	return p, f.g.noEscape(ctx, key, p, final)
}

// inner is path for what must lie strictly inside the root.
func (f fileSite) inner(ctx context.Context, req *dispatch.Request, key string, final bool) (string, error) {
	raw, err := req.Params.RequiredText(key)
	if err != nil {
		return "", err
	}
	p, err := f.site.within(key, raw)
	if err != nil {
		return "", err
	}
	return p, f.g.noEscape(ctx, key, p, final)
}

// ruleName is a rewrite rule template's name.
var ruleName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)

// GetFileBody serves hosting_get_file_body: path (or rewrite as a full
// path) inside the site or one of its panel files, or rewrite as a rule
// template's name (shared, read only). Files over the panel's online-edit
// limit are refused.
func GetFileBody(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	key := "path"
	raw, err := req.Params.Text(key)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(raw) == "" {
		key = "rewrite"
		if raw, err = req.Params.RequiredText(key); err != nil {
			return nil, err
		}
	}
	var p string
	if key == "rewrite" && ruleName.MatchString(raw) && !strings.Contains(raw, "..") {
		p = "/www/server/panel/rewrite/nginx/" + raw + ".conf"
	} else if p, err = f.site.confine(key, raw, true); err != nil {
		return nil, err
	} else if err = f.g.noEscape(ctx, key, p, true); err != nil {
		return nil, err
	}
	body, err := f.d.ReadFile(ctx, p)
	if err != nil {
		return nil, err
	}
	if limit := f.d.Limits().EditBytes; body.Size > limit {
		return nil, dispatch.ParamError(key, fmt.Sprintf("文件大于%d字节,不能在线编辑", limit))
	}
	return map[string]any{"path": p, "data": body.Data, "encoding": body.Encoding, "size": body.Size,
		"only_read": body.ReadOnly}, nil
}

// SaveFileBody serves hosting_save_file_body: file_type 0 saves the site's
// own rewrite rules (path is the rule's name, never a shared template),
// file_type 1 the full path, confined as for reading.
func SaveFileBody(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	kind, err := req.Params.IntIn("file_type", 0, 0, 1)
	if err != nil {
		return nil, err
	}
	raw, err := req.Params.RequiredText("path")
	if err != nil {
		return nil, err
	}
	text, err := req.Params.Text("text")
	if err != nil {
		return nil, err
	}
	if limit := f.d.Limits().SaveBytes; int64(len(text)) > limit {
		return nil, dispatch.ParamError("text", fmt.Sprintf("超过%d字节", limit))
	}
	p := f.site.rewriteFile("nginx")
	if kind == 0 && !ruleName.MatchString(raw) {
		return nil, dispatch.ParamError("path", "格式错误")
	}
	if kind == 1 {
		if p, err = f.site.confine("path", raw, true); err != nil {
			return nil, err
		}
		if err := f.g.noEscape(ctx, "path", p, true); err != nil {
			return nil, err
		}
	}
	if err := f.d.SaveFile(ctx, p, text); err != nil {
		return nil, err
	}
	return map[string]any{"path": p}, nil
}

// CreateFile serves hosting_create_file.
func CreateFile(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	p, err := f.inner(ctx, req, "path", true)
	if err != nil {
		return nil, err
	}
	return nil, f.d.CreateFile(ctx, p)
}

// CreateDir serves hosting_create_dir.
func CreateDir(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	p, err := f.inner(ctx, req, "path", true)
	if err != nil {
		return nil, err
	}
	return nil, f.d.CreateDir(ctx, p)
}

// dirRow is one entry of hosting_get_dir_new (document 七.8).
type dirRow struct {
	Filename   string `json:"filename"`
	Type       string `json:"type"` // file | dir
	Size       string `json:"size"`
	ModifyTime string `json:"modify_time"`
}

// GetDirNew serves hosting_get_dir_new: one page (p, from 1; showRow, 1 to
// 500, default 100) of the directory path.
func GetDirNew(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	page, err := req.Params.IntIn("p", 1, 1, 1_000_000)
	if err != nil {
		return nil, err
	}
	rows, err := req.Params.IntIn("showRow", 100, 1, listRows)
	if err != nil {
		return nil, err
	}
	p, err := f.path(ctx, req, "path", true)
	if err != nil {
		return nil, err
	}
	pg, err := f.d.ListDir(ctx, provider.DirQuery{Path: p, Page: int(page), Rows: int(rows)})
	if errors.Is(err, provider.ErrNotFound) {
		return nil, dispatch.ParamError("path", "不存在")
	}
	if err != nil {
		return nil, err
	}
	out := make([]dirRow, 0, len(pg.Entries))
	for _, e := range pg.Entries {
		kind := "file"
		if e.Dir {
			kind = "dir"
		}
		if e.Link != "" && !f.site.inside(linkTarget(p, e.Link)) {
			e.Size = 0 // the panel stats through the link: say nothing of what lies outside
		}
		out = append(out, dirRow{Filename: e.Name, Type: kind, Size: fmt.Sprint(e.Size),
			ModifyTime: e.MTime.In(apitype.Location()).Format("2006-01-02 15:04:05")})
	}
	return out, nil
}

// GetDirSize serves hosting_get_dir_size: {"path","size"} with the
// panel's text ("12.5 MB").
func GetDirSize(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	p, err := f.path(ctx, req, "path", true)
	if err != nil {
		return nil, err
	}
	size, err := f.d.DirSize(ctx, p)
	if err != nil {
		return nil, err
	}
	return map[string]string{"path": p, "size": size}, nil
}

// DeleteFile serves hosting_delete_file: a link is removed itself, so its
// own target does not matter (its directories' do).
func DeleteFile(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	p, err := f.inner(ctx, req, "path", false)
	if err != nil {
		return nil, err
	}
	e, found, err := f.g.lookup(ctx, path.Dir(p), path.Base(p))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, dispatch.ParamError("path", "不存在")
	}
	return nil, f.d.Delete(ctx, p, e.Dir && e.Link == "")
}

// MoveFile serves hosting_mv_file: sfile and dfile inside the site; a
// move onto an existing directory copies through links (files.py L3780),
// so sfile's tree is walked.
func MoveFile(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	src, err := f.inner(ctx, req, "sfile", false)
	if err != nil {
		return nil, err
	}
	if err := f.g.walk(ctx, "sfile", src); err != nil {
		return nil, err
	}
	dst, err := f.inner(ctx, req, "dfile", true)
	if err != nil {
		return nil, err
	}
	return nil, f.d.Move(ctx, src, dst, req.Params.String("rename") == "true")
}

// ZipFiles serves hosting_zip: filename (names in path, comma-separated)
// packed into dfile; z_type zip or tar.gz. Each tree is walked: zip -r
// reads through links.
func ZipFiles(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	kind, err := req.Params.RequiredText("z_type")
	if err != nil {
		return nil, err
	}
	if kind != "zip" && kind != "tar.gz" {
		return nil, dispatch.ParamError("z_type", "应为 zip 或 tar.gz")
	}
	dir, err := f.path(ctx, req, "path", true)
	if err != nil {
		return nil, err
	}
	list, err := req.Params.RequiredText("filename")
	if err != nil {
		return nil, err
	}
	names, err := f.names("filename", dir, strings.Split(list, ","))
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if err := f.g.walk(ctx, "filename", dir+"/"+n); err != nil {
			return nil, err
		}
	}
	dst, err := f.inner(ctx, req, "dfile", true)
	if err != nil {
		return nil, err
	}
	return nil, f.d.Zip(ctx, dir, names, dst, kind)
}

// archiveName is what hosting_unzip opens: the panel's zip and GNU tar
// drop ".." and a leading "/" from entry names; rar, 7z and the rest are
// refused.
var archiveName = regexp.MustCompile(`\.(zip|tar\.gz|tgz)$`)

// UnzipFile serves hosting_unzip: dfile is the archive, path the target
// directory (document 七.8). The target's tree is walked: the panel writes
// through links that already exist there.
func UnzipFile(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	archive, err := f.inner(ctx, req, "dfile", true)
	if err != nil {
		return nil, err
	}
	if !archiveName.MatchString(archive) {
		return nil, dispatch.ParamError("dfile", "应为 .zip、.tar.gz 或 .tgz 压缩包")
	}
	dir, err := f.path(ctx, req, "path", true)
	if err != nil {
		return nil, err
	}
	if err := f.g.walk(ctx, "path", dir); err != nil {
		return nil, err
	}
	password, err := req.Params.Text("password")
	if err != nil {
		return nil, err
	}
	// panelTask.py L583 puts it inside '...' on a shell line.
	if len(password) > 128 || strings.ContainsAny(password, "'\"\\`$\n\r\x00") {
		return nil, dispatch.ParamError("password", "含有不允许的字符")
	}
	return nil, f.d.Unzip(ctx, archive, dir, password)
}

// maxNames bounds the names of one batch.
const maxNames = 1000

// names confines each name of list to an entry of dir.
func (f fileSite) names(param, dir string, list []string) ([]string, error) {
	if len(list) == 0 || len(list) > maxNames {
		return nil, dispatch.ParamError(param, fmt.Sprintf("应有1到%d个文件名", maxNames))
	}
	out := make([]string, 0, len(list))
	for _, raw := range list {
		n, err := f.site.confineName(param, dir, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// stringList reads a list parameter: a list (arr[]=a&arr[]=b or JSON), a
// JSON list in a string, or a comma-separated string.
func stringList(p dispatch.Params, key string) ([]string, error) {
	v, ok := p.Raw(key)
	if !ok {
		return nil, dispatch.MissingParam(p.Name(key))
	}
	if s, isText := v.(string); isText {
		s = strings.TrimSpace(s)
		if !strings.HasPrefix(s, "[") {
			return strings.Split(s, ","), nil
		}
		var list []any
		if err := json.Unmarshal([]byte(s), &list); err != nil {
			return nil, dispatch.ParamError(p.Name(key), "不是有效的JSON数组")
		}
		v = list
	}
	list, ok := v.([]any)
	if !ok {
		return nil, dispatch.ParamError(p.Name(key), "应为数组")
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, dispatch.ParamError(p.Name(key), "应为字符串数组")
		}
		out = append(out, s)
	}
	return out, nil
}
