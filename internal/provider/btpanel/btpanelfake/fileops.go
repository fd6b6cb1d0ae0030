package btpanelfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The file manager as the panel runs it: as root, following symbolic links
// in every component the way the kernel does (files.py at f9f6845c; the
// handlers name the lines they reproduce).

// Journal returns every request that got past the faults, in order.
func (p *Panel) Journal() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Call, len(p.journal))
	for i, c := range p.journal {
		out[i] = Call{Module: c.Module, Action: c.Action, Form: cloneValues(c.Form)}
	}
	return out
}

func (p *Panel) record(module, action string, form url.Values) {
	p.journal = append(p.journal, Call{Module: module, Action: action, Form: cloneValues(form)})
}

// Mkdir makes a directory and its parents on the fake host.
func (p *Panel) Mkdir(dir string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mkdirAll(path.Clean(dir))
}

// Symlink makes name a symbolic link to target (as ln -s would).
func (p *Panel) Symlink(target, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	name = path.Clean(name)
	p.mkdirAll(path.Dir(name))
	p.fs[name] = &node{link: target, mtime: time.Now()}
}

// Exists reports whether name exists, not following a final link.
func (p *Panel) Exists(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fs[path.Clean(name)] != nil
}

// Paths returns every path of the fake host, sorted.
func (p *Panel) Paths() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.fs))
	for k := range p.fs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resolve follows links in every component of name, as a root process
// does; it returns the real path (which may not exist).
func (p *Panel) resolve(name string) string {
	name = path.Clean("/" + name)
	for hops := 0; hops < 40; hops++ {
		parts := strings.Split(strings.TrimPrefix(name, "/"), "/")
		cur, followed := "/", false
		for i, part := range parts {
			next := path.Join(cur, part)
			n := p.fs[next]
			if n != nil && n.link != "" {
				target := n.link
				if !path.IsAbs(target) {
					target = path.Join(cur, target)
				}
				name = path.Join(append([]string{target}, parts[i+1:]...)...)
				followed = true
				break
			}
			cur = next
		}
		if !followed {
			return cur
		}
	}
	return name
}

// lresolve resolves name's directory but not its last component (lstat).
func (p *Panel) lresolve(name string) string {
	name = path.Clean(name)
	return path.Join(p.resolve(path.Dir(name)), path.Base(name))
}

// stat is os.stat: the node name finally names, following links.
func (p *Panel) stat(name string) *node { return p.fs[p.resolve(name)] }

func addFileOps(files map[string]handler) {
	for k, h := range map[string]handler{
		"GetDirNew": (*Panel).getDirNew, "GetDirSize": (*Panel).getDirSizeL, "get_path_size": (*Panel).getPathSize,
		"GetFileBody": (*Panel).getFileBodyL, "SaveFileBody": (*Panel).saveFileBodyL,
		"CreateFile": (*Panel).createFile, "CreateDir": (*Panel).createDirL,
		"DeleteFile": (*Panel).deleteFile, "DeleteDir": (*Panel).deleteFile,
		"MvFile": (*Panel).mvFile, "CopyFile": (*Panel).copyFile,
		"Zip": (*Panel).zip, "UnZip": (*Panel).unzip,
		"SetBatchData": (*Panel).setBatchDataL, "BatchPaste": (*Panel).batchPasteL,
		"CheckExistsFiles": (*Panel).checkExistsFiles, "upload_files_exists": (*Panel).uploadFilesExists,
		"upload": (*Panel).uploadL,
	} {
		files[k] = h
	}
}

// getDirNew is GetDirNew (L798): a missing path lists /www/wwwroot (L810),
// a file lists its directory; rows carry lnk "->target" (L891).
func (p *Panel) getDirNew(_ *session, f form) any {
	dir := path.Clean(f.Get("path"))
	if !f.has("path") || p.stat(dir) == nil {
		dir = "/www/wwwroot"
	}
	if !p.stat(dir).dir {
		dir = path.Dir(dir)
	}
	real := p.resolve(dir)
	search := strings.ToLower(strings.TrimSpace(f.Get("search")))
	type row struct {
		m   map[string]any
		dir bool
	}
	var dirs, files []row
	for _, name := range p.children(real) {
		if search != "" && !strings.Contains(strings.ToLower(name), search) { // files_list L583
			continue
		}
		ln := p.fs[real+"/"+name]
		n, lnk := ln, ""
		if ln.link != "" {
			lnk, n = "->"+ln.link, p.stat(real+"/"+name)
		}
		r := row{m: map[string]any{"nm": name, "sz": 0, "mt": ln.mtime.Unix(), "acc": "644", "user": "www", "lnk": lnk}}
		switch {
		case n != nil && n.dir:
			r.m["sz"], r.dir = 4096, true
			dirs = append(dirs, r)
		case n != nil:
			r.m["sz"] = len(n.data)
			files = append(files, r)
		default: // a dangling link
			files = append(files, r)
		}
	}
	all := append(dirs, files...)
	page, _ := strconv.Atoi(f.Get("p"))
	rows, _ := strconv.Atoi(f.Get("showRow"))
	page, rows = max(page, 1), cmpOr(rows, 500)
	lo, hi := min((page-1)*rows, len(all)), min(page*rows, len(all))
	outDirs, outFiles := []map[string]any{}, []map[string]any{}
	for _, r := range all[lo:hi] {
		if r.dir {
			outDirs = append(outDirs, r.m)
		} else {
			outFiles = append(outFiles, r.m)
		}
	}
	return map[string]any{"path": dir, "dir": outDirs, "files": outFiles,
		"page":  "<div><span class='Pcount'>共" + strconv.Itoa(len(all)) + "条</span></div>",
		"store": []any{}, "file_recycle": false}
}

func cmpOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func (p *Panel) getDirSizeL(s *session, f form) any {
	g := form{Values: cloneValues(f.Values)}
	g.Set("path", p.resolve(f.Get("path")))
	return p.getDirSize(s, g)
}

// getPathSize is get_path_size (L3537): {"path","size"} in bytes.
func (p *Panel) getPathSize(_ *session, f form) any {
	return map[string]any{"path": f.Get("path"), "size": p.size(p.resolve(f.Get("path")))}
}

// getFileBodyL is GetFileBody (L2322) through links: the path is
// URL-decoded once more (L2328); larger than 3145928 bytes answers the
// tail read-only (L2404).
func (p *Panel) getFileBodyL(s *session, f form) any {
	raw, err := url.PathUnescape(f.Get("path"))
	if err != nil {
		raw = f.Get("path")
	}
	n := p.stat(raw)
	if n != nil && !n.dir && len(n.data) > 3145928 {
		tail := n.data[len(n.data)-512000:]
		return map[string]any{"status": true, "only_read": true, "size": len(n.data), "next": true,
			"data": string(tail), "st_mtime": strconv.FormatInt(n.mtime.Unix(), 10)}
	}
	g := form{Values: cloneValues(f.Values)}
	g.Set("path", p.resolve(raw))
	return p.getFileBody(s, g)
}

func (p *Panel) saveFileBodyL(s *session, f form) any {
	g := form{Values: cloneValues(f.Values)}
	g.Set("path", p.resolve(f.Get("path")))
	return p.saveFileBody(s, g)
}

// createFile is CreateFile (L1498).
func (p *Panel) createFile(_ *session, f form) any {
	name := f.Get("path")
	switch {
	case strings.HasSuffix(name, "."):
		return p.msg(false, `文件结尾不建议使用 "."，因为可能存在安全隐患`)
	case strings.ContainsAny(path.Base(name), "\\&*|;\"'<>"): // CheckFileName L234
		return p.msg(false, "文件名中不能包含特殊字符!")
	case p.stat(name) != nil:
		return p.msg(false, "FILE_EXISTS")
	}
	p.writeFile(p.resolve(name), nil)
	return p.msg(true, "FILE_CREATE_SUCCESS")
}

func (p *Panel) createDirL(s *session, f form) any {
	if p.stat(f.Get("path")) != nil {
		return p.msg(false, "DIR_EXISTS")
	}
	g := form{Values: cloneValues(f.Values)}
	g.Set("path", p.resolve(f.Get("path")))
	return p.createDir(s, g)
}

// deleteFile is DeleteFile (L1636) and DeleteDir (L1581): a link is
// removed itself (os.remove).
func (p *Panel) deleteFile(_ *session, f form) any {
	name := p.lresolve(f.Get("path"))
	if p.fs[name] == nil {
		return p.msg(false, "FILE_NOT_EXISTS")
	}
	if p.fs[name].link != "" {
		delete(p.fs, name)
	} else {
		p.removeAll(name)
	}
	return p.msg(true, "DEL_SUCCESS")
}

// mvFile is MvFile (L2240): shutil.move renames (a link moves as a link).
func (p *Panel) mvFile(_ *session, f form) any {
	src, dst := f.Get("sfile"), strings.TrimSuffix(f.Get("dfile"), "/")
	switch {
	case p.stat(src) == nil:
		return p.msg(false, "FILE_NOT_EXISTS")
	case src == dst:
		return p.msg(false, "无意义操作")
	case f.has("rename") && p.stat(dst) != nil:
		return p.msg(false, "目标文件名已存在!")
	}
	if d := p.stat(dst); d != nil && d.dir {
		dst = dst + "/" + path.Base(src)
	}
	p.copyTree(p.lresolve(src), p.resolve(dst), true)
	return p.msg(true, "MOVE_SUCCESS")
}

// copyFile is CopyFile (L2157) and CopyDir (L2206): copytree follows links
// (os.path.isdir, shutil.copy2; L3793).
func (p *Panel) copyFile(_ *session, f form) any {
	src, dst := f.Get("sfile"), f.Get("dfile")
	switch {
	case p.stat(src) == nil:
		return p.msg(false, "FILE_NOT_EXISTS")
	case src == dst:
		return p.msg(false, "无意义操作")
	}
	p.copyFollow(src, dst)
	return p.msg(true, "FILE_COPY_SUCCESS")
}

// copyFollow copies src to dst reading through every link, as copytree.
func (p *Panel) copyFollow(src, dst string) {
	n := p.stat(src)
	if n == nil {
		return
	}
	if !n.dir {
		p.writeFile(p.resolve(dst), n.data)
		return
	}
	p.mkdirAll(p.resolve(dst))
	for _, c := range p.children(p.resolve(src)) {
		p.copyFollow(src+"/"+c, dst+"/"+c)
	}
}

// walk calls fn for every file under name (a file: itself), following
// links as zip -r and copytree do; rel is the path inside name.
func (p *Panel) walk(name, rel string, depth int, fn func(rel string, data []byte)) {
	n := p.stat(name)
	if n == nil || depth > 32 {
		return
	}
	if !n.dir {
		fn(rel, n.data)
		return
	}
	for _, c := range p.children(p.resolve(name)) {
		p.walk(name+"/"+c, rel+"/"+c, depth+1, fn)
	}
}

// setBatchDataL is SetBatchData (L3569): type 1/2 keeps the whole request
// in the session; type 4 deletes path + '/' + name for each name, a link
// itself (L3617).
func (p *Panel) setBatchDataL(s *session, f form) any {
	if f.Get("type") != "4" {
		return p.setBatchData(s, f)
	}
	var names []string
	if err := json.Unmarshal([]byte(f.Get("data")), &names); err != nil {
		return errInternal("JSONDecodeError")
	}
	for _, n := range names {
		g := form{Values: url.Values{"path": {f.Get("path") + "/" + n}}}
		p.deleteFile(s, g)
	}
	return p.msg(true, "FILE_ALL_DEL")
}

// batchPasteL is BatchPaste (L3657): copy follows links (copytree), cut
// renames; the selection leaves the session.
func (p *Panel) batchPasteL(s *session, f form) any {
	if s.selected == nil {
		return p.msg(false, "操作失败,请重新操作复制或剪切过程")
	}
	var names []string
	if err := json.Unmarshal([]byte(s.selected.Get("data")), &names); err != nil {
		return errInternal("JSONDecodeError")
	}
	var skip []string
	_ = json.Unmarshal([]byte(f.Get("skip_files")), &skip)
	src, dst := s.selected.Get("path"), f.Get("path")
	done, total := 0, 0
	for _, n := range names {
		if containsString(skip, n) {
			continue
		}
		total++
		if p.stat(src+"/"+n) == nil {
			continue
		}
		if f.Get("type") == "1" {
			p.copyFollow(src+"/"+n, dst+"/"+n)
		} else {
			p.copyTree(p.lresolve(src+"/"+n), p.resolve(dst+"/"+n), true)
		}
		done++
	}
	s.selected = nil
	return p.msg(true, "FILE_ALL", strconv.Itoa(done), strconv.Itoa(total-done))
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkExistsFiles is CheckExistsFiles (L2289): the names (filename, or
// the session's selection) that exist under dfile.
func (p *Panel) checkExistsFiles(s *session, f form) any {
	var names []string
	if f.has("filename") {
		names = []string{f.Get("filename")}
	} else if s.selected != nil {
		_ = json.Unmarshal([]byte(s.selected.Get("data")), &names)
	}
	out := []map[string]any{}
	for _, n := range names {
		if st := p.stat(f.Get("dfile") + "/" + n); st != nil && n != "." {
			out = append(out, map[string]any{"filename": n, "size": len(st.data),
				"mtime": strconv.FormatInt(st.mtime.Unix(), 10), "is_dir": st.dir})
		}
	}
	return out
}

// uploadFilesExists is upload_files_exists (L333).
func (p *Panel) uploadFilesExists(_ *session, f form) any {
	out := []map[string]any{}
	for _, name := range strings.Split(f.Get("files"), "\n") {
		n := p.stat(name)
		if n == nil {
			out = append(out, map[string]any{"filename": name, "exists": false, "size": 0, "mtime": 0, "isfile": false})
			continue
		}
		out = append(out, map[string]any{"filename": name, "exists": true, "size": len(n.data),
			"mtime": n.mtime.Unix(), "isfile": !n.dir})
	}
	return out
}

// uploadL is upload (L374) through links, with the panel's name checks
// (f_name_check L294): the chunk is appended to
// <f_path>/<f_name>.<f_size>.upload.tmp only when f_start is that file's
// size (L446); the answer is the size until the file is whole (L467).
func (p *Panel) uploadL(_ *session, f form) any {
	dir, name := f.Get("f_path"), f.Get("f_name")
	total, err1 := strconv.ParseInt(f.Get("f_size"), 10, 64)
	start, err2 := strconv.ParseInt(f.Get("f_start"), 10, 64)
	switch {
	case err1 != nil || err2 != nil:
		return errInternal("ValueError: invalid literal for int()")
	case name == "" || strings.ContainsAny(name, ";&<>"):
		return p.msg(false, "文件名中包含特殊字符!")
	case dir == "/":
		return p.msg(false, "不能直接上传文件到系统根目录!")
	case strings.Contains(name, "./") || strings.Contains(dir, "./"):
		return p.msg(false, "错误的参数")
	}
	if d := p.stat(dir); d != nil && !d.dir {
		return p.msg(false, "存在与上传文件夹同名的文件请检查后重试")
	}
	real := p.resolve(dir)
	p.mkdirAll(real)
	tmpName := p.resolve(fmt.Sprintf("%s/%s.%d.upload.tmp", real, name, total))
	tmp := p.fs[tmpName]
	if tmp == nil {
		tmp = &node{mtime: time.Now()}
	}
	if int64(len(tmp.data)) != start {
		return len(tmp.data)
	}
	chunk, ok := f.blob()
	if !ok {
		var err error
		if chunk, err = base64.StdEncoding.DecodeString(f.Get("b64_data")); err != nil {
			return errInternal("binascii.Error: Incorrect padding")
		}
	}
	tmp.data = append(tmp.data, chunk...)
	p.fs[tmpName] = tmp
	switch {
	case int64(len(tmp.data)) > total:
		return p.msg(false, "文件上传发生错误请删除临时文件【"+tmpName+"】后重试")
	case int64(len(tmp.data)) < total:
		return len(tmp.data)
	}
	delete(p.fs, tmpName)
	target := path.Join(real, name)
	if n := p.fs[target]; n != nil && n.dir {
		return p.msg(false, "存在与上传文件同名的文件夹请检查后重试")
	}
	p.fs[target] = &node{data: tmp.data, mtime: time.Now()} // os.renames: a link at target is replaced
	return p.msg(true, "上传成功!")
}
