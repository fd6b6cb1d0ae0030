package app_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/app"
)

// readSpec finds ../shared/spec/zonkvm-api-v2.txt above the repository.
func readSpec() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for i := 0; i < 6; i++ {
		b, err := os.ReadFile(filepath.Join(dir, "..", "shared", "spec", "zonkvm-api-v2.txt"))
		if err == nil {
			return string(b), nil
		}
		dir = filepath.Dir(dir)
	}
	return "", os.ErrNotExist
}

// specNames returns the identifiers that follow prefix in the document.
func specNames(doc, prefix string) []string {
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `([a-z_]+)`)
	seen := map[string]bool{}
	var out []string
	for _, m := range re.FindAllStringSubmatch(doc, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

func TestEveryDocumentedActionIsInTheTable(t *testing.T) {
	t.Parallel()
	doc, err := readSpec()
	if err != nil {
		t.Skipf("API document not found: %v", err)
	}
	table := app.NewTable(nil, nil)
	known := map[string]bool{}
	for _, a := range table.Actions() {
		known[a] = true
	}
	subs := map[string]bool{}
	for _, r := range table.Coverage() {
		if r.Sub != "" {
			subs[r.Sub] = true
		}
	}
	var missing []string
	for _, a := range specNames(doc, "action = ") {
		if !known[a] {
			missing = append(missing, a)
		}
	}
	for _, field := range []string{"operate=", "obj_type = ", "obj_type="} {
		for _, s := range specNames(doc, field) {
			if !subs[s] {
				missing = append(missing, s)
			}
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "actions of the document missing from the table")
	require.GreaterOrEqual(t, len(known), 60)
}
