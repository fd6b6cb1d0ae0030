package panelorder

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/testfactory"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// suffixes returns a Suffix func that hands out list in order.
func suffixes(list ...string) func() string {
	i := 0
	return func() string {
		s := list[i%len(list)]
		i++
		return s
	}
}

// names is a line with a site named pre_aaaaa and a database named
// pre_bbbbb, and a reseller to order on it.
type names struct {
	db         *postgres.DB
	lineID     int64
	resellerID int64
	productID  int64
}

func setupNames(t *testing.T) names {
	t.Helper()
	db := pgtest.DB(t)
	box := testfactory.Box(t)
	reseller, _ := testfactory.Reseller(t, db, nil)
	line := testfactory.HostingLine(t, db, nil)
	product := testfactory.HostingProduct(t, db, nil)
	testfactory.HostingOrder(t, db, box, reseller, func(o *testfactory.HostingOrderRow) {
		o.LineID, o.ProductID, o.FTPName = line.ID, product.ID, "pre_aaaaa"
	})
	testfactory.SQLOrder(t, db, box, reseller, func(o *testfactory.SQLOrderRow) {
		o.LineID, o.DBName, o.OrderStatus = line.ID, "pre_bbbbb", -2
	})
	return names{db: db, lineID: line.ID, resellerID: reseller, productID: product.ID}
}

// insert is an InsertFunc of a bare hosting order.
func (n names) insert(ctx context.Context, tx pgx.Tx, name string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO hosting_orders (reseller_id, order_no, line_id, product_id, name, flow,
		ftp_name, buy_time, start_time, end_time) VALUES ($1, 'N', $2, $3, $4, 30, $4, now(), now(), now())
		RETURNING id`, n.resellerID, n.lineID, n.productID, name).Scan(&id)
	return id, err
}

func (n names) run(t *testing.T, namer Namer, insert InsertFunc) (int64, error) {
	t.Helper()
	var id int64
	err := postgres.Tx(context.Background(), n.db, func(tx pgx.Tx) error {
		var err error
		id, err = namer.Insert(context.Background(), tx, n.lineID, "pre", insert)
		return err
	})
	return id, err
}

func (n names) nameOf(t *testing.T, id int64) string {
	t.Helper()
	var name string
	require.NoError(t, n.db.QueryRow(context.Background(), `SELECT ftp_name FROM hosting_orders WHERE id = $1`, id).Scan(&name))
	return name
}

func TestInsertSkipsNamesOfSitesAndDatabasesEvenDeletedOnes(t *testing.T) {
	t.Parallel()
	n := setupNames(t)
	id, err := n.run(t, Namer{Suffix: suffixes("aaaaa", "bbbbb", "ccccc")}, n.insert)
	require.NoError(t, err)
	require.Equal(t, "pre_ccccc", n.nameOf(t, id))
}

func TestInsertDrawsAgainWhenItLosesTheNameToAConcurrentPurchase(t *testing.T) {
	t.Parallel()
	n := setupNames(t)
	calls := 0
	racing := func(ctx context.Context, tx pgx.Tx, name string) (int64, error) {
		calls++
		if calls == 1 { // another purchase takes the name first
			if _, err := n.insert(ctx, tx, name); err != nil {
				return 0, err
			}
		}
		return n.insert(ctx, tx, name)
	}
	id, err := n.run(t, Namer{Suffix: suffixes("ddddd", "eeeee")}, racing)
	require.NoError(t, err)
	require.Equal(t, 2, calls)
	require.Equal(t, "pre_eeeee", n.nameOf(t, id))
	var lost int
	require.NoError(t, n.db.QueryRow(context.Background(),
		`SELECT count(*) FROM hosting_orders WHERE ftp_name = 'pre_ddddd'`).Scan(&lost))
	require.Zero(t, lost, "the failed attempt is rolled back to its savepoint")
}

func TestInsertReturnsOtherErrorsAndGivesUpOnAFullSpace(t *testing.T) {
	t.Parallel()
	n := setupNames(t)
	boom := errors.New("boom")
	_, err := n.run(t, Namer{Suffix: suffixes("fffff")}, func(context.Context, pgx.Tx, string) (int64, error) { return 0, boom })
	require.ErrorIs(t, err, boom)
	_, err = n.run(t, Namer{Suffix: suffixes("aaaaa")}, n.insert)
	require.ErrorContains(t, err, "were taken")
}

func TestRandomSuffixesAreShortLowerCaseLettersAndDigits(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		s := Namer{}.suffix()
		require.Regexp(t, `^[a-z0-9]{5}$`, s)
		seen[s] = true
	}
	require.Greater(t, len(seen), 990)
}

func TestCheckPrefix(t *testing.T) {
	t.Parallel()
	for prefix, want := range map[string]string{
		"web": "", "a": "", "a1_b2": "", "abcdefghij": "",
		"":            "缺少必要参数: prefix",
		"abcdefghijk": "参数错误: prefix 长度须为1到10位",
		"Web":         "参数错误: prefix 须以小写字母开头,只含小写字母、数字和_",
		"_web":        "参数错误: prefix 须以小写字母开头,只含小写字母、数字和_",
		"9web":        "参数错误: prefix 须以小写字母开头,只含小写字母、数字和_",
		"we-b":        "参数错误: prefix 须以小写字母开头,只含小写字母、数字和_",
		"wéb":         "参数错误: prefix 须以小写字母开头,只含小写字母、数字和_",
	} {
		got, err := CheckPrefix(dispatch.NewParams(map[string]any{"prefix": prefix}), "prefix")
		if want == "" {
			require.NoError(t, err, prefix)
			require.Equal(t, prefix, got)
			require.LessOrEqual(t, len(got)+1+SuffixLen, MaxName)
		} else {
			require.EqualError(t, err, want, prefix)
		}
	}
}
