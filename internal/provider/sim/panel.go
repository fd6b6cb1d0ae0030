package sim

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

type site struct {
	provider.Site
	ref     string
	running bool
}

type database struct{ provider.Database }

// phpVersions are the PHP versions the simulated panel has (the API
// document's get_php_version example).
var phpVersions = []provider.PHPVersion{
	{Name: "PHP 56", Version: "56"}, {Name: "PHP 74", Version: "74"}, {Name: "PHP 80", Version: "80"},
	{Name: "PHP 81", Version: "81"}, {Name: "PHP 82", Version: "82"},
}

// dbCodes are the database encodings semantics.md §6 allows.
var dbCodes = []string{"utf8mb4", "utf8", "gbk", "latin1"}

// softName is what a software name may be.
var softName = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// CreateSite makes a running site with its FTP account and database (when
// asked), or returns the one made before with the same Ref. It returns
// ErrRejected without Ref or domain, or for a PHP version the panel lacks.
func (d *Driver) CreateSite(ctx context.Context, s provider.SiteSpec) (provider.Site, error) {
	if err := d.wait(ctx, "CreateSite"); err != nil {
		return provider.Site{}, err
	}
	switch {
	case s.Ref == "" || s.Domain == "":
		return provider.Site{}, fmt.Errorf("sim CreateSite: %w: Ref and Domain are required", provider.ErrRejected)
	case s.PHPVersion != "" && !slices.ContainsFunc(phpVersions, func(v provider.PHPVersion) bool { return v.Version == s.PHPVersion }):
		return provider.Site{}, fmt.Errorf("sim CreateSite %s: %w: no PHP %s on this panel", s.Ref, provider.ErrRejected, s.PHPVersion)
	}
	st := d.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if id, ok := st.siteRefs[s.Ref]; ok {
		return st.sites[id].Site, nil
	}
	out := &site{ref: s.Ref, running: true}
	out.ID, out.Name, out.Path = st.next(), s.Domain, s.Path
	if out.Path == "" {
		out.Path = "/www/wwwroot/" + s.Domain
	}
	if s.FTPUser != "" {
		out.FTPID = st.next()
	}
	if s.DBName != "" {
		db, err := st.newDatabase(provider.DBSpec{Name: s.DBName, User: s.DBUser, Password: s.DBPassword, Code: s.DBCode})
		if err != nil {
			return provider.Site{}, fmt.Errorf("sim CreateSite %s: %w", s.Ref, err)
		}
		out.DBID = db.ID
	}
	st.sites[out.ID] = out
	st.siteRefs[s.Ref] = out.ID
	return out.Site, nil
}

// withSite runs f on a site under the store's lock, after the call's delay.
// It returns ErrNotFound for an unknown site.
func (d *Driver) withSite(ctx context.Context, op string, s provider.Site, f func(*site)) error {
	if err := d.wait(ctx, op); err != nil {
		return err
	}
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	st := d.st.sites[s.ID]
	if st == nil {
		return fmt.Errorf("sim %s %d: %w", op, s.ID, provider.ErrNotFound)
	}
	f(st)
	return nil
}

// DeleteSite deletes a site with its FTP account and database. It returns
// ErrNotFound for an unknown site.
func (d *Driver) DeleteSite(ctx context.Context, s provider.Site) error {
	return d.withSite(ctx, "DeleteSite", s, func(st *site) {
		if db := d.st.dbs[st.DBID]; db != nil {
			delete(d.st.dbNames, db.Name)
			delete(d.st.dbs, db.ID)
		}
		delete(d.st.siteRefs, st.ref)
		delete(d.st.sites, st.ID)
	})
}

// StopSite stops a site. It returns ErrNotFound for an unknown site.
func (d *Driver) StopSite(ctx context.Context, s provider.Site) error {
	return d.withSite(ctx, "StopSite", s, func(st *site) { st.running = false })
}

// StartSite starts a site. It returns ErrNotFound for an unknown site.
func (d *Driver) StartSite(ctx context.Context, s provider.Site) error {
	return d.withSite(ctx, "StartSite", s, func(st *site) { st.running = true })
}

// PHPVersions returns PHP 56, 74, 80, 81 and 82. It fails only when ctx
// ends first (ErrUnavailable).
func (d *Driver) PHPVersions(ctx context.Context) ([]provider.PHPVersion, error) {
	if err := d.wait(ctx, "PHPVersions"); err != nil {
		return nil, err
	}
	return slices.Clone(phpVersions), nil
}

// SoftURL returns https://panel.sim.invalid/<name>_<token>/index.php, one
// token per software name. It returns ErrRejected for a name that is not
// lowercase letters, digits and _.
func (d *Driver) SoftURL(ctx context.Context, name string) (string, error) {
	if err := d.wait(ctx, "SoftURL"); err != nil {
		return "", err
	}
	if !softName.MatchString(name) {
		return "", fmt.Errorf("sim SoftURL: %w: software name %q", provider.ErrRejected, name)
	}
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	tok := d.st.softTokens[name]
	if tok == "" {
		tok = token(4)
		d.st.softTokens[name] = tok
	}
	return "https://panel.sim.invalid/" + name + "_" + tok + "/index.php", nil
}

// CreateDatabase makes a database, or returns the one of that name. It
// returns ErrRejected without a name or for an encoding other than utf8mb4,
// utf8, gbk and latin1.
func (d *Driver) CreateDatabase(ctx context.Context, spec provider.DBSpec) (provider.Database, error) {
	if err := d.wait(ctx, "CreateDatabase"); err != nil {
		return provider.Database{}, err
	}
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	db, err := d.st.newDatabase(spec)
	if err != nil {
		return provider.Database{}, fmt.Errorf("sim CreateDatabase: %w", err)
	}
	return db.Database, nil
}

// newDatabase makes (or finds by name) a database; the caller holds mu.
func (s *store) newDatabase(spec provider.DBSpec) (*database, error) {
	if spec.Code == "" {
		spec.Code = "utf8mb4"
	}
	switch {
	case spec.Name == "":
		return nil, fmt.Errorf("%w: a database name is required", provider.ErrRejected)
	case !slices.Contains(dbCodes, spec.Code):
		return nil, fmt.Errorf("%w: encoding %q", provider.ErrRejected, spec.Code)
	}
	if id, ok := s.dbNames[spec.Name]; ok {
		return s.dbs[id], nil
	}
	db := &database{provider.Database{ID: s.next(), Name: spec.Name}}
	s.dbs[db.ID] = db
	s.dbNames[db.Name] = db.ID
	return db, nil
}

// DeleteDatabase deletes a database. It returns ErrNotFound for an unknown
// one.
func (d *Driver) DeleteDatabase(ctx context.Context, db provider.Database) error {
	if err := d.wait(ctx, "DeleteDatabase"); err != nil {
		return err
	}
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	found := d.st.dbs[db.ID]
	if found == nil {
		return fmt.Errorf("sim DeleteDatabase %d: %w", db.ID, provider.ErrNotFound)
	}
	delete(d.st.dbNames, found.Name)
	delete(d.st.dbs, found.ID)
	return nil
}
