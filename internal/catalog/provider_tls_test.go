package catalog_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

// hostingLineWith is a hosting line whose provider object has the extra
// settings.
func hostingLineWith(t *testing.T, driver string, extra map[string]any) []byte {
	t.Helper()
	p := map[string]any{"driver": driver, "url": "https://p.invalid"}
	for k, v := range extra {
		p[k] = v
	}
	row := map[string]any{"guid": "H1", "name": "浙江", "provider": p}
	b, err := json.Marshal(map[string]any{"hosting_lines": []any{row}})
	require.NoError(t, err)
	return b
}

func TestImportChecksTheTLSSettingsOfAProvider(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	_, caPEM := providertest.SelfSigned(t)
	for _, tc := range []struct {
		name, driver string
		extra        map[string]any
		want         string
	}{
		{"skip verify that is not a boolean", "btpanel", map[string]any{"tls_insecure_skip_verify": "yes"},
			"hosting_lines[0].provider: tls_insecure_skip_verify: want true or false"},
		{"a ca_cert that is no PEM", "btpanel", map[string]any{"ca_cert": "-----BEGIN nothing"},
			"hosting_lines[0].provider: ca_cert: no PEM certificate in it"},
		{"a ca_cert that is not a string", "btpanel", map[string]any{"ca_cert": 1},
			"hosting_lines[0].provider: ca_cert: want a string of PEM certificates"},
		{"both settings", "btpanel", map[string]any{"ca_cert": caPEM, "tls_insecure_skip_verify": true},
			"hosting_lines[0].provider: give either ca_cert or tls_insecure_skip_verify"},
		{"a driver without HTTPS", "sim", map[string]any{"tls_insecure_skip_verify": true},
			`hosting_lines[0].provider: driver "sim" takes no tls_insecure_skip_verify or ca_cert`},
		{"the retired client of 魔方云", "mofangyun", map[string]any{"client": 55},
			"hosting_lines[0].provider.client: not a setting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := importBytes(t, db, hostingLineWith(t, tc.driver, tc.extra))
			problems := problemsOf(t, err)
			require.True(t, strings.HasPrefix(strings.Join(problems, "\n"), tc.want), "want %q, got:\n%s", tc.want, strings.Join(problems, "\n"))
		})
	}
}

func TestImportKeepsValidTLSSettings(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	_, caPEM := providertest.SelfSigned(t)
	r := mustImport(t, db, hostingLineWith(t, "btpanel", map[string]any{"ca_cert": caPEM}))
	require.Equal(t, catalog.Counts{Key: "hosting_lines", Inserted: 1}, r.Of("hosting_lines"))
	r = mustImport(t, db, hostingLineWith(t, "btpanel", map[string]any{"tls_insecure_skip_verify": true}))
	require.Equal(t, catalog.Counts{Key: "hosting_lines", Updated: 1}, r.Of("hosting_lines"))
}
