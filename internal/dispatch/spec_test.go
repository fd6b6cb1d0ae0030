package dispatch

import (
	"os"
	"path/filepath"
	"regexp"
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
