package provider_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

func TestHTTPClientSharesOneTransportPerSettings(t *testing.T) {
	t.Parallel()
	_, caPEM := providertest.SelfSigned(t)
	base := &http.Client{Timeout: 7 * time.Second}
	object := func(settings map[string]any) json.RawMessage {
		settings["driver"] = "mofang"
		b, err := json.Marshal(settings)
		require.NoError(t, err)
		return b
	}
	plain, err := provider.HTTPClient(object(map[string]any{}), base)
	require.NoError(t, err)
	require.Same(t, base, plain, "no settings: the base client itself")

	a, err := provider.HTTPClient(object(map[string]any{"ca_cert": caPEM}), base)
	require.NoError(t, err)
	b, err := provider.HTTPClient(object(map[string]any{"ca_cert": caPEM}), base)
	require.NoError(t, err)
	require.Same(t, a.Transport, b.Transport, "a reopened line reuses its connections")
	require.Equal(t, 7*time.Second, a.Timeout, "the base client's timeout is kept")
	require.Nil(t, base.Transport, "the base client is not changed")

	skip, err := provider.HTTPClient(object(map[string]any{"tls_insecure_skip_verify": true}), base)
	require.NoError(t, err)
	require.NotSame(t, a.Transport, skip.Transport)
	require.True(t, skip.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify)
	require.False(t, a.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify)
	require.False(t, http.DefaultTransport.(*http.Transport).TLSClientConfig != nil &&
		http.DefaultTransport.(*http.Transport).TLSClientConfig.InsecureSkipVerify, "the default transport is untouched")
}
