package btpanel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// dbRow is a row of getData table=databases.
type dbRow struct {
	ID       flexInt `json:"id"`
	PID      flexInt `json:"pid"` // the site's id; 0 for a standalone database
	Name     string  `json:"name"`
	Username string  `json:"username"`
}

// dbRequest is an AddDatabase in the panel's terms. pid links the database
// to a site (DeleteSite database=1 deletes it); 0 for none.
type dbRequest struct {
	name, user, pass, code, access, ps string
	pid                                int64
}

// CreateDatabase makes a MySQL database with its user, or finds the one an
// earlier try made (same name and user). It returns an ErrRejected error
// when the spec is invalid, when the name belongs to another user, or when
// the panel refuses; an ErrUnavailable error when the panel cannot be
// reached.
func (d *Driver) CreateDatabase(ctx context.Context, s provider.DBSpec) (provider.Database, error) {
	r := dbRequest{
		name:   strings.ToLower(strings.TrimSpace(s.Name)), // the panel lowercases it
		user:   strings.TrimSpace(s.User),
		pass:   s.Password,
		access: strings.TrimSpace(s.Access),
		ps:     strings.TrimSpace(s.Name),
		pid:    s.SiteID, // database.py AddDatabase L770: DeleteSite database=1 deletes it with the site
	}
	var err error
	switch {
	case r.name == "":
		err = fmt.Errorf("%w: database name is empty", provider.ErrRejected)
	case r.pass == "":
		err = fmt.Errorf("%w: database %s has no password", provider.ErrRejected, r.name)
	}
	if err == nil {
		r.code, err = dbCode(s.Code)
	}
	if err != nil {
		return provider.Database{}, fmt.Errorf("btpanel CreateDatabase: %w", err)
	}
	if r.user == "" {
		r.user = r.name
	}
	if r.access == "" {
		r.access = "127.0.0.1"
	}
	id, err := d.ensureDB(ctx, r)
	if err != nil {
		return provider.Database{}, fmt.Errorf("btpanel CreateDatabase %s: %w", r.name, err)
	}
	return provider.Database{ID: id, Name: r.name}, nil
}

// ensureDB finds database r.name or adds it, and returns its id. A found
// database must be r's: linked to the site r.pid when it is one, else of
// user r.user.
func (d *Driver) ensureDB(ctx context.Context, r dbRequest) (int64, error) {
	find := func() (dbRow, bool, error) {
		return findRow(ctx, d.c, "databases", r.name, func(x dbRow) bool { return strings.EqualFold(x.Name, r.name) })
	}
	row, found, err := find()
	if err != nil {
		return 0, err
	}
	if !found {
		if err := d.addDatabase(ctx, r); err != nil {
			return 0, err
		}
		if row, found, err = find(); err != nil {
			return 0, err
		}
		if !found {
			return 0, fmt.Errorf("%w: AddDatabase succeeded but the database is not listed", provider.ErrUnavailable)
		}
	}
	switch {
	case r.pid != 0 && int64(row.PID) != r.pid:
		return 0, fmt.Errorf("%w: the database belongs to panel site %d, not %d", provider.ErrRejected, row.PID, r.pid)
	case r.pid == 0 && row.Username != r.user:
		return 0, fmt.Errorf("%w: the database exists with user %q, not %q", provider.ErrRejected, row.Username, r.user)
	}
	return int64(row.ID), nil
}

// addDatabase calls /database?action=AddDatabase.
func (d *Driver) addDatabase(ctx context.Context, r dbRequest) error {
	mode := r.access // the UI's dataAccess: 127.0.0.1, % or ip
	if mode != "127.0.0.1" && mode != "%" {
		mode = "ip"
	}
	p := url.Values{
		"name":       {r.name},
		"codeing":    {r.code},
		"db_user":    {r.user},
		"password":   {r.pass},
		"dataAccess": {mode},
		"address":    {r.access},
		"ps":         {r.ps},
	}
	if r.pid != 0 {
		p.Set("pid", strconv.FormatInt(r.pid, 10))
	}
	_, err := d.c.Call(ctx, "database", "AddDatabase", p)
	return err
}

// DeleteDatabase drops database db and its user. It returns an ErrNotFound
// error when the database no longer exists (or its id now names another
// one), ErrRejected or ErrUnavailable errors as Call does.
func (d *Driver) DeleteDatabase(ctx context.Context, db provider.Database) error {
	if db.ID <= 0 {
		return fmt.Errorf("btpanel DeleteDatabase %s: %w: no panel database id", db.Name, provider.ErrRejected)
	}
	name, err := d.keyOf(ctx, "databases", "name", db.ID)
	if err == nil && db.Name != "" && !strings.EqualFold(name, db.Name) {
		err = fmt.Errorf("panel database %d is now %q, not %q: %w", db.ID, name, db.Name, provider.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("btpanel DeleteDatabase %d: %w", db.ID, err)
	}
	_, err = d.c.Call(ctx, "database", "DeleteDatabase", url.Values{
		"id":   {strconv.FormatInt(db.ID, 10)},
		"name": {name},
	})
	if err != nil {
		return fmt.Errorf("btpanel DeleteDatabase %d: %w", db.ID, notFound(err))
	}
	return nil
}

// PHPVersions lists the PHP versions installed on the panel
// (/site?action=GetPHPVersion), as {Name:"PHP 81", Version:"81"}, leaving
// out the panel's "00" (static, no PHP) and "other" (a custom connector).
// It returns ErrRejected or ErrUnavailable errors as Call does, and an
// ErrUnavailable error when the answer is not the panel's list.
func (d *Driver) PHPVersions(ctx context.Context) ([]provider.PHPVersion, error) {
	raw, err := d.c.Call(ctx, "site", "GetPHPVersion", nil)
	if err != nil {
		return nil, fmt.Errorf("btpanel PHPVersions: %w", err)
	}
	var list []struct {
		Version string `json:"version"`
		Name    string `json:"name"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("btpanel PHPVersions: %w: unexpected answer %s", provider.ErrUnavailable, excerpt(raw))
	}
	out := make([]provider.PHPVersion, 0, len(list))
	for _, v := range list {
		if v.Version == "" || v.Version == "00" || v.Version == "other" {
			continue
		}
		out = append(out, provider.PHPVersion{Name: "PHP " + v.Version, Version: v.Version})
	}
	return out, nil
}

// SoftURL returns the address of a panel software's web page; for
// "phpmyadmin", phpMyAdmin's URL. It asks /plugin?action=get_soft_find with
// sName=name, which answers the software's entry with ext.url for
// phpMyAdmin (the panel's own phpMyAdmin link). It returns an ErrNotFound
// error when the panel does not know the software or gives it no URL (not
// installed), ErrRejected or ErrUnavailable errors as Call does.
func (d *Driver) SoftURL(ctx context.Context, name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return "", fmt.Errorf("btpanel SoftURL: %w: no software name", provider.ErrRejected)
	}
	raw, err := d.c.Call(ctx, "plugin", "get_soft_find", url.Values{"sName": {name}})
	if err != nil {
		return "", fmt.Errorf("btpanel SoftURL %s: %w", name, err)
	}
	if string(raw) == "false" || string(raw) == "null" {
		return "", fmt.Errorf("btpanel SoftURL %s: %w: the panel does not know it", name, provider.ErrNotFound)
	}
	var soft struct {
		Ext json.RawMessage `json:"ext"` // an object for phpMyAdmin; other software may have anything
	}
	if err := json.Unmarshal(raw, &soft); err != nil {
		return "", fmt.Errorf("btpanel SoftURL %s: %w: unexpected answer %s", name, provider.ErrUnavailable, excerpt(raw))
	}
	var ext struct {
		URL string `json:"url"`
	}
	if json.Unmarshal(soft.Ext, &ext) != nil || ext.URL == "" {
		return "", fmt.Errorf("btpanel SoftURL %s: %w: no URL (not installed?)", name, provider.ErrNotFound)
	}
	return ext.URL, nil
}
