// Package apidoc builds the API reference (docs/openapi.json, OpenAPI 3.1)
// from the API document (docs/zonkvm-api-v2.txt) and the action table: one
// documented request body per action and sub-operation, its parameters and
// answer fields as the document gives them, and whether this daemon
// implements it. Its tests keep the committed reference in sync.
package apidoc

import (
	"regexp"
	"strings"
)

// Key names one operation: an action, or an action's sub-operation.
type Key struct{ Action, Sub string }

// Field is one parameter or answer field of the document.
type Field struct {
	Name, Type, Description string
}

// Op is what the document says of one operation.
type Op struct {
	Title    string
	SubParam string // obj_type or operate; "" for a plain action
	Params   []Field
	Answer   []Field
}

var (
	actionLine  = regexp.MustCompile(`action = (\w+)(?: \| (obj_type) = (\w+))?`)
	operateLine = regexp.MustCompile(`^(operate)=(\w+)\s*(.*)$`)
	inlineParam = regexp.MustCompile(`额外:(\w+)必填(?: — (.*))?`)
	fieldRow    = regexp.MustCompile(`^([A-Za-z_][\w.\[\]]*) (string|int|integer|float|number|bool|boolean|array|object|mixed|decimal|json|file|string/array|int/string|string/int)\b ?(.*)$`)
	sectionHead = regexp.MustCompile(`^\d+\. (.+)$`)
)

// common are the parameters every request carries; Parse leaves them out.
var common = map[string]bool{"appid": true, "appkey": true, "action": true}

// Parse reads the API document and returns what it says of each
// operation. Rows it cannot read are skipped; it never fails.
func Parse(text string) map[Key]*Op {
	ops := map[Key]*Op{}
	var cur *Op
	var action, title string
	mode := "" // "param" or "answer"
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if m := sectionHead.FindStringSubmatch(line); m != nil {
			title = m[1]
		}
		switch m := actionLine.FindStringSubmatch(line); {
		case m != nil && strings.Contains(line, "POST"):
			action = m[1]
			k := Key{Action: action, Sub: m[3]}
			cur = op(ops, k, title)
			if m[3] != "" {
				cur.SubParam = m[2]
			}
			mode = "param"
			continue
		}
		if m := operateLine.FindStringSubmatch(line); m != nil && action != "" {
			cur = op(ops, Key{Action: action, Sub: m[2]}, firstClause(m[3]))
			cur.SubParam = m[1]
			if parent := ops[Key{Action: action}]; parent != nil && len(cur.Params) == 0 {
				cur.Params = append(cur.Params, parent.Params...) // the entry's common parameters (guid)
			}
			if p := inlineParam.FindStringSubmatch(m[3]); p != nil {
				cur.Params = append(cur.Params, Field{Name: p[1], Type: "string", Description: p[2]})
			}
			mode = ""
			continue
		}
		switch {
		case cur == nil:
		case strings.HasPrefix(line, "参数") || strings.HasPrefix(line, "公共参数") || strings.HasPrefix(line, "请求参数"):
			mode = "param"
		case strings.HasPrefix(line, "字段") || strings.Contains(line, "返回字段说明"):
			mode = "answer"
		case strings.HasPrefix(line, "返回数据示例") || strings.HasPrefix(line, "{"):
			mode = ""
		default:
			addField(cur, mode, line)
		}
	}
	return ops
}

func op(ops map[Key]*Op, k Key, title string) *Op {
	if o, ok := ops[k]; ok {
		return o
	}
	o := &Op{Title: title}
	ops[k] = o
	return o
}

func firstClause(s string) string {
	s, _, _ = strings.Cut(s, ",")
	return strings.TrimSpace(s)
}

func addField(o *Op, mode, line string) {
	m := fieldRow.FindStringSubmatch(line)
	if m == nil || mode == "" {
		return
	}
	f := Field{Name: m[1], Type: m[2], Description: strings.TrimSpace(m[3])}
	if mode == "answer" {
		o.Answer = appendNew(o.Answer, f)
		return
	}
	if common[f.Name] || f.Name == o.SubParam {
		return
	}
	o.Params = appendNew(o.Params, f)
}

func appendNew(list []Field, f Field) []Field {
	for _, g := range list {
		if g.Name == f.Name {
			return list
		}
	}
	return append(list, f)
}
