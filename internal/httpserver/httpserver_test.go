package httpserver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/clientip"
)

func routes(t *testing.T, seen *string, ready func(context.Context) error) http.Handler {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { *seen = middleware.GetReqID(r.Context()) })
	proxies := clientip.Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	return Routes(api, ready, proxies, zap.NewNop())
}

func TestRequestIDIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	var seen string
	h := routes(t, &seen, nil)
	for _, c := range []struct {
		peer, id string
		kept     bool
	}{
		{"127.0.0.1:5000", "0123456789abcdef0123456789abcdef", true},
		{"203.0.113.9:5000", "0123456789abcdef0123456789abcdef", false}, // a caller's own id
		{"127.0.0.1:5000", "forged id\nwith a newline", false},
		{"127.0.0.1:5000", strings.Repeat("a", 65), false},
		{"127.0.0.1:5000", "", false},
	} {
		r := httptest.NewRequest(http.MethodPost, APIPath, nil)
		r.RemoteAddr = c.peer
		if c.id != "" {
			r.Header.Set("X-Request-Id", c.id)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, seen, w.Header().Get("X-Request-Id"), "the id used is the id echoed")
		if c.kept {
			require.Equal(t, c.id, seen)
		} else {
			require.NotEqual(t, c.id, seen, "%s %q", c.peer, c.id)
			require.Regexp(t, `^[0-9a-f]{32}$`, seen)
		}
	}
}

func TestReadyzNamesNoDatabaseDetails(t *testing.T) {
	t.Parallel()
	var seen string
	h := routes(t, &seen, func(context.Context) error {
		return errors.New(`failed to connect to host=10.1.2.3 user=zonkvmd database=zonkvmd: dial tcp 10.1.2.3:5432: refused`)
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Equal(t, "database unavailable\n", w.Body.String())
}

func TestUnknownPathsAndMethodsAnswerTheEnvelope(t *testing.T) {
	t.Parallel()
	var seen string
	h := routes(t, &seen, nil)
	for _, c := range []struct {
		method, path string
		status       int
	}{{http.MethodGet, APIPath, http.StatusMethodNotAllowed}, {http.MethodPost, "/nope", http.StatusNotFound}} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		require.Equal(t, c.status, w.Code)
		require.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
		require.JSONEq(t, `{"code":0,"msg":"请求错误","data":{},"url":"","wait":3}`, w.Body.String())
	}
}
