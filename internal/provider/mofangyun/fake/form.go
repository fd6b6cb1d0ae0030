package fake

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// params are a request's parameters as PHP sees them: a key is a string
// (name=v), or a nested array (name[a][b]=v, name[]=v), which is a params
// itself (lists are arrays keyed "0", "1", ...).
type params map[string]any

// parsePHP reads url-encoded values the way PHP fills $_POST / $_GET:
// brackets in a key make nested arrays; "[]" appends; a later scalar value
// of one key wins.
func parsePHP(vals url.Values) params {
	root := params{}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := splitKey(k)
		for _, v := range vals[k] {
			put(root, path, v)
		}
	}
	return root
}

// splitKey turns "a[b][]" into ["a", "b", ""].
func splitKey(k string) []string {
	i := strings.IndexByte(k, '[')
	if i <= 0 || !strings.HasSuffix(k, "]") {
		return []string{k}
	}
	parts := []string{k[:i]}
	rest := k[i:]
	for strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return []string{k}
		}
		parts = append(parts, rest[1:j])
		rest = rest[j+1:]
	}
	if rest != "" {
		return []string{k}
	}
	return parts
}

func put(p params, path []string, v string) {
	key := path[0]
	if key == "" { // name[] appends
		key = strconv.Itoa(nextIndex(p))
	}
	if len(path) == 1 {
		p[key] = v
		return
	}
	child, ok := p[key].(params)
	if !ok {
		child = params{}
		p[key] = child
	}
	put(child, path[1:], v)
}

func nextIndex(p params) int {
	n := 0
	for k := range p {
		if i, err := strconv.Atoi(k); err == nil && i >= n {
			n = i + 1
		}
	}
	return n
}

// str returns a scalar parameter, "" when absent or an array.
func (p params) str(key string) string {
	s, _ := p[key].(string)
	return s
}

// has reports whether a scalar parameter is present and not empty.
func (p params) has(key string) bool { return p.str(key) != "" }

// int returns a scalar parameter as an integer; ok is false when it is
// absent, empty or not an integer.
func (p params) int(key string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(p.str(key)))
	return n, err == nil
}

// list returns an array parameter's elements in index order.
func (p params) list(key string) []any {
	arr, ok := p[key].(params)
	if !ok {
		return nil
	}
	idx := make([]string, 0, len(arr))
	for k := range arr {
		idx = append(idx, k)
	}
	sort.Slice(idx, func(i, j int) bool {
		a, errA := strconv.Atoi(idx[i])
		b, errB := strconv.Atoi(idx[j])
		if errA == nil && errB == nil {
			return a < b
		}
		return idx[i] < idx[j]
	})
	out := make([]any, 0, len(idx))
	for _, k := range idx {
		out = append(out, arr[k])
	}
	return out
}
