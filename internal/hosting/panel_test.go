package hosting_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

// The document's hosting line 浙江专线二区.
const hostingLine = "20250409132657673528"

// panelShop is a daemon on the example catalogue whose hosting line's
// provider object is object ("" keeps the simulator).
func panelShop(t *testing.T, object string) (*apitest.Env, apitest.Reseller) {
	t.Helper()
	db := apitest.CatalogDB(t)
	if object != "" {
		_, err := db.Exec(context.Background(), `UPDATE hosting_lines SET provider_config = $2 WHERE guid = $1`,
			hostingLine, apitest.NewBox(t).Seal([]byte(object)))
		require.NoError(t, err)
	}
	env := apitest.NewWithoutWorkers(t, db)
	return env, env.NewReseller(t, "")
}

func TestPHPVersionsAndSoftwareComeFromTheLinesPanel(t *testing.T) {
	t.Parallel()
	fake := btpanelfake.New(t, btpanelfake.Options{PHPVersions: []string{"74", "81"}})
	for name, object := range map[string]string{
		"sim":     "",
		"btpanel": fmt.Sprintf(`{"driver":"btpanel","url":%q,"key":%q}`, fake.URL, fake.Key()),
	} {
		t.Run(name, func(t *testing.T) {
			env, r := panelShop(t, object)
			var versions []map[string]any
			env.Post(t, r.Form("get_php_version", "line_guid", hostingLine)).Into(t, &versions)
			require.NotEmpty(t, versions)
			for _, v := range versions {
				require.Equal(t, []string{"name", "version"}, keys(v))
				require.Equal(t, "PHP "+v["version"].(string), v["name"])
			}
			var soft struct {
				Ext struct {
					URL string `json:"url"`
				} `json:"ext"`
			}
			env.Post(t, r.Form("hosting_get_soft_find", "line_guid", hostingLine, "sNname", "phpmyadmin")).Into(t, &soft)
			require.True(t, strings.HasPrefix(soft.Ext.URL, "http"), soft.Ext.URL)
		})
	}
	env, r := panelShop(t, fmt.Sprintf(`{"driver":"btpanel","url":%q,"key":%q}`, fake.URL, fake.Key()))
	var versions []map[string]any
	env.Post(t, r.Form("get_php_version", "line_guid", hostingLine)).Into(t, &versions)
	require.Equal(t, []map[string]any{{"name": "PHP 74", "version": "74"}, {"name": "PHP 81", "version": "81"}}, versions)
	env.Post(t, r.Form("hosting_get_soft_find", "line_guid", hostingLine, "sNname", "redis")).Fails(t, "参数错误: sNname 不存在")
}

func TestPanelQueriesRefuseBadInput(t *testing.T) {
	t.Parallel()
	env, r := panelShop(t, "")
	env.Post(t, r.Form("get_php_version")).Fails(t, "缺少必要参数: line_guid")
	env.Post(t, r.Form("get_php_version", "line_guid", "999")).Fails(t, "该线路节点不存在或已下架")
	env.Post(t, r.Form("hosting_get_soft_find", "line_guid", hostingLine)).Fails(t, "缺少必要参数: sNname")
	env.Post(t, r.Form("hosting_get_soft_find", "line_guid", hostingLine, "sNname", "../etc")).Fails(t, "参数错误: sNname 格式错误")
	_, err := env.DB.Exec(context.Background(), `UPDATE hosting_lines SET status = 0 WHERE guid = $1`, hostingLine)
	require.NoError(t, err)
	env.Post(t, r.Form("get_php_version", "line_guid", hostingLine)).Fails(t, "该线路节点不存在或已下架")

	manual, mr := panelShop(t, `{"driver":"manual"}`)
	manual.Post(t, mr.Form("get_php_version", "line_guid", hostingLine)).Fails(t, "暂未开放")
}

func keys(m map[string]any) []string {
	b, _ := json.Marshal(m)
	var out []string
	for _, part := range strings.Split(strings.Trim(string(b), "{}"), ",") {
		out = append(out, strings.Trim(strings.SplitN(part, ":", 2)[0], `"`))
	}
	return out
}
