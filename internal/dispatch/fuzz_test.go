package dispatch

import (
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzRequestParsing throws arbitrary bodies in every content type at the
// handler: it must never panic and must always answer the five-key
// envelope with an integer code.
func FuzzRequestParsing(f *testing.F) {
	seeds := []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", "appid=app&appkey=key&action=getzones"},
		{"application/x-www-form-urlencoded", "appid=app&appkey=key&action=getproduct&content=%7B%22cpu%22%3A4%7D"},
		{"application/x-www-form-urlencoded", "appid=app&appkey=key&action=getproduct&content[cpu]=4&content[a][]=1"},
		{"application/x-www-form-urlencoded", "content=%7B&content[x]=1&%zz"},
		{"application/json", `{"appid":"app","appkey":"key","action":"getproduct","content":{"cpu":4}}`},
		{"application/json", `{"appid":1,"appkey":null,"action":["x"]}`},
		{"multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"appid\"\r\n\r\napp\r\n--XX--\r\n"},
		{"multipart/form-data", "garbage"},
		{"text/plain", "hello"},
		{"", ""},
		{"application/x-www-form-urlencoded", "appid=app&appkey=key&action=hosting_operate&operate=hosting_stop&guid=srv_1"},
	}
	for _, s := range seeds {
		f.Add(s.ct, s.body)
	}
	h := testHandler()
	f.Fuzz(func(t *testing.T, contentType, body string) {
		a := serve(t, h, contentType, body)
		if a.Status != http.StatusOK && a.Status != http.StatusTooManyRequests {
			t.Fatalf("status %d for %q", a.Status, body)
		}
		if len(a.Env) != 5 {
			t.Fatalf("envelope %s", a.Body)
		}
		var code int
		if err := json.Unmarshal(a.Env["code"], &code); err != nil || (code != 0 && code != 1) {
			t.Fatalf("code %s", a.Env["code"])
		}
		if code == 0 && string(a.Env["data"]) != "{}" {
			t.Fatalf("failure with data %s", a.Env["data"])
		}
	})
}
