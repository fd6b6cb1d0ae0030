// Package fake is an in-memory 魔方DCIM API on httptest, for the tests of
// the mofang driver. It answers as providers.md §2.3 records the real one:
// only POST <prefix>/index.php?m=api&a=<action> with a form body carrying
// the account's username and password in every request; HTTP 200 with a
// JSON object, {"status": "error", "msg": "..."} for any failure (bad
// credentials, an unknown server: "服务器不存在", bad parameters) and
// {"status": "success", ...} otherwise.
//
// Servers keep their power state (ipmiOn/ipmiOff/ipmiReboot,
// ipmiPowerSync), reinstalls, passwords and console sessions in memory; the
// traffic action answers a deterministic chart. Tests can fail the next
// calls with an HTTP status, answer garbage, slow answers down, and read
// back every request.
package fake

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
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
	Prefix   string           // a sub-directory ("/dcim"); the driver's url is BaseURL
	Now      func() time.Time // the end of traffic charts; nil: time.Now
	// TrafficUnit is the y_unit of traffic answers: bps, Kbps, Mbps (the
	// default) or Gbps.
	TrafficUnit string
	// Certificate, when set, makes the fake serve HTTPS with it.
	Certificate *tls.Certificate
}

// Machine is a server as the fake keeps it.
type Machine struct {
	ID         int
	HouseID    int
	Power      string // on | off | nonsupport
	OS         int
	Password   string
	Port       int
	PartType   int
	Reinstalls int
	HostID     string   // the last hostid a request carried (a positive integer)
	VNCPass    string   // the VNC password of the last console session
	IPs        []string // its addresses, the main one first
}

// Request is one request as the fake received it.
type Request struct {
	Action string
	Query  url.Values
	Form   url.Values
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	cfg Config

	mu       sync.Mutex
	requests []Request
	faults   []int // HTTP statuses; 0: garbage
	delay    time.Duration
	nextID   int
	machines map[int]*Machine
	images   map[int]string
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
	if cfg.TrafficUnit == "" {
		cfg.TrafficUnit = "Mbps"
	}
	cfg.Prefix = strings.TrimRight(cfg.Prefix, "/")
	s := &Server{cfg: cfg, nextID: 20, machines: map[int]*Machine{}, images: map[int]string{}}
	s.Server = providertest.Serve(http.HandlerFunc(s.serve), cfg.Certificate)
	return s
}

// BaseURL is what a driver's "url" should be.
func (s *Server) BaseURL() string { return s.URL + s.cfg.Prefix }

// AddMachine adds a powered-on server in a machine room and returns its id.
func (s *Server) AddMachine(houseID int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.machines[s.nextID] = &Machine{ID: s.nextID, HouseID: houseID, Power: "on", Port: 22,
		IPs: []string{fmt.Sprintf("192.0.2.%d", s.nextID%250+2)}}
	return s.nextID
}

// SetIPs sets a server's addresses, the main one first, as the DCIM's
// operators assign them.
func (s *Server) SetIPs(id int, ips ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.machines[id]; m != nil {
		m.IPs = append([]string(nil), ips...)
	}
}

// SetPower sets a server's power as its BMC would report it (nonsupport: no
// IPMI).
func (s *Server) SetPower(id int, power string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.machines[id]; m != nil {
		m.Power = power
	}
}

// Machine returns a copy of a server.
func (s *Server) Machine(id int) (Machine, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.machines[id]
	if m == nil {
		return Machine{}, false
	}
	return *m, true
}

// AddImage adds an operating-system image and returns its id.
func (s *Server) AddImage(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.images[s.nextID] = name
	return s.nextID
}

// FailNext makes the next n calls answer an HTTP status (and an HTML body).
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, status)
	}
}

// GarbageNext makes the next n calls answer 200 with a PHP warning page.
func (s *Server) GarbageNext(n int) { s.FailNext(n, 0) }

// SetDelay makes every answer wait d (or until the client gives up).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	form, _ := url.ParseQuery(string(b))
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form = url.Values{}
	}
	q := r.URL.Query()
	s.mu.Lock()
	s.requests = append(s.requests, Request{Action: q.Get("a"), Query: q, Form: form})
	delay := s.delay
	fault := -1
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case fault == 0:
		_, _ = io.WriteString(w, "<br />\n<b>Warning</b>: mysqli_connect(): (HY000/2002) in <b>/www/dcim/index.php</b>")
		return
	case fault > 0:
		w.WriteHeader(fault)
		_, _ = io.WriteString(w, "<html><body>error</body></html>")
		return
	case r.URL.Path != s.cfg.Prefix+"/index.php" || q.Get("m") != "api":
		http.NotFound(w, r)
		return
	case r.Method != http.MethodPost:
		reply(w, errorMsg("请使用POST请求"))
		return
	case form.Get("username") != s.cfg.Username || form.Get("password") != s.cfg.Password:
		reply(w, errorMsg("用户名或密码错误"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	reply(w, s.action(q.Get("a"), form))
}

func reply(w http.ResponseWriter, v map[string]any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func errorMsg(msg string) map[string]any { return map[string]any{"status": "error", "msg": msg} }

func success(msg string) map[string]any { return map[string]any{"status": "success", "msg": msg} }

func (s *Server) action(a string, f url.Values) map[string]any {
	if a == "getHouse" {
		return map[string]any{"status": "success", "data": []map[string]any{{"id": 1, "name": "机房A"}}}
	}
	id, _ := strconv.Atoi(f.Get("id"))
	m := s.machines[id]
	if m == nil {
		if _, known := actions[a]; known || a == "serverDetailed" {
			return errorMsg("服务器不存在")
		}
		return errorMsg("未知的操作")
	}
	if a == "serverDetailed" { // ZJMF sends the id only (mf_dcim/model/HostLinkModel.php L1222)
		return detailed(m)
	}
	do, known := actions[a]
	if !known {
		return errorMsg("未知的操作")
	}
	// ZJMF sends its numeric host id as hostid with every server action
	// (ZJMF-CBAP 10.4.6 mf_dcim/logic/CloudLogic.php L136, L211, L264,
	// L318, L412, L515: 'hostid' => $this->hostModel['id']); the fake
	// refuses anything else.
	if n, err := strconv.Atoi(f.Get("hostid")); err != nil || n <= 0 || strconv.Itoa(n) != f.Get("hostid") {
		return errorMsg("hostid参数错误")
	}
	m.HostID = f.Get("hostid")
	return do(s, m, f)
}

var actions = map[string]func(*Server, *Machine, url.Values) map[string]any{
	"ipmiOn":        func(_ *Server, m *Machine, _ url.Values) map[string]any { return power(m, "on") },
	"ipmiOff":       func(_ *Server, m *Machine, _ url.Values) map[string]any { return power(m, "off") },
	"ipmiReboot":    func(_ *Server, m *Machine, _ url.Values) map[string]any { return power(m, "on") },
	"ipmiPowerSync": func(_ *Server, m *Machine, _ url.Values) map[string]any { return success(m.Power) },
	"ipmiVnc": func(_ *Server, m *Machine, _ url.Values) map[string]any { // a fresh token and password every session
		m.VNCPass = randomHex(4)
		return map[string]any{"status": "success", "token": randomHex(16), "house_id": m.HouseID, "pass": m.VNCPass}
	},
	"ipmiCrackPwd": func(_ *Server, m *Machine, f url.Values) map[string]any {
		if len(f.Get("crack_password")) < 6 {
			return errorMsg("密码长度不能少于6位")
		}
		m.Password = f.Get("crack_password")
		return success("破解密码任务已下发")
	},
	"reinstallSystem": (*Server).reinstall,
	"getReinstallStatus": func(*Server, *Machine, url.Values) map[string]any {
		return map[string]any{"status": "success", "data": map[string]any{}}
	},
	"traffic": (*Server).traffic,
}

// detailed is serverDetailed as ZJMF reads it (ZJMF-CBAP 10.4.6
// mf_dcim/model/HostLinkModel.php L1225-1226: server.zhuip, the main
// address; ip.ipaddress, the others; mf_dcim/logic/CloudLogic.php L899-907:
// ip.subnet_ip rows of ipaddress, subnetmask, gateway).
func detailed(m *Machine) map[string]any {
	main, extra := "", []string{}
	if len(m.IPs) > 0 {
		main, extra = m.IPs[0], m.IPs[1:]
	}
	subnet := []map[string]any{}
	for _, ip := range m.IPs {
		subnet = append(subnet, map[string]any{"ipaddress": ip, "subnetmask": "255.255.255.0", "gateway": "192.0.2.1"})
	}
	return map[string]any{"status": "success",
		"server": map[string]any{"id": m.ID, "zhuip": main},
		"ip":     map[string]any{"ipaddress": extra, "subnet_ip": subnet}}
}

func power(m *Machine, to string) map[string]any {
	if m.Power == "nonsupport" {
		return errorMsg("该服务器不支持IPMI电源操作")
	}
	m.Power = to
	return success("操作成功")
}

func (s *Server) reinstall(m *Machine, f url.Values) map[string]any {
	mos, _ := strconv.Atoi(f.Get("mos"))
	part := f.Get("part_type")
	switch {
	case s.images[mos] == "":
		return errorMsg("操作系统不存在")
	case len(f.Get("rootpass")) < 6:
		return errorMsg("密码长度不能少于6位")
	case part != "0" && part != "1":
		return errorMsg("分区类型错误")
	}
	m.OS, m.Password, m.Reinstalls = mos, f.Get("rootpass"), m.Reinstalls+1
	m.PartType, _ = strconv.Atoi(part)
	if port, err := strconv.Atoi(f.Get("port")); err == nil {
		m.Port = port
	}
	if m.Power != "nonsupport" {
		m.Power = "on"
	}
	return map[string]any{"status": "success", "msg": "重装任务已下发", "ospassword": m.Password, "port": m.Port}
}

// traffic charts one sample a minute from start_time (ms) to now: in and
// out maps of ms → rate in the configured unit.
func (s *Server) traffic(m *Machine, f url.Values) map[string]any {
	start, err := strconv.ParseInt(f.Get("start_time"), 10, 64)
	if err != nil || f.Get("type") != "server" || f.Get("switch_id") != strconv.Itoa(m.ID) {
		return errorMsg("参数错误")
	}
	scale := map[string]float64{"bps": 1, "Kbps": 1e3, "Mbps": 1e6, "Gbps": 1e9}[s.cfg.TrafficUnit]
	now := s.cfg.Now()
	from := time.UnixMilli(start).Truncate(time.Minute)
	if oldest := now.Add(-31 * 24 * time.Hour); from.Before(oldest) {
		from = oldest.Truncate(time.Minute)
	}
	in, out := map[string]float64{}, map[string]float64{}
	for t := from; !t.After(now); t = t.Add(time.Minute) {
		key := strconv.FormatInt(t.UnixMilli(), 10)
		bps := rate(m.ID, t)
		in[key] = math.Round(bps/scale*100) / 100
		out[key] = math.Round(bps*0.4/scale*100) / 100
	}
	return map[string]any{"status": "success", "in": in, "out": out, "y_unit": s.cfg.TrafficUnit}
}

// rate is a plausible rate in bits per second at t: a daily wave and noise.
func rate(id int, t time.Time) float64 {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d/%d", id, t.Unix())
	noise := float64(h.Sum64()%1000) / 1000
	return 50e6 * (1.5 + math.Sin(2*math.Pi*float64(t.Unix()%86400)/86400) + noise)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
