package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// orderTables are the order tables of the five businesses, by name
// (orderflow.Business: constants, never input).
var orderTables = func() map[string]string {
	m := map[string]string{}
	for _, b := range orderflow.Businesses {
		m[b.Name] = b.Orders
	}
	return m
}()

var businessNames = func() []string {
	var names []string
	for _, b := range orderflow.Businesses {
		names = append(names, b.Name)
	}
	return names
}()

// orderRow is one order as order list prints it.
type orderRow struct {
	Business     string    `json:"business"`
	ID           int64     `json:"id"`
	AppID        string    `json:"appid"`
	OrderNo      string    `json:"order_no"`
	OrderStatus  int       `json:"order_status"`
	RunStatus    int       `json:"run_status"`
	ActStatus    int       `json:"act_status"`
	StatusReason string    `json:"status_reason"`
	BuyTime      time.Time `json:"buy_time"`
	EndTime      time.Time `json:"end_time"`
}

const orderColumns = `o.id, r.appid, o.order_no, o.order_status, o.run_status, o.act_status,
	o.status_reason, o.buy_time, o.end_time`

func scanOrder(business string, row pgx.Row) (orderRow, error) {
	o := orderRow{Business: business}
	err := row.Scan(&o.ID, &o.AppID, &o.OrderNo, &o.OrderStatus, &o.RunStatus, &o.ActStatus,
		&o.StatusReason, &o.BuyTime, &o.EndTime)
	return o, err
}

// orderFilter is order list's flags.
type orderFilter struct {
	reseller, business, status string
	limit                      int
}

func (r *runner) orderCmd() *cobra.Command {
	var f orderFilter
	list := &cobra.Command{
		Use:   "list [--reseller APPID] [--business server|lease|idc|hosting|sql] [--status N] [--limit N]",
		Short: "Orders, newest first, one JSON line each",
		Args:  exactArgs(0),
		RunE:  r.run(func(e *env, _ []string) error { return orderList(e, f) }),
	}
	list.Flags().StringVar(&f.reseller, "reseller", "", "only this reseller's orders (appid)")
	list.Flags().StringVar(&f.business, "business", "", "only this business: server, lease, idc, hosting or sql")
	list.Flags().StringVar(&f.status, "status", "", "only this order_status: 0 开通中, 1 正常, 3 已过期, -1 已回收, -2 已删除")
	list.Flags().IntVar(&f.limit, "limit", 100, "at most this many")
	show := &cobra.Command{
		Use:   "show BUSINESS ID",
		Short: "One order: its row, its failure reason, its jobs and its ledger entries",
		Args:  exactArgs(2),
		RunE: r.run(func(e *env, args []string) error {
			b, id, err := orderRef(args)
			if err != nil {
				return err
			}
			return orderShow(e, b, id)
		}),
	}
	return group("order", "Read orders and act on one for its reseller",
		"list|show|suspend|unsuspend|extend|refund ...", list, show,
		r.orderActCmd("suspend BUSINESS ID --note TEXT", "Lock the order's resource (run_status -2) until unsuspend", true),
		r.orderActCmd("unsuspend BUSINESS ID [--note TEXT]", "Undo a suspension: the resource is unlocked and started", false),
		r.orderActCmd(`extend BUSINESS ID --to "YYYY-MM-DD HH:MM:SS" --note TEXT`, "Move end_time later for free (a 0.00 ledger entry)", true),
		r.orderActCmd("refund BUSINESS ID [--note TEXT]", "Refund the order as the reseller's own refund would (billing.md §6)", false))
}

// orderRef checks BUSINESS ID.
func orderRef(args []string) (string, int64, error) {
	if _, ok := orderTables[args[0]]; !ok {
		return "", 0, usagef("BUSINESS %q: must be one of %s", args[0], strings.Join(businessNames, ", "))
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || id <= 0 {
		return "", 0, usagef("ID %q: must be an order number", args[1])
	}
	return args[0], id, nil
}

func orderList(e *env, f orderFilter) error {
	if f.limit < 1 || f.limit > 100000 {
		return usagef("--limit must be from 1 to 100000")
	}
	names := businessNames
	if f.business != "" {
		if _, ok := orderTables[f.business]; !ok {
			return usagef("--business %q: must be one of %s", f.business, strings.Join(businessNames, ", "))
		}
		names = []string{f.business}
	}
	var status *int
	if f.status != "" {
		n, err := strconv.Atoi(f.status)
		if err != nil || (n != 0 && n != 1 && n != 3 && n != -1 && n != -2) {
			return usagef("--status %q: must be 0, 1, 3, -1 or -2", f.status)
		}
		status = &n
	}
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	if f.reseller != "" {
		if _, err := auth.Get(e.ctx, db, f.reseller); err != nil {
			return err
		}
	}
	var parts []string
	for _, b := range names {
		parts = append(parts, `SELECT '`+b+`', o.created_at, `+orderColumns+` FROM `+orderTables[b]+` o
			JOIN resellers r ON r.id = o.reseller_id
			WHERE ($1 = '' OR r.appid = $1) AND ($2::int IS NULL OR o.order_status = $2)`)
	}
	rows, err := db.Query(e.ctx, strings.Join(parts, " UNION ALL ")+` ORDER BY 2 DESC, 3 DESC LIMIT $3`,
		f.reseller, status, f.limit)
	if err != nil {
		return fmt.Errorf("order list: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (orderRow, error) {
		var b string
		var created time.Time
		o := orderRow{}
		err := row.Scan(&b, &created, &o.ID, &o.AppID, &o.OrderNo, &o.OrderStatus, &o.RunStatus,
			&o.ActStatus, &o.StatusReason, &o.BuyTime, &o.EndTime)
		o.Business = b
		return o, err
	})
	if err != nil {
		return fmt.Errorf("order list: %w", err)
	}
	for _, o := range list {
		if err := printJSON(e, o); err != nil {
			return err
		}
	}
	return nil
}

// orderView is what order show prints.
type orderView struct {
	orderRow
	Order  map[string]any `json:"order"` // every column; sealed values (…_enc) left out
	Jobs   []jobRow       `json:"jobs"`
	Ledger []ledgerLine   `json:"ledger"`
}

func orderShow(e *env, business string, id int64) error {
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	o, err := loadOrder(e, db, business, id)
	if err != nil {
		return err
	}
	v := orderView{orderRow: o}
	var raw []byte
	if err := db.QueryRow(e.ctx, `SELECT to_jsonb(o) FROM `+orderTables[business]+` o WHERE id = $1`, id).Scan(&raw); err != nil {
		return fmt.Errorf("order show: %w", err)
	}
	if err := json.Unmarshal(raw, &v.Order); err != nil {
		return err
	}
	for k := range v.Order {
		if strings.HasSuffix(k, "_enc") {
			delete(v.Order, k)
		}
	}
	if v.Jobs, err = orderJobs(e, db, business, id); err != nil {
		return err
	}
	if v.Ledger, err = orderLedger(e, db, business, id); err != nil {
		return err
	}
	return printJSON(e, v)
}

// loadOrder reads one order; "no BUSINESS order ID" when there is none.
func loadOrder(e *env, q postgres.Querier, business string, id int64) (orderRow, error) {
	o, err := scanOrder(business, postgres.QueryRow(e.ctx, q, `SELECT `+orderColumns+` FROM `+orderTables[business]+` o
		JOIN resellers r ON r.id = o.reseller_id WHERE o.id = $1`, id))
	if errors.Is(err, postgres.ErrNotFound) {
		return o, fmt.Errorf("no %s order %d", business, id)
	}
	if err != nil {
		return o, fmt.Errorf("read %s order %d: %w", business, id, err)
	}
	return o, nil
}

func orderLedger(e *env, q postgres.Querier, business string, id int64) ([]ledgerLine, error) {
	rows, err := q.Query(e.ctx, `
		SELECT id, kind, amount, balance_after, credit_limit, business, order_id, reference,
		       service_from, service_to, coupon_id, note, created_at, actor
		FROM ledger_entries WHERE business = $1 AND order_id = $2 ORDER BY id`, business, id)
	if err != nil {
		return nil, fmt.Errorf("order ledger: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ledgerLine, error) {
		var l ledgerLine
		en := &l.LedgerEntry
		err := row.Scan(&en.ID, &en.Kind, &en.Amount, &en.BalanceAfter, &en.CreditLimit, &en.Business,
			&en.OrderID, &en.Reference, &en.ServiceFrom, &en.ServiceTo, &en.CouponID, &en.Note, &en.CreatedAt, &l.Actor)
		return l, err
	})
}
