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

// Table maps every action of the API document to its handler. Actions of
// the document without a handler answer ErrNotOpen; names outside the
// document answer ErrBadRequest.
type Table struct {
	actions map[string]*entry
}

type entry struct {
	handler  HandlerFunc
	subParam string // "operate" or "obj_type" for actions that dispatch again
	subs     map[string]HandlerFunc
}

// NewTable returns a table that knows every documented action and
// sub-operation, none of them implemented yet.
func NewTable() *Table {
	t := &Table{actions: map[string]*entry{}}
	for _, a := range documentActions {
		t.actions[a] = &entry{}
	}
	for action, sd := range documentSubs {
		e := t.actions[action]
		e.subParam = sd.param
		e.subs = map[string]HandlerFunc{}
		for _, s := range sd.names {
			e.subs[s] = nil
		}
	}
	return t
}

// Handle sets the handler of a documented action. It panics on a name the
// document does not have, or on one that dispatches on a sub-parameter:
// both are programming errors.
func (t *Table) Handle(action string, h HandlerFunc) {
	e, ok := t.actions[action]
	if !ok || e.subParam != "" {
		panic(fmt.Sprintf("dispatch: %q is not a documented plain action", action))
	}
	e.handler = h
}

// HandleSub sets the handler of a documented sub-operation, such as
// create_order with obj_type=create_server or hosting_operate with
// operate=hosting_stop. It panics on an undocumented pair.
func (t *Table) HandleSub(action, sub string, h HandlerFunc) {
	e, ok := t.actions[action]
	if !ok || e.subs == nil {
		panic(fmt.Sprintf("dispatch: %q has no sub-operations", action))
	}
	if _, ok := e.subs[sub]; !ok {
		panic(fmt.Sprintf("dispatch: %q has no documented %s %q", action, e.subParam, sub))
	}
	e.subs[sub] = h
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

// Coverage lists every documented action and sub-operation in the
// document's order.
func (t *Table) Coverage() []CoverageRow {
	var rows []CoverageRow
	for _, a := range documentActions {
		e := t.actions[a]
		if e.subParam == "" {
			rows = append(rows, CoverageRow{Action: a, Implemented: e.handler != nil})
			continue
		}
		for _, s := range documentSubs[a].names {
			rows = append(rows, CoverageRow{Action: a, Sub: s, Implemented: e.subs[s] != nil})
		}
	}
	return rows
}

// Actions returns the documented action names, sorted.
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
