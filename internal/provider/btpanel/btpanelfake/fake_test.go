package btpanelfake_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

func setup(t *testing.T) (*btpanel.Client, *btpanelfake.Panel, context.Context) {
	t.Helper()
	p := btpanelfake.New(t, btpanelfake.Options{})
	c, err := btpanel.NewClient(p.URL, p.Key(), nil, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c, p, ctx
}

func addSite(t *testing.T, ctx context.Context, c *btpanel.Client, domain string) map[string]any {
	t.Helper()
	raw, err := c.Call(ctx, "site", "AddSite", url.Values{
		"webname": {`{"domain":"` + domain + `","domainlist":["www.` + domain + `:81"],"count":0}`},
		"path":    {"/www/wwwroot/" + domain}, "type_id": {"0"}, "type": {"PHP"}, "version": {"81"},
		"port": {"80"}, "ps": {"remark"}, "ftp": {"true"}, "ftp_username": {"u_" + domain[:3]},
		"ftp_password": {"secret-1"}, "sql": {"true"}, "datauser": {"a_database_user_longer_than_16"},
		"datapassword": {"secret-2"}, "codeing": {"utf8mb4"},
	})
	require.NoError(t, err)
	var ans map[string]any
	require.NoError(t, json.Unmarshal(raw, &ans))
	return ans
}

func TestAddSiteAnswersLikeThePanel(t *testing.T) {
	t.Parallel()
	c, p, ctx := setup(t)
	ans := addSite(t, ctx, c, "one.example.com")
	require.Equal(t, true, ans["siteStatus"])
	require.EqualValues(t, 1, ans["siteId"])
	require.Equal(t, true, ans["ftpStatus"])
	require.Equal(t, true, ans["databaseStatus"])
	require.Equal(t, "a_database_user_", ans["databaseName"], "AddSite cuts datauser to 16")
	require.NotContains(t, ans, "ftpId", "the panel gives no FTP id")
	require.NotContains(t, ans, "databaseId", "the panel gives no database id")
	require.Equal(t, int64(1), p.Databases()[0].PID)

	_, err := c.Call(ctx, "site", "AddSite", url.Values{
		"webname": {`{"domain":"one.example.com","domainlist":[],"count":0}`},
		"path":    {"/www/wwwroot/x"}, "version": {"81"}, "port": {"80"}, "ps": {""}})
	require.ErrorIs(t, err, provider.ErrRejected)
	require.Contains(t, err.Error(), "您添加的域名已存在")
}

func TestGetDataShapes(t *testing.T) {
	t.Parallel()
	c, _, ctx := setup(t)
	for i := range 25 {
		addSite(t, ctx, c, string(rune('a'+i))+"xx.example.com")
	}
	raw, err := c.Call(ctx, "data", "getData", url.Values{"table": {"sites"}, "search": {"example.com"}})
	require.NoError(t, err)
	var page struct {
		Data []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"data"`
		Page string `json:"page"`
	}
	require.NoError(t, json.Unmarshal(raw, &page))
	require.Len(t, page.Data, 20, "limit defaults to 20")
	require.Equal(t, int64(25), page.Data[0].ID, "newest first")

	raw, err = c.Call(ctx, "data", "getData", url.Values{"table": {"sites"}, "search": {"www.bxx.example.com"}, "limit": {"100"}})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &page))
	require.Len(t, page.Data, 1, "a search also matches the sites' other domains")
	require.Equal(t, "bxx.example.com", page.Data[0].Name)

	raw, err = c.Call(ctx, "data", "getData", url.Values{"table": {"domain"}, "search": {"2"}, "list": {"true"}})
	require.NoError(t, err)
	var domains []map[string]any
	require.NoError(t, json.Unmarshal(raw, &domains), "list=true answers a bare list: %s", raw)
	require.Len(t, domains, 2)

	raw, err = c.Call(ctx, "data", "getData", url.Values{"table": {"sites"}, "list": {"true"}})
	require.NoError(t, err)
	var tb string
	require.NoError(t, json.Unmarshal(raw, &tb), "list=true on sites fails with a traceback string: %s", raw)
	require.Contains(t, tb, "Traceback")

	raw, err = c.Call(ctx, "data", "getKey", url.Values{"table": {"sites"}, "key": {"id"}, "id": {"3"}})
	require.NoError(t, err)
	require.JSONEq(t, "3", string(raw), "getKey answers the bare value")
	_, err = c.Call(ctx, "data", "getKey", url.Values{"table": {"sites"}, "key": {"name"}, "id": {"99"}})
	require.ErrorContains(t, err, "未获取到数据!")
}

func TestRoutesAndSessionCookie(t *testing.T) {
	t.Parallel()
	c, p, ctx := setup(t)
	_, err := c.Call(ctx, "nosuchmodule", "x", nil)
	require.ErrorIs(t, err, provider.ErrRejected, "an unknown module is the panel's 404 page")

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar}
	resp, err := hc.PostForm(p.URL+"/site/GetIndex", url.Values{
		"request_time": {"1"}, "request_token": {md5hex("1" + md5hex(p.Key()))}, "id": {"1"}})
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "/site/<action> is accepted")
	u, _ := url.Parse(p.URL)
	cookies := jar.Cookies(u)
	require.Len(t, cookies, 1)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), cookies[0].Name, "the session cookie is named md5(secret_key)")

	_, err = c.Call(ctx, "site", "DeleteSite", url.Values{"id": {"42"}, "webname": {"x.example.com"}})
	require.ErrorContains(t, err, "指定站点不存在!")
	_, err = c.Call(ctx, "site", "SiteStop", url.Values{"id": {"42"}, "name": {"x.example.com"}})
	require.ErrorIs(t, err, provider.ErrUnavailable, "the panel raises on a missing site")
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
