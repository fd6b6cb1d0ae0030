package dispatch

import (
	"context"
	"fmt"
	"sort"
)

// HandlerFunc serves one action. It returns the answer's data (nil for {})
// or an error: an *Error is shown to the reseller, anything else becomes
// ErrBusy and is logged.
type HandlerFunc func(ctx context.Context, req *Request) (any, error)

// Route is one row of the route table (internal/app/routes.go): a
// documented action, or one of its sub-operations, and the function that
// serves it.
type Route struct {
	Action string
	// SubParam, on the row of an action that dispatches again, is the
	// parameter that names its sub-operation ("obj_type", "operate"); the
	// rows of its sub-operations follow with Sub set.
	SubParam string
	Sub      string
	// Handler serves the action or sub-operation; nil answers 暂未开放.
	Handler HandlerFunc
}

// Table maps every documented action to its handler. A documented entry
// without a handler answers ErrNotOpen; a name outside the table answers
// ErrBadRequest.
type Table struct {
	routes  []Route // in the document's order, for Coverage
	actions map[string]*entry
}

type entry struct {
	handler  HandlerFunc
	subParam string
	subs     map[string]HandlerFunc
}

// NewTable builds the table of routes. It panics on a route table that
// names an action or a sub-operation twice, or a sub-operation of an action
// that does not dispatch again: both are programming errors.
func NewTable(routes []Route) *Table {
	t := &Table{routes: routes, actions: map[string]*entry{}}
	for _, r := range routes {
		if r.Sub == "" {
			if _, dup := t.actions[r.Action]; dup {
				panic(fmt.Sprintf("dispatch: action %q twice in the route table", r.Action))
			}
			e := &entry{handler: r.Handler, subParam: r.SubParam}
			if r.SubParam != "" {
				e.subs = map[string]HandlerFunc{}
			}
			t.actions[r.Action] = e
			continue
		}
		e, ok := t.actions[r.Action]
		if !ok || e.subs == nil {
			panic(fmt.Sprintf("dispatch: %q is not an action with sub-operations before %q", r.Action, r.Sub))
		}
		if _, dup := e.subs[r.Sub]; dup {
			panic(fmt.Sprintf("dispatch: %s %q twice in the route table", r.Action, r.Sub))
		}
		e.subs[r.Sub] = r.Handler
	}
	return t
}

// lookup finds the handler for a request, or the error to answer.
func (t *Table) lookup(action string, p Params) (HandlerFunc, string, error) {
	e, ok := t.actions[action]
	if !ok {
		return nil, "", ErrBadRequest
	}
	if e.subParam == "" {
		if e.handler == nil {
			return nil, "", ErrNotOpen
		}
		return e.handler, "", nil
	}
	sub, err := p.Text(e.subParam)
	if err != nil {
		return nil, "", err
	}
	if sub == "" {
		return nil, "", MissingParam(e.subParam)
	}
	h, ok := e.subs[sub]
	if !ok {
		return nil, sub, ParamError(e.subParam, "不支持")
	}
	if h == nil {
		return nil, sub, ErrNotOpen
	}
	return h, sub, nil
}

// CoverageRow says whether one action (or sub-operation) is implemented.
type CoverageRow struct {
	Action      string
	Sub         string // "" for a plain action
	Implemented bool
}

// Coverage lists every action and sub-operation of the table in its order
// (an action that dispatches again is listed by its sub-operations).
func (t *Table) Coverage() []CoverageRow {
	var rows []CoverageRow
	for _, r := range t.routes {
		if r.SubParam != "" {
			continue
		}
		rows = append(rows, CoverageRow{Action: r.Action, Sub: r.Sub, Implemented: r.Handler != nil})
	}
	return rows
}

// Actions returns the action names, sorted.
func (t *Table) Actions() []string {
	out := make([]string, 0, len(t.actions))
	for a := range t.actions {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Call runs the action named in p for reseller r, as the HTTP handler would
// after authentication. Tests and in-process callers use it.
func (t *Table) Call(ctx context.Context, r Reseller, p Params) (any, error) {
	action := p.String("action")
	h, sub, err := t.lookup(action, p)
	if err != nil {
		return nil, err
	}
	return h(ctx, &Request{Action: action, Sub: sub, Params: p, Reseller: r})
}
