package dispatch

import (
	"encoding/json"
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Params are the parameters of one request. Top-level form fields are
// strings; nested parameters (content, post, proxyData) are objects, given
// either as a JSON string in one field or as PHP-style bracket fields
// (content[cpu]=4). Values are string, json.Number, bool, nil, map[string]any
// or []any. Errors name parameters as the API spells them ("content.cpu").
type Params struct {
	prefix string
	m      map[string]any
}

// NewParams wraps a map (used by tests and by nested objects).
func NewParams(m map[string]any) Params { return Params{m: m} }

func (p Params) name(key string) string { return p.prefix + key }

// Name returns key as the API spells it in messages ("content.cpu").
func (p Params) Name(key string) string { return p.name(key) }

// Has reports whether key was given, even empty.
func (p Params) Has(key string) bool { _, ok := p.m[key]; return ok }

// Keys returns how many parameters there are.
func (p Params) Len() int { return len(p.m) }

// Raw returns the value of key as parsed.
func (p Params) Raw(key string) (any, bool) { v, ok := p.m[key]; return v, ok }

// String returns the scalar value of key as text, "" when absent or not a
// scalar.
func (p Params) String(key string) string {
	s, _ := scalar(p.m[key])
	return s
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	case nil:
		return "", true
	}
	return "", false
}

// Text returns key's text, "" when absent, or a ParamError when it is an
// object or a list.
func (p Params) Text(key string) (string, error) {
	v, ok := p.m[key]
	if !ok {
		return "", nil
	}
	s, ok := scalar(v)
	if !ok {
		return "", ParamError(p.name(key), "应为字符串")
	}
	return s, nil
}

// RequiredText is Text that answers MissingParam when key is absent or
// empty.
func (p Params) RequiredText(key string) (string, error) {
	s, err := p.Text(key)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", MissingParam(p.name(key))
	}
	return s, nil
}

// Int returns key as an integer: def when absent or empty, a ParamError
// ("应为整数") when it is not a whole number within int64.
func (p Params) Int(key string, def int64) (int64, error) {
	v, ok := p.m[key]
	if !ok {
		return def, nil
	}
	s, isScalar := scalar(v)
	if _, isBool := v.(bool); isBool || !isScalar {
		return 0, ParamError(p.name(key), "应为整数")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ParamError(p.name(key), "应为整数")
	}
	return n, nil
}

// IntIn is Int with the result checked to lie in [min, max]
// ("不在可选范围" otherwise).
func (p Params) IntIn(key string, def, min, max int64) (int64, error) {
	n, err := p.Int(key, def)
	if err != nil {
		return 0, err
	}
	if n < min || n > max {
		return 0, ParamError(p.name(key), "不在可选范围")
	}
	return n, nil
}

// Object returns the nested object key: from a JSON string, a JSON object
// or bracket fields. Absent or empty gives an empty object; anything else
// that is not an object gives a ParamError.
func (p Params) Object(key string) (Params, error) {
	child := Params{prefix: p.name(key) + ".", m: map[string]any{}}
	switch v := p.m[key].(type) {
	case nil:
		return child, nil
	case map[string]any:
		child.m = v
		return child, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return child, nil
		}
		m, err := decodeJSONObject(strings.NewReader(v))
		if e := limitErr(err); e != nil {
			return Params{}, ParamError(p.name(key), strings.TrimPrefix(e.Msg, "参数错误: body "))
		}
		if err != nil {
			return Params{}, ParamError(p.name(key), "不是有效的JSON对象")
		}
		child.m = m
		if err := child.checkText(); err != nil {
			return Params{}, err
		}
		return child, nil
	}
	return Params{}, ParamError(p.name(key), "不是有效的JSON对象")
}

// GUID returns key with everything up to and including its last "_"
// removed (srv_1001 -> 1001), as the document's common parameters say.
func (p Params) GUID(key string) string {
	s := strings.TrimSpace(p.String(key))
	if i := strings.LastIndexByte(s, '_'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// OrderID returns the guid parameter as an order id: MissingParam when
// absent, ErrOrderNotFound when it is not a positive integer after prefix
// stripping (a malformed id finds no order).
func (p Params) OrderID() (int64, error) {
	if strings.TrimSpace(p.String("guid")) == "" {
		return 0, MissingParam(p.name("guid"))
	}
	s := p.GUID("guid")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strings.HasPrefix(s, "+") {
		return 0, ErrOrderNotFound
	}
	return n, nil
}

// maxBracketDepth bounds a[b][c]... nesting, as maxDepth bounds JSON.
const maxBracketDepth = maxDepth

// maxMultipartMemory is what multipart parsing keeps in memory of a
// request's file parts; the rest of an (already size-limited) upload
// spills to a temporary file, which the handler reads as a stream
// (Request.Files: hosting_upload sends it on to the panel as it reads).
const maxMultipartMemory = 64 << 10

// parseBody reads the request body into Params. It returns a reseller-facing
// error for every malformed input.
func parseBody(r *http.Request) (Params, *multipart.Form, error) {
	ct := r.Header.Get("Content-Type")
	mediaType, _, err := mime.ParseMediaType(ct)
	if ct == "" { // PHP's curl with a string body sends none: read it as a form
		mediaType, err = "application/x-www-form-urlencoded", nil
		r.Header.Set("Content-Type", mediaType)
	}
	if err != nil {
		return Params{}, nil, ParamError("Content-Type", "无法识别")
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return Params{}, nil, bodyError(err)
		}
		p, err := fromForm(r.PostForm)
		return p, nil, err
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxMultipartMemory); err != nil {
			return Params{}, nil, bodyError(err)
		}
		p, err := fromForm(r.MultipartForm.Value)
		return p, r.MultipartForm, err
	case "application/json":
		m, err := decodeJSONObject(r.Body)
		if err != nil {
			if e := limitErr(err); e != nil {
				return Params{}, nil, e
			}
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return Params{}, nil, ErrBodyTooLarge
			}
			return Params{}, nil, ParamError("body", "不是有效的JSON对象")
		}
		return Params{m: m}, nil, nil
	}
	return Params{}, nil, ParamError("Content-Type", "应为 application/x-www-form-urlencoded、multipart/form-data 或 application/json")
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ErrBodyTooLarge
	}
	return ParamError("body", "无法解析")
}

// fromForm turns form values into Params. A repeated plain field keeps its
// last value (as PHP does); bracket fields build nested objects and lists.
func fromForm(form url.Values) (Params, error) {
	n := 0
	for _, vals := range form {
		if n += len(vals); n > maxParams {
			return Params{}, errTooManyParams
		}
	}
	m := make(map[string]any, len(form))
	for key, vals := range form {
		if len(vals) == 0 {
			continue
		}
		base, path, isBracket, err := splitBrackets(key)
		if err != nil {
			return Params{}, err
		}
		if !isBracket {
			if _, taken := m[key].(map[string]any); taken {
				return Params{}, ParamError(key, "同时以JSON和分项形式给出")
			}
			if _, taken := m[key].([]any); taken {
				return Params{}, ParamError(key, "同时以JSON和分项形式给出")
			}
			m[key] = vals[len(vals)-1]
			continue
		}
		for _, v := range vals {
			if err := setPath(m, base, path, v); err != nil {
				return Params{}, err
			}
		}
	}
	return Params{m: m}, nil
}

// splitBrackets splits "a[b][]" into "a" and ["b", ""].
func splitBrackets(key string) (base string, path []string, isBracket bool, err error) {
	i := strings.IndexByte(key, '[')
	if i <= 0 {
		return key, nil, false, nil
	}
	base, rest := key[:i], key[i:]
	for rest != "" {
		if rest[0] != '[' {
			return "", nil, false, ParamError(base, "字段名格式错误")
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return "", nil, false, ParamError(base, "字段名格式错误")
		}
		path = append(path, rest[1:j])
		rest = rest[j+1:]
		if len(path) > maxBracketDepth {
			return "", nil, false, ParamError(base, "嵌套过深")
		}
	}
	return base, path, true, nil
}

// setPath stores v at m[base][path...]; "" in the path appends to a list.
func setPath(m map[string]any, base string, path []string, v string) error {
	conflict := ParamError(base, "同时以JSON和分项形式给出")
	if _, plain := m[base].(string); plain {
		return conflict
	}
	if len(path) == 1 && path[0] == "" { // a[]=v
		list, _ := m[base].([]any)
		if _, isMap := m[base].(map[string]any); isMap {
			return conflict
		}
		if len(list) == maxList {
			return errListTooLong
		}
		m[base] = append(list, v)
		return nil
	}
	child, ok := m[base].(map[string]any)
	if !ok {
		if m[base] != nil {
			return conflict
		}
		child = map[string]any{}
		m[base] = child
	}
	if path[0] == "" {
		return ParamError(base, "字段名格式错误")
	}
	if len(path) == 1 {
		if _, nested := child[path[0]].(map[string]any); nested {
			return conflict
		}
		child[path[0]] = v
		return nil
	}
	return setPath(child, path[0], path[1:], v)
}

// Map returns a copy of the parameters as parsed (for fingerprinting a
// request), without the credentials.
func (p Params) Map() map[string]any {
	out := make(map[string]any, len(p.m))
	for k, v := range p.m {
		if k != "appid" && k != "appkey" {
			out[k] = v
		}
	}
	return out
}
