package provider

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// TLS is how a line checks its provider's certificate: the provider
// object's optional "tls_insecure_skip_verify" (true: no check at all, as
// the vendors' own PHP clients do: ZJMF-CBAP 10.4.6 app/common.php curl()
// sets CURLOPT_SSL_VERIFYPEER false) and "ca_cert" (PEM: certificates
// trusted besides the system's roots, e.g. a self-signed one). Neither
// given: the certificate is verified against the system's roots.
type TLS struct {
	InsecureSkipVerify bool   `json:"tls_insecure_skip_verify"`
	CACert             string `json:"ca_cert"`
}

// ParseTLS reads and checks the TLS settings of a provider object. It
// returns an error naming the setting when tls_insecure_skip_verify is not
// a boolean, ca_cert is not a string of PEM certificates, or both are given.
func ParseTLS(object json.RawMessage) (TLS, error) {
	var raw struct {
		Skip json.RawMessage `json:"tls_insecure_skip_verify"`
		CA   json.RawMessage `json:"ca_cert"`
	}
	if err := json.Unmarshal(object, &raw); err != nil {
		return TLS{}, fmt.Errorf("provider object: %w", err)
	}
	var t TLS
	if len(raw.Skip) > 0 && string(raw.Skip) != "null" {
		if err := json.Unmarshal(raw.Skip, &t.InsecureSkipVerify); err != nil {
			return TLS{}, errors.New("tls_insecure_skip_verify: want true or false")
		}
	}
	if len(raw.CA) > 0 && string(raw.CA) != "null" {
		if err := json.Unmarshal(raw.CA, &t.CACert); err != nil {
			return TLS{}, errors.New("ca_cert: want a string of PEM certificates")
		}
	}
	if t.CACert == "" {
		return t, nil
	}
	if t.InsecureSkipVerify {
		return TLS{}, errors.New("give either ca_cert or tls_insecure_skip_verify, not both")
	}
	if err := checkPEM(t.CACert); err != nil {
		return TLS{}, fmt.Errorf("ca_cert: %w", err)
	}
	return t, nil
}

// checkPEM checks that s holds certificates only, at least one.
func checkPEM(s string) error {
	rest := []byte(s)
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("a PEM block of type %q is not a certificate", block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("certificate %d: %w", n+1, err)
		}
		n++
	}
	if n == 0 {
		return errors.New("no PEM certificate in it")
	}
	return nil
}

// Client returns the HTTP client a driver uses for its line: base itself
// (nil: a client with a 30 s timeout) when t asks for nothing, else a copy
// of base whose transport trusts ca_cert besides base's roots (the
// system's, when base sets none) or skips verification. Copies are shared
// by every driver with the same base and settings, so reopening a line
// reuses its connections. It returns an error when base's transport is not
// an *http.Transport (its TLS cannot be set).
func (t TLS) Client(base *http.Client) (*http.Client, error) {
	if base == nil {
		base = &http.Client{Timeout: 30 * time.Second}
	}
	if !t.InsecureSkipVerify && t.CACert == "" {
		return base, nil
	}
	var tr *http.Transport
	switch b := base.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport)
	case *http.Transport:
		tr = b
	default:
		return nil, fmt.Errorf("provider: TLS settings need an *http.Transport, the client has %T", base.Transport)
	}
	c := *base
	var err error
	c.Transport, err = t.transport(tr)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

type transportKey struct {
	base *http.Transport
	skip bool
	ca   [sha256.Size]byte
}

var (
	transportsMu sync.Mutex
	transports   = map[transportKey]*http.Transport{}
)

// transport returns the shared clone of base with t's settings.
func (t TLS) transport(base *http.Transport) (*http.Transport, error) {
	key := transportKey{base: base, skip: t.InsecureSkipVerify, ca: sha256.Sum256([]byte(t.CACert))}
	transportsMu.Lock()
	defer transportsMu.Unlock()
	if tr, ok := transports[key]; ok {
		return tr, nil
	}
	tr := base.Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if t.InsecureSkipVerify {
		tr.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the operator's explicit choice for this line
	} else {
		roots := tr.TLSClientConfig.RootCAs
		if roots == nil {
			sys, err := x509.SystemCertPool()
			if err != nil {
				sys = x509.NewCertPool()
			}
			roots = sys
		} else {
			roots = roots.Clone()
		}
		if !roots.AppendCertsFromPEM([]byte(t.CACert)) {
			return nil, errors.New("provider: ca_cert: no PEM certificate in it")
		}
		tr.TLSClientConfig.RootCAs = roots
	}
	transports[key] = tr
	return tr, nil
}

// HTTPClient is the one way a driver builds its line's HTTP client:
// ParseTLS(object), then Client(base). It returns an error naming the bad
// setting.
func HTTPClient(object json.RawMessage, base *http.Client) (*http.Client, error) {
	t, err := ParseTLS(object)
	if err != nil {
		return nil, err
	}
	return t.Client(base)
}
