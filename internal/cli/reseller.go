package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/billing"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// resellerView is what list and show print: the reseller and its money.
type resellerView struct {
	auth.Reseller
	billing.Account
}

func cmdReseller(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: zonkvmd reseller create|list|show|disable|enable|rotate-key|topup|credit|api|allow-ip ...")
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("reseller "+sub, flag.ContinueOnError)
	name := fs.String("name", "", "reseller name")
	balance := fs.String("balance", "", "opening balance")
	credit := fs.String("credit", "", "credit limit")
	allowIP := fs.String("allow-ip", "", "CIDR,... allowed to call the API (none: any)")
	note := fs.String("note", "", "ledger note")
	pos, err := parse(fs, rest)
	if err != nil {
		return err
	}
	forms := map[string]struct {
		n    int
		form string
	}{
		"create": {0, "reseller create --name N [--balance X] [--credit X] [--allow-ip CIDR,...]"},
		"list":   {0, "reseller list"}, "show": {1, "reseller show APPID"},
		"disable": {1, "reseller disable APPID"}, "enable": {1, "reseller enable APPID"},
		"rotate-key": {1, "reseller rotate-key APPID"},
		"topup":      {2, "reseller topup APPID AMOUNT [--note TEXT]"},
		"credit":     {2, "reseller credit APPID AMOUNT"},
		"api":        {2, "reseller api APPID on|off"},
	}
	if sub == "allow-ip" {
		if len(pos) < 1 || len(pos) > 2 {
			return usagef("usage: zonkvmd reseller allow-ip APPID [CIDR,...]")
		}
	} else if f, ok := forms[sub]; !ok {
		return usagef("unknown reseller command %q", sub)
	} else if err := want(pos, f.n, f.form); err != nil {
		return err
	}
	// Validate every argument before touching the database.
	in, err := parseResellerArgs(sub, pos, *name, *balance, *credit, *allowIP)
	if err != nil {
		return err
	}
	in.note = *note
	db, closeDB, err := app.OpenDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := postgres.CheckSchema(e.ctx, db); err != nil {
		return err
	}
	return runReseller(e, db, sub, in)
}

// resellerArgs are a reseller command's checked arguments.
type resellerArgs struct {
	appid, name, note string
	amount            decimal.Decimal
	balance, credit   *decimal.Decimal
	on                bool
	allowParsed       []netip.Prefix
}

func parseAmount(what, s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil || !d.Equal(d.Truncate(2)) {
		return decimal.Decimal{}, usagef("%s %q: must be a number with at most two decimals", what, s)
	}
	return d, nil
}

func parseResellerArgs(sub string, pos []string, name, balance, credit, allowIP string) (resellerArgs, error) {
	var in resellerArgs
	var err error
	if len(pos) > 0 {
		in.appid = pos[0]
	}
	switch sub {
	case "create":
		if in.name = name; name == "" {
			return in, usagef("reseller create needs --name")
		}
		if balance != "" {
			d, err := parseAmount("--balance", balance)
			if err != nil || d.IsNegative() {
				return in, usagef("--balance %q: must be a non-negative amount with at most two decimals", balance)
			}
			in.balance = &d
		}
		if credit != "" {
			d, err := parseAmount("--credit", credit)
			if err != nil || d.IsNegative() {
				return in, usagef("--credit %q: must be a non-negative amount with at most two decimals", credit)
			}
			in.credit = &d
		}
		in.allowParsed, err = auth.ParseAllowList(allowIP)
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
	return in, err
}

func runReseller(e *env, db *postgres.DB, sub string, in resellerArgs) error {
	ctx := e.ctx
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
		return done(e, in.appid, auth.SetEnabled(ctx, db, in.appid, sub == "enable"))
	case "api":
		return done(e, in.appid, auth.SetAPIEnabled(ctx, db, in.appid, in.on))
	case "allow-ip":
		return done(e, in.appid, auth.SetAllowList(ctx, db, in.appid, in.allowParsed))
	case "rotate-key":
		key, err := auth.RotateKey(ctx, db, in.appid)
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
		return nil
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
	err = postgres.Tx(e.ctx, db, func(tx pgx.Tx) error {
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

func printJSON(e *env, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}
