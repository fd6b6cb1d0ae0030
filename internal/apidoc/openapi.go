package apidoc

import (
	"encoding/json"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// jsonType maps the document's types to JSON Schema types.
func jsonType(t string) any {
	switch t {
	case "int", "integer":
		return "integer"
	case "float", "number", "decimal":
		return "number"
	case "bool", "boolean":
		return "boolean"
	case "array":
		return "array"
	case "object", "json":
		return "object"
	case "string":
		return "string"
	}
	return []string{"string", "integer", "number", "array", "object", "boolean"}
}

// Messages are the API's messages (dispatch's table), listed in the
// reference.
var Messages = []*dispatch.Error{
	dispatch.ErrMissingParams, dispatch.ErrForbidden, dispatch.ErrBadRequest, dispatch.ErrNotOpen,
	dispatch.ErrBusy, dispatch.ErrTooFrequent, dispatch.ErrBodyTooLarge, dispatch.ErrLineNotFound,
	dispatch.ErrNoBalance, dispatch.ErrOrderNotFound, dispatch.ErrRefundExpired, dispatch.ErrOrderExists,
	dispatch.ErrStatusAbnormal, dispatch.ErrOperationRunning, dispatch.ErrOutOfStock,
	dispatch.ErrCouponUnusable, dispatch.ErrPackageNotFound, dispatch.ErrUpgradeHigher,
	dispatch.ErrUpgradeNoChange, dispatch.ErrConfigOffLine,
}

// OpenAPI returns the OpenAPI 3.1 description of POST /api/same/index: one
// request body schema per row of the table's coverage, in its order, with
// what the document says of it.
func OpenAPI(rows []dispatch.CoverageRow, ops map[Key]*Op) ([]byte, error) {
	var bodies []any
	schemas := map[string]any{"Envelope": envelope()}
	for _, r := range rows {
		name := r.Action
		if r.Sub != "" {
			name += "." + r.Sub
		}
		schemas[name] = requestSchema(r, ops[Key{r.Action, r.Sub}])
		bodies = append(bodies, map[string]any{"$ref": "#/components/schemas/" + name})
	}
	var msgs []string
	for _, m := range Messages {
		msgs = append(msgs, m.Msg)
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Zonkvm reseller API (zonkvmd)",
			"version": "2",
			"description": "Every call is POST /api/same/index with appid, appkey and action, form-encoded " +
				"(or multipart). The answer is always the envelope; code 1 is success, code 0 a refusal " +
				"whose msg is one of x-messages or names the bad parameter. x-implemented says whether " +
				"this daemon serves the operation; one that it does not answers 暂未开放. " +
				"The semantics the document leaves open are decided in docs/semantics.md, the money rules in docs/billing.md. " +
				"Generated from docs/zonkvm-api-v2.txt and the action table by internal/apidoc.",
		},
		"paths": map[string]any{
			"/api/same/index": map[string]any{"post": map[string]any{
				"operationId": "call",
				"summary":     "Call one action",
				"requestBody": map[string]any{"required": true, "content": map[string]any{
					"application/x-www-form-urlencoded": map[string]any{"schema": map[string]any{"oneOf": bodies}},
					"multipart/form-data":               map[string]any{"schema": map[string]any{"oneOf": bodies}},
				}},
				"responses": map[string]any{
					"200": map[string]any{"description": "The envelope (code 1 success, 0 refusal).",
						"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Envelope"}}}},
					"429": map[string]any{"description": "请求过于频繁: the reseller's rate limit, with the envelope."},
				},
			}},
		},
		"components": map[string]any{"schemas": schemas},
		"x-messages": msgs,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func envelope() map[string]any {
	return map[string]any{
		"type":     "object",
		"required": []string{"code", "msg"},
		"properties": map[string]any{
			"code": map[string]any{"type": "integer", "enum": []int{0, 1}},
			"msg":  map[string]any{"type": "string"},
			"data": map[string]any{},
			"url":  map[string]any{"type": "string"},
			"wait": map[string]any{"type": "integer"},
		},
	}
}

func requestSchema(r dispatch.CoverageRow, o *Op) map[string]any {
	props := map[string]any{
		"appid":  map[string]any{"type": "string", "description": "用户ID"},
		"appkey": map[string]any{"type": "string", "description": "API密钥"},
		"action": map[string]any{"const": r.Action},
	}
	required := []string{"appid", "appkey", "action"}
	if o == nil {
		o = &Op{}
	}
	subParam := ""
	if r.Sub != "" {
		if subParam = o.SubParam; subParam == "" {
			subParam = "operate"
		}
		required = append(required, subParam)
	}
	for _, f := range o.Params {
		if strings.ContainsAny(f.Name, ".[") || f.Name == subParam {
			continue // a field of an object parameter (described with it), or the sub-operation
		}
		props[f.Name] = map[string]any{"type": jsonType(f.Type), "description": f.Description}
	}
	if subParam != "" {
		props[subParam] = map[string]any{"const": r.Sub}
	}
	var answer []map[string]string
	for _, f := range o.Answer {
		answer = append(answer, map[string]string{"name": f.Name, "type": f.Type, "description": f.Description})
	}
	title := r.Action
	if r.Sub != "" {
		title += " / " + r.Sub
	}
	if o.Title != "" {
		title += ": " + o.Title
	}
	return map[string]any{
		"title":                title,
		"type":                 "object",
		"required":             required,
		"properties":           props,
		"additionalProperties": true,
		"x-implemented":        r.Implemented,
		"x-answer-fields":      answer,
	}
}
