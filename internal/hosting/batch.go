package hosting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"path"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Batches. The panel keeps SetBatchData's selection in the caller's
// session (files.py L3574) and BatchPaste reads it from there (L3671): one
// session shared by every order on a panel would paste one order's
// selection into another's site. So hosting_set_batch_data keeps the
// selection per order in hosting_file_selections, and
// hosting_batch_paste sends SetBatchData and BatchPaste together on a
// panel session of their own (provider.FileDriver.Paste).

// SetBatchData serves hosting_set_batch_data: type Delete removes the
// names of arr in path at once; Copy and Cut keep them as the order's
// selection.
func (s *Service) SetBatchData(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	kind, err := req.Params.RequiredText("type")
	if err != nil {
		return nil, err
	}
	kind = strings.ToLower(kind)
	if kind != "delete" && kind != "copy" && kind != "cut" {
		return nil, dispatch.ParamError("type", "应为 Delete、Copy 或 Cut")
	}
	dir, err := f.path(ctx, req, "path", true)
	if err != nil {
		return nil, err
	}
	list, err := stringList(req.Params, "arr")
	if err != nil {
		return nil, err
	}
	names, err := f.names("arr", dir, list)
	if err != nil {
		return nil, err
	}
	if kind == "delete" {
		// SetBatchData runs `chattr -R -i` on a name that is a directory,
		// through a link too (files.py L3605): a link out is deleted by
		// hosting_delete_file, which removes the link alone.
		for _, n := range names {
			if err := f.g.noEscape(ctx, "arr", dir+"/"+n, true); err != nil {
				return nil, err
			}
		}
		return nil, f.d.DeleteBatch(ctx, dir, names)
	}
	js, _ := json.Marshal(names)
	_, err = s.DB.Exec(ctx, `INSERT INTO hosting_file_selections (order_id, dir, names, cut) VALUES ($1, $2, $3, $4)
		ON CONFLICT (order_id) DO UPDATE SET dir = $2, names = $3, cut = $4, created_at = now()`,
		f.orderID, dir, js, kind == "cut")
	if err != nil {
		return nil, fmt.Errorf("hosting_set_batch_data: %w", err)
	}
	return nil, nil
}

// selection reads the order's batch selection; ok is false when it has
// none.
func (s *Service) selection(ctx context.Context, orderID int64) (provider.Selection, bool, error) {
	var sel provider.Selection
	var names []byte
	err := postgres.QueryRow(ctx, s.DB, `SELECT dir, names, cut FROM hosting_file_selections WHERE order_id = $1`,
		orderID).Scan(&sel.Dir, &names, &sel.Cut)
	if errors.Is(err, postgres.ErrNotFound) {
		return sel, false, nil
	}
	if err != nil {
		return sel, false, fmt.Errorf("hosting files: selection of order %d: %w", orderID, err)
	}
	if err := json.Unmarshal(names, &sel.Names); err != nil {
		return sel, false, fmt.Errorf("hosting files: selection of order %d: %w", orderID, err)
	}
	return sel, true, nil
}

// CheckExistsFiles serves hosting_check_exists_files: which of filename
// (or, without it, of the order's selection) already exist in
// contents_path.
func (s *Service) CheckExistsFiles(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	dir, err := f.path(ctx, req, "contents_path", true)
	if err != nil {
		return nil, err
	}
	var names []string
	if raw, _ := req.Params.Text("filename"); strings.TrimSpace(raw) != "" {
		n, err := f.site.confineName("filename", dir, raw)
		if err != nil {
			return nil, err
		}
		names = []string{n}
	} else {
		sel, ok, err := s.selection(ctx, f.orderID)
		if err != nil || !ok {
			return []provider.ExistingFile{}, err
		}
		names = sel.Names
	}
	for _, n := range names {
		if err := f.g.noEscape(ctx, "filename", dir+"/"+n, true); err != nil {
			return nil, err // the panel would stat through the link
		}
	}
	return f.d.Exists(ctx, dir, names)
}

// pasteKind reads the type of a paste: copy or cut.
func pasteKind(req *dispatch.Request) (cut bool, err error) {
	kind, err := req.Params.RequiredText("type")
	if err != nil {
		return false, err
	}
	switch strings.ToLower(kind) {
	case "copy", "1":
		return false, nil
	case "cut", "2":
		return true, nil
	}
	return false, dispatch.ParamError("type", "应为 copy 或 cut")
}

// PasteFile serves hosting_paste_file: sfile copied or moved into the
// directory dfile; an existing file of that name is kept unless
// isOverride is true. sfile's tree is walked: copytree reads through
// links.
func PasteFile(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	cut, err := pasteKind(req)
	if err != nil {
		return nil, err
	}
	src, err := f.inner(ctx, req, "sfile", !cut)
	if err != nil {
		return nil, err
	}
	if err := f.g.walk(ctx, "sfile", src); err != nil {
		return nil, err
	}
	dir, err := f.path(ctx, req, "dfile", true)
	if err != nil {
		return nil, err
	}
	name := path.Base(src)
	dst, err := f.site.within("dfile", dir+"/"+name)
	if err != nil {
		return nil, err
	}
	if err := f.g.noEscape(ctx, "dfile", dst, true); err != nil {
		return nil, err
	}
	if req.Params.String("isOverride") != "true" {
		found, err := f.d.Exists(ctx, dir, []string{name})
		if err != nil {
			return nil, err
		}
		if len(found) > 0 {
			return map[string]any{"skipped": []string{name}}, nil
		}
	}
	if cut {
		err = f.d.Move(ctx, src, dst, false)
	} else {
		err = f.d.Copy(ctx, src, dst)
	}
	return map[string]any{"skipped": []string{}}, err
}

// BatchPaste serves hosting_batch_paste: the order's selection pasted into
// contents_path, but for the names in skip; the selection is then used up.
func (s *Service) BatchPaste(ctx context.Context, f fileSite, req *dispatch.Request) (any, error) {
	cut, err := pasteKind(req)
	if err != nil {
		return nil, err
	}
	dst, err := f.path(ctx, req, "contents_path", true)
	if err != nil {
		return nil, err
	}
	sel, ok, err := s.selection(ctx, f.orderID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, dispatch.ParamError("contents_path", "没有已标记的文件,请先复制或剪切")
	}
	if sel.Dir, err = f.site.confine("arr", sel.Dir, false); err != nil {
		return nil, err
	}
	sel.Cut = cut
	var skip []string
	if raw := strings.TrimSpace(req.Params.String("skip")); raw != "" {
		if skip, err = f.names("skip", sel.Dir, strings.Split(raw, ",")); err != nil {
			return nil, err
		}
	}
	for _, n := range sel.Names {
		if err := f.g.walk(ctx, "arr", sel.Dir+"/"+n); err != nil {
			return nil, err
		}
		p, err := f.site.within("contents_path", dst+"/"+n)
		if err != nil {
			return nil, err
		}
		if err := f.g.noEscape(ctx, "contents_path", p, true); err != nil {
			return nil, err
		}
	}
	msg, err := f.d.Paste(ctx, sel, dst, skip)
	if err != nil {
		return nil, err
	}
	if _, err := s.DB.Exec(ctx, `DELETE FROM hosting_file_selections WHERE order_id = $1`, f.orderID); err != nil {
		return nil, fmt.Errorf("hosting_batch_paste: %w", err)
	}
	return map[string]string{"msg": msg}, nil
}
