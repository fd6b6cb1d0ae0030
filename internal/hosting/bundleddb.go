package hosting

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The refusals of hosting_add_database.
var (
	errNoBundledDB = dispatch.ErrNoBundledDB
	errDBNotOpen   = dispatch.ErrNotOpen
)

// bundledForever is a bundled database's own end_time: it has no term of
// its own (getsql shows the hosting order's end_time), so the expiry sweep
// never takes it apart from its hosting.
var bundledForever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// hostingForDB is what hosting_add_database reads of the hosting order.
type hostingForDB struct {
	ID, LineID, UserID, ClientUserID, SiteID int64
	Status, ProductDB                        int
	OrderNo, FTPName, Code                   string
}

// AddDatabase serves hosting_add_database (document 七, 业务操作): the
// product's bundled database (hosting_products.db > 0), named like the
// site's FTP account, with db_password (semantics.md §6). It is made on
// the panel (or found there: a site bought with db=mysql already has it,
// and a retried request finds what the first made), given the password,
// and kept as a database order linked by hosting_id, 正常 at once, never
// charged: getsql and sql_operate show and run it. A second call answers
// the database already added.
func (s *Service) AddDatabase(ctx context.Context, req *dispatch.Request) (any, error) {
	pw, err := req.Params.RequiredText("db_password")
	if err != nil {
		return nil, err
	}
	if err := orderflow.CheckPassword(pw); err != nil {
		return nil, dispatch.ParamError("db_password", err.Error())
	}
	if strings.ContainsAny(pw, "'\"&\\`") { // the panel puts it into SQL unescaped (database.py L1318, L1326)
		return nil, dispatch.ParamError("db_password", "不能包含引号、&、\\或`")
	}
	if t := strings.ToLower(strings.TrimSpace(req.Params.String("db_type"))); t != "" && t != "mysql" {
		return nil, dispatch.ParamError("db_type", "仅支持mysql")
	}
	id, err := req.Params.OrderID()
	if err != nil {
		return nil, err
	}
	var out map[string]any
	err = postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
		h, err := lockHostingForDB(ctx, tx, req.Reseller.ID, id)
		if err != nil {
			return err
		}
		if out, err = bundledAnswer(ctx, tx, h.ID); out != nil || err != nil {
			return err
		}
		sqlID, err := insertBundled(ctx, tx, req.Reseller.ID, h, s.Box.SealString(pw), s.Engine.Now())
		if err != nil {
			return err
		}
		dbID, err := s.makeBundledDB(ctx, tx, h, sqlID, pw)
		if err != nil {
			return err // the order is rolled back with the transaction
		}
		if _, err := tx.Exec(ctx, `UPDATE sql_orders SET panel_db_id = $2 WHERE id = $1`, sqlID, dbID); err != nil {
			return fmt.Errorf("hosting_add_database %d: %w", h.ID, err)
		}
		out = map[string]any{"status": true, "msg": "添加成功", "guid": sqlID, "db_name": h.FTPName, "db_user": h.FTPName}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lockHostingForDB reads the caller's hosting order id FOR UPDATE:
// 未找到产品记录 when it is not the caller's, 业务状态异常 unless 正常,
// errNoBundledDB when its product has no database.
func lockHostingForDB(ctx context.Context, tx pgx.Tx, resellerID, id int64) (hostingForDB, error) {
	var h hostingForDB
	err := postgres.QueryRow(ctx, tx, `
		SELECT o.id, o.line_id, o.user_id, o.client_user_id, o.site_id, o.order_status, p.db, o.order_no,
		       o.ftp_name, o.db_code
		FROM hosting_orders o JOIN hosting_products p ON p.id = o.product_id
		WHERE o.id = $1 AND o.reseller_id = $2
		FOR UPDATE OF o`, id, resellerID).Scan(&h.ID, &h.LineID, &h.UserID, &h.ClientUserID, &h.SiteID, &h.Status,
		&h.ProductDB, &h.OrderNo, &h.FTPName, &h.Code)
	switch {
	case errors.Is(err, postgres.ErrNotFound):
		return h, dispatch.ErrOrderNotFound
	case err != nil:
		return h, fmt.Errorf("hosting_add_database %d: %w", id, err)
	case h.Status != orderflow.OrderActive:
		return h, dispatch.ErrStatusAbnormal
	case h.ProductDB <= 0:
		return h, errNoBundledDB
	}
	return h, nil
}

// bundledAnswer is the answer for a hosting order whose database was added
// already, or nil.
func bundledAnswer(ctx context.Context, tx pgx.Tx, hostingID int64) (map[string]any, error) {
	var id int64
	var name string
	err := postgres.QueryRow(ctx, tx, `SELECT id, db_name FROM sql_orders WHERE hosting_id = $1 AND order_status <> -2`,
		hostingID).Scan(&id, &name)
	if errors.Is(err, postgres.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hosting_add_database %d: %w", hostingID, err)
	}
	return map[string]any{"status": true, "msg": "赠送数据库已添加", "guid": id, "db_name": name, "db_user": name}, nil
}

// makeBundledDB makes (or finds) the database of database order sqlID on
// the hosting order's panel and sets its password; it returns the panel's
// database id.
func (s *Service) makeBundledDB(ctx context.Context, tx pgx.Tx, h hostingForDB, sqlID int64, pw string) (int64, error) {
	panel, err := s.Engine.Panel(ctx, tx, business, h.LineID)
	if err != nil {
		return 0, panelError(err)
	}
	ops, ok := panel.(provider.DatabaseOps)
	if !ok {
		return 0, errDBNotOpen
	}
	code := h.Code
	if code == "" {
		code = "utf8"
	}
	db, err := panel.CreateDatabase(ctx, provider.DBSpec{Ref: orderflow.Ref(orderflow.SQL, sqlID), Name: h.FTPName,
		User: h.FTPName, Password: pw, Code: code, Access: "127.0.0.1", SiteID: h.SiteID})
	if err != nil {
		return 0, fmt.Errorf("hosting_add_database %d: %w", h.ID, err)
	}
	ref := provider.DBRef{ID: db.ID, Name: h.FTPName, User: h.FTPName}
	if err := ops.SetDatabasePassword(ctx, ref, pw); err != nil && !errors.Is(err, provider.ErrQueued) {
		return 0, fmt.Errorf("hosting_add_database %d: password: %w", h.ID, err)
	}
	return db.ID, nil
}

// insertBundled writes the database order of hosting order h: no product,
// no price, 正常 (its panel id follows).
func insertBundled(ctx context.Context, tx pgx.Tx, resellerID int64, h hostingForDB, sealed []byte,
	now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO sql_orders (reseller_id, order_no, user_id, client_user_id, hosting_id, line_id, product_id,
			name, db_type, db_code, db_name, db_user, db_password_enc, panel_db_id, buy_time, start_time, end_time,
			renew_price, buymonths, order_status, run_status)
		VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, 'mysql', $8, $7, $7, $9, 0, $10, $10, $11, 0, 0, 1, 1)
		RETURNING id`,
		resellerID, h.OrderNo+"-db", h.UserID, h.ClientUserID, h.ID, h.LineID, h.FTPName, h.Code, sealed,
		now, bundledForever).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("hosting_add_database %d: insert: %w", h.ID, err)
	}
	return id, nil
}
