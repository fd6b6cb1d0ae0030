package btpanelfake

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"strings"
)

// Archives: the panel's Zip and UnZip (files.py L3050, L3198), run by
// panelTask.py's _zip and _unzip with zip, unzip and tar.

// zip is Zip (L3050) → panelTask._zip: `cd path && zip -r dfile 'a' 'b'`
// (zip -r follows links) or tar -zcvf; the names are joined to path.
func (p *Panel) zip(_ *session, f form) any {
	dir, kind, dst := f.Get("path"), f.Get("z_type"), f.Get("dfile")
	if kind == "" {
		kind = "rar"
	}
	var buf bytes.Buffer
	var add func(name string, data []byte) error
	var closeAll func() error
	switch kind {
	case "zip":
		zw := zip.NewWriter(&buf)
		add = func(name string, data []byte) error {
			w, err := zw.Create(name)
			if err == nil {
				_, err = w.Write(data)
			}
			return err
		}
		closeAll = zw.Close
	case "tar.gz":
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		add = func(name string, data []byte) error {
			if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))}); err != nil {
				return err
			}
			_, err := tw.Write(data)
			return err
		}
		closeAll = func() error { return errorsJoin(tw.Close(), gz.Close()) }
	default:
		return p.msg(false, "RAR组件只支持x86_64平台")
	}
	for _, name := range strings.Split(f.Get("sfile"), ",") {
		if name == "" {
			continue
		}
		src := name
		if !path.IsAbs(name) {
			src = dir + "/" + name
		}
		p.walk(path.Clean(src), strings.TrimPrefix(name, "/"), 0, func(rel string, data []byte) {
			_ = add(rel, data)
		})
	}
	if err := closeAll(); err != nil {
		return errInternal(err.Error())
	}
	p.writeFile(p.resolve(dst), buf.Bytes())
	return p.msg(true, "ZIP_SUCCESS")
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// unzip is UnZip (L3198) → panelTask._unzip: `unzip -X -P pw -o sfile -d
// dfile` or `tar zxvf sfile -C dfile`. Like Info-ZIP's unzip and GNU tar,
// it drops a leading "/" and every ".." component of an entry's name, and
// it writes as root through the links that already exist under dfile.
func (p *Panel) unzip(_ *session, f form) any {
	src, dst := f.Get("sfile"), f.Get("dfile")
	n := p.stat(src)
	switch {
	case n == nil:
		return p.msg(false, "指定压缩包不存在!")
	case n.dir:
		return p.msg(false, "目录无法解压")
	}
	entries, err := readArchive(src, n.data)
	if err != nil {
		return p.msg(false, "解压失败: "+err.Error())
	}
	p.mkdirAll(p.resolve(dst))
	for _, e := range entries {
		var keep []string
		for _, part := range strings.Split(e.name, "/") {
			if part != "" && part != "." && part != ".." {
				keep = append(keep, part)
			}
		}
		if len(keep) == 0 {
			continue
		}
		target := p.resolve(dst + "/" + strings.Join(keep, "/"))
		if e.dir {
			p.mkdirAll(target)
		} else {
			p.writeFile(target, e.data)
		}
	}
	return p.msg(true, "UNZIP_SUCCESS")
}

type archiveEntry struct {
	name string
	dir  bool
	data []byte
}

func readArchive(name string, data []byte) ([]archiveEntry, error) {
	var out []archiveEntry
	switch {
	case strings.HasSuffix(name, ".zip"):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, err
		}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				return nil, err
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, err
			}
			out = append(out, archiveEntry{name: zf.Name, dir: zf.FileInfo().IsDir(), data: b})
		}
	case strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".tgz"):
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, err
			}
			out = append(out, archiveEntry{name: h.Name, dir: h.Typeflag == tar.TypeDir, data: b})
		}
	default:
		return nil, fmt.Errorf("unsupported archive %s", path.Base(name))
	}
	return out, nil
}
