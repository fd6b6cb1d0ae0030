package panelorder

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Names of FTP accounts and databases (semantics.md §6): the reseller's
// prefix, "_", and a random suffix of lower-case letters and digits, at
// most MaxName characters in all (MySQL's old user-name limit, which the
// panels keep). A hosting order's FTP account, site database and database
// user share one name, and a database order's db_name and db_user another,
// so the names of both businesses are drawn from one space per line.
const (
	MaxName   = 16
	SuffixLen = 5
	MaxPrefix = MaxName - 1 - SuffixLen
	maxDraws  = 20
)

// CheckPrefix reads the required prefix parameter name: a lower-case
// letter, then lower-case letters, digits or "_", at most MaxPrefix
// characters. It answers 缺少必要参数: <name> when absent and 参数错误:
// <name> <why> when invalid.
func CheckPrefix(p dispatch.Params, name string) (string, error) {
	s, err := p.RequiredText(name)
	if err != nil {
		return "", err
	}
	if len(s) > MaxPrefix {
		return "", dispatch.ParamError(name, "长度须为1到"+strconv.Itoa(MaxPrefix)+"位")
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_'):
		default:
			return "", dispatch.ParamError(name, "须以小写字母开头,只含小写字母、数字和_")
		}
	}
	return s, nil
}

// Namer draws the names of new orders. The zero value draws random
// suffixes.
type Namer struct {
	// Suffix returns a candidate suffix of SuffixLen lower-case letters
	// and digits (nil: a random one). Tests set it to force collisions.
	Suffix func() string
}

// InsertFunc inserts one order named name inside tx and returns its id.
type InsertFunc func(ctx context.Context, tx pgx.Tx, name string) (int64, error)

// Insert inserts a new order on line lineID named prefix + "_" + suffix. It
// draws suffixes until the name is used by no hosting or database order of
// the line (deleted ones included: the panel may still hold it), then runs
// insert with it in a savepoint of tx. An insert that loses the name to a
// concurrent purchase (a unique violation of hosting_orders_ftp_name or
// sql_orders_db_name) is rolled back to the savepoint and tried again with
// a new name. It returns insert's id, insert's other errors, or an error
// when maxDraws names in a row were taken.
func (n Namer) Insert(ctx context.Context, tx pgx.Tx, lineID int64, prefix string, insert InsertFunc) (int64, error) {
	for draw := 0; draw < maxDraws; draw++ {
		name := prefix + "_" + n.suffix()
		var taken bool
		if err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM hosting_orders WHERE line_id = $1 AND ftp_name = $2)
			    OR EXISTS (SELECT 1 FROM sql_orders WHERE line_id = $1 AND db_name = $2)`,
			lineID, name).Scan(&taken); err != nil {
			return 0, fmt.Errorf("panelorder.Insert: name %s: %w", name, err)
		}
		if taken {
			continue
		}
		id, lost, err := insertOnce(ctx, tx, name, insert)
		if lost {
			continue
		}
		return id, err
	}
	return 0, fmt.Errorf("panelorder.Insert: %d names with prefix %q on line %d were taken", maxDraws, prefix, lineID)
}

// insertOnce runs insert in a savepoint; lost reports a unique violation
// of a name index, after which the savepoint is rolled back.
func insertOnce(ctx context.Context, tx pgx.Tx, name string, insert InsertFunc) (id int64, lost bool, err error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("panelorder.Insert: savepoint: %w", err)
	}
	id, err = insert(ctx, sp, name)
	if err != nil {
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return 0, false, fmt.Errorf("panelorder.Insert: %w (rollback: %v)", err, rbErr)
		}
		c := postgres.Constraint(err)
		lost = postgres.SQLState(err) == postgres.StateUniqueViolation &&
			(c == "hosting_orders_ftp_name" || c == "sql_orders_db_name")
		return 0, lost, err
	}
	if err := sp.Commit(ctx); err != nil {
		return 0, false, fmt.Errorf("panelorder.Insert: release savepoint: %w", err)
	}
	return id, false, nil
}

const suffixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func (n Namer) suffix() string {
	if n.Suffix != nil {
		return n.Suffix()
	}
	b := make([]byte, SuffixLen)
	for i := range b {
		v, err := rand.Int(rand.Reader, big.NewInt(int64(len(suffixAlphabet))))
		if err != nil {
			panic(fmt.Sprintf("panelorder: crypto/rand failed: %v", err))
		}
		b[i] = suffixAlphabet[v.Int64()]
	}
	return string(b)
}
