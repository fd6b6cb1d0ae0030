package hosting

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Symbolic links. The panel follows them as root in every call, and a site
// can hold links its own PHP made. Before a call, zonkvmd asks the panel's
// directory listing (GetDirNew reports each link's target, files.py L891)
// about every component of the path, and refuses a path that passes
// through a link leaving the site root. Calls that recurse (copy, cut,
// zip; unzip's destination) first walk the whole tree the same way:
// copytree and zip -r read through links (files.py L3793, panelTask.py
// L442).

// Bounds of the link checks.
const (
	maxLinkHops  = 8    // links followed in one path
	maxWalkDirs  = 200  // directories one tree walk may list
	maxWalkItems = 5000 // entries one tree walk may see
	listRows     = 500  // entries per listing page (the panel's default, files.py L838)
	maxListPages = 20   // pages one lookup may read
)

// guard checks paths against links on one order's panel.
type guard struct {
	d    provider.FileDriver
	site siteFiles
}

// noEscape refuses p (a confined path) when it passes through a link that
// leaves the root; final says whether p's own last component counts (a
// delete removes a link itself, so it does not).
func (g guard) noEscape(ctx context.Context, param, p string, final bool) error {
	if !g.site.inside(p) {
		return nil // one of the site's panel files: the panel's own, no link of the customer's
	}
	cur := p
	for range maxLinkHops {
		link, at, err := g.firstLink(ctx, cur, final)
		if err != nil || link == "" {
			return err
		}
		target := linkTarget(path.Dir(at), link)
		if !g.site.inside(target) {
			return dispatch.ParamError(param, "经符号链接超出站点目录")
		}
		cur = target + strings.TrimPrefix(cur, at)
	}
	return dispatch.ParamError(param, "符号链接过多")
}

// firstLink finds the first component of p under the root that is a link;
// it returns its target and the path of the link, or "" when there is
// none (or a component does not exist).
func (g guard) firstLink(ctx context.Context, p string, final bool) (target, at string, err error) {
	rest := strings.TrimPrefix(strings.TrimPrefix(p, g.site.root), "/")
	if rest == "" {
		return "", "", nil
	}
	parts := strings.Split(rest, "/")
	if !final {
		parts = parts[:len(parts)-1]
	}
	dir := g.site.root
	for _, name := range parts {
		e, found, err := g.lookup(ctx, dir, name)
		if err != nil || !found {
			return "", "", err
		}
		if e.Link != "" {
			return e.Link, dir + "/" + name, nil
		}
		dir += "/" + name
	}
	return "", "", nil
}

// lookup finds the entry name of dir through the panel's listing.
func (g guard) lookup(ctx context.Context, dir, name string) (provider.FileEntry, bool, error) {
	for page := 1; page <= maxListPages; page++ {
		pg, err := g.d.ListDir(ctx, provider.DirQuery{Path: dir, Page: page, Rows: listRows, Search: strings.ToLower(name)})
		if errors.Is(err, provider.ErrNotFound) {
			return provider.FileEntry{}, false, nil
		}
		if err != nil {
			return provider.FileEntry{}, false, fmt.Errorf("hosting files: list %s: %w", dir, err)
		}
		for _, e := range pg.Entries {
			if e.Name == name {
				return e, true, nil
			}
		}
		if page*listRows >= pg.Total {
			break
		}
	}
	return provider.FileEntry{}, false, nil
}

// walk refuses a tree (a confined path, or a file) that holds a link
// leaving the root, or that is too large to check. Links inside the root
// are walked too: copytree and zip read through them.
func (g guard) walk(ctx context.Context, param, root string) error {
	if err := g.noEscape(ctx, param, root, true); err != nil {
		return err
	}
	queue, seen, items := []string{root}, map[string]bool{}, 0
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if len(seen) > maxWalkDirs {
			return dispatch.ParamError(param, "目录过多,无法检查符号链接")
		}
		entries, err := g.listAll(ctx, dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if items++; items > maxWalkItems {
				return dispatch.ParamError(param, "文件过多,无法检查符号链接")
			}
			switch {
			case e.Link != "":
				target := linkTarget(dir, e.Link)
				if !g.site.inside(target) {
					return dispatch.ParamError(param, "经符号链接超出站点目录")
				}
				if e.Dir {
					queue = append(queue, target)
				}
			case e.Dir:
				queue = append(queue, dir+"/"+e.Name)
			}
		}
	}
	return nil
}

// listAll lists every entry of dir; a path that is no directory (a file,
// or nothing) has none.
func (g guard) listAll(ctx context.Context, dir string) ([]provider.FileEntry, error) {
	var out []provider.FileEntry
	for page := 1; page <= maxListPages; page++ {
		pg, err := g.d.ListDir(ctx, provider.DirQuery{Path: dir, Page: page, Rows: listRows})
		if errors.Is(err, provider.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("hosting files: list %s: %w", dir, err)
		}
		if pg.Path != dir {
			return nil, nil
		}
		out = append(out, pg.Entries...)
		if page*listRows >= pg.Total {
			return out, nil
		}
	}
	return out, nil
}

// linkTarget is where a link in dir pointing to target leads, cleaned.
func linkTarget(dir, target string) string {
	if !path.IsAbs(target) {
		target = path.Join(dir, target)
	}
	return path.Clean(target)
}
