package btpanelfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// node is a file or directory of the panel host.
type node struct {
	dir   bool
	data  []byte
	mtime time.Time
	link  string // a symbolic link's target (fileops.go)
}

// WriteFile puts a file on the fake host, making its directories.
func (p *Panel) WriteFile(name, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writeFile(path.Clean(name), []byte(body))
}

// ReadFile returns a file of the fake host; ok is false when there is none.
func (p *Panel) ReadFile(name string) (body string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.fs[path.Clean(name)]
	if n == nil || n.dir {
		return "", false
	}
	return string(n.data), true
}

func (p *Panel) mkdirAll(dir string) {
	for d := path.Clean(dir); d != "/" && d != "."; d = path.Dir(d) {
		if n := p.fs[d]; n == nil {
			p.fs[d] = &node{dir: true, mtime: time.Now()}
		}
	}
}

func (p *Panel) writeFile(name string, data []byte) {
	p.mkdirAll(path.Dir(name))
	p.fs[name] = &node{data: append([]byte(nil), data...), mtime: time.Now()}
}

func (p *Panel) removeAll(name string) {
	name = path.Clean(name)
	for k := range p.fs {
		if k == name || strings.HasPrefix(k, name+"/") {
			delete(p.fs, k)
		}
	}
}

// copyTree copies (or, with move, moves) src to dst; it reports whether src
// existed.
func (p *Panel) copyTree(src, dst string, move bool) bool {
	if p.fs[src] == nil {
		return false
	}
	p.mkdirAll(path.Dir(dst))
	for k, n := range p.fs {
		if k == src || strings.HasPrefix(k, src+"/") {
			c := *n
			c.data = append([]byte(nil), n.data...)
			p.fs[dst+strings.TrimPrefix(k, src)] = &c
		}
	}
	if move {
		p.removeAll(src)
	}
	return true
}

// children lists the entries of dir, sorted by name.
func (p *Panel) children(dir string) []string {
	var out []string
	for k := range p.fs {
		if path.Dir(k) == dir && k != dir {
			out = append(out, path.Base(k))
		}
	}
	sort.Strings(out)
	return out
}

func (p *Panel) size(name string) int64 {
	var n int64
	for k, v := range p.fs {
		if k == name || strings.HasPrefix(k, name+"/") {
			n += int64(len(v.data))
		}
	}
	return n
}

// getDir is files.py GetDir: {"PATH","DIR","FILES",...} with rows packed as
// "name;size;mtime;perm;owner;link;down_id;composer;favorite;share;ps;top".
// A missing path lists the site root; a file lists its directory.
func (p *Panel) getDir(_ *session, f form) any {
	dir := path.Clean(f.Get("path"))
	if f.Get("path") == "" || p.fs[dir] == nil {
		dir = "/www/wwwroot"
	}
	if !p.fs[dir].dir {
		dir = path.Dir(dir)
	}
	dirs, files := []string{}, []string{}
	search := strings.ToLower(strings.TrimSpace(f.Get("search")))
	for _, name := range p.children(dir) {
		if search != "" && !strings.Contains(strings.ToLower(name), search) {
			continue
		}
		n := p.fs[dir+"/"+name]
		size, perm := int64(len(n.data)), "644"
		if n.dir {
			size, perm = 4096, "755"
		}
		row := fmt.Sprintf("%s;%d;%d;%s;www;;0;0;0;0;;0", name, size, n.mtime.Unix(), perm)
		if n.dir {
			dirs = append(dirs, row)
		} else {
			files = append(files, row)
		}
	}
	return map[string]any{"PATH": dir, "DIR": dirs, "FILES": files,
		"PAGE":  "<div><span class='Pcount'>共" + strconv.Itoa(len(dirs)+len(files)) + "条</span></div>",
		"STORE": []any{}, "FILE_RECYCLE": false, "dir_history": []any{}, "search_history": []any{}}
}

// getDirSize is files.py GetDirSize: a bare string ("12.50 KB").
func (p *Panel) getDirSize(_ *session, f form) any {
	if !f.has("path") {
		return p.msg(false, "缺少参数! path")
	}
	size := float64(p.size(path.Clean(f.Get("path"))))
	if size == 0 {
		return "0.00 b"
	}
	unit := "b"
	for _, u := range []string{"b", "KB", "MB", "GB", "TB"} {
		unit = u
		if size < 1024 {
			break
		}
		size /= 1024
	}
	return fmt.Sprintf("%.2f %s", size, unit)
}

// createDir is files.py CreateDir.
func (p *Panel) createDir(_ *session, f form) any {
	dir := path.Clean(f.Get("path"))
	if p.fs[dir] != nil {
		return p.msg(false, "DIR_EXISTS")
	}
	p.mkdirAll(dir)
	return p.msg(true, "DIR_CREATE_SUCCESS")
}

// getFileBody is files.py GetFileBody.
func (p *Panel) getFileBody(_ *session, f form) any {
	if !f.has("path") {
		return p.msg(false, "缺少参数! path")
	}
	n := p.fs[path.Clean(f.Get("path"))]
	switch {
	case n == nil:
		return p.msg(false, "FILE_NOT_EXISTS")
	case n.dir:
		return p.msg(false, "这不是一个文件!")
	}
	return map[string]any{"status": true, "only_read": false, "size": len(n.data), "encoding": "utf-8",
		"data": string(n.data), "st_mtime": strconv.FormatInt(n.mtime.Unix(), 10),
		"historys": []any{}, "auto_save": nil}
}

// saveFileBody is files.py SaveFileBody: the file must exist (but for
// .htaccess).
func (p *Panel) saveFileBody(_ *session, f form) any {
	if !f.has("path") {
		return p.msg(false, "path参数不能为空!")
	}
	name := path.Clean(f.Get("path"))
	n := p.fs[name]
	switch {
	case n == nil && !strings.Contains(name, ".htaccess"):
		return p.msg(false, "FILE_NOT_EXISTS")
	case n != nil && n.dir:
		return p.msg(false, "FILE_NOT_EXISTS")
	case n != nil && len(n.data) > 3145928:
		return p.msg(false, "不能在线编辑大于3MB的文件!")
	}
	p.writeFile(name, []byte(f.Get("data")))
	return p.msg(true, "FILE_SAVE_SUCCESS")
}

// setBatchData is files.py SetBatchData: type 1 (copy) and 2 (cut) keep the
// selection in the session; type 4 deletes.
func (p *Panel) setBatchData(s *session, f form) any {
	switch f.Get("type") {
	case "1", "2":
		s.selected = cloneValues(f.Values)
		return p.msg(true, "FILE_ALL_TIPS")
	case "4":
		var names []string
		if err := json.Unmarshal([]byte(f.Get("data")), &names); err != nil {
			return errInternal("JSONDecodeError")
		}
		for _, n := range names {
			p.removeAll(path.Clean(f.Get("path") + "/" + n))
		}
		return p.msg(true, "批量删除成功!")
	}
	return p.msg(false, "ARGS_ERR")
}

// batchPaste is files.py BatchPaste: it pastes the session's selection into
// path, and fails without one.
func (p *Panel) batchPaste(s *session, f form) any {
	if s.selected == nil {
		return p.msg(false, "操作失败,请重新操作复制或剪切过程")
	}
	var names []string
	if err := json.Unmarshal([]byte(s.selected.Get("data")), &names); err != nil {
		return errInternal("JSONDecodeError")
	}
	dst, src := path.Clean(f.Get("path")), path.Clean(s.selected.Get("path"))
	done := 0
	for _, n := range names {
		if p.copyTree(src+"/"+n, dst+"/"+n, f.Get("type") != "1") {
			done++
		}
	}
	s.selected = nil
	return p.msg(true, "FILE_ALL", strconv.Itoa(done), strconv.Itoa(len(names)-done))
}

// upload is files.py upload, chunked: while the file is incomplete it
// answers a bare integer, the bytes received so far (the next f_start).
// The chunk comes as b64_data or as the multipart file blob.
func (p *Panel) upload(_ *session, f form) any {
	dir, name := f.Get("f_path"), f.Get("f_name")
	total, err1 := strconv.ParseInt(f.Get("f_size"), 10, 64)
	start, err2 := strconv.ParseInt(f.Get("f_start"), 10, 64)
	switch {
	case err1 != nil || err2 != nil:
		return errInternal("ValueError: invalid literal for int()")
	case dir == "/":
		return p.msg(false, "不能直接上传文件到系统根目录!")
	case strings.Contains(name, "./") || strings.Contains(dir, "./") || strings.Contains(name, "/"):
		return p.msg(false, "错误的参数")
	}
	tmp := path.Clean(fmt.Sprintf("%s/%s.%d.upload.tmp", dir, name, total))
	var have []byte
	if n := p.fs[tmp]; n != nil {
		have = n.data
	}
	if int64(len(have)) != start {
		return len(have)
	}
	chunk, err := base64.StdEncoding.DecodeString(f.Get("b64_data"))
	if err != nil {
		return errInternal("binascii.Error: Incorrect padding")
	}
	if blob, ok := f.blob(); ok {
		chunk = blob
	}
	have = append(have, chunk...)
	switch {
	case int64(len(have)) > total:
		return p.msg(false, "文件上传发生错误请删除临时文件【"+tmp+"】后重试")
	case int64(len(have)) < total:
		p.writeFile(tmp, have)
		return len(have)
	}
	delete(p.fs, tmp)
	p.writeFile(path.Clean(dir+"/"+name), have)
	return p.msg(true, "上传成功!")
}

// blob reads the multipart file "blob", if the request has one.
func (f form) blob() ([]byte, bool) {
	if f.files == nil || len(f.files["blob"]) == 0 {
		return nil, false
	}
	r, err := f.files["blob"][0].Open()
	if err != nil {
		return nil, false
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	return b, err == nil
}
