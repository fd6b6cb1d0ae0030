package app

import (
	"fmt"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// CoverageMarkdown renders the README's action coverage table from the
// action table itself, so the README cannot claim more than the code does.
func CoverageMarkdown(t *dispatch.Table) string {
	var b strings.Builder
	rows := t.Coverage()
	done := 0
	for _, r := range rows {
		if r.Implemented {
			done++
		}
	}
	fmt.Fprintf(&b, "%d of %d documented actions and sub-operations work; the others answer `code` 0, `msg` `暂未开放`.\n\n", done, len(rows))
	b.WriteString("| action | operate / obj_type | status |\n|---|---|---|\n")
	for _, r := range rows {
		status := "暂未开放"
		if r.Implemented {
			status = "works"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.Action, code(r.Sub), status)
	}
	return b.String()
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}
