package btpanel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The file manager: /files?action=... calls of aaPanel/BaoTa class/files.py
// (commit f9f6845c; line numbers below are of that file). The panel runs
// them as root and confines nothing (providers.md §1.4): the caller must
// confine every path before it comes here.

var _ provider.FileDriver = (*Driver)(nil)

// Limits of the file manager.
const (
	// EditBytes is the panel's online-edit limit: GetFileBody answers only
	// the last lines of a larger file (files.py L2404 `data["size"] >
	// 3145928`) and SaveFileBody refuses to overwrite one (L2486).
	EditBytes = 3145928
	// DefaultSaveBytes is the largest body zonkvmd saves unless the line
	// says otherwise (save_max_bytes).
	DefaultSaveBytes = 1 << 20
	// DefaultUploadBytes is the largest file zonkvmd uploads unless the
	// line says otherwise (upload_max_bytes).
	DefaultUploadBytes = 1 << 30
)

// Limits returns the panel's file limits.
func (d *Driver) Limits() provider.FileLimits {
	return provider.FileLimits{EditBytes: EditBytes, SaveBytes: d.saveMax, UploadBytes: d.uploadMax}
}

// Reason returns the panel's own message when it refused the call, else "".
func (e *Error) Reason() string {
	if e.Refused {
		return e.Msg
	}
	return ""
}

// files calls /files?action=action and maps a "does not exist" refusal to
// provider.ErrNotFound.
func (d *Driver) files(ctx context.Context, action string, params url.Values) (json.RawMessage, error) {
	raw, err := d.c.Call(ctx, "files", action, params)
	return raw, notFound(err)
}

// dirEntry is a row of GetDirNew (files.py L885-897).
type dirEntry struct {
	Name  string `json:"nm"`
	Size  int64  `json:"sz"`
	MTime int64  `json:"mt"`
	Link  string `json:"lnk"` // "->target" (L891)
}

// pageCount reads the entry count from the panel's page HTML (class/page.py
// L117: <span class='Pcount'>共N条</span>).
var pageCount = regexp.MustCompile(`Pcount'>\D*(\d+)`)

// ListDir is GetDirNew (L798) {path, p, showRow, search}. The panel lists
// /www/wwwroot when path does not exist (L810), so a listing of another
// directory than asked is ErrNotFound.
func (d *Driver) ListDir(ctx context.Context, q provider.DirQuery) (provider.DirPage, error) {
	params := url.Values{"path": {q.Path}, "p": {strconv.Itoa(max(q.Page, 1))}, "showRow": {strconv.Itoa(max(q.Rows, 1))}}
	if q.Search != "" {
		params.Set("search", q.Search)
	}
	raw, err := d.files(ctx, "GetDirNew", params)
	if err != nil {
		return provider.DirPage{}, err
	}
	var ans struct {
		Path  string     `json:"path"`
		Dir   []dirEntry `json:"dir"`
		Files []dirEntry `json:"files"`
		Page  string     `json:"page"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return provider.DirPage{}, &Error{Module: "files", Action: "GetDirNew", Err: provider.ErrUnavailable,
			Msg: "unexpected answer " + excerpt(raw), cause: err}
	}
	if ans.Path != q.Path {
		return provider.DirPage{}, fmt.Errorf("btpanel GetDirNew %s: the panel listed %s: %w", q.Path, ans.Path, provider.ErrNotFound)
	}
	out := provider.DirPage{Path: ans.Path, Total: len(ans.Dir) + len(ans.Files)}
	if m := pageCount.FindStringSubmatch(ans.Page); m != nil {
		out.Total, _ = strconv.Atoi(m[1])
	}
	for i, list := range [][]dirEntry{ans.Dir, ans.Files} {
		for _, e := range list {
			out.Entries = append(out.Entries, provider.FileEntry{Name: e.Name, Dir: i == 0, Size: e.Size,
				MTime: time.Unix(e.MTime, 0), Link: strings.TrimSpace(strings.TrimPrefix(e.Link, "->"))})
		}
	}
	return out, nil
}

// DirSize is GetDirSize (L3529) {path}: a bare string such as "1.2 MB".
func (d *Driver) DirSize(ctx context.Context, path string) (string, error) {
	raw, err := d.files(ctx, "GetDirSize", url.Values{"path": {path}})
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("btpanel GetDirSize: %w: answer %s", provider.ErrUnavailable, excerpt(raw))
	}
	return s, nil
}

// PathBytes is get_path_size (L3537) {path}: {"path","size"} in bytes, 0
// for a path that does not exist.
func (d *Driver) PathBytes(ctx context.Context, path string) (int64, error) {
	raw, err := d.files(ctx, "get_path_size", url.Values{"path": {path}})
	if err != nil {
		return 0, err
	}
	var ans struct {
		Size int64 `json:"size"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return 0, fmt.Errorf("btpanel get_path_size: %w: answer %s", provider.ErrUnavailable, excerpt(raw))
	}
	return ans.Size, nil
}

// ReadFile is GetFileBody (L2322) {path}. The panel URL-decodes path once
// more (L2328): the caller must send a path without "%".
func (d *Driver) ReadFile(ctx context.Context, path string) (provider.FileBody, error) {
	raw, err := d.files(ctx, "GetFileBody", url.Values{"path": {path}})
	if err != nil {
		return provider.FileBody{}, err
	}
	var ans struct {
		Data     string `json:"data"`
		Size     int64  `json:"size"`
		Encoding string `json:"encoding"`
		ReadOnly bool   `json:"only_read"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return provider.FileBody{}, fmt.Errorf("btpanel GetFileBody: %w: answer %s", provider.ErrUnavailable, excerpt(raw))
	}
	return provider.FileBody(ans), nil
}

// SaveFile is SaveFileBody (L2470) {path, data, encoding}.
func (d *Driver) SaveFile(ctx context.Context, path, data string) error {
	_, err := d.files(ctx, "SaveFileBody", url.Values{"path": {path}, "data": {data}, "encoding": {"utf-8"}})
	return err
}

// CreateFile is CreateFile (L1498) {path}.
func (d *Driver) CreateFile(ctx context.Context, path string) error {
	_, err := d.files(ctx, "CreateFile", url.Values{"path": {path}})
	return err
}

// CreateDir is CreateDir (L1563) {path}.
func (d *Driver) CreateDir(ctx context.Context, path string) error {
	_, err := d.files(ctx, "CreateDir", url.Values{"path": {path}})
	return err
}

// Delete is DeleteDir (L1581) or DeleteFile (L1636) {path}. Both remove a
// link itself, never what it points to (L1613, os.remove).
func (d *Driver) Delete(ctx context.Context, path string, dir bool) error {
	action := "DeleteFile"
	if dir {
		action = "DeleteDir"
	}
	_, err := d.files(ctx, action, url.Values{"path": {path}})
	return err
}

// Move is MvFile (L2240) {sfile, dfile[, rename]}.
func (d *Driver) Move(ctx context.Context, src, dst string, rename bool) error {
	params := url.Values{"sfile": {src}, "dfile": {dst}}
	if rename {
		params.Set("rename", "true") // only its presence counts (L2262)
	}
	_, err := d.files(ctx, "MvFile", params)
	return err
}

// Copy is CopyFile (L2157) {sfile, dfile}; it copies directories too
// (CopyDir, L2206).
func (d *Driver) Copy(ctx context.Context, src, dst string) error {
	_, err := d.files(ctx, "CopyFile", url.Values{"sfile": {src}, "dfile": {dst}})
	return err
}

// Zip is Zip (L3050) {sfile (comma list of names in path), dfile, z_type,
// path}. z_type must be sent: the panel's default is rar.
func (d *Driver) Zip(ctx context.Context, dir string, names []string, archive, kind string) error {
	_, err := d.files(ctx, "Zip", url.Values{"sfile": {strings.Join(names, ",")}, "dfile": {archive},
		"z_type": {kind}, "path": {dir}})
	return err
}

// Unzip is UnZip (L3198) {sfile (archive), dfile (target dir), password}.
func (d *Driver) Unzip(ctx context.Context, archive, dir, password string) error {
	_, err := d.files(ctx, "UnZip", url.Values{"sfile": {archive}, "dfile": {dir}, "password": {password}})
	return err
}

// DeleteBatch is SetBatchData (L3569) type 4 {path, type, data (JSON list
// of names)}.
func (d *Driver) DeleteBatch(ctx context.Context, dir string, names []string) error {
	data, _ := json.Marshal(names)
	_, err := d.files(ctx, "SetBatchData", url.Values{"path": {dir}, "type": {"4"}, "data": {string(data)}})
	return err
}

// Paste is SetBatchData type 1/2 then BatchPaste (L3657) {path, type,
// skip_files}, on a panel session of its own: the panel keeps the
// selection in the session (L3574 session['selected']), so the pair never
// meets another order's selection.
func (d *Driver) Paste(ctx context.Context, sel provider.Selection, dst string, skip []string) (string, error) {
	c, err := d.c.NewSession()
	if err != nil {
		return "", err
	}
	kind := "1"
	if sel.Cut {
		kind = "2"
	}
	data, _ := json.Marshal(sel.Names)
	if _, err := c.Call(ctx, "files", "SetBatchData", url.Values{"path": {sel.Dir}, "type": {kind}, "data": {string(data)}}); err != nil {
		return "", err
	}
	params := url.Values{"path": {dst}, "type": {kind}}
	if len(skip) > 0 {
		s, _ := json.Marshal(skip)
		params.Set("skip_files", string(s))
	}
	raw, err := c.Call(ctx, "files", "BatchPaste", params)
	if err != nil {
		return "", err
	}
	var ans struct {
		Msg string `json:"msg"`
	}
	_ = json.Unmarshal(raw, &ans)
	return ans.Msg, nil
}

// Exists is CheckExistsFiles (L2289) {dfile, filename}, once per name: the
// panel's other form reads the session's selection.
func (d *Driver) Exists(ctx context.Context, dir string, names []string) ([]provider.ExistingFile, error) {
	out := []provider.ExistingFile{}
	for _, n := range names {
		raw, err := d.files(ctx, "CheckExistsFiles", url.Values{"dfile": {dir}, "filename": {n}})
		if err != nil {
			return nil, err
		}
		var found []provider.ExistingFile
		if err := json.Unmarshal(raw, &found); err != nil {
			return nil, fmt.Errorf("btpanel CheckExistsFiles: %w: answer %s", provider.ErrUnavailable, excerpt(raw))
		}
		out = append(out, found...)
	}
	return out, nil
}

// UploadExists is upload_files_exists (L333) {files: newline-separated
// paths}: a bare list.
func (d *Driver) UploadExists(ctx context.Context, paths []string) ([]provider.UploadState, error) {
	raw, err := d.files(ctx, "upload_files_exists", url.Values{"files": {strings.Join(paths, "\n")}})
	if err != nil {
		return nil, err
	}
	var out []provider.UploadState
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("btpanel upload_files_exists: %w: answer %s", provider.ErrUnavailable, excerpt(raw))
	}
	return out, nil
}

// Upload is upload (L374), multipart {f_path, f_name, f_size, f_start,
// blob}. The panel appends blob to <f_path>/<f_name>.<f_size>.upload.tmp
// only when f_start is that file's size, and answers a bare integer (its
// size) until the file is whole, then {"status":true} (L432-L486).
func (d *Driver) Upload(ctx context.Context, ch provider.UploadChunk) (int64, bool, error) {
	params := url.Values{"f_path": {ch.Dir}, "f_name": {ch.Name},
		"f_size": {strconv.FormatInt(ch.Size, 10)}, "f_start": {strconv.FormatInt(ch.Start, 10)}}
	raw, err := d.c.CallFile(ctx, "files", "upload", params, "blob", ch.Name, ch.Data)
	if err != nil {
		return 0, false, err
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, false, nil
	}
	return ch.Size, true, nil // {"status":true,"msg":"上传成功!"}: refusals are errors already
}

// NewSession returns a client of the same panel with a cookie jar of its
// own: a panel session no other caller shares.
func (c *Client) NewSession() (*Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("btpanel: cookie jar: %w", err)
	}
	own := *c.http
	own.Jar = jar
	return &Client{base: c.base, token: c.token, http: &own, now: c.now}, nil
}

// CallFile is Call with a multipart body whose last part, field, streams
// from body: nothing of it is held in memory. See Call for the errors.
func (c *Client) CallFile(ctx context.Context, module, action string, params url.Values, field, filename string, body io.Reader) (json.RawMessage, error) {
	if !namePattern.MatchString(module) || !namePattern.MatchString(action) {
		return nil, &Error{Module: module, Action: action, Err: provider.ErrRejected,
			Msg: "module and action must be letters, digits and _"}
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(writeForm(mw, c, params, field, filename, body))
	}()
	defer func() { _ = pr.Close(); <-done }()

	u := c.base.JoinPath(module)
	u.RawQuery = url.Values{"action": {action}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), pr)
	if err != nil {
		return nil, &Error{Module: module, Action: action, Err: provider.ErrRejected, Msg: "building the request", cause: err}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &Error{Module: module, Action: action, Err: provider.ErrUnavailable, Msg: "request failed", cause: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, &Error{Module: module, Action: action, Err: provider.ErrUnavailable, Msg: "reading the answer", cause: err}
	}
	return decode(module, action, resp, raw)
}

// writeForm writes the signed fields, then the file part.
func writeForm(mw *multipart.Writer, c *Client, params url.Values, field, filename string, body io.Reader) error {
	rt, tok := c.sign(c.now())
	fields := url.Values{"request_time": {rt}, "request_token": {tok}}
	for k, v := range params {
		if k != "request_time" && k != "request_token" {
			fields[k] = v
		}
	}
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				return err
			}
		}
	}
	part, err := mw.CreateFormFile(field, filename)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, body); err != nil {
		return errors.Join(errors.New("btpanel: reading the upload"), err)
	}
	return mw.Close()
}
