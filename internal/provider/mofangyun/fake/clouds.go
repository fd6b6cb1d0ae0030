package fake

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Cloud is a cloud server as the fake keeps it.
type Cloud struct {
	ID           int
	Hostname     string
	RootPassword string
	MainIP       string
	IPs          []string // every address, MainIP first (ip_num of them)
	Status       string   // on | off | wait_reboot | ...
	Type         string
	NodeID       int
	KVMID        string
	UserID       int
	CPU          int
	Memory       int // MB
	InBW, OutBW  int
	IPNum        int
	OS           int
	Port         int
	Disks        []int  // disk ids, the system disk first
	VNCPass      string // the VNC password of the last console session
	// Placement is the placement parameter given ("node=3").
	Placement string
}

// Disk is a disk of a cloud.
type Disk struct {
	ID    int
	Name  string
	Size  int // GB
	Type  string
	Store string
}

// answer is a handler's status and JSON body (nil: empty body).
type answer struct {
	status int
	body   any
}

func ok(body any) answer { return answer{http.StatusOK, body} }

func fail(status int, msg string) answer {
	return answer{status, map[string]string{"error": msg}}
}

var errNoCloud = fail(http.StatusNotFound, "实例不存在")

// AddImage adds an image with a file name and returns its id.
func (s *Server) AddImage(filename string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.images[s.nextID] = filename
	return s.nextID
}

// AddCloud adds a running 1-core cloud named hostname, as if made
// elsewhere, and returns its id.
func (s *Server) AddCloud(hostname string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	c := &Cloud{ID: s.nextID, Hostname: hostname, RootPassword: randomHex(6), Status: "on", Type: "host",
		NodeID: 1, UserID: 1, CPU: 1, Memory: 1024, Placement: "node=1"}
	c.KVMID = fmt.Sprintf("ser%09d", c.ID)
	s.setIPNum(c, 1)
	s.clouds[c.ID] = c
	return c.ID
}

// setIPNum gives c n addresses (at least one): the first stays its main
// address, new ones are allocated, surplus ones dropped from the end.
func (s *Server) setIPNum(c *Cloud, n int) {
	n = max(n, 1)
	for len(c.IPs) < n {
		s.nextIP++
		c.IPs = append(c.IPs, fmt.Sprintf("203.0.%d.%d", 113+s.nextIP/250%100, s.nextIP%250+2))
	}
	c.IPs = c.IPs[:n]
	c.IPNum, c.MainIP = n, c.IPs[0]
}

// Cloud returns a copy of a cloud, false when there is none.
func (s *Server) Cloud(id int) (Cloud, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.clouds[id]
	if !found {
		return Cloud{}, false
	}
	cp := *c
	cp.Disks = append([]int(nil), c.Disks...)
	cp.IPs = append([]string(nil), c.IPs...)
	return cp, true
}

// Disk returns a copy of a disk, false when there is none.
func (s *Server) Disk(id int) (Disk, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, found := s.disks[id]
	if !found {
		return Disk{}, false
	}
	return *d, true
}

// CloudCount is how many clouds exist now.
func (s *Server) CloudCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clouds)
}

func (s *Server) route(w http.ResponseWriter, method, path string, p params) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	s.mu.Lock()
	a := s.dispatch(method, seg, p)
	s.mu.Unlock()
	if a.body == nil {
		w.WriteHeader(a.status)
		return
	}
	writeJSON(w, a.status, a.body)
}

func (s *Server) dispatch(method string, seg []string, p params) answer {
	key := method + " " + seg[0]
	switch {
	case key == "GET user_info" && len(seg) == 1:
		return ok(map[string]any{"id": 1, "username": s.cfg.Username})
	case key == "GET statistics" && len(seg) == 1:
		return s.statistics(p)
	case key == "POST user" && len(seg) == 1:
		return s.createUser(p)
	case key == "POST user" && len(seg) == 2 && seg[1] == "check":
		return s.checkUser(p)
	case key == "POST images" && len(seg) == 2 && seg[1] == "search":
		return s.searchImage(p)
	case seg[0] == "clouds":
		return s.cloudCall(method, seg[1:], p)
	case key == "PUT disks" && len(seg) == 2:
		return s.growDisk(seg[1], p)
	case seg[0] == "security_groups" || seg[0] == "security_group_rules":
		return s.securityGroups(method, seg, p)
	}
	return fail(http.StatusNotFound, "接口不存在")
}

func (s *Server) cloudCall(method string, seg []string, p params) answer {
	if len(seg) == 0 {
		switch method {
		case http.MethodGet:
			return s.listClouds(p)
		case http.MethodPost:
			return s.createCloud(p)
		}
		return fail(http.StatusMethodNotAllowed, "method not allowed")
	}
	id, _ := strconv.Atoi(seg[0])
	c := s.clouds[id]
	if c == nil {
		return errNoCloud
	}
	if len(seg) == 1 {
		switch method {
		case http.MethodGet:
			return ok(s.detail(c, true))
		case http.MethodPut:
			return s.modifyCloud(c, p)
		case http.MethodDelete:
			return s.deleteCloud(c)
		}
		return fail(http.StatusMethodNotAllowed, "method not allowed")
	}
	return s.cloudAction(method+" "+seg[1], c, p)
}

func (s *Server) cloudAction(key string, c *Cloud, p params) answer {
	switch key {
	case "GET status":
		st := c.Status
		if st == "wait_reboot" { // a reboot is seen once, then it is up
			c.Status = "on"
		}
		return ok(map[string]string{"status": st})
	case "POST on":
		c.Status = "on"
	case "POST off", "POST hardoff":
		c.Status = "off"
	case "POST reboot", "POST hard_reboot":
		c.Status = "wait_reboot"
	case "POST vnc": // a fresh token and VNC password every session
		c.VNCPass = randomHex(4)
		return ok(map[string]any{
			"vnc_url": "", "vnc_pass": c.VNCPass, "password": c.RootPassword,
			"path": "/" + c.KVMID, "token": randomHex(16),
		})
	case "PUT reinstall":
		return s.reinstall(c, p)
	case "PUT password":
		if len(p.str("password")) < 6 {
			return fail(http.StatusBadRequest, "密码格式错误")
		}
		c.RootPassword = p.str("password")
	case "PUT ip": // ZJMF-CBAP 10.4.6 mf_cloud/model/HostLinkModel.php L2064-2066: num, ip_group
		n, given := p.int("num")
		if !given || n < 1 {
			return fail(http.StatusBadRequest, "num参数错误")
		}
		s.setIPNum(c, n)
	case "PUT bw":
		in, okIn := p.int("in_bw")
		out, okOut := p.int("out_bw")
		if !okIn || !okOut || in < 0 || out < 0 {
			return fail(http.StatusBadRequest, "带宽参数错误")
		}
		c.InBW, c.OutBW = in, out
	default:
		return fail(http.StatusNotFound, "接口不存在")
	}
	return answer{status: http.StatusOK}
}

func (s *Server) listClouds(p params) answer {
	ids := make([]int, 0, len(s.clouds))
	for id := range s.clouds {
		if want, given := p.int("id"); given && want != id {
			continue
		}
		ids = append(ids, id)
	}
	sort.Ints(ids)
	rows := make([]any, 0, len(ids))
	for _, id := range ids {
		rows = append(rows, s.detail(s.clouds[id], false))
	}
	return ok(paged(rows, p))
}

// paged cuts one page (page, per_page: default 20, at most 100) of rows.
func paged(rows []any, p params) map[string]any {
	pg, _ := p.int("page")
	per, _ := p.int("per_page")
	pg = max(pg, 1)
	if per <= 0 {
		per = 20
	}
	per = min(per, 100)
	lo := min((pg-1)*per, len(rows))
	hi := min(lo+per, len(rows))
	return map[string]any{
		"data": rows[lo:hi],
		"meta": map[string]int{"total": len(rows), "page": pg, "per_page": per},
	}
}

// detail is GET clouds/{id} (with the root password) or a row of the list.
func (s *Server) detail(c *Cloud, withPassword bool) map[string]any {
	disks := make([]map[string]any, 0, len(c.Disks))
	for _, id := range c.Disks {
		d := s.disks[id]
		disks = append(disks, map[string]any{"id": d.ID, "name": d.Name, "size": d.Size, "type": d.Type, "store": d.Store})
	}
	// Every address is a row of ip, the main one too (ZJMF-CBAP 10.4.6
	// mf_cloud/model/HostLinkModel.php syncIp L3501-3504 drops mainip from
	// them to get the extra ones).
	ips := make([]map[string]any, 0, len(c.IPs))
	for _, a := range c.IPs {
		ips = append(ips, map[string]any{"ipaddress": a, "subnet_mask": "255.255.255.0", "gateway": "203.0.113.1"})
	}
	out := map[string]any{
		"id": c.ID, "hostname": c.Hostname, "mainip": c.MainIP, "status": c.Status,
		"type": c.Type, "node_id": c.NodeID, "kvmid": c.KVMID, "user_id": c.UserID,
		"cpu": c.CPU, "memory": c.Memory, "in_bw": c.InBW, "out_bw": c.OutBW,
		"os": c.OS, "port": c.Port, "disk": disks,
		"ip": ips, "ip_num": c.IPNum,
		"network": []map[string]any{{"vpc": 0, "ipaddress": c.MainIP}},
	}
	if withPassword {
		out["rootpassword"] = c.RootPassword
	}
	return out
}

func (s *Server) createCloud(p params) answer {
	c, disks, errMsg := s.newCloud(p)
	if errMsg != "" {
		return fail(http.StatusBadRequest, errMsg)
	}
	s.nextID++
	c.ID = s.nextID
	c.KVMID = fmt.Sprintf("ser%09d", c.ID)
	s.setIPNum(c, c.IPNum)
	c.Status = "on"
	for i, size := range disks {
		s.nextID++
		d := &Disk{ID: s.nextID, Size: size, Type: "data", Name: fmt.Sprintf("%s-data%d", c.KVMID, i), Store: p.str("store")}
		if i == 0 {
			d.Type, d.Name = "system", c.KVMID+"-system"
		}
		s.disks[d.ID] = d
		c.Disks = append(c.Disks, d.ID)
	}
	s.clouds[c.ID] = c
	return ok(map[string]any{"id": c.ID, "taskid": c.ID * 10})
}

// newCloud reads and checks the parameters of POST clouds. It returns the
// cloud, its disk sizes (system first) and the error message.
func (s *Server) newCloud(p params) (*Cloud, []int, string) {
	placement := ""
	for _, k := range []string{"node", "area", "node_group"} {
		if p.has(k) {
			placement = k + "=" + p.str(k)
		}
	}
	cpu, _ := p.int("cpu")
	mem, _ := p.int("memory")
	sys, _ := p.int("system_disk_size")
	osID, _ := p.int("os")
	num, _ := p.int("num")
	switch {
	case placement == "":
		return nil, nil, "请选择节点,区域或节点分组"
	case cpu <= 0 || mem < 128 || sys <= 0:
		return nil, nil, "cpu,memory,system_disk_size参数错误"
	case s.images[osID] == "":
		return nil, nil, "镜像不存在"
	case num != 1:
		return nil, nil, "num参数错误"
	case p.str("password_type") != "0" || len(p.str("rootpass")) < 6:
		return nil, nil, "密码格式错误"
	case !s.isUser(p.str("client")):
		// ZJMF-CBAP 10.4.6 mf_cloud/model/HostLinkModel.php createAccount
		// L810-815: the vendor client always creates the user first and
		// sends its id as client; a cloud belongs to a user.
		return nil, nil, "用户不存在"
	}
	disks := []int{sys}
	for _, x := range p.list("other_data_disk") {
		d, isArr := x.(params)
		size, good := d.int("size")
		if !isArr || !good || size <= 0 {
			return nil, nil, "other_data_disk参数错误"
		}
		disks = append(disks, size)
	}
	c := &Cloud{
		Hostname: p.str("hostname"), RootPassword: p.str("rootpass"), Type: p.str("type"),
		NodeID: 1, UserID: 1, CPU: cpu, Memory: mem, OS: osID, Placement: placement,
	}
	if c.Type == "" {
		c.Type = "host"
	}
	if c.Hostname == "" {
		c.Hostname = "ser" + randomHex(5)
	}
	c.InBW, _ = p.int("in_bw")
	c.OutBW, _ = p.int("out_bw")
	c.IPNum, _ = p.int("ip_num")
	c.Port, _ = p.int("port")
	c.UserID, _ = p.int("client")
	return c, disks, ""
}

func (s *Server) modifyCloud(c *Cloud, p params) answer {
	if cpu, given := p.int("cpu"); given {
		if cpu <= 0 {
			return fail(http.StatusBadRequest, "cpu参数错误")
		}
		c.CPU = cpu
	}
	if mem, given := p.int("memory"); given {
		if mem < 128 {
			return fail(http.StatusBadRequest, "memory参数错误")
		}
		c.Memory = mem
	}
	return answer{status: http.StatusOK}
}

func (s *Server) deleteCloud(c *Cloud) answer {
	for _, id := range c.Disks {
		delete(s.disks, id)
	}
	for _, g := range s.groups {
		delete(g.Clouds, c.ID)
	}
	delete(s.clouds, c.ID)
	return answer{status: http.StatusOK}
}

func (s *Server) reinstall(c *Cloud, p params) answer {
	osID, _ := p.int("os")
	switch {
	case s.images[osID] == "":
		return fail(http.StatusBadRequest, "镜像不存在")
	case p.str("password_type") != "0" || len(p.str("password")) < 6:
		return fail(http.StatusBadRequest, "密码格式错误")
	}
	c.OS, c.RootPassword, c.Status = osID, p.str("password"), "on"
	if port, given := p.int("port"); given {
		c.Port = port
	}
	return answer{status: http.StatusOK}
}

func (s *Server) growDisk(idText string, p params) answer {
	id, _ := strconv.Atoi(idText)
	d := s.disks[id]
	if d == nil {
		return fail(http.StatusNotFound, "磁盘不存在")
	}
	size, given := p.int("size")
	if !given || size < d.Size {
		return fail(http.StatusBadRequest, "磁盘只能扩容")
	}
	d.Size = size
	return answer{status: http.StatusOK}
}

func (s *Server) searchImage(p params) answer {
	name := p.str("filename")
	for id, f := range s.images {
		if f == name {
			return ok(map[string]any{"id": id, "filename": f})
		}
	}
	return fail(http.StatusNotFound, "镜像不存在")
}

// Users returns the users by id.
func (s *Server) Users() map[int]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]string, len(s.users))
	for id, name := range s.users {
		out[id] = name
	}
	return out
}

// createUser is POST user as ZJMF sends it (ZJMF-CBAP 10.4.6
// mf_cloud/model/HostLinkModel.php createAccount L788-810: username,
// email, status 1, real_name, password); a taken username is refused.
func (s *Server) createUser(p params) answer {
	name := p.str("username")
	switch {
	case name == "":
		return fail(http.StatusBadRequest, "用户名不能为空")
	case p.str("password") == "":
		return fail(http.StatusBadRequest, "密码不能为空")
	}
	for _, u := range s.users {
		if u == name {
			return fail(http.StatusBadRequest, "用户名已存在")
		}
	}
	s.nextID++
	s.users[s.nextID] = name
	return ok(map[string]any{"id": s.nextID})
}

// checkUser is POST user/check {username} → {id, username} (ZJMF-CBAP
// 10.4.6 mf_cloud/idcsmart_cloud/IdcsmartCloud.php userCheck; the id is
// read as data.id in HostLinkModel.php L815).
func (s *Server) checkUser(p params) answer {
	for id, u := range s.users {
		if u == p.str("username") {
			return ok(map[string]any{"id": id, "username": u})
		}
	}
	return fail(http.StatusBadRequest, "用户不存在")
}

// isUser reports whether id names a user.
func (s *Server) isUser(id string) bool {
	n, err := strconv.Atoi(id)
	return err == nil && s.users[n] != ""
}
