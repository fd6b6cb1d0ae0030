package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Provider is a line's private "provider" object: {"driver": one of
// provider.Drivers, plus the driver's settings (url, username, password,
// key, ...)}. The whole object is sealed at rest; the driver is also kept in
// clear (provider_driver) so that queries can tell drivers apart.
type Provider map[string]json.RawMessage

// Driver returns the object's driver name, "" when it has none.
func (p Provider) Driver() string { return p.String("driver") }

// String returns the setting key as text: a JSON string's value, any other
// JSON value as written, "" when absent.
func (p Provider) String(key string) string {
	raw, ok := p[key]
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}

// decodeProvider reads the provider object of a catalogue row.
func decodeProvider(raw json.RawMessage, path string) (Provider, []fieldProblem) {
	if k := jsonKind(raw); k != kindObject {
		return nil, []fieldProblem{{path, "want an object {\"driver\": ...}, got " + k.String()}}
	}
	var p Provider
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, []fieldProblem{{path, "not a valid JSON object"}}
	}
	for k, v := range p { // canonical form: compact values
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err == nil {
			p[k] = buf.Bytes()
		}
	}
	d, ok := p["driver"]
	switch {
	case !ok:
		return nil, []fieldProblem{{path + ".driver", "required"}}
	case jsonKind(d) != kindString:
		return nil, []fieldProblem{{path + ".driver", "want a string, got " + jsonKind(d).String()}}
	case !provider.Known(p.Driver()):
		return nil, []fieldProblem{{path + ".driver", fmt.Sprintf("unknown driver %q (known: %s)", p.Driver(), strings.Join(knownDrivers(), ", "))}}
	}
	if ps := checkTLS(p, raw, path); ps != nil {
		return nil, ps
	}
	if _, ok := p["client"]; ok && p.Driver() == "mofangyun" {
		return nil, []fieldProblem{{path + ".client", "not a setting: each reseller's clouds belong to its own 魔方云 user (user_prefix)"}}
	}
	return p, nil
}

// tlsDrivers are the drivers that speak HTTP(S) to their provider and so
// take the TLS settings (provider.TLS).
var tlsDrivers = map[string]bool{"mofangyun": true, "mofang": true, "btpanel": true}

// checkTLS checks a provider object's tls_insecure_skip_verify and ca_cert:
// only on drivers that take them, and as provider.ParseTLS reads them.
func checkTLS(p Provider, raw json.RawMessage, path string) []fieldProblem {
	_, skip := p["tls_insecure_skip_verify"]
	_, ca := p["ca_cert"]
	if !skip && !ca {
		return nil
	}
	if !tlsDrivers[p.Driver()] {
		return []fieldProblem{{path, fmt.Sprintf("driver %q takes no tls_insecure_skip_verify or ca_cert (only mofangyun, mofang and btpanel do)", p.Driver())}}
	}
	if _, err := provider.ParseTLS(raw); err != nil {
		return []fieldProblem{{path, err.Error()}}
	}
	return nil
}

func knownDrivers() []string {
	out := append([]string(nil), provider.Drivers...)
	sort.Strings(out)
	return out
}

// seal returns the driver and the sealed JSON of the whole object.
func (p Provider) seal(box *secret.Box) (string, []byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", nil, fmt.Errorf("encode provider: %w", err)
	}
	return p.Driver(), box.Seal(b), nil
}

// openProvider reverses seal. A row written without a sealed object (by a
// fixture, say) opens to {"driver": driver}.
func openProvider(box *secret.Box, driver string, sealed []byte) (Provider, error) {
	if sealed == nil {
		d, _ := json.Marshal(driver)
		return Provider{"driver": d}, nil
	}
	b, err := box.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("open provider: %w", err)
	}
	var p Provider
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode provider: %w", err)
	}
	return p, nil
}
