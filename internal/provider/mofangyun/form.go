package mofangyun

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
)

// form is a request's parameters as PHP's http_build_query encodes them:
// a value is a string, an int, a []form or []any (a list: key[0], key[1]),
// a form (a nested array: key[name]) or nil (left out, as PHP leaves out
// null).
type form map[string]any

// encode returns the parameters as application/x-www-form-urlencoded, with
// nested arrays in PHP's bracket form: other_data_disk[0][size]=20.
func (f form) encode() string {
	vals := url.Values{}
	for _, k := range sortedKeys(f) {
		addPHP(vals, k, f[k])
	}
	return vals.Encode()
}

func addPHP(vals url.Values, key string, v any) {
	switch t := v.(type) {
	case nil:
	case string:
		vals.Add(key, t)
	case int:
		vals.Add(key, strconv.Itoa(t))
	case int64:
		vals.Add(key, strconv.FormatInt(t, 10))
	case ID:
		vals.Add(key, string(t))
	case bool: // PHP writes true as 1 and false as 0
		if t {
			vals.Add(key, "1")
		} else {
			vals.Add(key, "0")
		}
	case form:
		for _, k := range sortedKeys(t) {
			addPHP(vals, key+"["+k+"]", t[k])
		}
	case []form:
		for i, x := range t {
			addPHP(vals, key+"["+strconv.Itoa(i)+"]", x)
		}
	case []string:
		for i, x := range t {
			addPHP(vals, key+"["+strconv.Itoa(i)+"]", x)
		}
	case []any:
		for i, x := range t {
			addPHP(vals, key+"["+strconv.Itoa(i)+"]", x)
		}
	default:
		vals.Add(key, fmt.Sprint(t))
	}
}

func sortedKeys(f form) []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
