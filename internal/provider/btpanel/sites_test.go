package btpanel_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

func fullSpec(ref, domain, ftp, db string) provider.SiteSpec {
	return provider.SiteSpec{Ref: ref, Domain: domain, PHPVersion: "php81",
		FTPUser: ftp, FTPPassword: "Ftp-pass-1234", DBName: db, DBUser: db, DBPassword: "Db-pass-1234", DBCode: "utf8"}
}

func TestCreateSiteFindsItsOwnSiteAmongLookalikes(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	// The panel's search is a LIKE: these all match "shop.example.com".
	a, err := d.CreateSite(ctx(t), fullSpec("zonkvmd-hosting-1", "a-shop.example.com", "ftp_a", "db_a"))
	require.NoError(t, err)
	b, err := d.CreateSite(ctx(t), fullSpec("zonkvmd-hosting-2", "shop.example.com.cn", "ftp_b", "db_b"))
	require.NoError(t, err)
	c, err := d.CreateSite(ctx(t), fullSpec("zonkvmd-hosting-3", "shop.example.com", "ftp_c", "db_c"))
	require.NoError(t, err)
	require.NotEqual(t, a.ID, c.ID)
	require.NotEqual(t, b.ID, c.ID)

	again, err := d.CreateSite(ctx(t), fullSpec("zonkvmd-hosting-3", "shop.example.com", "ftp_c", "db_c"))
	require.NoError(t, err)
	require.Equal(t, c, again)
	require.Len(t, p.Sites(), 3)
	require.Len(t, p.FTPs(), 3)
	require.Len(t, p.Databases(), 3)
	for _, f := range p.FTPs() {
		if f.Name == "ftp_c" {
			require.Equal(t, c.FTPID, f.ID)
			require.Equal(t, c.ID, f.PID)
			require.Equal(t, "/www/wwwroot/shop.example.com", f.Path)
		}
	}
}

func TestCreateSiteRefusesADomainOfAnotherRef(t *testing.T) {
	t.Parallel()
	d, _ := setup(t, btpanelfake.Options{}, provider.Deps{})
	_, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "zonkvmd-hosting-1", Domain: "taken.example.com"})
	require.NoError(t, err)
	_, err = d.CreateSite(ctx(t), provider.SiteSpec{Ref: "zonkvmd-hosting-2", Domain: "taken.example.com"})
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "zonkvmd-hosting-1")
}

func TestCreateSiteWithoutFTPOrDatabase(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	site, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "zonkvmd-hosting-9", Domain: "bare.example.com"})
	require.NoError(t, err)
	require.Positive(t, site.ID)
	require.Zero(t, site.FTPID)
	require.Zero(t, site.DBID)
	require.Empty(t, p.FTPs())
	require.Empty(t, p.Databases())
}

func TestCreateSiteAddsWhatAnEarlierTryMissed(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	spec := fullSpec("zonkvmd-hosting-4", "retry.example.com", "ftp_retry", "db_retry")
	first := spec
	first.FTPUser, first.DBName = "", "" // as if AddSite had made only the site
	site, err := d.CreateSite(ctx(t), first)
	require.NoError(t, err)

	again, err := d.CreateSite(ctx(t), spec)
	require.NoError(t, err)
	require.Equal(t, site.ID, again.ID)
	require.Positive(t, again.FTPID)
	require.Positive(t, again.DBID)
	require.Equal(t, site.ID, p.FTPs()[0].PID, "the added account is linked to the site")
	require.Equal(t, site.ID, p.Databases()[0].PID, "the added database is linked to the site")
}

func TestCreateSiteWithDatabaseUserUnlikeItsName(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	spec := fullSpec("zonkvmd-hosting-5", "named.example.com", "", "shop_db")
	spec.DBUser = "shop_user"
	site, err := d.CreateSite(ctx(t), spec)
	require.NoError(t, err)
	dbs := p.Databases()
	require.Len(t, dbs, 1)
	require.Equal(t, "shop_db", dbs[0].Name)
	require.Equal(t, "shop_user", dbs[0].Username)
	require.Equal(t, site.DBID, dbs[0].ID)

	require.NoError(t, d.DeleteSite(ctx(t), site))
	require.Empty(t, p.Databases(), "DeleteSite database=1 drops the linked database")
}

func TestCreateSiteRefusesAnFTPUserOfAnotherSite(t *testing.T) {
	t.Parallel()
	d, _ := setup(t, btpanelfake.Options{}, provider.Deps{})
	_, err := d.CreateSite(ctx(t), fullSpec("zonkvmd-hosting-6", "one.example.com", "ftp_shared", ""))
	require.NoError(t, err)
	_, err = d.CreateSite(ctx(t), fullSpec("zonkvmd-hosting-7", "two.example.com", "ftp_shared", ""))
	require.ErrorIs(t, err, provider.ErrRejected)
}

func TestCreateSiteChecksTheSpecBeforeCalling(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	for name, s := range map[string]provider.SiteSpec{
		"no ref":                         {Domain: "a.example.com"},
		"no domain":                      {Ref: "r"},
		"url domain":                     {Ref: "r", Domain: "http://a.example.com/"},
		"relative":                       {Ref: "r", Domain: "a.example.com", Path: "www/a"},
		"dot path":                       {Ref: "r", Domain: "a.example.com", Path: "/www/./a"},
		"php":                            {Ref: "r", Domain: "a.example.com", PHPVersion: "latest"},
		"ftp no pass":                    {Ref: "r", Domain: "a.example.com", FTPUser: "ftp_a"},
		"db no pass":                     {Ref: "r", Domain: "a.example.com", DBName: "db_a"},
		"latin1 (the panel would crash)": {Ref: "r", Domain: "a.example.com", DBName: "db_a", DBPassword: "x1234567", DBCode: "latin1"},
	} {
		_, err := d.CreateSite(ctx(t), s)
		require.ErrorIs(t, err, provider.ErrRejected, name)
	}
	require.Zero(t, p.Calls())
}

func TestPanelRefusalIsRejected(t *testing.T) {
	t.Parallel()
	d, _ := setup(t, btpanelfake.Options{PHPVersions: []string{"74"}}, provider.Deps{})
	_, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "r", Domain: "a.example.com", PHPVersion: "81"})
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "指定PHP版本不存在!")
}

func TestDeleteSiteRemovesItsAccountDatabaseAndFiles(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	keep, err := d.CreateSite(ctx(t), fullSpec("zonkvmd-hosting-1", "keep.example.com", "ftp_keep", "db_keep"))
	require.NoError(t, err)
	gone, err := d.CreateSite(ctx(t), fullSpec("zonkvmd-hosting-2", "gone.example.com", "ftp_gone", "db_gone"))
	require.NoError(t, err)

	require.NoError(t, d.DeleteSite(ctx(t), gone))
	require.Len(t, p.Sites(), 1)
	require.Equal(t, keep.ID, p.Sites()[0].ID)
	require.Len(t, p.FTPs(), 1)
	require.Equal(t, keep.FTPID, p.FTPs()[0].ID)
	require.Len(t, p.Databases(), 1)
	require.Equal(t, keep.DBID, p.Databases()[0].ID)
	_, ok := p.ReadFile("/www/wwwroot/gone.example.com/index.html")
	require.False(t, ok)

	require.ErrorIs(t, d.StopSite(ctx(t), gone), provider.ErrNotFound)
	require.ErrorIs(t, d.StartSite(ctx(t), gone), provider.ErrNotFound)
	require.ErrorIs(t, d.DeleteSite(ctx(t), provider.Site{ID: 4242}), provider.ErrNotFound)
	require.ErrorIs(t, d.DeleteSite(ctx(t), provider.Site{}), provider.ErrRejected)
}

func TestSiteWhoseIDNowNamesAnotherIsNotFound(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	site, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "r1", Domain: "mine.example.com"})
	require.NoError(t, err)
	other := site
	other.Name = "not-mine.example.com"
	require.ErrorIs(t, d.StopSite(ctx(t), other), provider.ErrNotFound)
	require.ErrorIs(t, d.DeleteSite(ctx(t), other), provider.ErrNotFound)
	require.Len(t, p.Sites(), 1, "the other site is left alone")
}

func TestStopAndStartSite(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	site, err := d.CreateSite(ctx(t), provider.SiteSpec{Ref: "r", Domain: "s.example.com"})
	require.NoError(t, err)
	require.NoError(t, d.StopSite(ctx(t), site))
	require.Equal(t, "0", p.Sites()[0].Status)
	require.NoError(t, d.StopSite(ctx(t), site), "stopping a stopped site is done")
	require.NoError(t, d.StartSite(ctx(t), site))
	require.Equal(t, "1", p.Sites()[0].Status)
}
