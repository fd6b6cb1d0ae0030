package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/zonkvm/zonkvmd/internal/apitype"
)

// The catalogue file is decoded strictly, field by field, so that one pass
// reports every problem of a row: a wrong JSON type, a missing required
// field, an unknown field, a value its rules refuse. Row types say what they
// need with `cat` tags (see rules in rules.go).

// fieldProblem is one problem of a row: the field's path inside the row
// ("provider.driver", "ip[0].gateway"; "" for the row itself) and why.
type fieldProblem struct{ field, msg string }

type jsonType int

const (
	kindNull jsonType = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k jsonType) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}[k]
}

// jsonKind tells what a JSON value is from its first byte.
func jsonKind(raw json.RawMessage) jsonType {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return kindNull
	}
	switch raw[0] {
	case 'n':
		return kindNull
	case 't', 'f':
		return kindBool
	case '"':
		return kindString
	case '[':
		return kindArray
	case '{':
		return kindObject
	}
	return kindNumber
}

var (
	moneyType    = reflect.TypeFor[apitype.Money]()
	dateTimeType = reflect.TypeFor[apitype.DateTime]()
	providerType = reflect.TypeFor[Provider]()
)

// field is one JSON field of a row type.
type field struct {
	name  string
	v     reflect.Value
	rules rules
}

// fieldsOf lists the JSON fields of the struct v, in order, descending into
// embedded structs (an API row and its private struct).
func fieldsOf(v reflect.Value) []field {
	var out []field
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
			out = append(out, fieldsOf(v.Field(i))...)
			continue
		}
		if !sf.IsExported() || tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		out = append(out, field{name: name, v: v.Field(i), rules: parseRules(sf.Tag.Get("cat"))})
	}
	return out
}

// jsonNames returns the JSON field names of the struct type t, in order.
func jsonNames(t reflect.Type) []string {
	var names []string
	for _, f := range fieldsOf(reflect.New(t).Elem()) {
		names = append(names, f.name)
	}
	return names
}

// decodeRow fills the struct *dst from one row of the file. Fields the row
// leaves out keep the values dst already holds (the defaults); names in
// ignored are accepted and dropped.
func decodeRow(raw json.RawMessage, dst any, ignored []string) []fieldProblem {
	return decodeObject(raw, reflect.ValueOf(dst).Elem(), "", ignored)
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func decodeObject(raw json.RawMessage, v reflect.Value, path string, ignored []string) []fieldProblem {
	if k := jsonKind(raw); k != kindObject {
		return []fieldProblem{{path, "want an object, got " + k.String()}}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return []fieldProblem{{path, "not a valid JSON object"}}
	}
	var out []fieldProblem
	for _, f := range fieldsOf(v) {
		name := joinPath(path, f.name)
		val, ok := obj[f.name]
		delete(obj, f.name)
		if !ok {
			if f.rules.required {
				out = append(out, fieldProblem{name, "required"})
			}
			continue
		}
		if ps := decodeValue(val, f.v, name); len(ps) > 0 {
			out = append(out, ps...)
			continue
		}
		if msg := f.rules.check(f.v); msg != "" {
			out = append(out, fieldProblem{name, msg})
		}
	}
	for _, name := range ignored {
		delete(obj, name)
	}
	rest := make([]string, 0, len(obj))
	for name := range obj {
		rest = append(rest, name)
	}
	sort.Strings(rest)
	for _, name := range rest {
		out = append(out, fieldProblem{joinPath(path, name), "unknown field"})
	}
	return out
}

// decodeValue sets v from raw, refusing any JSON type other than the one
// v's Go type stands for.
func decodeValue(raw json.RawMessage, v reflect.Value, path string) []fieldProblem {
	bad := func(want string) []fieldProblem {
		return []fieldProblem{{path, "want " + want + ", got " + jsonKind(raw).String()}}
	}
	switch v.Type() {
	case moneyType:
		m, msg := decodeMoney(raw)
		if msg != "" {
			return []fieldProblem{{path, msg}}
		}
		v.Set(reflect.ValueOf(m))
		return nil
	case dateTimeType:
		var d apitype.DateTime
		if k := jsonKind(raw); k != kindString && k != kindNull {
			return bad(`a datetime "YYYY-MM-DD HH:MM:SS"`)
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			return []fieldProblem{{path, `want a datetime "YYYY-MM-DD HH:MM:SS"`}}
		}
		v.Set(reflect.ValueOf(d))
		return nil
	case providerType:
		p, ps := decodeProvider(raw, path)
		if len(ps) == 0 {
			v.Set(reflect.ValueOf(p))
		}
		return ps
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int64:
		if jsonKind(raw) != kindNumber {
			return bad("an integer")
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
		if err != nil {
			return []fieldProblem{{path, "want an integer, got " + string(raw)}}
		}
		if v.Kind() == reflect.Int && (n < math.MinInt32 || n > math.MaxInt32) {
			return []fieldProblem{{path, "out of range"}}
		}
		v.SetInt(n)
	case reflect.String:
		if jsonKind(raw) != kindString {
			return bad("a string")
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad("a string")
		}
		v.SetString(s)
	case reflect.Pointer: // *string: a string or null
		if jsonKind(raw) == kindNull {
			v.SetZero()
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if ps := decodeValue(raw, p.Elem(), path); len(ps) > 0 {
			if jsonKind(raw) != kindString {
				return bad("a string or null")
			}
			return ps
		}
		v.Set(p)
	case reflect.Slice:
		return decodeList(raw, v, path)
	case reflect.Struct:
		return decodeObject(raw, v, path, nil)
	default:
		panic(fmt.Sprintf("catalog: no decoder for %s at %s", v.Type(), path))
	}
	return nil
}

func decodeList(raw json.RawMessage, v reflect.Value, path string) []fieldProblem {
	if k := jsonKind(raw); k != kindArray {
		return []fieldProblem{{path, "want a list, got " + k.String()}}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return []fieldProblem{{path, "not a valid JSON list"}}
	}
	list := reflect.MakeSlice(v.Type(), len(items), len(items))
	var out []fieldProblem
	for i, item := range items {
		out = append(out, decodeValue(item, list.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
	}
	v.Set(list)
	return out
}

// maxMoney bounds numeric(14,2).
var maxMoney = decimal.New(1, 12)

// decodeMoney reads a money string ("15.00"); a JSON number is refused
// because the API writes money as strings.
func decodeMoney(raw json.RawMessage) (apitype.Money, string) {
	const want = `want a money string like "15.00"`
	if k := jsonKind(raw); k != kindString {
		return apitype.Money{}, want + ", got " + k.String()
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return apitype.Money{}, want
	}
	return parseMoney(s)
}

// parseMoney reads a non-negative amount with at most two decimals.
func parseMoney(s string) (apitype.Money, string) {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return apitype.Money{}, fmt.Sprintf("%q is not a number", s)
	}
	if !d.Equal(d.Truncate(2)) {
		return apitype.Money{}, fmt.Sprintf("%q has more than two decimals", s)
	}
	if d.IsNegative() {
		return apitype.Money{}, fmt.Sprintf("%q is negative", s)
	}
	if d.GreaterThanOrEqual(maxMoney) {
		return apitype.Money{}, fmt.Sprintf("%q is too large", s)
	}
	return apitype.Money{Decimal: d.Truncate(2)}, ""
}
