package mofangyun

import (
	"context"
	"net/http"
)

// perPage and maxPages bound a scan of a list endpoint.
const (
	perPage  = 100
	maxPages = 500
)

// listed is a row of a list endpoint: its id, and the name a search looks
// for.
type listed interface {
	rowID() string
	rowName() string
}

// scan pages through GET path (page, per_page) and hands each row to visit
// until it returns true. It stops at an empty page, at meta.total, after a
// bare list (no paging), or when a page starts like the one before (the
// server ignores paging). Errors are the client's.
func scan[T listed](ctx context.Context, c *client, path string, visit func(T) bool) error {
	seen, prevFirst := 0, ""
	for p := 1; p <= maxPages; p++ {
		var pg page[T]
		if err := c.call(ctx, http.MethodGet, path, form{"page": p, "per_page": perPage}, &pg); err != nil {
			return err
		}
		if len(pg.Data) == 0 || pg.Data[0].rowID() == prevFirst {
			return nil
		}
		for _, row := range pg.Data {
			if visit(row) {
				return nil
			}
		}
		seen += len(pg.Data)
		if pg.Bare || (pg.Total >= 0 && seen >= pg.Total) {
			return nil
		}
		prevFirst = pg.Data[0].rowID()
	}
	return nil
}

// findByName returns the first row of GET path named name.
func findByName[T listed](ctx context.Context, c *client, path, name string) (T, bool, error) {
	var found T
	ok := false
	err := scan(ctx, c, path, func(row T) bool {
		if row.rowName() == name {
			found, ok = row, true
		}
		return ok
	})
	return found, ok, err
}

// listAll returns every row of GET path.
func listAll[T listed](ctx context.Context, c *client, path string) ([]T, error) {
	var all []T
	err := scan(ctx, c, path, func(row T) bool {
		all = append(all, row)
		return false
	})
	return all, err
}
