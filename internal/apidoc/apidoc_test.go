package apidoc

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/app"
)

var update = flag.Bool("update", false, "rewrite docs/openapi.json")

const root = "../.."

func generate(t *testing.T) []byte {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(root, "docs", "zonkvm-api-v2.txt"))
	require.NoError(t, err)
	out, err := OpenAPI(app.NewTable(nil, nil).Coverage(), Parse(string(text)))
	require.NoError(t, err)
	return out
}

// TestOpenAPIReferenceIsInSyncWithTheActionTable fails when an action is
// added, removed, implemented or documented differently and
// docs/openapi.json was not regenerated (go test ./internal/apidoc -update).
func TestOpenAPIReferenceIsInSyncWithTheActionTable(t *testing.T) {
	want := generate(t)
	path := filepath.Join(root, "docs", "openapi.json")
	if *update {
		require.NoError(t, os.WriteFile(path, want, 0o644))
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "docs/openapi.json is stale: go test ./internal/apidoc -update")

	var doc struct {
		OpenAPI    string `json:"openapi"`
		Components struct {
			Schemas map[string]struct {
				Required    []string                   `json:"required"`
				Properties  map[string]json.RawMessage `json:"properties"`
				Implemented *bool                      `json:"x-implemented"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(got, &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	table := app.NewTable(nil, nil)
	for _, a := range table.Actions() {
		found := false
		for name := range doc.Components.Schemas {
			found = found || name == a || strings.HasPrefix(name, a+".")
		}
		require.True(t, found, "action %s of the table is not in docs/openapi.json", a)
	}
	for _, r := range table.Coverage() {
		name := r.Action
		if r.Sub != "" {
			name += "." + r.Sub
		}
		s, ok := doc.Components.Schemas[name]
		require.True(t, ok, "no request body for %s", name)
		require.NotNil(t, s.Implemented)
		require.Equal(t, r.Implemented, *s.Implemented, name)
		require.Contains(t, s.Properties, "appid")
	}
}

func TestTheDocumentsParametersAreRead(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(root, "docs", "zonkvm-api-v2.txt"))
	require.NoError(t, err)
	ops := Parse(string(text))
	names := func(fs []Field) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name)
		}
		return out
	}
	require.Contains(t, names(ops[Key{"server_setpsw", ""}].Params), "password")
	require.Contains(t, names(ops[Key{"server_setpsw", ""}].Params), "guid")
	require.NotContains(t, names(ops[Key{"server_setpsw", ""}].Params), "appid", "common parameters are left out")
	require.Contains(t, names(ops[Key{"get_server_chart", ""}].Answer), "unit")
	require.Equal(t, "obj_type", ops[Key{"create_order", "create_server"}].SubParam)
	require.Contains(t, names(ops[Key{"create_order", "create_server"}].Params), "line_guid")
	require.Equal(t, "operate", ops[Key{"hosting_operate", "hosting_edit_name"}].SubParam)
	require.Contains(t, names(ops[Key{"hosting_operate", "hosting_edit_name"}].Params), "name")
	require.Contains(t, names(ops[Key{"sql_operate", "sql_set_access"}].Params), "dataAccess")
	require.Contains(t, names(ops[Key{"getzones", ""}].Answer), "whiteListStatus")
}

var (
	mdLink  = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
)

// slug is GitHub's anchor for a heading.
func slug(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestEveryLinkOfTheDocsResolves checks each link of README.md and docs/*.md
// to a file of the repository (and each #anchor to a heading).
func TestEveryLinkOfTheDocsResolves(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	files = append(files, filepath.Join(root, "README.md"))
	checked := 0
	for _, f := range files {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		anchors := map[string]bool{}
		for _, m := range heading.FindAllStringSubmatch(string(body), -1) {
			anchors[slug(m[1])] = true
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(body), -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(link, "#")
			if path == "" {
				require.True(t, anchors[anchor], "%s: no heading for #%s", f, anchor)
				checked++
				continue
			}
			_, err := os.Stat(filepath.Join(filepath.Dir(f), path))
			require.NoError(t, err, "%s links %s, which does not exist", f, link)
			checked++
		}
	}
	require.Greater(t, checked, 3)
}
