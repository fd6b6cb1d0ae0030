package dispatch

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func post(t *testing.T, contentType, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/same/index", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func multipartBody(t *testing.T, fields map[string]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, w.WriteField(k, v))
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), buf.String()
}

func TestContentIsReadTheSameFromEveryEncoding(t *testing.T) {
	t.Parallel()
	jsonContent := `{"cpu":4,"ram":8,"harddisksValues":"40,80"}`
	mpType, mpBody := multipartBody(t, map[string]string{"action": "create_order", "content": jsonContent})
	cases := map[string]*http.Request{
		"urlencoded JSON string": post(t, "application/x-www-form-urlencoded",
			url.Values{"action": {"create_order"}, "content": {jsonContent}}.Encode()),
		"urlencoded brackets": post(t, "application/x-www-form-urlencoded",
			"action=create_order&content%5Bcpu%5D=4&content[ram]=8&content[harddisksValues]=40,80"),
		"multipart JSON string": post(t, mpType, mpBody),
		"json body":             post(t, "application/json", `{"action":"create_order","content":`+jsonContent+`}`),
		"json body, string content": post(t, "application/json; charset=utf-8",
			`{"action":"create_order","content":`+strings.ReplaceAll(strings.ReplaceAll(mustJSON(jsonContent), "\n", ""), " ", "")+`}`),
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			p, _, err := parseBody(r)
			require.NoError(t, err)
			require.Equal(t, "create_order", p.String("action"))
			c, err := p.Object("content")
			require.NoError(t, err)
			cpu, err := c.Int("cpu", 0)
			require.NoError(t, err)
			require.EqualValues(t, 4, cpu)
			ram, err := c.Int("ram", 0)
			require.NoError(t, err)
			require.EqualValues(t, 8, ram)
			require.Equal(t, "40,80", c.String("harddisksValues"))
		})
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestBadNestedValuesNameTheParameter(t *testing.T) {
	t.Parallel()
	p, _, err := parseBody(post(t, "", "content=%7Bnot+json&post=%5B1%2C2%5D"))
	require.NoError(t, err)
	_, err = p.Object("content")
	require.EqualError(t, err, "参数错误: content 不是有效的JSON对象")
	_, err = p.Object("post")
	require.EqualError(t, err, "参数错误: post 不是有效的JSON对象")

	c, err := NewParams(map[string]any{"content": `{"cpu":"four","months":1.5}`}).Object("content")
	require.NoError(t, err)
	_, err = c.Int("cpu", 1)
	require.EqualError(t, err, "参数错误: content.cpu 应为整数")
	_, err = c.Int("months", 1)
	require.EqualError(t, err, "参数错误: content.months 应为整数")
	n, err := c.Int("absent", 7)
	require.NoError(t, err)
	require.EqualValues(t, 7, n)
}

func TestConflictingAndMalformedBracketFieldsAreRefused(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		"content=%7B%7D&content[cpu]=4":  "参数错误: content 同时以JSON和分项形式给出",
		"content[cpu=4":                  "参数错误: content 字段名格式错误",
		"content[a][b][c][d][e][f][g]=1": "参数错误: content 嵌套过深",
	} {
		_, _, err := parseBody(post(t, "application/x-www-form-urlencoded", body))
		require.EqualError(t, err, want, body)
	}
}

func TestListBracketsBuildLists(t *testing.T) {
	t.Parallel()
	p, _, err := parseBody(post(t, "", "arr[]=a.txt&arr[]=dir1&post[cc_ip_max][open]=1"))
	require.NoError(t, err)
	raw, _ := p.Raw("arr")
	require.Equal(t, []any{"a.txt", "dir1"}, raw)
	post, err := p.Object("post")
	require.NoError(t, err)
	ip, err := post.Object("cc_ip_max")
	require.NoError(t, err)
	require.Equal(t, "1", ip.String("open"))
}

func TestUnsupportedContentTypeIsNamed(t *testing.T) {
	t.Parallel()
	_, _, err := parseBody(post(t, "text/xml", "<a/>"))
	require.ErrorContains(t, err, "参数错误: Content-Type")
	_, _, err = parseBody(post(t, "application/json", "[1,2]"))
	require.EqualError(t, err, "参数错误: body 不是有效的JSON对象")
}

func TestGUIDPrefixesAreStripped(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"1001": 1001, "srv_1001": 1001, "a_b_c_7": 7, " 42 ": 42} {
		id, err := NewParams(map[string]any{"guid": in}).OrderID()
		require.NoError(t, err, in)
		require.Equal(t, want, id, in)
	}
	for _, bad := range []string{"abc", "0", "-5", "srv_", "1.5", "+3", "99999999999999999999"} {
		_, err := NewParams(map[string]any{"guid": bad}).OrderID()
		require.ErrorIs(t, err, ErrOrderNotFound, bad)
	}
	_, err := NewParams(map[string]any{}).OrderID()
	require.EqualError(t, err, "缺少必要参数: guid")
}
