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

// siteRow is a row of getData table=sites (the fields the driver reads).
type siteRow struct {
	ID   flexInt `json:"id"`
	Name string  `json:"name"`
	Path string  `json:"path"`
	PS   string  `json:"ps"`
}

// ftpRow is a row of getData table=ftps.
type ftpRow struct {
	ID   flexInt `json:"id"`
	PID  flexInt `json:"pid"` // the site's id
	Name string  `json:"name"`
}

// siteRequest is a SiteSpec checked and in the panel's terms.
type siteRequest struct {
	ref, domain, path, php string
	ftpUser, ftpPass       string
	dbName, dbUser, dbPass string
	dbCode                 string
}

// dbInAddSite reports whether AddSite can make the site's database itself:
// it names the database after its user (datauser) and cuts it to 16 chars.
func (r siteRequest) dbInAddSite() bool {
	return r.dbName != "" && r.dbUser == r.dbName && len(r.dbName) <= 16
}

// siteRequest checks s; it returns an ErrRejected error naming the first
// invalid field.
func (d *Driver) siteRequest(s provider.SiteSpec) (siteRequest, error) {
	r := siteRequest{
		ref:     strings.TrimSpace(s.Ref),
		domain:  strings.ToLower(strings.TrimSpace(s.Domain)),
		ftpUser: strings.TrimSpace(s.FTPUser),
		ftpPass: s.FTPPassword,
		dbName:  strings.ToLower(strings.TrimSpace(s.DBName)),
		dbUser:  strings.TrimSpace(s.DBUser),
		dbPass:  s.DBPassword,
	}
	switch {
	case r.ref == "":
		return r, fmt.Errorf("%w: site Ref is empty", provider.ErrRejected)
	case r.domain == "" || strings.ContainsAny(r.domain, " /:\\\t\r\n"):
		return r, fmt.Errorf("%w: site domain %q is not a host name", provider.ErrRejected, s.Domain)
	case r.ftpUser != "" && r.ftpPass == "":
		return r, fmt.Errorf("%w: FTP user %s has no password", provider.ErrRejected, r.ftpUser)
	case r.dbName != "" && r.dbPass == "":
		return r, fmt.Errorf("%w: database %s has no password", provider.ErrRejected, r.dbName)
	}
	p := s.Path
	if p == "" {
		p = d.siteRoot + "/" + r.domain
	}
	var err error
	if r.path, err = cleanPath(p); err != nil {
		return r, err
	}
	r.php = d.phpDefault
	if s.PHPVersion != "" {
		v, ok := phpVersion(s.PHPVersion)
		if !ok {
			return r, fmt.Errorf("%w: PHP version %q is not like 81", provider.ErrRejected, s.PHPVersion)
		}
		r.php = v
	}
	if r.dbName != "" {
		if r.dbUser == "" {
			r.dbUser = r.dbName
		}
		if r.dbCode, err = dbCode(s.DBCode); err != nil {
			return r, err
		}
	}
	return r, nil
}

// dbCode checks a database character set against the panel's list
// (AddDatabase knows utf8, utf8mb4, gbk and big5, and fails with a
// traceback on any other); "" is utf8mb4.
func dbCode(code string) (string, error) {
	switch c := strings.ToLower(strings.TrimSpace(code)); c {
	case "":
		return "utf8mb4", nil
	case "utf8", "utf8mb4", "gbk", "big5":
		return c, nil
	default:
		return "", fmt.Errorf("%w: database code %q: the BT panel knows utf8, utf8mb4, gbk and big5",
			provider.ErrRejected, code)
	}
}

// CreateSite makes a PHP site with its FTP account and database, or finds
// the one an earlier try made: a site of the same domain whose remark (ps)
// is s.Ref is reused, and its missing FTP account or database is added.
// It returns an ErrRejected error when the spec is invalid, when the domain,
// FTP user or database belongs to something else on the panel, or when the
// panel refuses; an ErrUnavailable error when the panel cannot be reached.
func (d *Driver) CreateSite(ctx context.Context, s provider.SiteSpec) (provider.Site, error) {
	r, err := d.siteRequest(s)
	if err != nil {
		return provider.Site{}, fmt.Errorf("btpanel CreateSite: %w", err)
	}
	site, err := d.ensureSite(ctx, r)
	if err != nil {
		return provider.Site{}, fmt.Errorf("btpanel CreateSite %s: %w", r.domain, err)
	}
	if r.ftpUser != "" {
		if site.FTPID, err = d.ensureFTP(ctx, site, r); err != nil {
			return provider.Site{}, fmt.Errorf("btpanel CreateSite %s: FTP %s: %w", r.domain, r.ftpUser, err)
		}
	}
	if r.dbName != "" {
		db := dbRequest{name: r.dbName, user: r.dbUser, pass: r.dbPass, code: r.dbCode,
			access: "127.0.0.1", ps: r.ref, pid: site.ID}
		if site.DBID, err = d.ensureDB(ctx, db); err != nil {
			return provider.Site{}, fmt.Errorf("btpanel CreateSite %s: database %s: %w", r.domain, r.dbName, err)
		}
	}
	return site, nil
}

// ensureSite finds the site of r.domain or adds it.
func (d *Driver) ensureSite(ctx context.Context, r siteRequest) (provider.Site, error) {
	row, found, err := findRow(ctx, d.c, "sites", r.domain, func(x siteRow) bool {
		// The panel renames a site whose name sorts before "0.websocket"
		// ("1"+name) or clashes ("name_port"): ps tells it is ours.
		return x.Name == r.domain || (x.PS == r.ref && strings.Contains(x.Name, r.domain))
	})
	if err != nil {
		return provider.Site{}, err
	}
	if found {
		if row.PS != r.ref {
			return provider.Site{}, fmt.Errorf("%w: the domain is already panel site %d (remark %q), not %s's",
				provider.ErrRejected, row.ID, row.PS, r.ref)
		}
		return provider.Site{ID: int64(row.ID), Name: row.Name, Path: row.Path}, nil
	}
	return d.addSite(ctx, r)
}

// addSite calls AddSite, asking for the FTP account and (when AddSite can
// name it) the database in the same call, and returns the new site.
func (d *Driver) addSite(ctx context.Context, r siteRequest) (provider.Site, error) {
	webname, err := json.Marshal(struct {
		Domain     string   `json:"domain"`
		DomainList []string `json:"domainlist"`
		Count      int      `json:"count"`
	}{r.domain, []string{}, 0})
	if err != nil {
		return provider.Site{}, fmt.Errorf("webname: %w", err)
	}
	p := url.Values{
		"webname": {string(webname)},
		"path":    {r.path},
		"type_id": {"0"},
		"type":    {"PHP"},
		"version": {r.php},
		"port":    {"80"},
		"ps":      {r.ref},
		"ftp":     {"false"},
		"sql":     {"false"},
	}
	if r.ftpUser != "" {
		p.Set("ftp", "true")
		p.Set("ftp_username", r.ftpUser)
		p.Set("ftp_password", r.ftpPass)
	}
	if r.dbInAddSite() {
		p.Set("sql", "true")
		p.Set("datauser", r.dbName)
		p.Set("datapassword", r.dbPass)
		p.Set("codeing", r.dbCode)
	}
	raw, err := d.c.Call(ctx, "site", "AddSite", p)
	if err != nil {
		return provider.Site{}, err
	}
	// {"siteStatus":true,"siteId":N,"ftpStatus":bool,"databaseStatus":bool,...}:
	// no FTP or database id; ensureFTP and ensureDB look them up.
	var ans struct {
		SiteStatus bool    `json:"siteStatus"`
		SiteID     flexInt `json:"siteId"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || !ans.SiteStatus {
		return provider.Site{}, &Error{Module: "site", Action: "AddSite", Err: provider.ErrUnavailable,
			Msg: "unexpected answer " + excerpt(raw)}
	}
	if ans.SiteID <= 0 { // a panel from before 2019 answers no siteId
		return d.siteByRef(ctx, r)
	}
	id := int64(ans.SiteID)
	name, err := d.keyOf(ctx, "sites", "name", id) // the panel may have renamed it
	if err != nil {
		return provider.Site{}, fmt.Errorf("site %d: %w", id, err)
	}
	return provider.Site{ID: id, Name: name, Path: r.path}, nil
}

// ensureFTP finds the site's FTP account r.ftpUser or adds it, and returns
// its id. The account must belong to the site.
func (d *Driver) ensureFTP(ctx context.Context, site provider.Site, r siteRequest) (int64, error) {
	find := func() (ftpRow, bool, error) {
		return findRow(ctx, d.c, "ftps", r.ftpUser, func(x ftpRow) bool { return x.Name == r.ftpUser })
	}
	row, found, err := find()
	if err != nil {
		return 0, err
	}
	if !found {
		_, err := d.c.Call(ctx, "ftp", "AddUser", url.Values{
			"ftp_username": {r.ftpUser},
			"ftp_password": {r.ftpPass},
			"path":         {site.Path},
			"ps":           {r.ref},
			"pid":          {strconv.FormatInt(site.ID, 10)},
		})
		if err != nil {
			return 0, err
		}
		if row, found, err = find(); err != nil {
			return 0, err
		}
		if !found {
			return 0, fmt.Errorf("%w: AddUser succeeded but the account is not listed", provider.ErrUnavailable)
		}
	}
	if int64(row.PID) != site.ID {
		return 0, fmt.Errorf("%w: the FTP user belongs to panel site %d, not %d",
			provider.ErrRejected, row.PID, site.ID)
	}
	return int64(row.ID), nil
}

// siteName returns the panel's name of site s, checking that the site still
// exists and is still s (an id the panel gave again to another site is not
// s). It returns an ErrNotFound error when it is gone.
func (d *Driver) siteName(ctx context.Context, s provider.Site) (string, error) {
	if s.ID <= 0 {
		return "", fmt.Errorf("%w: no panel site id", provider.ErrRejected)
	}
	name, err := d.keyOf(ctx, "sites", "name", s.ID)
	if err != nil {
		return "", err
	}
	if s.Name != "" && !strings.EqualFold(name, s.Name) {
		return "", fmt.Errorf("panel site %d is now %q, not %q: %w", s.ID, name, s.Name, provider.ErrNotFound)
	}
	return name, nil
}

// DeleteSite deletes site s with its FTP account, database and root
// directory. It returns an ErrNotFound error when the site no longer
// exists, an ErrRejected error when the panel refuses, and an ErrUnavailable
// error when it cannot be reached.
func (d *Driver) DeleteSite(ctx context.Context, s provider.Site) error {
	name, err := d.siteName(ctx, s)
	if err != nil {
		return fmt.Errorf("btpanel DeleteSite %d: %w", s.ID, err)
	}
	_, err = d.c.Call(ctx, "site", "DeleteSite", url.Values{
		"id":       {strconv.FormatInt(s.ID, 10)},
		"webname":  {name},
		"ftp":      {"1"},
		"database": {"1"},
		"path":     {"1"},
	})
	if err != nil {
		return fmt.Errorf("btpanel DeleteSite %d: %w", s.ID, notFound(err))
	}
	return nil
}

// StopSite stops site s (the panel serves its stop page). It returns an
// ErrNotFound error when the site no longer exists, ErrRejected or
// ErrUnavailable errors as Call does.
func (d *Driver) StopSite(ctx context.Context, s provider.Site) error {
	return d.siteAction(ctx, "SiteStop", s)
}

// StartSite starts site s again. It returns errors as StopSite does.
func (d *Driver) StartSite(ctx context.Context, s provider.Site) error {
	return d.siteAction(ctx, "SiteStart", s)
}

func (d *Driver) siteAction(ctx context.Context, action string, s provider.Site) error {
	name, err := d.siteName(ctx, s)
	if err != nil {
		return fmt.Errorf("btpanel %s %d: %w", action, s.ID, err)
	}
	_, err = d.c.Call(ctx, "site", action, url.Values{
		"id":   {strconv.FormatInt(s.ID, 10)},
		"name": {name},
	})
	if err != nil {
		return fmt.Errorf("btpanel %s %d: %w", action, s.ID, notFound(err))
	}
	return nil
}
