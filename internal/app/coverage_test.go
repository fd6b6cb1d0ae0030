package app_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/app"
)

var update = flag.Bool("update", false, "rewrite the README's coverage table")

const (
	coverageStart = "<!-- coverage:start -->\n"
	coverageEnd   = "<!-- coverage:end -->"
)

func TestREADMECoverageTableMatchesTheActionTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	s := string(readme)
	i, j := strings.Index(s, coverageStart), strings.Index(s, coverageEnd)
	require.True(t, i >= 0 && j > i, "README.md needs the coverage markers")
	want := app.CoverageMarkdown(app.NewTable(nil, nil))
	if *update {
		s = s[:i+len(coverageStart)] + want + s[j:]
		require.NoError(t, os.WriteFile("../../README.md", []byte(s), 0o644))
		return
	}
	require.Equal(t, want, s[i+len(coverageStart):j],
		"the README's coverage table is stale: go test ./internal/app -run Coverage -update")
}
