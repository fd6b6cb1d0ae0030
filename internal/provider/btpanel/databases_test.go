package btpanel_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

func TestCreateDatabase(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	db, err := d.CreateDatabase(ctx(t), provider.DBSpec{Name: "Shop_DB", User: "shop_user", Password: "Pw-123456", Access: "%"})
	require.NoError(t, err)
	require.Equal(t, "shop_db", db.Name, "the panel lowercases database names")
	rows := p.Databases()
	require.Len(t, rows, 1)
	require.Equal(t, db.ID, rows[0].ID)
	require.Equal(t, "%", rows[0].Accept)
	require.Equal(t, "utf8mb4", rows[0].Charset)
	require.Zero(t, rows[0].PID)

	_, err = d.CreateDatabase(ctx(t), provider.DBSpec{Name: "shop_db", User: "someone_else", Password: "Pw-123456"})
	require.ErrorIs(t, err, provider.ErrRejected, "the name belongs to another user")
}

func TestCreateDatabaseChecksTheSpecBeforeCalling(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	for name, s := range map[string]provider.DBSpec{
		"no name":     {User: "u", Password: "p"},
		"no password": {Name: "n", User: "u"},
		"latin1":      {Name: "n", User: "u", Password: "p", Code: "latin1"},
	} {
		_, err := d.CreateDatabase(ctx(t), s)
		require.ErrorIs(t, err, provider.ErrRejected, name)
	}
	require.Zero(t, p.Calls())
}

func TestDeleteDatabase(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	db, err := d.CreateDatabase(ctx(t), provider.DBSpec{Name: "del_me", User: "del_me", Password: "Pw-123456"})
	require.NoError(t, err)

	require.ErrorIs(t, d.DeleteDatabase(ctx(t), provider.Database{ID: db.ID, Name: "another"}), provider.ErrNotFound,
		"an id that names another database is not ours")
	require.Len(t, p.Databases(), 1)

	require.NoError(t, d.DeleteDatabase(ctx(t), db))
	require.Empty(t, p.Databases())
	require.ErrorIs(t, d.DeleteDatabase(ctx(t), db), provider.ErrNotFound)
	require.ErrorIs(t, d.DeleteDatabase(ctx(t), provider.Database{}), provider.ErrRejected)
}

func TestPHPVersionsLeaveOutStatic(t *testing.T) {
	t.Parallel()
	d, _ := setup(t, btpanelfake.Options{PHPVersions: []string{"74", "81"}}, provider.Deps{})
	v, err := d.PHPVersions(ctx(t))
	require.NoError(t, err)
	require.Equal(t, []provider.PHPVersion{{Name: "PHP 74", Version: "74"}, {Name: "PHP 81", Version: "81"}}, v)
}

func TestSoftURL(t *testing.T) {
	t.Parallel()
	d, p := setup(t, btpanelfake.Options{}, provider.Deps{})
	u, err := d.SoftURL(ctx(t), "phpmyadmin")
	require.NoError(t, err)
	require.Contains(t, u, ":888/phpmyadmin_")
	require.NotContains(t, u, p.Key())

	_, err = d.SoftURL(ctx(t), "nginx")
	require.ErrorIs(t, err, provider.ErrNotFound, "software without a web page")
	_, err = d.SoftURL(ctx(t), "no_such_soft")
	require.ErrorIs(t, err, provider.ErrNotFound)
}
