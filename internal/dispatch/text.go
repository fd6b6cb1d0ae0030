package dispatch

import (
	"sort"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// maxText is the longest text parameter, in bytes (about 340 Chinese
// characters): below PostgreSQL's limit on an index entry (2704 bytes), so
// no stored text can fail an index.
const maxText = 1024

// textLimits are the parameters with a limit of their own: the reseller's
// order numbers, stored in unique indexes.
var textLimits = map[string]int{"order_id": 64, "client_order_id": 64}

// longParams may be as long as the body allows: the nested objects given as
// JSON text (content, post, proxyData: their members are checked when read,
// Params.Object) and the web-hosting contents sent on to the panel, never
// stored in an index: a file's text, an SSL key and certificate (PEM).
var longParams = map[string]bool{
	"content": true, "post": true, "proxyData": true,
	"text": true, "key": true, "csr": true,
}

// errBadText is why a text is refused: NUL bytes, invalid UTF-8 and control
// characters (tab and line breaks excepted) never reach PostgreSQL.
const errBadText = "含有无效字符"

// validText reports whether s is UTF-8 without NUL or control characters
// other than tab, line feed and carriage return.
func validText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf { // ASCII: the common case
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unicode.IsControl(r) {
			return false
		}
		i += n
	}
	return true
}

// validCredential reports whether s can be an appid or appkey: 1 to 64
// ASCII letters and digits (auth.NewAppKey's alphabet, resellers.appid's
// CHECK). Anything else is refused as 权限不足 without a look-up.
func validCredential(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkText checks every parameter of p, at any depth: names and texts
// must be valid text (validText) and texts within their limit. It returns
// the ParamError of the first bad one in name order.
func (p Params) checkText() error {
	keys := make([]string, 0, len(p.m))
	for k := range p.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		limit := maxText
		if longParams[k] && p.prefix == "" {
			limit = -1
		} else if l, ok := textLimits[k]; ok {
			limit = l
		}
		if err := checkValue(p.name(k), p.m[k], limit); err != nil {
			return err
		}
	}
	return nil
}

// checkValue checks one value named name; limit < 0 means no length limit
// for a text (its members are checked later).
func checkValue(name string, v any, limit int) error {
	if !validText(name) {
		return ParamError("参数名", errBadText)
	}
	switch x := v.(type) {
	case string:
		if !validText(x) {
			return ParamError(name, errBadText)
		}
		if limit >= 0 && len(x) > limit {
			return ParamError(name, "过长")
		}
	case map[string]any:
		return Params{prefix: name + ".", m: x}.checkText()
	case []any:
		for i, c := range x {
			if err := checkValue(name+"."+strconv.Itoa(i), c, maxText); err != nil {
				return err
			}
		}
	}
	return nil
}
