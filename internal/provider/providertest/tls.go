package providertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// SelfSigned makes, at test time, a self-signed certificate for 127.0.0.1
// and localhost, valid for an hour. It returns the certificate for a fake
// to serve and its PEM, what a line's ca_cert would hold.
func SelfSigned(t testing.TB) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "zonkvmd test provider"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TLSContract checks a driver's TLS settings against its fake served over
// HTTPS with the self-signed certificate whose PEM is caPEM. call opens the
// driver with the provider-object settings given (added to the line's
// url and credentials, with no HTTP client of the test's) and makes one
// call that reaches the provider. Without settings the certificate is
// refused (ErrUnavailable); with ca_cert = caPEM, or with
// tls_insecure_skip_verify, the call works; a ca_cert of another
// certificate is refused again; a ca_cert that is no PEM, or both settings
// at once, fail to open.
func TLSContract(t *testing.T, caPEM string, call func(t *testing.T, settings map[string]any) error) {
	t.Run("verified by default: a self-signed certificate is refused", func(t *testing.T) {
		err := call(t, nil)
		require.ErrorIs(t, err, provider.ErrUnavailable)
		require.ErrorContains(t, err, "certificate")
	})
	t.Run("ca_cert trusts it", func(t *testing.T) {
		require.NoError(t, call(t, map[string]any{"ca_cert": caPEM}))
	})
	t.Run("tls_insecure_skip_verify skips the check", func(t *testing.T) {
		require.NoError(t, call(t, map[string]any{"tls_insecure_skip_verify": true}))
	})
	t.Run("a ca_cert of another certificate is refused", func(t *testing.T) {
		_, other := SelfSigned(t)
		require.ErrorIs(t, call(t, map[string]any{"ca_cert": other}), provider.ErrUnavailable)
	})
	t.Run("bad settings do not open", func(t *testing.T) {
		for _, bad := range []map[string]any{
			{"ca_cert": "not a certificate"},
			{"ca_cert": caPEM, "tls_insecure_skip_verify": true},
			{"tls_insecure_skip_verify": "yes"},
		} {
			err := call(t, bad)
			require.Error(t, err, "%v", bad)
			require.NotErrorIs(t, err, provider.ErrUnavailable, "%v", bad)
		}
	})
}

// Serve starts a fake's handler: over HTTP when cert is nil, else over
// HTTPS with cert (a certificate from SelfSigned, say).
func Serve(h http.Handler, cert *tls.Certificate) *httptest.Server {
	if cert == nil {
		return httptest.NewServer(h)
	}
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what the tests expect
	s.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	s.StartTLS()
	return s
}
