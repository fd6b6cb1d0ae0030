package mofangyun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// num is a number 魔方云 may write as 12, 12.5 or "12".
type num float64

// UnmarshalJSON accepts a number, a numeric string, "" and null (as 0).
func (n *num) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*n = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s = strings.TrimSpace(s); s == "" {
			*n = 0
			return nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("want a number, got %s", b)
	}
	*n = num(f)
	return nil
}

func (n num) int() int { return int(n) }

// idString returns an id as the API wants it back ("12").
func (n num) idString() string { return strconv.FormatInt(int64(n), 10) }

// text is a string 魔方云 may write as a number.
type text string

// UnmarshalJSON accepts a string, a number or null.
func (t *text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = text(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*t = text(n.String())
		return nil
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*t = ""
		return nil
	}
	return fmt.Errorf("want a string, got %s", b)
}

// page is one page of a list endpoint: {"data": [...], "meta": {"total": N}}.
// A bare list is read as a single page.
type page[T any] struct {
	Data []T
	// Total is meta.total, or -1 when the answer has none.
	Total int
	// Bare is set when the answer was a plain list (no paging).
	Bare bool
}

// UnmarshalJSON reads both shapes.
func (p *page[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		p.Total, p.Bare = -1, true
		return json.Unmarshal(b, &p.Data)
	}
	var obj struct {
		Data []T `json:"data"`
		Meta *struct {
			Total num `json:"total"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	p.Data, p.Total = obj.Data, -1
	if obj.Meta != nil {
		p.Total = obj.Meta.Total.int()
	}
	return nil
}
