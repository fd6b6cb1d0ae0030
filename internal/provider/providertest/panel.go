package providertest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

var panelSeq atomic.Int64

// panelNames returns names for one panel contract step, unique in this
// process and run and within the panel's limits (FTP user: word characters;
// database name and user: at most 16).
func panelNames() (ref, domain, ftpUser, db string) {
	n := fmt.Sprintf("%06d%02d", time.Now().UnixNano()/1e3%1e6, panelSeq.Add(1)%100)
	return "zonkvmd-ct-panel-" + n, "ct" + n + ".example.com", "ftp_ct" + n, "db_ct" + n
}

// panelCtx returns a context for one contract step.
func panelCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// PanelContract checks a provider.PanelDriver: a site with its FTP account
// and database is created once however often its creation is retried, stops
// and starts, and is deleted (a second delete answers ErrNotFound); the
// panel lists PHP versions and phpMyAdmin's address; a database is created
// once and deleted (a second delete answers ErrNotFound). open returns a
// driver on a panel the test has made ready; each subtest opens its own.
// What the contract creates it deletes, also when it fails.
func PanelContract(t *testing.T, open func(t *testing.T) provider.PanelDriver) {
	t.Run("SiteLifecycle", func(t *testing.T) {
		t.Parallel()
		d := open(t)
		versions, err := d.PHPVersions(panelCtx(t))
		require.NoError(t, err)
		require.NotEmpty(t, versions, "the panel has no PHP version to make a site with")

		ref, domain, ftpUser, db := panelNames()
		spec := provider.SiteSpec{
			Ref: ref, Domain: domain, PHPVersion: versions[len(versions)-1].Version,
			FTPUser: ftpUser, FTPPassword: "Ftp-contract-8421",
			DBName: db, DBUser: db, DBPassword: "Db-contract-8421", DBCode: "utf8mb4",
		}
		site, err := d.CreateSite(panelCtx(t), spec)
		require.NoError(t, err, "create site")
		t.Cleanup(func() { cleanupSite(t, d, site) })
		require.Positive(t, site.ID, "site id")
		require.Equal(t, domain, site.Name, "site name")
		require.NotEmpty(t, site.Path, "site path")
		require.Positive(t, site.FTPID, "the site's FTP account id")
		require.Positive(t, site.DBID, "the site's database id")

		again, err := d.CreateSite(panelCtx(t), spec)
		require.NoError(t, err, "create the same site again (a retry)")
		require.Equal(t, site, again, "a retried create must find the first site, FTP account and database")

		require.NoError(t, d.StopSite(panelCtx(t), site), "stop")
		require.NoError(t, d.StartSite(panelCtx(t), site), "start")

		require.NoError(t, d.DeleteSite(panelCtx(t), site), "delete")
		err = d.DeleteSite(panelCtx(t), site)
		require.ErrorIs(t, err, provider.ErrNotFound, "delete a deleted site")
	})

	t.Run("PHPVersions", func(t *testing.T) {
		t.Parallel()
		versions, err := open(t).PHPVersions(panelCtx(t))
		require.NoError(t, err)
		require.NotEmpty(t, versions)
		for _, v := range versions {
			require.NotEmpty(t, v.Version, "version of %+v", v)
			require.NotEmpty(t, v.Name, "name of %+v", v)
		}
	})

	t.Run("SoftURL", func(t *testing.T) {
		t.Parallel()
		u, err := open(t).SoftURL(panelCtx(t), "phpmyadmin")
		require.NoError(t, err)
		require.NotEmpty(t, u, "phpMyAdmin's address")
	})

	t.Run("DatabaseLifecycle", func(t *testing.T) {
		t.Parallel()
		d := open(t)
		_, _, _, name := panelNames()
		spec := provider.DBSpec{Name: name, User: name, Password: "Db-contract-8421", Code: "utf8mb4", Access: "127.0.0.1"}
		db, err := d.CreateDatabase(panelCtx(t), spec)
		require.NoError(t, err, "create database")
		t.Cleanup(func() { cleanupDatabase(t, d, db) })
		require.Positive(t, db.ID, "database id")
		require.Equal(t, name, db.Name, "database name")

		again, err := d.CreateDatabase(panelCtx(t), spec)
		require.NoError(t, err, "create the same database again (a retry)")
		require.Equal(t, db.ID, again.ID, "a retried create must find the first database")

		require.NoError(t, d.DeleteDatabase(panelCtx(t), db), "delete")
		err = d.DeleteDatabase(panelCtx(t), db)
		require.ErrorIs(t, err, provider.ErrNotFound, "delete a deleted database")
	})
}

// cleanupSite deletes a site the contract made, if a failed step left it.
func cleanupSite(t *testing.T, d provider.PanelDriver, s provider.Site) {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.DeleteSite(c, s); err != nil && !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("cleanup: delete site %d: %v", s.ID, err)
	}
}

// cleanupDatabase deletes a database the contract made, if a failed step
// left it.
func cleanupDatabase(t *testing.T, d provider.PanelDriver, db provider.Database) {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.DeleteDatabase(c, db); err != nil && !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("cleanup: delete database %d: %v", db.ID, err)
	}
}
