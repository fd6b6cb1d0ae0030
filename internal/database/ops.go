package database

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The answers of the operations, in the document's {status, msg} shape.
const (
	msgQueued     = "已提交人工处理"
	msgSet        = "设置成功"
	msgHealthy    = "数据库运行正常,无需重新创建"
	msgRecreated  = "数据库已重新创建"
	msgBackingUp  = "备份中"
	msgImporting  = "导入中"
	msgDeleted    = "删除成功"
	msgPwdChanged = "密码已重置"
)

// The refusals of the operations.
var (
	errBackupsFull   = dispatch.ErrDBBackupsFull
	errNotOurBackup  = dispatch.ParamError("bak_guid", "不是该数据库的备份")
	errNotABackup    = dispatch.ParamError("file", "不是该数据库的备份")
	errNameTaken     = dispatch.ErrDBNameTaken
	errManualNoReads = dispatch.ErrManualNoReads
	errNoPanelDB     = dispatch.ErrNoPanelDB
)

// maxBackups is how many backups a database keeps (document 八.5,
// sql_to_backup).
const maxBackups = 3

// answer is the document's {status, msg}.
type answer struct {
	Status bool   `json:"status"`
	Msg    string `json:"msg"`
}

// opOrder is a database order as its operations need it.
type opOrder struct {
	ID, LineID, PanelID, HostingID int64
	Status                         int
	Name, User, Code, Access       string
	Password                       []byte
}

func (o opOrder) ref() provider.DBRef {
	return provider.DBRef{ID: o.PanelID, Name: o.Name, User: o.User}
}

// loadOp reads the caller's order named by guid (FOR UPDATE when lock):
// 未找到产品记录 when it is not the caller's, 业务状态异常 unless 正常.
func loadOp(ctx context.Context, q postgres.Querier, req *dispatch.Request, lock bool) (opOrder, error) {
	id, err := req.Params.OrderID()
	if err != nil {
		return opOrder{}, err
	}
	// A database bundled with a hosting order is as 正常 as its hosting.
	sql := `SELECT o.id, o.line_id, o.panel_db_id, o.hosting_id, COALESCE(h.order_status, o.order_status), o.db_name,
		o.db_user, o.db_code, o.access, o.db_password_enc
		FROM sql_orders o LEFT JOIN hosting_orders h ON h.id = o.hosting_id AND o.product_id IS NULL
		WHERE o.id = $1 AND o.reseller_id = $2`
	if lock {
		sql += ` FOR UPDATE OF o`
	}
	var o opOrder
	err = postgres.QueryRow(ctx, q, sql, id, req.Reseller.ID).Scan(&o.ID, &o.LineID, &o.PanelID, &o.HostingID, &o.Status,
		&o.Name, &o.User, &o.Code, &o.Access, &o.Password)
	switch {
	case errors.Is(err, postgres.ErrNotFound):
		return opOrder{}, dispatch.ErrOrderNotFound
	case err != nil:
		return opOrder{}, fmt.Errorf("sql order %d: %w", id, err)
	case o.Status != orderflow.OrderActive:
		return opOrder{}, dispatch.ErrStatusAbnormal
	case o.PanelID == 0:
		return opOrder{}, errNoPanelDB
	}
	return o, nil
}

// ops opens the database operations of the order's line: 暂未开放 when its
// driver has none.
// ops opens order o's panel, reading its line through q (the caller's
// transaction when it holds the order's lock).
func (s *Service) ops(ctx context.Context, q postgres.Querier, o opOrder) (provider.PanelDriver, provider.DatabaseOps, error) {
	panel, err := s.Engine.Panel(ctx, q, business, o.LineID)
	if err != nil {
		return nil, nil, opError(err)
	}
	ops, ok := panel.(provider.DatabaseOps)
	if !ok {
		return nil, nil, dispatch.ErrNotOpen
	}
	return panel, ops, nil
}

// readOps reads the caller's order named by guid (unlocked) and opens its
// panel's database operations, for the operations that only read.
func (s *Service) readOps(ctx context.Context, req *dispatch.Request) (opOrder, provider.DatabaseOps, error) {
	o, err := loadOp(ctx, s.DB, req, false)
	if err != nil {
		return opOrder{}, nil, err
	}
	_, ops, err := s.ops(ctx, s.DB, o)
	return o, ops, err
}

// opError turns a driver's error into the API's answer: a driver that
// cannot do it 暂未开放, a read staff cannot answer errManualNoReads is
// left to the caller; anything else is internal (系统繁忙, logged).
func opError(err error) error {
	if errors.Is(err, provider.ErrUnsupported) {
		return dispatch.ErrNotOpen
	}
	return err
}

// Reissue serves sql_reissue: a database the panel still has under the
// order's name and user is left alone (msgHealthy; a changed panel id is
// recorded); a missing one is created again from what the order stored at
// purchase (name, user, charset, access, the sealed password): the panel
// driver finds a database it made on a retry, so there is never a second.
func (s *Service) Reissue(ctx context.Context, req *dispatch.Request) (any, error) {
	var msg string
	err := postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error { // locked: two reissues cannot both create
		o, err := loadOp(ctx, tx, req, true)
		if err != nil {
			return err
		}
		panel, ops, err := s.ops(ctx, tx, o)
		if err != nil {
			return err
		}
		db, found, err := ops.FindDatabase(ctx, o.ref())
		switch {
		case errors.Is(err, provider.ErrQueued):
			msg = msgQueued
			return nil
		case errors.Is(err, provider.ErrRejected):
			return errNameTaken
		case err != nil:
			return fmt.Errorf("sql_reissue %d: %w", o.ID, err)
		case found:
			msg = msgHealthy
		default:
			msg = msgRecreated
			if db, err = s.recreate(ctx, panel, ops, o); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE sql_orders SET panel_db_id = $2, updated_at = now() WHERE id = $1`, o.ID, db.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return answer{true, msg}, nil
}

// recreate makes the order's database again from what it stored: name,
// user, charset, the sealed password, and the access last set (set again
// after creation, as a driver may not apply DBSpec.Access).
func (s *Service) recreate(ctx context.Context, panel provider.PanelDriver, ops provider.DatabaseOps, o opOrder) (provider.Database, error) {
	password, err := s.Box.OpenString(o.Password)
	if err != nil {
		return provider.Database{}, fmt.Errorf("sql_reissue %d: password: %w", o.ID, err)
	}
	db, err := panel.CreateDatabase(ctx, provider.DBSpec{Ref: orderflow.Ref(business, o.ID), Name: o.Name,
		User: o.User, Password: password, Code: o.Code, Access: o.Access})
	if err != nil {
		return provider.Database{}, fmt.Errorf("sql_reissue %d: %w", o.ID, err)
	}
	if err := ops.SetDatabaseAccess(ctx, provider.DBRef{ID: db.ID, Name: o.Name, User: o.User}, o.Access); err != nil {
		return provider.Database{}, fmt.Errorf("sql_reissue %d: access: %w", o.ID, err)
	}
	return db, nil
}

// GetAccess serves sql_get_access: the panel's hosts, {"status":true,
// "msg":"%"}; on a line staff run, the hosts last set.
func (s *Service) GetAccess(ctx context.Context, req *dispatch.Request) (any, error) {
	o, ops, err := s.readOps(ctx, req)
	if err != nil {
		return nil, err
	}
	hosts, err := ops.DatabaseAccess(ctx, o.ref())
	if errors.Is(err, provider.ErrUnsupported) {
		hosts, err = o.Access, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sql_get_access %d: %w", o.ID, err)
	}
	return answer{true, shownAccess(hosts)}, nil
}

// SetAccess serves sql_set_access: the hosts are checked (readAccess)
// before anything else, set at the panel with the order locked (two
// concurrent changes cannot leave the panel and the order apart) and kept
// for sql_reissue.
func (s *Service) SetAccess(ctx context.Context, req *dispatch.Request) (any, error) {
	hosts, err := readAccess(req.Params)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, req, msgSet, func(ctx context.Context, tx pgx.Tx, o opOrder, ops provider.DatabaseOps) error {
		if err := ops.SetDatabaseAccess(ctx, o.ref(), hosts); err != nil && !errors.Is(err, provider.ErrQueued) {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE sql_orders SET access = $2, updated_at = now() WHERE id = $1`, o.ID, hosts)
		return err
	})
}

// ResetPassword serves sql_reset_password: the password (semantics.md §6)
// is set at the panel with the order locked and stored sealed, so getsql
// shows it as it shows the first one.
func (s *Service) ResetPassword(ctx context.Context, req *dispatch.Request) (any, error) {
	pw, err := readDBPassword(req.Params)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, req, msgPwdChanged, func(ctx context.Context, tx pgx.Tx, o opOrder, ops provider.DatabaseOps) error {
		if err := ops.SetDatabasePassword(ctx, o.ref(), pw); err != nil && !errors.Is(err, provider.ErrQueued) {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE sql_orders SET db_password_enc = $2, updated_at = now() WHERE id = $1`,
			o.ID, s.Box.SealString(pw))
		return err
	})
}

// change runs f on the caller's order locked in a transaction, with its
// line's database operations; it answers msg (msgQueued on a line staff
// run).
func (s *Service) change(ctx context.Context, req *dispatch.Request, msg string,
	f func(ctx context.Context, tx pgx.Tx, o opOrder, ops provider.DatabaseOps) error) (any, error) {
	queued := false
	err := postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
		o, err := loadOp(ctx, tx, req, true)
		if err != nil {
			return err
		}
		_, ops, err := s.ops(ctx, tx, o)
		if err != nil {
			return err
		}
		if err := f(ctx, tx, o, queueing{ops, &queued}); err != nil {
			return fmt.Errorf("sql_operate %d: %w", o.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if queued {
		return answer{true, msgQueued}, nil
	}
	return answer{true, msg}, nil
}

// BackupList serves sql_backup_list: this database's backups at the
// panel, newest first, in the document's shape (every field a string).
func (s *Service) BackupList(ctx context.Context, req *dispatch.Request) (any, error) {
	o, ops, err := s.readOps(ctx, req)
	if err != nil {
		return nil, err
	}
	list, err := ops.DatabaseBackups(ctx, o.ref())
	if errors.Is(err, provider.ErrUnsupported) {
		return nil, errManualNoReads
	}
	if err != nil {
		return nil, fmt.Errorf("sql_backup_list %d: %w", o.ID, err)
	}
	out := make([]map[string]string, 0, len(list))
	for _, b := range list {
		out = append(out, map[string]string{"id": itoa(b.ID), "pid": itoa(b.DBID), "type": "1", "name": b.Name,
			"filename": b.File, "size": itoa(b.Size), "addtime": b.Added})
	}
	return out, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// readBackupID reads bak_guid (or id, backup_id: semantics.md §6a), a
// positive integer.
func readBackupID(p dispatch.Params) (int64, error) {
	for _, k := range []string{"bak_guid", "backup_id", "id"} {
		if p.Has(k) && p.String(k) != "" {
			n, err := p.Int(k, 0)
			if err != nil {
				return 0, err
			}
			if n <= 0 {
				return 0, dispatch.ParamError(k, "应为正整数")
			}
			return n, nil
		}
	}
	return 0, dispatch.MissingParam("bak_guid")
}

// DelBackup serves sql_del_backup: bak_guid must be one of this database's
// backups at the panel (the panel deletes any backup row by id,
// providers.md §1.4); a backup already gone answers as deleted.
func (s *Service) DelBackup(ctx context.Context, req *dispatch.Request) (any, error) {
	id, err := readBackupID(req.Params)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, req, msgDeleted, func(ctx context.Context, tx pgx.Tx, o opOrder, ops provider.DatabaseOps) error {
		if err := idle(ctx, tx, o.ID); err != nil {
			return err
		}
		list, err := ops.DatabaseBackups(ctx, o.ref())
		if errors.Is(err, provider.ErrUnsupported) {
			return ops.DeleteDatabaseBackup(ctx, o.ref(), id) // staff check it
		}
		if err != nil {
			return err
		}
		if !hasBackup(list, id) {
			return errNotOurBackup
		}
		if err := ops.DeleteDatabaseBackup(ctx, o.ref(), id); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return err
		}
		return nil
	})
}

func hasBackup(list []provider.DBBackup, id int64) bool {
	for _, b := range list {
		if b.ID == id {
			return true
		}
	}
	return false
}

// queueing is DatabaseOps that notes a change staff will do (ErrQueued)
// and reports it done.
type queueing struct {
	provider.DatabaseOps
	queued *bool
}

func (q queueing) note(err error) error {
	if errors.Is(err, provider.ErrQueued) {
		*q.queued = true
		return nil
	}
	return err
}

func (q queueing) SetDatabaseAccess(ctx context.Context, d provider.DBRef, access string) error {
	return q.note(q.DatabaseOps.SetDatabaseAccess(ctx, d, access))
}

func (q queueing) SetDatabasePassword(ctx context.Context, d provider.DBRef, pw string) error {
	return q.note(q.DatabaseOps.SetDatabasePassword(ctx, d, pw))
}

func (q queueing) DeleteDatabaseBackup(ctx context.Context, d provider.DBRef, id int64) error {
	return q.note(q.DatabaseOps.DeleteDatabaseBackup(ctx, d, id))
}
