package database

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Backups and imports take as long as the database is large, and the
// panel answers only when it is done (database.py ToBackup L1381, InputSql
// L1720): they run as jobs. sql_panel_work keeps the last one of each kind
// per order, for the progress queries and to make a retried job safe.

// The job kinds of the panel work.
const (
	opBackup = jobs.KindDBBackup
	opImport = jobs.KindDBImport
)

// workKinds maps a job kind to its kind in sql_panel_work.
var workKinds = map[string]string{opBackup: "backup", opImport: "import"}

// errStillRunning is a job attempt that found the panel still at work: it
// is retried later.
var errStillRunning = fmt.Errorf("%w: the panel is still working on it", provider.ErrUnavailable)

// idle answers 有操作正在进行中 while a backup or an import of order id runs.
func idle(ctx context.Context, q postgres.Querier, id int64) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM sql_panel_work WHERE order_id = $1 AND state = 'running'`,
		id).Scan(&n); err != nil {
		return fmt.Errorf("sql order %d: panel work: %w", id, err)
	}
	if n > 0 {
		return dispatch.ErrOperationRunning
	}
	return nil
}

// startWork records work kind of order id as running, with the backup ids
// known now and the file to import, and its job, in tx.
func (s *Service) startWork(ctx context.Context, tx pgx.Tx, id int64, op string, known []int64, file string) error {
	if known == nil {
		known = []int64{}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO sql_panel_work (order_id, kind, state, known_ids, file) VALUES ($1, $2, 'running', $3, $4)
		ON CONFLICT (order_id, kind) DO UPDATE SET state = 'running', known_ids = $3, file = $4, message = '',
			updated_at = now()`, id, workKinds[op], known, file); err != nil {
		return fmt.Errorf("sql order %d: start %s: %w", id, op, err)
	}
	order := jobs.Order{Business: business.Name, OrderID: id}
	if op == opImport {
		return s.Engine.Jobs.Insert(ctx, tx, jobs.DBImport{Order: order})
	}
	return s.Engine.Jobs.Insert(ctx, tx, jobs.DBBackup{Order: order})
}

// ToBackup serves sql_to_backup: with fewer than three backups at the
// panel and nothing else running, it starts a backup job and answers
// 备份中; sql_get_backup_size follows it.
func (s *Service) ToBackup(ctx context.Context, req *dispatch.Request) (any, error) {
	err := postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
		o, err := loadOp(ctx, tx, req, true)
		if err != nil {
			return err
		}
		if err := idle(ctx, tx, o.ID); err != nil {
			return err
		}
		_, ops, err := s.ops(ctx, tx, o)
		if err != nil {
			return err
		}
		list, err := ops.DatabaseBackups(ctx, o.ref())
		if errors.Is(err, provider.ErrUnsupported) { // staff keep to the limit
			list, err = nil, nil
		}
		if err != nil {
			return fmt.Errorf("sql_to_backup %d: %w", o.ID, err)
		}
		if len(list) >= maxBackups {
			return errBackupsFull
		}
		return s.startWork(ctx, tx, o.ID, opBackup, backupIDs(list), "")
	})
	if err != nil {
		return nil, err
	}
	return answer{true, msgBackingUp}, nil
}

func backupIDs(list []provider.DBBackup) []int64 {
	out := make([]int64, 0, len(list))
	for _, b := range list {
		out = append(out, b.ID)
	}
	return out
}

// InputBackup serves sql_input_backup: file must be one of this database's
// backups at the panel, or a file inside the hosting site the database is
// bundled with; anything else is 参数错误: file 超出备份目录 before the
// panel is asked anything. It starts an import job and answers 导入中.
func (s *Service) InputBackup(ctx context.Context, req *dispatch.Request) (any, error) {
	file, err := req.Params.RequiredText("file")
	if err != nil {
		return nil, err
	}
	err = postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
		o, err := loadOp(ctx, tx, req, true)
		if err != nil {
			return err
		}
		site, err := bundledSite(ctx, tx, o, req.Reseller.ID)
		if err != nil {
			return err
		}
		inBackups, err := confineImport(file, o.Name, site)
		if err != nil {
			return err
		}
		if err := idle(ctx, tx, o.ID); err != nil {
			return err
		}
		_, ops, err := s.ops(ctx, tx, o)
		if err != nil {
			return err
		}
		if inBackups {
			list, err := ops.DatabaseBackups(ctx, o.ref())
			switch {
			case errors.Is(err, provider.ErrUnsupported): // staff check it
			case err != nil:
				return fmt.Errorf("sql_input_backup %d: %w", o.ID, err)
			case !slices.ContainsFunc(list, func(b provider.DBBackup) bool { return b.File == file }):
				return errNotABackup
			}
		}
		return s.startWork(ctx, tx, o.ID, opImport, nil, file)
	})
	if err != nil {
		return nil, err
	}
	return answer{true, msgImporting}, nil
}

// bundledSite is the root of the caller's hosting order a database is
// bundled with, or "" for none.
func bundledSite(ctx context.Context, q postgres.Querier, o opOrder, resellerID int64) (string, error) {
	if o.HostingID == 0 {
		return "", nil
	}
	var root string
	err := postgres.QueryRow(ctx, q, `SELECT path FROM hosting_orders WHERE id = $1 AND reseller_id = $2 AND order_status = 1`,
		o.HostingID, resellerID).Scan(&root)
	if errors.Is(err, postgres.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sql order %d: hosting %d: %w", o.ID, o.HostingID, err)
	}
	return root, nil
}

// progressAnswer is what sql_get_backup_size and sql_get_import_size
// answer: the document's {status, msg} with msg a percentage, and the
// panel's size and speed while it works.
type progressAnswer struct {
	Status bool   `json:"status"`
	Msg    string `json:"msg"`
	Total  string `json:"total,omitempty"`
	Speed  string `json:"speed,omitempty"`
}

// phasePercent is how far a phase the panel reports is: it reports sizes,
// not percentages, so an export is shown as 50%, a compression as 90%.
var phasePercent = map[string]string{"export": "50%", "compress": "90%", "import": "50%"}

func (s *Service) BackupSize(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.progress(ctx, req, opBackup)
}

func (s *Service) ImportSize(ctx context.Context, req *dispatch.Request) (any, error) {
	return s.progress(ctx, req, opImport)
}

// progress serves sql_get_backup_size and sql_get_import_size: 100% once
// the last one is done, 0% while it waits for the panel, the panel's phase
// while it works; status false when it failed or there was none.
func (s *Service) progress(ctx context.Context, req *dispatch.Request, op string) (any, error) {
	o, err := loadOp(ctx, s.DB, req, false)
	if err != nil {
		return nil, err
	}
	noun := map[string]string{opBackup: "备份", opImport: "导入"}[op]
	var state string
	err = postgres.QueryRow(ctx, s.DB, `SELECT state FROM sql_panel_work WHERE order_id = $1 AND kind = $2`,
		o.ID, workKinds[op]).Scan(&state)
	switch {
	case errors.Is(err, postgres.ErrNotFound):
		return progressAnswer{Msg: "暂无" + noun + "任务"}, nil
	case err != nil:
		return nil, fmt.Errorf("sql order %d: %s progress: %w", o.ID, op, err)
	case state == "done":
		return progressAnswer{Status: true, Msg: "100%"}, nil
	case state == "failed":
		return progressAnswer{Msg: noun + "失败"}, nil
	}
	_, ops, err := s.ops(ctx, s.DB, o)
	if err != nil {
		return nil, err
	}
	read := ops.DatabaseBackupProgress
	if op == opImport {
		read = ops.DatabaseImportProgress
	}
	p, err := read(ctx, o.ref())
	if err != nil && !errors.Is(err, provider.ErrUnsupported) {
		return nil, fmt.Errorf("sql order %d: %s progress: %w", o.ID, op, err)
	}
	if !p.Running {
		return progressAnswer{Status: true, Msg: "0%"}, nil
	}
	return progressAnswer{Status: true, Msg: phasePercent[p.Phase], Total: p.Total, Speed: p.Speed}, nil
}

// DBBackupJob runs a backup job (sql_to_backup), DBImportJob an import
// job (sql_input_backup): once the panel is done the work is done; while
// the panel still works, or cannot be reached, the job is retried; a
// refusal, or the last attempt, fails it with the reason kept.
func (s *Service) DBBackupJob(ctx context.Context, a jobs.DBBackup, final bool) error {
	return s.doWork(ctx, a.Order, a.Kind(), final)
}

// DBImportJob: see DBBackupJob.
func (s *Service) DBImportJob(ctx context.Context, a jobs.DBImport, final bool) error {
	return s.doWork(ctx, a.Order, a.Kind(), final)
}

func (s *Service) doWork(ctx context.Context, a jobs.Order, op string, final bool) error {
	kind := workKinds[op]
	var state, file string
	var known []int64
	err := postgres.QueryRow(ctx, s.DB, `SELECT state, known_ids, file FROM sql_panel_work WHERE order_id = $1 AND kind = $2`,
		a.OrderID, kind).Scan(&state, &known, &file)
	if errors.Is(err, postgres.ErrNotFound) || (err == nil && state != "running") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sql job %s %d: %w", op, a.OrderID, err)
	}
	err = s.work(ctx, a, op, known, file)
	forGood := errors.Is(err, provider.ErrRejected) || errors.Is(err, provider.ErrNotFound) ||
		errors.Is(err, provider.ErrUnsupported) || errors.Is(err, orderflow.ErrBroken)
	switch {
	case err == nil || errors.Is(err, provider.ErrQueued):
		return s.endWork(ctx, a.OrderID, kind, "done", "")
	case forGood || final:
		if ferr := s.endWork(ctx, a.OrderID, kind, "failed", err.Error()); ferr != nil {
			return ferr
		}
		return jobs.Permanent(err)
	}
	return err
}

// work is one attempt of a job: an earlier attempt's backup (a backup id
// the panel did not have when it was asked for) or the panel still working
// means no second call.
func (s *Service) work(ctx context.Context, a jobs.Order, op string, known []int64, file string) error {
	var o opOrder
	err := s.DB.QueryRow(ctx, `SELECT id, line_id, panel_db_id, order_status, db_name, db_user FROM sql_orders
		WHERE id = $1`, a.OrderID).Scan(&o.ID, &o.LineID, &o.PanelID, &o.Status, &o.Name, &o.User)
	if err != nil {
		return fmt.Errorf("sql job %s %d: %w", op, a.OrderID, err)
	}
	if o.Status != orderflow.OrderActive {
		return fmt.Errorf("sql job %s %d: the order is no longer 正常: %w", op, o.ID, orderflow.ErrBroken)
	}
	_, ops, err := s.ops(ctx, s.DB, o)
	if err != nil {
		return err
	}
	ref := o.ref()
	if op == opImport {
		err := waitIdle(ctx, func() (bool, bool, error) {
			p, err := ops.DatabaseImportProgress(ctx, ref)
			return false, err == nil && p.Running, nil
		})
		if err != nil {
			return err
		}
		return ops.ImportDatabase(ctx, ref, file)
	}
	made := false
	err = waitIdle(ctx, func() (bool, bool, error) {
		list, err := ops.DatabaseBackups(ctx, ref)
		if err != nil && !errors.Is(err, provider.ErrUnsupported) {
			return false, false, err
		}
		for _, b := range list {
			if !slices.Contains(known, b.ID) {
				made = true // by an attempt whose answer was lost
				return true, false, nil
			}
		}
		p, err := ops.DatabaseBackupProgress(ctx, ref)
		return false, err == nil && p.Running, nil
	})
	if err != nil || made {
		return err
	}
	return ops.BackupDatabase(ctx, ref)
}

// How long one attempt of a job waits, polling, for the panel to finish
// work it is still doing (an earlier attempt's backup, another import)
// before the attempt gives up and is retried later.
var (
	stillRunningWait = 2 * time.Minute
	pollEvery        = 5 * time.Second
)

// waitIdle polls check until it reports done or not running; it returns
// errStillRunning when the panel is still at work after stillRunningWait.
func waitIdle(ctx context.Context, check func() (done, running bool, err error)) error {
	deadline := time.Now().Add(stillRunningWait)
	for {
		done, running, err := check()
		if err != nil || done || !running {
			return err
		}
		if !time.Now().Before(deadline) {
			return errStillRunning
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", errStillRunning, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// maxWorkMessage bounds the reason a failed work keeps.
const maxWorkMessage = 1000

func (s *Service) endWork(ctx context.Context, id int64, kind, state, msg string) error {
	if len(msg) > maxWorkMessage {
		msg = msg[:maxWorkMessage]
		for !utf8.ValidString(msg) { // do not cut a character in two
			msg = msg[:len(msg)-1]
		}
	}
	_, err := s.DB.Exec(ctx, `UPDATE sql_panel_work SET state = $3, message = $4, updated_at = now()
		WHERE order_id = $1 AND kind = $2 AND state = 'running'`, id, kind, state, msg)
	if err != nil {
		return fmt.Errorf("sql order %d: end %s: %w", id, kind, err)
	}
	return nil
}
