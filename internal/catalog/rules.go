package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/apitype"
)

// rules are what a `cat` tag asks of a field beyond its JSON type, as a
// comma-separated list:
//
//	required   the row must give it (a string non-empty, a list non-empty)
//	flag       0 or 1
//	positive   an integer or amount > 0
//	small      an integer that fits a smallint
//	unit       an amount in [0, 1] (a discount factor)
//	factor     an amount in (0, 9999.99] (numeric(6,2))
//	oneof=a b  one of the values
//	set=a b    comma-separated words, each one of the values
//	months     comma-separated whole numbers > 0, at least one
//	nums       comma-separated whole numbers >= 0, or empty
//	intstr     a whole number >= 0 written as a string ("1")
//	guids      comma-separated guids, at least one; rewritten without spaces
//	json=S     JSON text of shape S: discount, stairs, power, strings
//	ip         an IP address, or empty
//	port       1 to 65535
type rules struct {
	required, flag, positive, small, unit, factor bool
	months, nums, intstr, guids, ip, port         bool
	oneof, set                                    []string
	shape                                         string
}

func parseRules(tag string) rules {
	var r rules
	if tag == "" {
		return r
	}
	for _, part := range strings.Split(tag, ",") {
		name, arg, _ := strings.Cut(part, "=")
		switch name {
		case "required":
			r.required = true
		case "flag":
			r.flag = true
		case "positive":
			r.positive = true
		case "small":
			r.small = true
		case "unit":
			r.unit = true
		case "factor":
			r.factor = true
		case "months":
			r.months = true
		case "nums":
			r.nums = true
		case "intstr":
			r.intstr = true
		case "guids":
			r.guids = true
		case "ip":
			r.ip = true
		case "port":
			r.port = true
		case "oneof":
			r.oneof = strings.Fields(arg)
		case "set":
			r.set = strings.Fields(arg)
		case "json":
			r.shape = arg
		default:
			panic(fmt.Sprintf("catalog: unknown cat rule %q", part))
		}
	}
	return r
}

// check returns why v breaks the rules, or "". It may rewrite v into its
// canonical form (guids, json=strings).
func (r rules) check(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case int, int64:
		return r.checkInt(v.Int())
	case string:
		s, msg := r.checkString(x)
		if msg == "" {
			v.SetString(s)
		}
		return msg
	case apitype.Money:
		return r.checkMoney(x.Decimal)
	case apitype.DateTime:
		if r.required && !x.Valid {
			return "required"
		}
	case []string:
		if r.required && len(x) == 0 {
			return "must not be empty"
		}
		for _, s := range x {
			if len(r.oneof) > 0 && !slices.Contains(r.oneof, s) {
				return fmt.Sprintf("%q is not one of %s", s, strings.Join(r.oneof, ", "))
			}
		}
	}
	return ""
}

func (r rules) checkInt(n int64) string {
	switch {
	case r.flag && n != 0 && n != 1:
		return "must be 0 or 1"
	case r.positive && n <= 0:
		return "must be greater than 0"
	case r.small && (n < math.MinInt16 || n > math.MaxInt16):
		return "out of range"
	case r.port && (n < 1 || n > 65535):
		return "must be a port, 1 to 65535"
	case len(r.oneof) > 0 && !slices.Contains(r.oneof, strconv.FormatInt(n, 10)):
		return "must be one of " + strings.Join(r.oneof, ", ")
	}
	return ""
}

func (r rules) checkMoney(d decimal.Decimal) string {
	switch {
	case r.positive && !d.IsPositive():
		return "must be greater than 0"
	case r.unit && d.GreaterThan(decimal.NewFromInt(1)):
		return "must be a factor from 0.00 to 1.00"
	case r.factor && (!d.IsPositive() || d.GreaterThanOrEqual(decimal.NewFromInt(10000))):
		return "must be greater than 0 and below 10000"
	}
	return ""
}

func (r rules) checkString(s string) (string, string) {
	switch {
	case r.required && strings.TrimSpace(s) == "":
		return s, "must not be empty"
	case len(r.oneof) > 0 && !slices.Contains(r.oneof, s):
		return s, fmt.Sprintf("%q is not one of %s", s, strings.Join(r.oneof, ", "))
	case len(r.set) > 0:
		return s, checkSet(s, r.set)
	case r.months:
		return s, checkNumList(s, 1, false)
	case r.nums:
		return s, checkNumList(s, 0, true)
	case r.intstr:
		if _, err := strconv.ParseUint(s, 10, 31); err != nil {
			return s, fmt.Sprintf("want a whole number as a string, like \"1\", got %q", s)
		}
	case r.guids:
		return normalizeGUIDs(s)
	case r.ip && s != "":
		if _, err := netip.ParseAddr(s); err != nil {
			return s, fmt.Sprintf("%q is not an IP address", s)
		}
	case r.shape == "strings":
		return normalizeStrings(s)
	case r.shape != "":
		return s, checkShape(r.shape, s)
	}
	return s, ""
}

func checkSet(s string, allowed []string) string {
	if s == "" {
		return ""
	}
	for _, w := range strings.Split(s, ",") {
		if !slices.Contains(allowed, w) {
			return fmt.Sprintf("%q is not one of %s (comma-separated, no spaces)", w, strings.Join(allowed, ", "))
		}
	}
	return ""
}

// checkNumList checks "1,2,3": whole numbers >= min; empty only when
// emptyOK.
func checkNumList(s string, min int64, emptyOK bool) string {
	if s == "" {
		if emptyOK {
			return ""
		}
		return "must not be empty"
	}
	for _, w := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(w, 10, 32)
		if err != nil || n < min {
			return fmt.Sprintf("want comma-separated whole numbers >= %d without spaces, found %q", min, w)
		}
	}
	return ""
}

// normalizeGUIDs checks a comma-separated guid list and returns it without
// spaces.
func normalizeGUIDs(s string) (string, string) {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
		if parts[i] == "" {
			return s, "want one guid or several separated by commas"
		}
	}
	return strings.Join(parts, ","), ""
}

// splitGUIDs splits a guid list checked by normalizeGUIDs.
func splitGUIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// normalizeStrings checks JSON text holding a list of non-empty strings
// (getsystems' lines) and returns it written compactly.
func normalizeStrings(s string) (string, string) {
	list, msg := parseStrings(s)
	if msg != "" {
		return s, msg
	}
	b, _ := json.Marshal(list)
	return string(b), ""
}

func parseStrings(s string) ([]string, string) {
	var list []string
	if err := strictJSON(s, &list); err != nil || list == nil {
		return nil, `want JSON text of a list of strings, like "[\"1696639073705350\"]"`
	}
	for _, g := range list {
		if strings.TrimSpace(g) == "" {
			return nil, "empty string in the list"
		}
	}
	return list, ""
}

// strictJSON decodes one JSON value, refusing trailing data.
func strictJSON(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// checkShape checks the JSON text fields of billing.md: discount
// [{"month","discount"}], stairs [{"min","max","price"}], power
// [{"name","price"}]. Numbers may be written as JSON numbers or strings.
func checkShape(shape, s string) string {
	var entries []map[string]json.RawMessage
	want := map[string]string{
		"discount": `[{"month":"12","discount":"0.85"}, ...]`,
		"stairs":   `[{"min":11,"max":50,"price":"9.00"}, ...]`,
		"power":    `[{"name":"0.5A/220V","price":"0.00"}, ...]`,
	}[shape]
	if err := strictJSON(s, &entries); err != nil || entries == nil {
		return "want JSON text of a list like " + want
	}
	prevMax := int64(-1)
	for i, e := range entries {
		var msg string
		switch shape {
		case "discount":
			msg = checkDiscountEntry(e)
		case "stairs":
			msg = checkStairsEntry(e, &prevMax)
		case "power":
			msg = checkPowerEntry(e)
		}
		if msg != "" {
			return fmt.Sprintf("entry %d: %s (want a list like %s)", i, msg, want)
		}
	}
	return ""
}

func sameKeys(e map[string]json.RawMessage, keys ...string) string {
	if len(e) != len(keys) {
		return "want exactly the keys " + strings.Join(keys, ", ")
	}
	for _, k := range keys {
		if _, ok := e[k]; !ok {
			return "want exactly the keys " + strings.Join(keys, ", ")
		}
	}
	return ""
}

// number reads a JSON number or a string holding one.
func number(raw json.RawMessage) (decimal.Decimal, bool) {
	var s string
	switch jsonKind(raw) {
	case kindNumber:
		s = string(bytes.TrimSpace(raw))
	case kindString:
		if json.Unmarshal(raw, &s) != nil {
			return decimal.Decimal{}, false
		}
	default:
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	return d, err == nil
}

func wholeNumber(raw json.RawMessage, min int64) (int64, bool) {
	d, ok := number(raw)
	if !ok || !d.IsInteger() || d.LessThan(decimal.NewFromInt(min)) || d.GreaterThan(decimal.NewFromInt(math.MaxInt32)) {
		return 0, false
	}
	return d.IntPart(), true
}

func checkDiscountEntry(e map[string]json.RawMessage) string {
	if msg := sameKeys(e, "month", "discount"); msg != "" {
		return msg
	}
	if _, ok := wholeNumber(e["month"], 1); !ok {
		return "month must be a whole number of months >= 1"
	}
	d, ok := number(e["discount"])
	if !ok || !d.IsPositive() || d.GreaterThan(decimal.NewFromInt(100)) {
		return "discount must be a factor (0.85) or a percentage (85), above 0 and at most 100"
	}
	return ""
}

func checkStairsEntry(e map[string]json.RawMessage, prevMax *int64) string {
	if msg := sameKeys(e, "min", "max", "price"); msg != "" {
		return msg
	}
	lo, ok1 := wholeNumber(e["min"], 0)
	hi, ok2 := wholeNumber(e["max"], 0)
	if !ok1 || !ok2 || lo > hi {
		return "min and max must be whole numbers with min <= max"
	}
	if lo <= *prevMax {
		return "tiers must be in ascending order and must not overlap"
	}
	*prevMax = hi
	return checkPrice(e["price"])
}

func checkPowerEntry(e map[string]json.RawMessage) string {
	if msg := sameKeys(e, "name", "price"); msg != "" {
		return msg
	}
	var name string
	if jsonKind(e["name"]) != kindString || json.Unmarshal(e["name"], &name) != nil || strings.TrimSpace(name) == "" {
		return "name must be a non-empty string"
	}
	return checkPrice(e["price"])
}

func checkPrice(raw json.RawMessage) string {
	d, ok := number(raw)
	if !ok {
		return "price must be an amount"
	}
	if _, msg := parseMoney(d.String()); msg != "" {
		return "price " + msg
	}
	return ""
}
