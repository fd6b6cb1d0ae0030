package hosting

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Uploads. hosting_upload takes one chunk of a file: the multipart part
// file, written at start into the directory contents_path. The document
// names no total size; size (optional, default start + the chunk's
// length: a chunk that ends the file) and filename (optional, default the
// part's own name) say it. The chunk streams from the request to the
// panel's Upload call (files.py L374) and is never held whole in memory.

// UploadFilesExists serves hosting_upload_files_exists: files are names in
// contents_path (default the site root) or full paths; the answer is the
// panel's, one row per file.
func UploadFilesExists(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	list, err := stringList(req.Params, "files")
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || len(list) > maxNames {
		return nil, dispatch.ParamError("files", fmt.Sprintf("应有1到%d个文件名", maxNames))
	}
	dir := f.site.root
	if raw, _ := req.Params.Text("contents_path"); strings.TrimSpace(raw) != "" {
		if dir, err = f.path(ctx, req, "contents_path", true); err != nil {
			return nil, err
		}
	}
	paths := make([]string, 0, len(list))
	for _, raw := range list {
		p := raw
		if strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "%2") {
			p, err = f.site.confine("files", raw, false)
		} else {
			var n string
			n, err = f.site.confineName("files", dir, raw)
			p = dir + "/" + n
		}
		if err != nil {
			return nil, err
		}
		if err := f.g.noEscape(ctx, "files", p, true); err != nil {
			return nil, err // the panel would stat through the link
		}
		paths = append(paths, p)
	}
	return f.d.UploadExists(ctx, paths)
}

// Upload serves hosting_upload. Limits: the line's per-file limit, and on
// a file's first chunk the product's disk quota against what the site
// holds. A chunk whose start is not what the panel holds is refused with
// the start to send ("参数错误: start 应为 N"), and nothing is written; a
// chunk sent again after it was written is answered as written.
func Upload(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	if req.Files == nil || len(req.Files.File["file"]) == 0 {
		return nil, dispatch.MissingParam("file")
	}
	fh := req.Files.File["file"][0]
	start, err := req.Params.IntIn("start", 0, 0, 1<<50)
	if err != nil {
		return nil, err
	}
	size, err := req.Params.IntIn("size", start+fh.Size, 0, 1<<50)
	if err != nil {
		return nil, err
	}
	if start+fh.Size > size {
		return nil, dispatch.ParamError("start", "加分片长度超过 size")
	}
	if limit := f.d.Limits().UploadBytes; size > limit {
		return nil, dispatch.ParamError("size", fmt.Sprintf("超过单个文件上限%d字节", limit))
	}
	dir, err := f.path(ctx, req, "contents_path", true)
	if err != nil {
		return nil, err
	}
	name := req.Params.String("filename")
	if strings.TrimSpace(name) == "" {
		name = path.Base(fh.Filename)
	}
	if name, err = f.site.confineName("filename", dir, name); err != nil {
		return nil, err
	}
	// The panel appends to <name>.<size>.upload.tmp, then renames it
	// (files.py L432, L470): neither may be a link leading out.
	for _, p := range []string{dir + "/" + name, fmt.Sprintf("%s/%s.%d.upload.tmp", dir, name, size)} {
		if err := f.g.noEscape(ctx, "filename", p, true); err != nil {
			return nil, err
		}
	}
	if start == 0 && f.diskMB > 0 {
		used, err := f.d.PathBytes(ctx, f.site.root)
		if err != nil {
			return nil, err
		}
		if used+size > f.diskMB<<20 {
			return nil, dispatch.ParamError("size", fmt.Sprintf("超出空间配额(已用%d字节,配额%dMB)", used, f.diskMB))
		}
	}
	data, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("hosting_upload: open the chunk: %w", err)
	}
	defer data.Close()
	received, done, err := f.d.Upload(ctx, provider.UploadChunk{Dir: dir, Name: name, Size: size, Start: start, Data: data})
	if err != nil {
		return nil, err
	}
	if !done && received != start+fh.Size {
		return nil, dispatch.ParamError("start", fmt.Sprintf("应为%d", received))
	}
	return map[string]any{"path": dir + "/" + name, "start": received, "size": size, "done": done}, nil
}
