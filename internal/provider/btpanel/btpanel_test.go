package btpanel_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

// setup starts a fake panel and opens a driver on it through the registry,
// as a catalogue line would.
func setup(t *testing.T, opts btpanelfake.Options, deps provider.Deps) (*btpanel.Driver, *btpanelfake.Panel) {
	t.Helper()
	p := btpanelfake.New(t, opts)
	return open(t, p.URL, p.Key(), deps), p
}

func open(t *testing.T, url, key string, deps provider.Deps) *btpanel.Driver {
	t.Helper()
	obj, err := json.Marshal(map[string]string{"driver": "btpanel", "url": url, "key": key})
	require.NoError(t, err)
	set, err := provider.Open(obj, deps)
	require.NoError(t, err)
	require.Equal(t, "btpanel", set.Driver)
	require.Nil(t, set.VM)
	require.Nil(t, set.BareMetal)
	d, ok := set.Panel.(*btpanel.Driver)
	require.True(t, ok, "Panel is %T", set.Panel)
	return d
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestPanelContract(t *testing.T) {
	t.Parallel()
	providertest.PanelContract(t, func(t *testing.T) provider.PanelDriver {
		d, _ := setup(t, btpanelfake.Options{}, provider.Deps{})
		return d
	})
}

// clock is a settable clock for the fake's lockout.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestOpenRejectsBadConfig(t *testing.T) {
	t.Parallel()
	const key = "Sekr1t-api-sk-value"
	for name, obj := range map[string]string{
		"no url":        `{"driver":"btpanel","key":"` + key + `"}`,
		"not http":      `{"driver":"btpanel","url":"ftp://h:8888","key":"` + key + `"}`,
		"user in url":   `{"driver":"btpanel","url":"http://u:p@h:8888","key":"` + key + `"}`,
		"no key":        `{"driver":"btpanel","url":"http://h:8888"}`,
		"relative root": `{"driver":"btpanel","url":"http://h:8888","key":"` + key + `","site_root":"www"}`,
		"bad php":       `{"driver":"btpanel","url":"http://h:8888","key":"` + key + `","php_default":"latest"}`,
		"not json":      `{"driver":"btpanel",`,
	} {
		_, err := provider.Open(json.RawMessage(obj), provider.Deps{})
		require.Error(t, err, name)
		require.NotContains(t, err.Error(), key, name)
	}
}

func TestConfigStringHidesKey(t *testing.T) {
	t.Parallel()
	c := btpanel.Config{URL: "http://h:8888", Key: "Sekr1t-api-sk-value"}
	for _, s := range []string{c.String(), c.GoString()} {
		require.NotContains(t, s, c.Key)
		require.Contains(t, s, "http://h:8888")
	}
}

func TestCreateSiteUsesSiteRootAndPHPDefault(t *testing.T) {
	t.Parallel()
	p := btpanelfake.New(t, btpanelfake.Options{})
	obj := `{"driver":"btpanel","url":"` + p.URL + `","key":"` + p.Key() +
		`","site_root":"/data/sites/","php_default":"php74"}`
	set, err := provider.Open(json.RawMessage(obj), provider.Deps{HTTP: &http.Client{Timeout: 5 * time.Second}})
	require.NoError(t, err)
	site, err := set.Panel.CreateSite(ctx(t), provider.SiteSpec{Ref: "zonkvmd-hosting-1", Domain: "Root.Example.com"})
	require.NoError(t, err)
	require.Equal(t, "root.example.com", site.Name)
	require.Equal(t, "/data/sites/root.example.com", site.Path)
	sites := p.Sites()
	require.Len(t, sites, 1)
	require.Equal(t, "74", sites[0].PHP)
	require.Equal(t, "zonkvmd-hosting-1", sites[0].PS)
	_, ok := p.ReadFile("/data/sites/root.example.com/index.html")
	require.True(t, ok, "AddSite makes the root with its index page")
}
