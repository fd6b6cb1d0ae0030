// Package deploy_test runs deploy/nginx.conf in a real nginx (Debian's
// package; .ci/run installs it) in front of a daemon on a test database, as
// a reseller's finance system would call it: over TLS, with a certificate
// made at test time.
package deploy_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// nginxBinary finds nginx; without it the test is skipped, except under CI
// (CI=true), where .ci/run has installed it and its absence is a failure.
func nginxBinary(t *testing.T) string {
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("nginx is not installed (.ci/run installs Debian's nginx package)")
	}
	t.Skip("nginx is not installed (apt-get install nginx)")
	return ""
}

// selfSigned writes a certificate for 127.0.0.1 and its key under dir and
// returns the pool that trusts it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "zonkvmd test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fullchain.pem"), certPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "privkey.pem"),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(certPEM))
	return pool
}

// startNginx runs nginx with deploy/nginx.conf's server block, pointed at
// upstream and listening on a free port of 127.0.0.1, and returns the
// https base URL and a client that trusts its certificate. extra are pairs
// of further replacements (old, new) in the server block.
func startNginx(t *testing.T, upstream string, extra ...string) (string, *http.Client) {
	bin := nginxBinary(t)
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755)) // nginx's workers read the temp folders
	pool := selfSigned(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	raw, err := os.ReadFile("nginx.conf")
	require.NoError(t, err)
	site := string(raw)
	for old, repl := range map[string]string{
		"server 127.0.0.1:8080;":         "server " + upstream + ";",
		"listen 443 ssl http2;":          "listen 127.0.0.1:" + strconv.Itoa(port) + " ssl http2;",
		"/etc/ssl/zonkvmd/fullchain.pem": filepath.Join(dir, "fullchain.pem"),
		"/etc/ssl/zonkvmd/privkey.pem":   filepath.Join(dir, "privkey.pem"),
	} {
		require.Contains(t, site, old, "deploy/nginx.conf changed: update this test")
		site = strings.ReplaceAll(site, old, repl)
	}
	for i := 0; i+1 < len(extra); i += 2 { // the test's own replacements
		require.Contains(t, site, extra[i], "deploy/nginx.conf changed: update this test")
		site = strings.ReplaceAll(site, extra[i], extra[i+1])
	}
	main := `daemon off;
pid ` + filepath.Join(dir, "nginx.pid") + `;
error_log ` + filepath.Join(dir, "error.log") + ` warn;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ` + filepath.Join(dir, "body") + `;
    proxy_temp_path ` + filepath.Join(dir, "proxy") + `;
    fastcgi_temp_path ` + filepath.Join(dir, "fastcgi") + `;
    uwsgi_temp_path ` + filepath.Join(dir, "uwsgi") + `;
    scgi_temp_path ` + filepath.Join(dir, "scgi") + `;
` + site + `
}
`
	conf := filepath.Join(dir, "nginx.conf")
	require.NoError(t, os.WriteFile(conf, []byte(main), 0o644))
	cmd := exec.Command(bin, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_, _ = cmd.Process.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out.String(), log)
		}
	})
	base := "https://127.0.0.1:" + strconv.Itoa(port)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "nginx never listened: %s", &out)
	return base, client
}

func post(t *testing.T, c *http.Client, base string, header http.Header, body []byte) apitest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/same/index", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"), "body: %s", raw)
	return apitest.Parse(t, resp.StatusCode, resp.Header, raw)
}

func TestBehindNginxEveryAnswerIsTheEnvelope(t *testing.T) {
	t.Parallel()
	db := pgtest.DB(t)
	env := apitest.New(t, db)
	base, client := startNginx(t, strings.TrimPrefix(env.Server.URL, "http://"))
	ctx := context.Background()

	open := env.NewReseller(t, "")
	fenced := env.NewReseller(t, "")
	require.NoError(t, auth.SetAllowList(ctx, db, fenced.AppID, []netip.Prefix{netip.MustParsePrefix("203.0.113.7/32")}))

	t.Run("the API over TLS, with nginx's request id", func(t *testing.T) {
		r := post(t, client, base, nil, []byte(open.Form("getzones").Encode()))
		r.OK(t)
		require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), r.Header.Get("X-Request-Id"))
	})
	t.Run("a forged X-Forwarded-For does not pass an allow-list", func(t *testing.T) {
		h := http.Header{"X-Forwarded-For": {"203.0.113.7"}, "X-Real-Ip": {"203.0.113.7"}}
		post(t, client, base, h, []byte(fenced.Form("getzones").Encode())).Fails(t, "权限不足")
	})
	t.Run("a body over client_max_body_size", func(t *testing.T) {
		form := open.Form("getzones", "pad", strings.Repeat("x", 2<<20))
		r := post(t, client, base, nil, []byte(form.Encode()))
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
		r.Fails(t, "请求体过大")
	})
	t.Run("nothing but the API and the probes is reachable", func(t *testing.T) {
		for _, path := range []string{"/metrics", "/debug/pprof/", "/", "/api/same/index/../../metrics"} {
			resp, err := client.Get(base + path)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		}
	})
	t.Run("the daemon stopped", func(t *testing.T) {
		env.Server.Close()
		r := post(t, client, base, nil, []byte(open.Form("getzones").Encode()))
		require.Equal(t, http.StatusBadGateway, r.Status)
		r.Fails(t, "系统繁忙,请稍后再试")
	})
}

// A daemon that accepts the connection but never answers: nginx gives up
// after proxy_read_timeout (shortened here) and answers 504 with the
// envelope.
func TestBehindNginxASlowDaemonAnswersTheEnvelope(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	held := make(chan net.Conn, 16)
	t.Cleanup(func() {
		ln.Close()
		for len(held) > 0 {
			(<-held).Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case held <- c: // held open, never answered
			default:
				c.Close()
			}
		}
	}()
	base, client := startNginx(t, ln.Addr().String(), "proxy_read_timeout 60s;", "proxy_read_timeout 1s;")
	r := post(t, client, base, nil, []byte("appid=1&appkey=k&action=getzones"))
	require.Equal(t, http.StatusGatewayTimeout, r.Status)
	r.Fails(t, "系统繁忙,请稍后再试")
}
