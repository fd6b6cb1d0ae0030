package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// resellerView is what list and show print: the reseller and its money.
type resellerView struct {
	auth.Reseller
	billing.Account
}

// resellerArgs are a reseller command's flags and checked arguments.
type resellerArgs struct {
	appid, name, note         string
	balanceS, creditS, allowS string
	amount                    decimal.Decimal
	balance, credit           *decimal.Decimal
	on                        bool
	allowParsed               []netip.Prefix
}

func (r *runner) resellerCmd() *cobra.Command {
	in := &resellerArgs{}
	sub := func(use, short string, args cobra.PositionalArgs) *cobra.Command {
		name := strings.Fields(use)[0]
		return &cobra.Command{Use: use, Short: short, Args: args,
			RunE: r.run(func(e *env, pos []string) error { return resellerRun(e, name, pos, in) })}
	}
	create := sub("create --name N [--balance X] [--credit X] [--allow-ip CIDR,...]", "Create a reseller and print its appid and appkey once", exactArgs(0))
	create.Flags().StringVar(&in.name, "name", "", "reseller name")
	create.Flags().StringVar(&in.balanceS, "balance", "", "opening balance")
	create.Flags().StringVar(&in.creditS, "credit", "", "credit limit")
	create.Flags().StringVar(&in.allowS, "allow-ip", "", "CIDR,... allowed to call the API (none: any)")
	topup := sub("topup APPID AMOUNT [--note TEXT]", "Add AMOUNT (negative: an adjustment) to the balance", exactArgs(2))
	topup.Flags().StringVar(&in.note, "note", "", "ledger note")
	credit := sub("credit APPID AMOUNT [--note TEXT]", "Set the credit limit", exactArgs(2))
	credit.Flags().StringVar(&in.note, "note", "", "ledger note")
	return group("reseller", "Manage resellers, their keys and their money",
		"create|list|show|disable|enable|rotate-key|topup|credit|api|allow-ip ...",
		create, sub("list", "Every reseller with its money, one JSON line each", exactArgs(0)),
		sub("show APPID", "One reseller with its money", exactArgs(1)),
		sub("disable APPID", "Refuse the reseller's API calls", exactArgs(1)),
		sub("enable APPID", "Accept the reseller's API calls again", exactArgs(1)),
		sub("rotate-key APPID", "Print a new appkey once; the old one stops working", exactArgs(1)),
		topup, credit,
		sub("api APPID on|off", "Switch the reseller's API access", exactArgs(2)),
		sub("allow-ip APPID [CIDR,...]", "Replace the IP allow-list (none: any address)", nArgs(1, 2)))
}

// resellerRun checks every argument, then opens the database and runs sub.
func resellerRun(e *env, sub string, pos []string, in *resellerArgs) error {
	if err := in.parse(sub, pos); err != nil {
		return err
	}
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	return runReseller(e, db, sub, *in)
}

// plainDecimal is the only form of an amount: "1000", "1000.5", "-20.00".
var plainDecimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

func parseAmount(what, s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if !plainDecimal.MatchString(s) || err != nil || !d.Equal(d.Truncate(2)) {
		return decimal.Decimal{}, usagef("%s %q: must be a plain number (1000, 1000.5, -20.00) with at most two decimals", what, s)
	}
	return d, nil
}

func (in *resellerArgs) parse(sub string, pos []string) error {
	var err error
	if len(pos) > 0 {
		in.appid = pos[0]
	}
	switch sub {
	case "create":
		err = in.parseCreate()
	case "allow-ip":
		list := ""
		if len(pos) == 2 {
			list = pos[1]
		}
		in.allowParsed, err = auth.ParseAllowList(list)
	case "topup":
		if in.amount, err = parseAmount("AMOUNT", pos[1]); err == nil && in.amount.IsZero() {
			err = usagef("AMOUNT must not be zero")
		}
	case "credit":
		if in.amount, err = parseAmount("AMOUNT", pos[1]); err == nil && in.amount.IsNegative() {
			err = usagef("AMOUNT must not be negative")
		}
	case "api":
		switch pos[1] {
		case "on", "off":
			in.on = pos[1] == "on"
		default:
			err = usagef("reseller api APPID on|off")
		}
	}
	if err != nil {
		var ue usageError
		if !errors.As(err, &ue) {
			err = usagef("%v", err)
		}
	}
	return err
}

func (in *resellerArgs) parseCreate() error {
	if in.name == "" {
		return usagef("reseller create needs --name")
	}
	for _, f := range []struct {
		flag string
		s    string
		dst  **decimal.Decimal
	}{{"--balance", in.balanceS, &in.balance}, {"--credit", in.creditS, &in.credit}} {
		if f.s == "" {
			continue
		}
		d, err := parseAmount(f.flag, f.s)
		if err != nil || d.IsNegative() {
			return usagef("%s %q: must be a non-negative plain number with at most two decimals", f.flag, f.s)
		}
		*f.dst = &d
	}
	var err error
	in.allowParsed, err = auth.ParseAllowList(in.allowS)
	return err
}

func runReseller(e *env, db *postgres.DB, sub string, in resellerArgs) error {
	ctx, cmd := e.ctx, "reseller "+sub
	switch sub {
	case "create":
		return resellerCreate(e, db, in)
	case "list":
		rs, err := auth.List(ctx, db)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := printView(e, db, r); err != nil {
				return err
			}
		}
		return nil
	case "show":
		r, err := auth.Get(ctx, db, in.appid)
		if err != nil {
			return err
		}
		return printView(e, db, r)
	case "disable", "enable":
		return done(e, in.appid, e.changeTx(db, cmd, in.appid, nil, func(tx pgx.Tx) error {
			return auth.SetEnabled(ctx, tx, in.appid, sub == "enable")
		}))
	case "api":
		return done(e, in.appid, e.changeTx(db, cmd, in.appid, map[string]bool{"on": in.on}, func(tx pgx.Tx) error {
			return auth.SetAPIEnabled(ctx, tx, in.appid, in.on)
		}))
	case "allow-ip":
		return done(e, in.appid, e.changeTx(db, cmd, in.appid, map[string]any{"allow_ips": in.allowParsed}, func(tx pgx.Tx) error {
			return auth.SetAllowList(ctx, tx, in.appid, in.allowParsed)
		}))
	case "rotate-key":
		var key string
		err := e.changeTx(db, cmd, in.appid, nil, func(tx pgx.Tx) (err error) {
			key, err = auth.RotateKey(ctx, tx, in.appid)
			return err
		})
		if err != nil {
			return err
		}
		return printJSON(e, map[string]string{"appid": in.appid, "appkey": key})
	case "topup", "credit":
		return resellerMoney(e, db, sub, in)
	}
	return usagef("unknown reseller command %q", sub)
}

func resellerCreate(e *env, db *postgres.DB, in resellerArgs) error {
	var c auth.Created
	detail := map[string]any{"name": in.name, "balance": in.balance, "credit": in.credit, "allow_ips": in.allowParsed}
	err := postgres.Tx(e.ctx, db, func(tx pgx.Tx) error {
		var err error
		if c, err = auth.CreateTx(e.ctx, tx, in.name, in.allowParsed); err != nil {
			return err
		}
		if in.credit != nil && !in.credit.IsZero() {
			if _, err := billing.SetCredit(e.ctx, tx, c.ID, *in.credit, ""); err != nil {
				return err
			}
		}
		if in.balance != nil && !in.balance.IsZero() {
			if _, err := billing.Topup(e.ctx, tx, c.ID, *in.balance, "opening balance"); err != nil {
				return err
			}
		}
		return e.audit(e.ctx, tx, "reseller create", c.AppID, detail)
	})
	if err != nil {
		return err
	}
	return printJSON(e, c)
}

func resellerMoney(e *env, db *postgres.DB, sub string, in resellerArgs) error {
	r, err := auth.Get(e.ctx, db, in.appid)
	if err != nil {
		return err
	}
	var a billing.Account
	detail := map[string]string{"amount": in.amount.StringFixed(2), "note": in.note}
	err = e.changeTx(db, "reseller "+sub, in.appid, detail, func(tx pgx.Tx) error {
		if sub == "topup" {
			a, err = billing.Topup(e.ctx, tx, r.ID, in.amount, in.note)
		} else {
			a, err = billing.SetCredit(e.ctx, tx, r.ID, in.amount, in.note)
		}
		return err
	})
	if err != nil {
		return err
	}
	return printJSON(e, resellerView{Reseller: r, Account: a})
}

func printView(e *env, db *postgres.DB, r auth.Reseller) error {
	a, err := billing.GetAccount(e.ctx, db, r.ID)
	if err != nil {
		return err
	}
	return printJSON(e, resellerView{Reseller: r, Account: a})
}

func done(e *env, appid string, err error) error {
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ok %s\n", appid)
	return nil
}

// printJSON prints v as one JSON line, its times in ZONKVMD_TZ.
func printJSON(e *env, v any) error {
	if e.cfg.Location != nil && v != nil {
		p := reflect.New(reflect.TypeOf(v))
		p.Elem().Set(reflect.ValueOf(v))
		inZone(p.Elem(), e.cfg.Location)
		v = p.Interface()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}

var timeType = reflect.TypeFor[time.Time]()

// inZone sets every time.Time reachable from v through settable struct
// fields, pointers and slices to loc.
func inZone(v reflect.Value, loc *time.Location) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			inZone(v.Elem(), loc)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).In(loc)))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				inZone(v.Field(i), loc)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			inZone(v.Index(i), loc)
		}
	}
}
