package testfactory

import (
	"crypto/sha256"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func TestGUIDsAreSixteenDigitsAndUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		g := GUID()
		require.Regexp(t, regexp.MustCompile(`^[0-9]{16}$`), g)
		require.False(t, seen[g], "guid %s repeated", g)
		seen[g] = true
	}
}

func TestResellerStoresTheHashOfItsAppKeyAndAnAccount(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	id, appid := Reseller(t, db, &ResellerOpts{AppKey: "secret-key", Balance: apitype.MustMoney("12.50")})

	var gotAppID string
	var hash []byte
	var balance apitype.Money
	err := db.QueryRow(t.Context(), `
		SELECT r.appid, r.key_hash, a.balance
		FROM resellers r JOIN accounts a ON a.reseller_id = r.id
		WHERE r.id = $1`, id).Scan(&gotAppID, &hash, &balance)
	require.NoError(t, err)
	want := sha256.Sum256([]byte("secret-key"))
	require.Equal(t, appid, gotAppID)
	require.Equal(t, want[:], hash)
	require.Equal(t, "12.50", balance.String())
}

func TestEveryOrderFactoryWorksWithItsDefaults(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	box := Box(t)
	id, _ := Reseller(t, db, nil)

	require.NotZero(t, ServerOrder(t, db, box, id, nil).ID)
	require.NotZero(t, LeaseOrder(t, db, box, id, nil).ID)
	require.NotZero(t, IdcOrder(t, db, box, id, nil).ID)
	require.NotZero(t, HostingOrder(t, db, box, id, nil).ID)
	require.NotZero(t, SQLOrder(t, db, box, id, nil).ID)

	var sealed []byte
	require.NoError(t, db.QueryRow(t.Context(),
		`SELECT ftp_password_enc FROM hosting_orders WHERE reseller_id = $1`, id).Scan(&sealed))
	clear, err := box.OpenString(sealed)
	require.NoError(t, err)
	require.Equal(t, "Abcd1234", clear)
}
