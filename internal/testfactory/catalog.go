package testfactory

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// The catalogue rows orders refer to. Each factory takes a func that may
// change the defaults (nil: none) and returns the row as inserted. A GUID
// left empty gets a fresh one; a parent id left 0 gets a new parent row.

// ZoneRow is a row of zones.
type ZoneRow struct {
	ID     int64
	GUID   string
	Name   string
	Status int
}

// Zone inserts an enabled zone.
func Zone(t testing.TB, db postgres.Querier, opt func(*ZoneRow)) ZoneRow {
	t.Helper()
	r := ZoneRow{Name: "德阳电信", Status: 1}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	err := db.QueryRow(t.Context(), `
		INSERT INTO zones (guid, name, status) VALUES ($1, $2, $3) RETURNING id`,
		r.GUID, r.Name, r.Status).Scan(&r.ID)
	require.NoError(t, err, "insert zone")
	return r
}

// SystemRow is a row of systems.
type SystemRow struct {
	ID        int64
	GUID      string
	TypeID    int // 1 Windows, 2 Linux, 3 Other
	Name      string
	LoginName string
	Support   string
	ZoneGUIDs []string
}

// System inserts an enabled Linux system usable by every business.
func System(t testing.TB, db postgres.Querier, opt func(*SystemRow)) SystemRow {
	t.Helper()
	r := SystemRow{TypeID: 2, Name: "CentOS 7.9", LoginName: "root", Support: "server,lease,idc", ZoneGUIDs: []string{}}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	err := db.QueryRow(t.Context(), `
		INSERT INTO systems (guid, type_id, name, login_name, support, zone_guids)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.GUID, r.TypeID, r.Name, r.LoginName, r.Support, r.ZoneGUIDs).Scan(&r.ID)
	require.NoError(t, err, "insert system")
	return r
}

// ServerLineRow is a row of server_lines.
type ServerLineRow struct {
	ID             int64
	GUID           string
	ZoneID         int64 // 0: a new zone
	Name           string
	ProviderDriver string
}

// ServerLine inserts a cloud-server line (driver mofangyun).
func ServerLine(t testing.TB, db postgres.Querier, opt func(*ServerLineRow)) ServerLineRow {
	t.Helper()
	r := ServerLineRow{Name: "德阳电信-KVM", ProviderDriver: "mofangyun"}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	if r.ZoneID == 0 {
		r.ZoneID = Zone(t, db, nil).ID
	}
	err := db.QueryRow(t.Context(), `
		INSERT INTO server_lines (guid, zone_id, name, provider_driver)
		VALUES ($1, $2, $3, $4) RETURNING id`,
		r.GUID, r.ZoneID, r.Name, r.ProviderDriver).Scan(&r.ID)
	require.NoError(t, err, "insert server line")
	return r
}

// LeaseLineRow is a row of lease_lines.
type LeaseLineRow struct {
	ID             int64
	GUID           string
	ZoneID         int64 // 0: a new zone
	Name           string
	ProviderDriver string
}

// LeaseLine inserts a bare-metal line (driver mofang).
func LeaseLine(t testing.TB, db postgres.Querier, opt func(*LeaseLineRow)) LeaseLineRow {
	t.Helper()
	r := LeaseLineRow{Name: "浙江专线二区", ProviderDriver: "mofang"}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	if r.ZoneID == 0 {
		r.ZoneID = Zone(t, db, nil).ID
	}
	err := db.QueryRow(t.Context(), `
		INSERT INTO lease_lines (guid, zone_id, name, provider_driver)
		VALUES ($1, $2, $3, $4) RETURNING id`,
		r.GUID, r.ZoneID, r.Name, r.ProviderDriver).Scan(&r.ID)
	require.NoError(t, err, "insert lease line")
	return r
}

// LeaseProductRow is a row of lease_products (a machine model).
type LeaseProductRow struct {
	ID             int64
	GUID           string
	Name           string
	LineGUIDs      []string
	CPUValue       int
	CPU            string
	CPUNum         int
	CPUMaxNum      int
	Memory         string
	MemoryNum      int
	MemoryMaxNum   int
	HarddiskGUID   string
	HarddiskMaxNum int
	RaidTips       string
	MainBoard      string
	Size           int
	Price          apitype.Money
}

// LeaseProduct inserts a machine model with the getlease example's values.
func LeaseProduct(t testing.TB, db postgres.Querier, opt func(*LeaseProductRow)) LeaseProductRow {
	t.Helper()
	r := LeaseProductRow{
		Name: "双路银牌", LineGUIDs: []string{}, CPUValue: 32, CPU: "Intel Xeon Silver 4214R",
		CPUNum: 2, CPUMaxNum: 2, Memory: "DDR4 32G", MemoryNum: 64, MemoryMaxNum: 512,
		HarddiskGUID: "HD202504001,HD202504002", HarddiskMaxNum: 4, RaidTips: "RAID1+0",
		MainBoard: "Intel S2600CW", Size: 1, Price: apitype.MustMoney("500.00"),
	}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	err := db.QueryRow(t.Context(), `
		INSERT INTO lease_products (guid, name, line_guids, cpu_value, cpu, cpu_num,
		    cpu_max_num, memory, memory_num, memory_max_num, harddisk_guid,
		    harddisk_max_num, raid_tips, main_board, size, price)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		RETURNING id`,
		r.GUID, r.Name, r.LineGUIDs, r.CPUValue, r.CPU, r.CPUNum,
		r.CPUMaxNum, r.Memory, r.MemoryNum, r.MemoryMaxNum, r.HarddiskGUID,
		r.HarddiskMaxNum, r.RaidTips, r.MainBoard, r.Size, r.Price).Scan(&r.ID)
	require.NoError(t, err, "insert lease product")
	return r
}

// LeaseMachineRow is a row of lease_machines (the bare-metal inventory).
type LeaseMachineRow struct {
	ID        int64
	GUID      string
	ProductID int64 // 0: a new product
	LineID    int64 // 0: a new line
	Name      string
	CabinetSN string
	MainBoard string
	IP        string // JSON text
	Status    string // free, used, broken
}

// LeaseMachine inserts a machine in use, with the getlease example's values.
func LeaseMachine(t testing.TB, db postgres.Querier, opt func(*LeaseMachineRow)) LeaseMachineRow {
	t.Helper()
	r := LeaseMachineRow{
		Name: "物理服务器-001", CabinetSN: "A-01-05", MainBoard: "Intel S2600CW",
		IP:     `[{"ip":"192.168.1.100","subnet":"255.255.255.0","gateway":"192.168.1.1"}]`,
		Status: "used",
	}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	if r.ProductID == 0 {
		r.ProductID = LeaseProduct(t, db, nil).ID
	}
	if r.LineID == 0 {
		r.LineID = LeaseLine(t, db, nil).ID
	}
	err := db.QueryRow(t.Context(), `
		INSERT INTO lease_machines (guid, product_id, line_id, name, cabinet_sn, main_board, ip, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		r.GUID, r.ProductID, r.LineID, r.Name, r.CabinetSN, r.MainBoard, r.IP, r.Status).Scan(&r.ID)
	require.NoError(t, err, "insert lease machine")
	return r
}

// IdcLineRow is a row of idc_lines.
type IdcLineRow struct {
	ID             int64
	GUID           string
	ZoneID         int64 // 0: a new zone
	Name           string
	ProviderDriver string
}

// IdcLine inserts a colocation line (driver mofang).
func IdcLine(t testing.TB, db postgres.Querier, opt func(*IdcLineRow)) IdcLineRow {
	t.Helper()
	r := IdcLineRow{Name: "温州BGP", ProviderDriver: "mofang"}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	if r.ZoneID == 0 {
		r.ZoneID = Zone(t, db, nil).ID
	}
	err := db.QueryRow(t.Context(), `
		INSERT INTO idc_lines (guid, zone_id, name, provider_driver)
		VALUES ($1, $2, $3, $4) RETURNING id`,
		r.GUID, r.ZoneID, r.Name, r.ProviderDriver).Scan(&r.ID)
	require.NoError(t, err, "insert idc line")
	return r
}

// IdcProductRow is a row of idc_products.
type IdcProductRow struct {
	ID          int64
	GUID        string
	ProductType int
	Name        string
	LineGUIDs   []string
	Size        string
	Price       apitype.Money
}

// IdcProduct inserts a 1U colocation product.
func IdcProduct(t testing.TB, db postgres.Querier, opt func(*IdcProductRow)) IdcProductRow {
	t.Helper()
	r := IdcProductRow{ProductType: 1, Name: "1U托管", LineGUIDs: []string{}, Size: "1U", Price: apitype.MustMoney("300.00")}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	err := db.QueryRow(t.Context(), `
		INSERT INTO idc_products (guid, product_type, name, line_guids, size, price)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.GUID, r.ProductType, r.Name, r.LineGUIDs, r.Size, r.Price).Scan(&r.ID)
	require.NoError(t, err, "insert idc product")
	return r
}

// HostingLineRow is a row of hosting_lines (a panel).
type HostingLineRow struct {
	ID             int64
	GUID           string
	Name           string
	Domain         string
	IP             string
	ProviderDriver string
}

// HostingLine inserts a hosting line (driver btpanel) with the gethosting
// example's address.
func HostingLine(t testing.TB, db postgres.Querier, opt func(*HostingLineRow)) HostingLineRow {
	t.Helper()
	r := HostingLineRow{Name: "浙江专线二区", Domain: "jhgf.gyhost.cn", IP: "61.164.174.128", ProviderDriver: "btpanel"}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	err := db.QueryRow(t.Context(), `
		INSERT INTO hosting_lines (guid, name, domain, ip, provider_driver)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		r.GUID, r.Name, r.Domain, r.IP, r.ProviderDriver).Scan(&r.ID)
	require.NoError(t, err, "insert hosting line")
	return r
}

// HostingProductRow is a row of hosting_products.
type HostingProductRow struct {
	ID        int64
	GUID      string
	Name      string
	LineGUIDs []string
	Price     apitype.Money
	Disk      int // MB
	DB        int // MB
	Flow      int // GB a month
}

// HostingProduct inserts a hosting product with the gethosting example's sizes.
func HostingProduct(t testing.TB, db postgres.Querier, opt func(*HostingProductRow)) HostingProductRow {
	t.Helper()
	r := HostingProductRow{Name: "入门型", LineGUIDs: []string{}, Price: apitype.MustMoney("80.00"), Disk: 200, DB: 100, Flow: 30}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	err := db.QueryRow(t.Context(), `
		INSERT INTO hosting_products (guid, name, line_guids, price, disk, db, flow)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		r.GUID, r.Name, r.LineGUIDs, r.Price, r.Disk, r.DB, r.Flow).Scan(&r.ID)
	require.NoError(t, err, "insert hosting product")
	return r
}

// SQLProductRow is a row of sql_products.
type SQLProductRow struct {
	ID        int64
	GUID      string
	Name      string
	LineGUIDs []string
	Price     apitype.Money
	DB        int // MB
}

// SQLProduct inserts a database product with the getsql example's size.
func SQLProduct(t testing.TB, db postgres.Querier, opt func(*SQLProductRow)) SQLProductRow {
	t.Helper()
	r := SQLProductRow{Name: "MySQL 1G", LineGUIDs: []string{}, Price: apitype.MustMoney("28.00"), DB: 1000}
	apply(&r, opt)
	r.GUID = guidOr(r.GUID)
	err := db.QueryRow(t.Context(), `
		INSERT INTO sql_products (guid, name, line_guids, price, db)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		r.GUID, r.Name, r.LineGUIDs, r.Price, r.DB).Scan(&r.ID)
	require.NoError(t, err, "insert sql product")
	return r
}

// apply runs opt on r when there is one.
func apply[R any](r *R, opt func(*R)) {
	if opt != nil {
		opt(r)
	}
}

func guidOr(guid string) string {
	if guid == "" {
		return GUID()
	}
	return guid
}
