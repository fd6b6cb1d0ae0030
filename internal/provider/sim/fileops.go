package sim

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The simulated panel's file manager: a tree in memory per configuration,
// with no links. Like the BT panel it confines nothing (the caller does).

var _ provider.FileDriver = (*Driver)(nil)

// simFile is a file or directory of the simulated host.
type simFile struct {
	dir   bool
	data  []byte
	mtime time.Time
}

// simTree is the simulated host's files.
type simTree struct {
	mu    sync.Mutex
	files map[string]*simFile
}

var (
	treesMu sync.Mutex
	trees   = map[*store]*simTree{}
)

// tree returns the files of the driver's state.
func (d *Driver) tree() *simTree {
	treesMu.Lock()
	defer treesMu.Unlock()
	t := trees[d.st]
	if t == nil {
		t = &simTree{files: map[string]*simFile{}}
		trees[d.st] = t
	}
	return t
}

// do runs f on the tree after the simulated delay.
func (d *Driver) do(ctx context.Context, op string, f func(t *simTree) error) error {
	if err := d.wait(ctx, op); err != nil {
		return err
	}
	t := d.tree()
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := f(t); err != nil {
		return fmt.Errorf("sim %s: %w", op, err)
	}
	return nil
}

var (
	errNoFile = fmt.Errorf("%w: no such file or directory", provider.ErrNotFound)
	errExists = fmt.Errorf("%w: already exists", provider.ErrRejected)
)

func (t *simTree) mkdirAll(dir string) {
	for d := path.Clean(dir); d != "/" && d != "."; d = path.Dir(d) {
		if t.files[d] == nil {
			t.files[d] = &simFile{dir: true, mtime: time.Now()}
		}
	}
}

func (t *simTree) write(name string, data []byte) {
	t.mkdirAll(path.Dir(name))
	t.files[name] = &simFile{data: data, mtime: time.Now()}
}

// under calls f for name and everything under it.
func (t *simTree) under(name string, f func(k string, n *simFile)) {
	for k, n := range t.files {
		if k == name || strings.HasPrefix(k, name+"/") {
			f(k, n)
		}
	}
}

func (t *simTree) copy(src, dst string, move bool) {
	t.mkdirAll(path.Dir(dst))
	moved := map[string]*simFile{}
	t.under(src, func(k string, n *simFile) {
		c := *n
		c.data = append([]byte(nil), n.data...)
		moved[dst+strings.TrimPrefix(k, src)] = &c
		if move {
			delete(t.files, k)
		}
	})
	for k, n := range moved {
		t.files[k] = n
	}
}

// Limits returns the BT panel's limits.
func (d *Driver) Limits() provider.FileLimits {
	return provider.FileLimits{EditBytes: 3145928, SaveBytes: 1 << 20, UploadBytes: 1 << 30}
}

// ListDir lists a directory, directories first, by name.
func (d *Driver) ListDir(ctx context.Context, q provider.DirQuery) (provider.DirPage, error) {
	var out provider.DirPage
	err := d.do(ctx, "ListDir", func(t *simTree) error {
		if n := t.files[q.Path]; n == nil || !n.dir {
			return errNoFile
		}
		var all []provider.FileEntry
		for k, n := range t.files {
			if path.Dir(k) == q.Path && k != q.Path &&
				(q.Search == "" || strings.Contains(strings.ToLower(path.Base(k)), q.Search)) {
				all = append(all, provider.FileEntry{Name: path.Base(k), Dir: n.dir, Size: int64(len(n.data)), MTime: n.mtime})
			}
		}
		sort.Slice(all, func(i, j int) bool {
			if all[i].Dir != all[j].Dir {
				return all[i].Dir
			}
			return all[i].Name < all[j].Name
		})
		rows := max(q.Rows, 1)
		lo, hi := min((max(q.Page, 1)-1)*rows, len(all)), min(max(q.Page, 1)*rows, len(all))
		out = provider.DirPage{Path: q.Path, Total: len(all), Entries: all[lo:hi]}
		return nil
	})
	return out, err
}

func (t *simTree) bytes(name string) int64 {
	var n int64
	t.under(name, func(_ string, f *simFile) { n += int64(len(f.data)) })
	return n
}

// DirSize is PathBytes as the panel writes it ("12.50 KB").
func (d *Driver) DirSize(ctx context.Context, name string) (string, error) {
	n, err := d.PathBytes(ctx, name)
	size, unit := float64(n), "b"
	for _, u := range []string{"KB", "MB", "GB"} {
		if size < 1024 {
			break
		}
		size, unit = size/1024, u
	}
	return fmt.Sprintf("%.2f %s", size, unit), err
}

// PathBytes is what name holds, 0 when it does not exist.
func (d *Driver) PathBytes(ctx context.Context, name string) (int64, error) {
	var n int64
	err := d.do(ctx, "PathBytes", func(t *simTree) error { n = t.bytes(name); return nil })
	return n, err
}

// ReadFile reads a file.
func (d *Driver) ReadFile(ctx context.Context, name string) (provider.FileBody, error) {
	var out provider.FileBody
	err := d.do(ctx, "ReadFile", func(t *simTree) error {
		n := t.files[name]
		if n == nil || n.dir {
			return errNoFile
		}
		out = provider.FileBody{Data: string(n.data), Size: int64(len(n.data)), Encoding: "utf-8"}
		return nil
	})
	return out, err
}

// SaveFile overwrites an existing file.
func (d *Driver) SaveFile(ctx context.Context, name, data string) error {
	return d.do(ctx, "SaveFile", func(t *simTree) error {
		if n := t.files[name]; n == nil || n.dir {
			return errNoFile
		}
		t.write(name, []byte(data))
		return nil
	})
}

// CreateFile makes an empty file.
func (d *Driver) CreateFile(ctx context.Context, name string) error {
	return d.do(ctx, "CreateFile", func(t *simTree) error {
		if t.files[name] != nil {
			return errExists
		}
		t.write(name, nil)
		return nil
	})
}

// CreateDir makes a directory and its parents.
func (d *Driver) CreateDir(ctx context.Context, name string) error {
	return d.do(ctx, "CreateDir", func(t *simTree) error {
		if t.files[name] != nil {
			return errExists
		}
		t.mkdirAll(name)
		return nil
	})
}

// Delete removes a file or a tree.
func (d *Driver) Delete(ctx context.Context, name string, _ bool) error {
	return d.do(ctx, "Delete", func(t *simTree) error {
		if t.files[name] == nil {
			return errNoFile
		}
		t.under(name, func(k string, _ *simFile) { delete(t.files, k) })
		return nil
	})
}

// Move renames src to dst (into dst when it is a directory).
func (d *Driver) Move(ctx context.Context, src, dst string, _ bool) error {
	return d.do(ctx, "Move", func(t *simTree) error {
		if t.files[src] == nil {
			return errNoFile
		}
		if n := t.files[dst]; n != nil && n.dir {
			dst += "/" + path.Base(src)
		}
		t.copy(src, dst, true)
		return nil
	})
}

// Copy copies src to dst.
func (d *Driver) Copy(ctx context.Context, src, dst string) error {
	return d.do(ctx, "Copy", func(t *simTree) error {
		if t.files[src] == nil {
			return errNoFile
		}
		t.copy(src, dst, false)
		return nil
	})
}

// Zip packs names of dir into a zip archive (kind is not simulated).
func (d *Driver) Zip(ctx context.Context, dir string, names []string, archive, _ string) error {
	return d.do(ctx, "Zip", func(t *simTree) error {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range names {
			var err error
			t.under(dir+"/"+n, func(k string, f *simFile) {
				if w, e := zw.Create(strings.TrimPrefix(k, dir+"/")); e == nil && !f.dir {
					_, err = w.Write(f.data)
				}
			})
			if err != nil {
				return err
			}
		}
		if err := zw.Close(); err != nil {
			return err
		}
		t.write(archive, buf.Bytes())
		return nil
	})
}

// Unzip unpacks a zip archive into dir, dropping ".." and leading "/" from
// entry names as Info-ZIP's unzip does.
func (d *Driver) Unzip(ctx context.Context, archive, dir, _ string) error {
	return d.do(ctx, "Unzip", func(t *simTree) error {
		n := t.files[archive]
		if n == nil || n.dir {
			return errNoFile
		}
		zr, err := zip.NewReader(bytes.NewReader(n.data), int64(len(n.data)))
		if err != nil {
			return fmt.Errorf("%w: %w", provider.ErrRejected, err)
		}
		t.mkdirAll(dir)
		for _, zf := range zr.File {
			var keep []string
			for _, part := range strings.Split(zf.Name, "/") {
				if part != "" && part != "." && part != ".." {
					keep = append(keep, part)
				}
			}
			if len(keep) == 0 || zf.FileInfo().IsDir() {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				return err
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			t.write(dir+"/"+strings.Join(keep, "/"), data)
		}
		return nil
	})
}

// DeleteBatch removes names of dir.
func (d *Driver) DeleteBatch(ctx context.Context, dir string, names []string) error {
	return d.do(ctx, "DeleteBatch", func(t *simTree) error {
		for _, n := range names {
			t.under(dir+"/"+n, func(k string, _ *simFile) { delete(t.files, k) })
		}
		return nil
	})
}

// Paste copies or moves the selection into dst, but for skip.
func (d *Driver) Paste(ctx context.Context, sel provider.Selection, dst string, skip []string) (string, error) {
	done := 0
	err := d.do(ctx, "Paste", func(t *simTree) error {
		for _, n := range sel.Names {
			if t.files[sel.Dir+"/"+n] == nil || contains(skip, n) {
				continue
			}
			t.copy(sel.Dir+"/"+n, dst+"/"+n, sel.Cut)
			done++
		}
		return nil
	})
	return fmt.Sprintf("批量操作成功[%d],失败[%d]", done, len(sel.Names)-len(skip)-done), err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Exists lists which names exist in dir.
func (d *Driver) Exists(ctx context.Context, dir string, names []string) ([]provider.ExistingFile, error) {
	out := []provider.ExistingFile{}
	err := d.do(ctx, "Exists", func(t *simTree) error {
		for _, n := range names {
			if f := t.files[dir+"/"+n]; f != nil {
				out = append(out, provider.ExistingFile{Name: n, Size: int64(len(f.data)),
					MTime: fmt.Sprint(f.mtime.Unix()), Dir: f.dir})
			}
		}
		return nil
	})
	return out, err
}

// UploadExists says which paths exist.
func (d *Driver) UploadExists(ctx context.Context, paths []string) ([]provider.UploadState, error) {
	var out []provider.UploadState
	err := d.do(ctx, "UploadExists", func(t *simTree) error {
		for _, p := range paths {
			s := provider.UploadState{Path: p}
			if f := t.files[p]; f != nil {
				s.Exists, s.Size, s.MTime, s.File = true, int64(len(f.data)), f.mtime.Unix(), !f.dir
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// Upload appends a chunk when Start is what the file holds, as the BT
// panel does (the chunk is read either way).
func (d *Driver) Upload(ctx context.Context, c provider.UploadChunk) (int64, bool, error) {
	data, err := io.ReadAll(c.Data)
	if err != nil {
		return 0, false, fmt.Errorf("sim Upload: %w: %w", provider.ErrUnavailable, err)
	}
	var have int64
	var done bool
	err = d.do(ctx, "Upload", func(t *simTree) error {
		tmp := fmt.Sprintf("%s/%s.%d.upload.tmp", c.Dir, c.Name, c.Size)
		f := t.files[tmp]
		if f == nil {
			t.write(tmp, nil)
			f = t.files[tmp]
		}
		if int64(len(f.data)) == c.Start {
			f.data = append(f.data, data...)
		}
		have = int64(len(f.data))
		switch {
		case have > c.Size:
			delete(t.files, tmp)
			return fmt.Errorf("%w: more than %d bytes", provider.ErrRejected, c.Size)
		case have == c.Size:
			delete(t.files, tmp)
			t.write(c.Dir+"/"+c.Name, f.data)
			done = true
		}
		return nil
	})
	return have, done, err
}
