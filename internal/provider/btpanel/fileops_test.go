package btpanel_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

func TestFileContractOnTheFakePanel(t *testing.T) {
	t.Parallel()
	fake := btpanelfake.New(t, btpanelfake.Options{})
	fake.Mkdir("/www/wwwroot/ct")
	providertest.FileContract(t, open(t, fake.URL, fake.Key(), provider.Deps{}), "/www/wwwroot/ct")
	for _, c := range fake.Journal() {
		require.Equal(t, "files", c.Module)
	}
}

// The panel keeps a batch's selection in the session: pastes of one driver
// running at once must each use a session of their own.
func TestConcurrentPastesOfOneDriverUseSessionsOfTheirOwn(t *testing.T) {
	t.Parallel()
	fake := btpanelfake.New(t, btpanelfake.Options{})
	d := open(t, fake.URL, fake.Key(), provider.Deps{})
	dirs := []string{"/www/wwwroot/a", "/www/wwwroot/b"}
	for _, dir := range dirs {
		for _, n := range []string{"1", "2", "3", "4", "5", "6", "7", "8"} {
			fake.WriteFile(dir+"/src/"+n+".txt", dir)
		}
		fake.Mkdir(dir + "/dst")
	}
	var wg sync.WaitGroup
	for _, dir := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range []string{"1", "2", "3", "4", "5", "6", "7", "8"} {
				_, err := d.Paste(t.Context(), provider.Selection{Dir: dir + "/src", Names: []string{n + ".txt"}}, dir+"/dst", nil)
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, p := range fake.Paths() {
		for _, dir := range dirs {
			if len(p) > len(dir+"/dst/") && p[:len(dir+"/dst/")] == dir+"/dst/" {
				body, _ := fake.ReadFile(p)
				require.Equal(t, dir, body, "%s holds another site's file", p)
			}
		}
	}
}
