package dispatch

import (
	"encoding/json"
	"errors"
	"io"
)

// Limits on what one request may carry, applied while parsing (before
// authentication), so that a body of many tiny values cannot make the
// daemon build a large tree: the body size (Handler.MaxBody) bounds the
// bytes, these bound the values.
const (
	// maxParams is the most values (scalars, objects and lists, at any
	// depth) one request may carry.
	maxParams = 512
	// maxDepth is the deepest nesting of objects and lists (content[a][b]
	// is depth 2; the top level is 0).
	maxDepth = 6
	// maxList is the longest list.
	maxList = 256
)

// The answers for a body over the limits.
var (
	errTooManyParams = ParamError("body", "参数过多")
	errTooDeep       = ParamError("body", "嵌套过深")
	errListTooLong   = ParamError("body", "列表过长")
)

// decodeJSONObject reads one JSON object from r token by token, refusing it
// as soon as it exceeds the limits (so the rest is never read or built).
// Numbers stay json.Number. It returns a *json.SyntaxError-like error for
// malformed JSON and one of the errors above for a body over the limits.
func decodeJSONObject(r io.Reader) (map[string]any, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	b := &budget{left: maxParams}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	m, err := b.object(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	return m, nil
}

// budget counts the values left to a request.
type budget struct{ left int }

func (b *budget) take() error {
	if b.left--; b.left < 0 {
		return errTooManyParams
	}
	return nil
}

// object reads an object's members after its '{'.
func (b *budget) object(dec *json.Decoder, depth int) (map[string]any, error) {
	m := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		v, err := b.value(dec, depth)
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
	_, err := dec.Token() // '}'
	return m, err
}

// list reads a list's elements after its '['.
func (b *budget) list(dec *json.Decoder, depth int) ([]any, error) {
	l := []any{}
	for dec.More() {
		if len(l) == maxList {
			return nil, errListTooLong
		}
		v, err := b.value(dec, depth)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
	}
	_, err := dec.Token() // ']'
	return l, err
}

// value reads one value inside a container at depth.
func (b *budget) value(dec *json.Decoder, depth int) (any, error) {
	if err := b.take(); err != nil {
		return nil, err
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	if depth+1 > maxDepth {
		return nil, errTooDeep
	}
	if d == '{' {
		return b.object(dec, depth+1)
	}
	return b.list(dec, depth+1)
}

// limitErr returns err when it is one of the limits' answers, else nil.
func limitErr(err error) *Error {
	for _, e := range []*Error{errTooManyParams, errTooDeep, errListTooLong} {
		if err == e {
			return e
		}
	}
	return nil
}
