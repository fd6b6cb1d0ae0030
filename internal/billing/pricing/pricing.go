package pricing

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// FieldError is an invalid order parameter: Field is a canonical key
// (callers map it to the API's spelling) and Why the Chinese reason used in
// "参数错误: <name> <why>", e.g. "不在可选范围", "须为10的倍数",
// "不能小于系统盘最小值".
//
// Canonical field keys: "cpu", "ram", "bandwidth", "disks", "defense",
// "ip_num", "months", "number", "power", "flow".
type FieldError struct{ Field, Why string }

// Error returns "<field> <why>".
func (e *FieldError) Error() string { return e.Field + " " + e.Why }

// Reasons used in FieldError.Why.
const (
	whyRange     = "不在可选范围"
	whyDiskCount = "数量不在可选范围"
	whySystem    = "不能小于系统盘最小值"
	whyUnknown   = "不存在"
)

func fieldErr(field, why string) *FieldError { return &FieldError{Field: field, Why: why} }

func stepErr(field string, step int) *FieldError {
	return fieldErr(field, "须为"+strconv.Itoa(step)+"的倍数")
}

// Errors of this package.
var (
	// ErrNoPackage: the cloud package line has no package with that cpu/ram
	// (callers answer 套餐不存在).
	ErrNoPackage = errors.New("no package with that cpu and memory")
	// ErrLineType: a cloud line whose lines_product_type is neither "1" nor "2".
	ErrLineType = errors.New("unknown lines_product_type")
	// ErrCouponUnusable: the coupon does not apply to this amount.
	ErrCouponUnusable = errors.New("coupon not usable")
)

var (
	hundred = decimal.NewFromInt(100)
	one     = decimal.NewFromInt(1)
)

// RoundCharge rounds a charge half-up to 0.01: exactly .005 goes up, away
// from zero (so -0.005 becomes -0.01). It cannot fail.
func RoundCharge(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// RoundRefund rounds a refund down (toward zero) to 0.01, so a refund never
// exceeds the exact amount. It cannot fail.
func RoundRefund(d decimal.Decimal) decimal.Decimal { return d.RoundDown(2) }

// PeriodCharge is one order's charge for months at the factor of the
// line's or product's discount (billing.md §3), rounded once:
// RoundCharge(monthly * months * factor). It cannot fail; months and factor
// are validated by CheckMonths and the discount parsers.
func PeriodCharge(monthly decimal.Decimal, months int, factor decimal.Decimal) decimal.Decimal {
	return RoundCharge(monthly.Mul(decimal.NewFromInt(int64(months))).Mul(factor))
}

// ParseMonths parses a months list such as "1,2,3,6,12". It returns an
// error for an entry that is not a whole number >= 1; "" is an empty list.
func ParseMonths(list string) ([]int, error) {
	return parseIntList(list, 1)
}

// CheckMonths returns *FieldError{"months", "不在可选范围"} unless months is
// one of list (an empty list allows nothing), else nil.
func CheckMonths(months int, list []int) error {
	if months < 1 || !containsInt(list, months) {
		return fieldErr("months", whyRange)
	}
	return nil
}

// MaxNumber is the most orders one request may place (semantics.md §6).
const MaxNumber = 100

// CheckNumber returns *FieldError{"number", "不在可选范围"} unless number is
// in 1..MaxNumber and, when limit > 0, at most limit (buy_order_max_num or
// buy_limit; 0 = no limit of its own), else nil.
func CheckNumber(number, limit int) error {
	if number < 1 || number > MaxNumber || (limit > 0 && number > limit) {
		return fieldErr("number", whyRange)
	}
	return nil
}

// parseIntList parses "a,b,c" into whole numbers >= min; blanks around
// entries are ignored, "" is an empty list.
func parseIntList(list string, min int) ([]int, error) {
	list = strings.TrimSpace(list)
	if list == "" {
		return nil, nil
	}
	parts := strings.Split(list, ",")
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < min {
			return nil, fmt.Errorf("pricing: bad list entry %q in %q", p, list)
		}
		out = append(out, n)
	}
	return out, nil
}

// ParseIntList parses a comma-separated list of whole numbers >= 0 such as
// ip_num_list or defense_num_list ("1,4,8"). It returns an error for any
// other entry; "" is an empty list.
func ParseIntList(list string) ([]int, error) { return parseIntList(list, 0) }

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// jsonText returns a JSON scalar's text: a string's contents or a number's
// literal. Anything else (null, objects, booleans) is an error.
func jsonText(raw json.RawMessage) (string, error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", err
		}
		return strings.TrimSpace(v), nil
	case s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')):
		return s, nil
	}
	return "", fmt.Errorf("pricing: %s is not a string or number", s)
}

// jsonInt reads a whole number given as a JSON number or string.
func jsonInt(raw json.RawMessage) (int, error) {
	s, err := jsonText(raw)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}

// jsonDecimal reads a decimal given as a JSON number or string.
func jsonDecimal(raw json.RawMessage) (decimal.Decimal, error) {
	s, err := jsonText(raw)
	if err != nil {
		return decimal.Zero, err
	}
	return decimal.NewFromString(s)
}

// markupFactor is the line's markup, 1 when unset (<= 0).
func markupFactor(m decimal.Decimal) decimal.Decimal {
	if m.Sign() <= 0 {
		return one
	}
	return m
}

func posInt(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

func dec(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }
