package fake

import (
	"hash/fnv"
	"math"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"time"
)

// Group is a security group.
type Group struct {
	ID          int
	Name        string
	Description string
	UID         string
	Type        string
	Clouds      map[int]bool // bound clouds
}

// Rule is a security-group rule as the API writes it.
type Rule struct {
	ID          int    `json:"id"`
	GroupID     int    `json:"security_group_id"`
	Description string `json:"description"`
	Direction   string `json:"direction"`
	Protocol    string `json:"protocol"`
	StartIP     string `json:"start_ip"`
	EndIP       string `json:"end_ip"`
	StartPort   int    `json:"start_port"`
	EndPort     int    `json:"end_port"`
	Priority    int    `json:"priority"`
	Action      string `json:"action"`
	Lock        int    `json:"lock"`
}

// Groups returns copies of every security group, by id.
func (s *Server) Groups() []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Group, 0, len(s.groups))
	for _, g := range s.groups {
		cp := *g
		cp.Clouds = map[int]bool{}
		for id := range g.Clouds {
			cp.Clouds[id] = true
		}
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// DeleteGroup deletes a security group and its rules, as an operator
// might in the provider's panel.
func (s *Server) DeleteGroup(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropGroup(id)
}

func (s *Server) dropGroup(id int) {
	for rid, r := range s.rules {
		if r.GroupID == id {
			delete(s.rules, rid)
		}
	}
	delete(s.groups, id)
}

func (s *Server) securityGroups(method string, seg []string, p params) answer {
	if seg[0] == "security_group_rules" {
		if method != http.MethodDelete || len(seg) != 2 {
			return fail(http.StatusNotFound, "接口不存在")
		}
		id, _ := strconv.Atoi(seg[1])
		if s.rules[id] == nil {
			return fail(http.StatusNotFound, "安全组规则不存在")
		}
		delete(s.rules, id)
		return answer{status: http.StatusOK}
	}
	if len(seg) == 1 {
		switch method {
		case http.MethodGet:
			return s.listGroups(p)
		case http.MethodPost:
			return s.createGroup(p)
		}
		return fail(http.StatusMethodNotAllowed, "method not allowed")
	}
	id, _ := strconv.Atoi(seg[1])
	g := s.groups[id]
	if g == nil {
		return fail(http.StatusNotFound, "安全组不存在")
	}
	switch {
	case len(seg) == 2 && method == http.MethodGet:
		return ok(map[string]any{"id": g.ID, "name": g.Name, "description": g.Description, "rule": s.groupRules(g.ID)})
	case len(seg) == 2 && method == http.MethodDelete:
		s.dropGroup(g.ID)
		return answer{status: http.StatusOK}
	case len(seg) == 3 && seg[2] == "links" && method == http.MethodPost:
		return s.link(g, p)
	case len(seg) == 3 && seg[2] == "rules" && method == http.MethodGet:
		return ok(paged(s.groupRules(g.ID), p))
	case len(seg) == 3 && seg[2] == "rules" && method == http.MethodPost:
		return s.createRule(g, p)
	}
	return fail(http.StatusNotFound, "接口不存在")
}

func (s *Server) listGroups(p params) answer {
	ids := make([]int, 0, len(s.groups))
	for id := range s.groups {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	rows := make([]any, 0, len(ids))
	for _, id := range ids {
		g := s.groups[id]
		rows = append(rows, map[string]any{"id": g.ID, "name": g.Name, "description": g.Description, "type": g.Type})
	}
	return ok(paged(rows, p))
}

func (s *Server) createGroup(p params) answer {
	if !p.has("name") {
		return fail(http.StatusBadRequest, "名称不能为空")
	}
	s.nextID++
	s.groups[s.nextID] = &Group{ID: s.nextID, Name: p.str("name"), Description: p.str("description"),
		UID: p.str("uid"), Type: p.str("type"), Clouds: map[int]bool{}}
	return ok(map[string]int{"id": s.nextID})
}

func (s *Server) link(g *Group, p params) answer {
	if p.str("type") != "1" {
		return fail(http.StatusBadRequest, "type参数错误")
	}
	ids := p.list("cloud")
	if len(ids) == 0 {
		return fail(http.StatusBadRequest, "请选择实例")
	}
	for _, x := range ids {
		str, _ := x.(string)
		id, _ := strconv.Atoi(str)
		if s.clouds[id] == nil {
			return errNoCloud
		}
		g.Clouds[id] = true
	}
	return answer{status: http.StatusOK}
}

func (s *Server) groupRules(gid int) []any {
	ids := []int{}
	for id, r := range s.rules {
		if r.GroupID == gid {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, *s.rules[id])
	}
	return out
}

func (s *Server) createRule(g *Group, p params) answer {
	r := Rule{GroupID: g.ID, Description: p.str("description"), Direction: p.str("direction"),
		Protocol: p.str("protocol"), StartIP: p.str("start_ip"), EndIP: p.str("end_ip"), Action: p.str("action")}
	r.StartPort, _ = p.int("start_port")
	r.EndPort, _ = p.int("end_port")
	r.Priority, _ = p.int("priority")
	r.Lock, _ = p.int("lock")
	a, errA := netip.ParseAddr(r.StartIP)
	b, errB := netip.ParseAddr(r.EndIP)
	switch {
	case r.Direction != "in" && r.Direction != "out":
		return fail(http.StatusBadRequest, "direction参数错误")
	case !map[string]bool{"all": true, "tcp": true, "udp": true, "icmp": true}[r.Protocol]:
		return fail(http.StatusBadRequest, "protocol参数错误")
	case errA != nil || errB != nil || a.Is4() != b.Is4() || b.Less(a):
		return fail(http.StatusBadRequest, "IP参数错误")
	case r.StartIP == "0.0.0.0" && r.EndIP == "255.255.255.255":
		// Every IPv4 address is 0.0.0.0-0.0.0.0 as ZJMF sends it
		// (ZJMF-CBAP 10.4.6 mf_cloud/model/HostLinkModel.php L1118-1119;
		// addon/idcsmart_cloud/model/IdcsmartSecurityGroupRuleModel.php
		// transRule L463-476); the fake refuses the whole-space range no
		// vendor client sends.
		return fail(http.StatusBadRequest, "IP参数错误")
	case r.StartPort < 1 || r.EndPort > 65535 || r.StartPort > r.EndPort:
		return fail(http.StatusBadRequest, "端口参数错误")
	case r.Priority < 1 || r.Priority > 1000:
		return fail(http.StatusBadRequest, "优先级参数错误")
	case r.Action != "accept" && r.Action != "drop":
		return fail(http.StatusBadRequest, "action参数错误")
	}
	s.nextID++
	r.ID = s.nextID
	s.rules[r.ID] = &r
	return ok(map[string]int{"id": r.ID})
}

// chinaTime is the zone the fake writes chart times in.
var chinaTime = time.FixedZone("CST", 8*3600)

// statistics is GET statistics: type=net_adapter for a cloud's kvm and its
// first NIC (<kvmid>.0) gives one row a minute from st (ms) to now,
// ["2006-01-02 15:04:05", in_bps, out_bps], derived from the kvm id and
// the time. Other types or unknown kvms give an empty list.
func (s *Server) statistics(p params) answer {
	st, good := p.int("st")
	if !good {
		return fail(http.StatusBadRequest, "st参数错误")
	}
	kvm := p.str("kvm")
	known := false
	for _, c := range s.clouds {
		known = known || c.KVMID == kvm
	}
	rows := [][]any{}
	if !known || p.str("type") != "net_adapter" || p.str("kvm_ifname") != kvm+".0" {
		return ok(rows)
	}
	now := s.cfg.Now()
	from := time.UnixMilli(int64(st)).Truncate(time.Minute)
	if oldest := now.Add(-31 * 24 * time.Hour); from.Before(oldest) {
		from = oldest.Truncate(time.Minute)
	}
	for t := from; !t.After(now); t = t.Add(time.Minute) {
		in, out := rate(kvm, t)
		rows = append(rows, []any{t.In(chinaTime).Format("2006-01-02 15:04:05"), in, out})
	}
	return ok(rows)
}

// rate is a plausible bit rate at t: a daily wave plus noise, in and out.
func rate(key string, t time.Time) (float64, float64) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key + t.UTC().Format(time.RFC3339)))
	noise := float64(h.Sum64()%1000) / 1000
	day := math.Sin(2 * math.Pi * float64(t.Unix()%86400) / 86400)
	in := 2e6 * (1.5 + day + noise)
	return math.Round(in*100) / 100, math.Round(in*3.1*100) / 100
}
