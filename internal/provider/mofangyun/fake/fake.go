// Package fake is an in-memory 魔方云 (Mofang Cloud) API on httptest, for the
// tests of the mofangyun driver. It answers as providers.md §2 records the
// real one: POST /v1/login?a=a with a form gives a JSON string token; every
// other call needs it in the access-token header (401 {"error": ...}
// without a valid one); GET reads the query, POST/PUT/DELETE read an
// application/x-www-form-urlencoded body with PHP bracket arrays; answers
// are JSON, errors non-2xx {"error": "..."}, unknown ids 404.
//
// Clouds, disks, images, security groups and their rules live in memory;
// power actions change a cloud's status. Tests can expire tokens, refuse
// tokens, fail the next calls with a status, answer garbage, slow every
// answer down, and read back every request.
package fake

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

// Config is the fake's account and where it is mounted.
type Config struct {
	Username string
	Password string
	// Prefix is a sub-directory the API is served under ("/cloud"); the
	// driver's url is then Server.URL + Prefix.
	Prefix string
	// Now is the fake's clock (chart data ends at Now); nil: time.Now.
	Now func() time.Time
	// Certificate, when set, makes the fake serve HTTPS with it.
	Certificate *tls.Certificate
}

// Request is one request as the fake received it.
type Request struct {
	Method string
	Path   string     // without the prefix: "/v1/clouds/3/on"
	Query  url.Values // the raw query
	Form   url.Values // the raw form body (nil for GET)
	Token  string     // the access-token header
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	cfg Config

	mu       sync.Mutex
	tokens   map[string]bool
	logins   int
	requests []Request
	faults   []fault
	refuse   int
	delay    time.Duration

	nextID int
	clouds map[int]*Cloud
	disks  map[int]*Disk
	images map[int]string // id → filename
	groups map[int]*Group
	rules  map[int]*Rule
	users  map[int]string // id → username
	nextIP int
}

type fault struct {
	status  int
	garbage bool
}

// Start runs a fake for a test and closes it when the test ends.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
	t.Cleanup(s.Close)
	return s
}

// New runs a fake; Close stops it.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Prefix = strings.TrimRight(cfg.Prefix, "/")
	s := &Server{
		cfg:    cfg,
		tokens: map[string]bool{},
		nextID: 100,
		clouds: map[int]*Cloud{},
		disks:  map[int]*Disk{},
		images: map[int]string{},
		groups: map[int]*Group{},
		rules:  map[int]*Rule{},
		users:  map[int]string{},
		nextIP: 10,
	}
	s.Server = providertest.Serve(http.HandlerFunc(s.serve), cfg.Certificate)
	return s
}

// BaseURL is what a driver's "url" should be: the server and its prefix.
func (s *Server) BaseURL() string { return s.URL + s.cfg.Prefix }

// ExpireTokens makes every token issued so far invalid (the next call with
// one answers 401).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]bool{}
}

// RefuseTokens makes the next n authenticated calls answer 401 whatever
// their token.
func (s *Server) RefuseTokens(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse += n
}

// FailNext makes the next n calls (login included) answer status with an
// {"error"} body.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: status})
	}
}

// GarbageNext makes the next n calls answer 200 with an HTML page.
func (s *Server) GarbageNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: http.StatusOK, garbage: true})
	}
}

// SetDelay makes every answer wait d (or until the client gives up).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Logins is how many successful logins the fake answered.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// serve is the front of every request: log, delay, faults, login, auth.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, s.cfg.Prefix)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	form := readForm(r)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.Query(),
		Form: form, Token: r.Header.Get("access-token")})
	delay := s.delay
	var f *fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if f != nil {
		if f.garbage {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			return
		}
		writeError(w, f.status, "injected failure")
		return
	}
	p := parsePHP(r.URL.Query())
	if r.Method != http.MethodGet {
		p = parsePHP(form)
	}
	if r.Method == http.MethodPost && path == "/v1/login" {
		s.login(w, p)
		return
	}
	if !s.authorized(r.Header.Get("access-token")) {
		writeError(w, http.StatusUnauthorized, "登录已失效,请重新登录")
		return
	}
	s.route(w, r.Method, strings.TrimPrefix(path, "/v1/"), p)
}

// readForm reads a url-encoded body, as PHP does for any method; a body of
// another type gives no parameters.
func readForm(r *http.Request) url.Values {
	if r.Method == http.MethodGet {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return url.Values{}
	}
	vals, err := url.ParseQuery(string(b))
	if err != nil {
		return url.Values{}
	}
	return vals
}

func (s *Server) login(w http.ResponseWriter, p params) {
	if p.str("username") != s.cfg.Username || p.str("password") != s.cfg.Password {
		writeError(w, http.StatusBadRequest, "用户名或密码错误")
		return
	}
	tok := randomHex(24)
	s.mu.Lock()
	s.tokens[tok] = true
	s.logins++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, tok)
}

func (s *Server) authorized(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse > 0 {
		s.refuse--
		return false
	}
	return tok != "" && s.tokens[tok]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
