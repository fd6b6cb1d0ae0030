// Package provider defines what the businesses need from the real
// infrastructure, as driver interfaces (VMs, bare metal, BMC power, hosting
// panels), the errors every driver answers with, and the registry that
// opens a catalogue line's `provider` object as a driver. Each driver lives
// in a subpackage (mofangyun, mofang, btpanel, ipmi, manual, sim), has a
// fake of the real system for its tests, and passes the contract tests of
// providertest.
package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Errors every driver wraps, so the job runner knows whether to retry.
var (
	// ErrNotFound: the resource does not exist (any more). A delete that
	// meets it has nothing left to do.
	ErrNotFound = errors.New("provider: resource not found")
	// ErrUnavailable: the provider could not be reached or failed in a way
	// that may pass (timeout, refused connection, HTTP 5xx, garbage answer).
	// The job retries.
	ErrUnavailable = errors.New("provider: unavailable")
	// ErrRejected: the provider refused the request for good (bad
	// credentials, invalid parameters, quota). The job fails; the message
	// is kept for the operator.
	ErrRejected = errors.New("provider: request rejected")
	// ErrUnsupported: this driver cannot do that operation.
	ErrUnsupported = errors.New("provider: operation not supported by this driver")
)

// PowerOp is a power action.
type PowerOp string

// The power actions of server_start/stop/restart (and their lease and idc
// twins). HardOff and HardReboot are for a machine that ignores the soft ones.
const (
	PowerOn    PowerOp = "on"
	PowerOff   PowerOp = "off"
	Reboot     PowerOp = "reboot"
	HardOff    PowerOp = "hardoff"
	HardReboot PowerOp = "hard_reboot"
)

// PowerState is what a machine reports.
type PowerState string

// Power states.
const (
	StateOn      PowerState = "on"
	StateOff     PowerState = "off"
	StateUnknown PowerState = "unknown"
)

// VMSpec is a cloud server as ordered.
type VMSpec struct {
	// Ref is zonkvmd's stable name for the resource ("zonkvmd-server-1001").
	// CreateVM looks for a VM with this name first, so a retried create never
	// makes two machines.
	Ref             string
	CPU             int   // cores
	MemoryGB        int   // GB (drivers convert to the provider's unit)
	SystemDiskGB    int   // GB
	DataDisksGB     []int // GB each
	BandwidthMbps   int   // out
	InBandwidthMbps int   // in
	DefenseGB       int
	IPNum           int
	Image           string // the system's mirror_name
	Password        string
	Port            int // remote login port
	// Owner names the reseller the VM is for (its id). A provider that
	// keeps users (魔方云) files the VM under that reseller's own user.
	Owner string
}

// VM is a created cloud server.
type VM struct {
	ID       string // the provider's id
	IP       string
	LocalIP  string
	Password string // as set (some providers generate one)
	// ExtraIPs are its public addresses besides IP (ip_num above one), as
	// the provider reports them; nil when it has none or they are not
	// known yet (manual: until staff give them).
	ExtraIPs []string
}

// Addresses are a machine's public addresses as its provider reports them
// now: the main one and the others (ip_num above one; what getserver shows
// in append_ip). Either may be empty while the provider has not assigned
// them.
type Addresses struct {
	IP    string
	Extra []string
}

// Console is a short-lived console address; never the provider's
// credentials nor the machine's root password.
type Console struct {
	// URL is the console's address. When the session has a Password, the
	// URL carries it too, as the query parameter "password" (the name
	// noVNC's pages read: ZJMF-CBAP 10.4.6 mf_cloud/view/vnc_page.html
	// L133), so the link alone opens the console.
	URL string
	// Password is the VNC password of this session, what the vendor's own
	// console page types in (魔方云 vnc_pass, 魔方DCIM pass); "" when the
	// console asks for none.
	Password string
	ExpireAt time.Time
}

// WithPassword returns c with its Password set and carried by its URL
// (see Console.URL); an empty password changes nothing.
func (c Console) WithPassword(password string) Console {
	if password == "" {
		return c
	}
	sep := "?"
	if strings.Contains(c.URL, "?") {
		sep = "&"
	}
	c.URL += sep + "password=" + url.QueryEscape(password)
	c.Password = password
	return c
}

// TrafficPoint is one 5-minute sample, in bits per second.
type TrafficPoint struct {
	Time   time.Time
	InBps  int64
	OutBps int64
}

// Rule is a security-group rule (semantics.md §6).
type Rule struct {
	ID        string // the provider's id
	Name      string
	Direction string // Inbound | Outbound
	Protocol  string // tcp | udp | icmp | all
	Action    string // allow | deny
	RemoteIP  string // address or CIDR
	LocalPort string // port or from-to; "" for icmp/all
	Weight    int    // 1..1000
}

// VMDriver runs cloud servers (魔方云, sim, manual).
type VMDriver interface {
	CreateVM(ctx context.Context, spec VMSpec) (VM, error)
	DeleteVM(ctx context.Context, id string) error // ErrNotFound-tolerant callers treat it as done
	PowerVM(ctx context.Context, id string, op PowerOp) error
	VMState(ctx context.Context, id string) (PowerState, error)
	ReinstallVM(ctx context.Context, id, image, password string, port int) error
	SetVMPassword(ctx context.Context, id, password string) error
	SetVNCPassword(ctx context.Context, id, password string) error
	VMConsole(ctx context.Context, id string) (Console, error)
	// VMAddresses reports the VM's addresses now (after a resize that
	// changed IPNum, say).
	VMAddresses(ctx context.Context, id string) (Addresses, error)
	ResizeVM(ctx context.Context, id string, spec VMSpec) error
	VMTraffic(ctx context.Context, id string, from, to time.Time) ([]TrafficPoint, error)
	ListRules(ctx context.Context, id string) ([]Rule, error)
	AddRule(ctx context.Context, id string, r Rule) (Rule, error)
	DeleteRule(ctx context.Context, id, ruleID string) error
}

// BMC is how to reach a machine's baseboard management controller.
type BMC struct {
	Host     string
	Port     int
	Username string
	Password string
}

// Machine is a physical server as a bare-metal driver knows it.
type Machine struct {
	ID  string // the provider's id (DCIM server id); "" for IPMI-only
	Ref string // zonkvmd's name of the order ("zonkvmd-lease-7")
	BMC BMC
	// IPNum is how many addresses the order has (ipnum; 0 counts as one).
	// A provider that hands out addresses itself (sim) gives this many.
	IPNum int
}

// Install is a reinstall request (lease_install, idc_install).
type Install struct {
	Image         string
	Password      string
	Port          int
	Partition     string // system_partition
	PartitionSize int    // GB
}

// BareMetalDriver runs leased physical servers (魔方DCIM, ipmi, sim, manual).
type BareMetalDriver interface {
	PowerMachine(ctx context.Context, m Machine, op PowerOp) error
	MachineState(ctx context.Context, m Machine) (PowerState, error)
	ReinstallMachine(ctx context.Context, m Machine, in Install) error
	SetMachinePassword(ctx context.Context, m Machine, password string) error
	MachineConsole(ctx context.Context, m Machine) (Console, error)
	MachineTraffic(ctx context.Context, m Machine, from, to time.Time) ([]TrafficPoint, error)
	// MachineAddresses reports the machine's addresses as the provider
	// assigned them; ErrUnsupported where only the inventory knows them
	// (ipmi).
	MachineAddresses(ctx context.Context, m Machine) (Addresses, error)
}

// SiteSpec is a hosting site as ordered (create_hosting).
type SiteSpec struct {
	Ref         string // zonkvmd's name; the panel site is found by it on a retry
	Domain      string // main domain
	Path        string // site root
	PHPVersion  string // "81"
	FTPUser     string
	FTPPassword string
	DBName      string // "" for none
	DBUser      string
	DBPassword  string
	DBCode      string // utf8mb4 ...
}

// Site is a created hosting site.
type Site struct {
	ID    int64 // the panel's site id
	Name  string
	Path  string
	FTPID int64
	DBID  int64
}

// DBSpec is a cloud database as ordered (create_database).
type DBSpec struct {
	Ref      string // zonkvmd's name of the order ("zonkvmd-sql-7")
	Name     string // db_name = db_user
	User     string
	Password string
	Code     string // utf8mb4 | utf8 | gbk | latin1
	Access   string // "127.0.0.1", "%", or addresses
	SiteID   int64  // the hosting site it is bundled with (0: none); the panel deletes it with the site
}

// Database is a created panel database.
type Database struct {
	ID   int64
	Name string
}

// PHPVersion is one entry of get_php_version.
type PHPVersion struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// PanelDriver runs web hosting and databases on a hosting panel (宝塔, sim,
// manual).
type PanelDriver interface {
	CreateSite(ctx context.Context, s SiteSpec) (Site, error)
	DeleteSite(ctx context.Context, s Site) error
	StopSite(ctx context.Context, s Site) error
	StartSite(ctx context.Context, s Site) error
	PHPVersions(ctx context.Context) ([]PHPVersion, error)
	SoftURL(ctx context.Context, name string) (string, error) // hosting_get_soft_find
	CreateDatabase(ctx context.Context, d DBSpec) (Database, error)
	DeleteDatabase(ctx context.Context, d Database) error
}

// Deps are what a driver may need besides its own configuration.
type Deps struct {
	DB   *postgres.DB     // the manual driver records tasks
	HTTP *http.Client     // nil: a client with sane timeouts
	Now  func() time.Time // nil: time.Now
	// Instrument, when set, wraps the HTTP client a driver gets, given the
	// driver's name (the admin listener counts calls by driver).
	Instrument func(driver string, c *http.Client) *http.Client
}

// Set is what one catalogue line's provider object opens to: the
// capabilities its driver has (nil where it has none).
type Set struct {
	Driver    string
	VM        VMDriver
	BareMetal BareMetalDriver
	Panel     PanelDriver
}

// Factory opens a driver from its configuration (the provider object,
// without "driver").
type Factory func(config json.RawMessage, deps Deps) (Set, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Factory{}
)

// Register makes a driver available by name. It panics on a second
// registration of one name (a programming error).
func Register(name string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("provider: driver registered twice: " + name)
	}
	registry[name] = f
}

// Drivers lists the valid values of a catalogue row's provider.driver.
var Drivers = []string{"mofangyun", "mofang", "btpanel", "ipmi", "manual", "sim"}

// Known reports whether name is a driver zonkvmd knows.
func Known(name string) bool {
	for _, d := range Drivers {
		if d == name {
			return true
		}
	}
	return false
}

// Registered returns the names of the drivers linked into this binary.
func Registered() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Open opens a provider object ({"driver": "...", ...}) as a driver set. It
// returns an error naming the driver when it is unknown or its
// configuration is invalid.
func Open(object json.RawMessage, deps Deps) (Set, error) {
	var head struct {
		Driver string `json:"driver"`
	}
	if err := json.Unmarshal(object, &head); err != nil {
		return Set{}, fmt.Errorf("provider.Open: %w", err)
	}
	regMu.RLock()
	f, ok := registry[head.Driver]
	regMu.RUnlock()
	if !ok {
		return Set{}, fmt.Errorf("provider.Open: driver %q is not available", head.Driver)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if deps.Instrument != nil {
		deps.HTTP = deps.Instrument(head.Driver, deps.HTTP)
	}
	s, err := f(object, deps)
	if err != nil {
		return Set{}, fmt.Errorf("provider.Open %s: %w", head.Driver, err)
	}
	s.Driver = head.Driver
	return s, nil
}
