package catalog

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// LeaseLine is a row of lease_lines (document 六.1): a bare-metal line,
// with every field of the document's table and example. LineGUID is its
// zone's guid.
type LeaseLine struct {
	GUID                 string        `json:"guid"`
	LineGUID             string        `json:"line_guid" cat:"required"`
	Status               int           `json:"status" cat:"flag"`
	Name                 string        `json:"name" cat:"required"`
	Descript             string        `json:"descript"`
	IntroURL             string        `json:"intro_url"`
	BuyStatus            int           `json:"buy_status" cat:"flag"`
	RenewStatus          int           `json:"renew_status" cat:"flag"`
	UpgradeStatus        int           `json:"upgrade_status" cat:"flag"`
	DefenseStatus        int           `json:"defense_status" cat:"flag"`
	BuyOrderMaxNum       int           `json:"buy_order_max_num"`
	LifeTime             int           `json:"life_time"`
	BandwidthShareSize   int           `json:"bandwidth_share_size"`
	BandwidthSharePrice  apitype.Money `json:"bandwidth_share_price"`
	BandwidthPrice       apitype.Money `json:"bandwidth_price"`
	BandwidthStairsPrice string        `json:"bandwidth_stairs_price" cat:"json=stairs"`
	BandwidthMaxSize     int           `json:"bandwidth_max_size"`
	IPPrice              apitype.Money `json:"ip_price"`
	IPMinSize            int           `json:"ip_min_size"`
	IPMaxSize            int           `json:"ip_max_size"`
	IPFreeSize           int           `json:"ip_free_size"`
	IPNumList            string        `json:"ip_num_list" cat:"nums"`
	DefensePrice         apitype.Money `json:"defense_price"`
	DefenseMaxSize       int           `json:"defense_max_size"`
	DefenseNumList       string        `json:"defense_num_list" cat:"nums"`
	DefenseStep          int           `json:"defense_step"`
	ReleaseHour          int           `json:"release_hour"`
	Months               string        `json:"months" cat:"months"`
	IPUpgradeType        string        `json:"ip_upgrade_type"`
	UserVNC              int           `json:"user_vnc" cat:"flag"`
	RetentionDays        int           `json:"retention_days"`
	BandwidthInType      int           `json:"bandwidth_in_type" cat:"oneof=1 2"`
	BandwidthInValue     int           `json:"bandwidth_in_value"`
	Discount1            apitype.Money `json:"discount1" cat:"unit"`
	Discount2            apitype.Money `json:"discount2" cat:"unit"`
	Discount3            apitype.Money `json:"discount3" cat:"unit"`
	BandwidthStep        int           `json:"bandwidth_step" cat:"positive"`
	IPBandwidthRate      string        `json:"ip_bandwidth_rate"`
}

// LinePrivate are the private fields of a lease line.
type LinePrivate struct {
	RefundDays int      `json:"refund_days"`
	Provider   Provider `json:"provider" cat:"required"`
}

// LeaseLineRecord is a lease_lines row of the catalogue file.
type LeaseLineRecord struct {
	LeaseLine
	LinePrivate
}

const leaseLineColumns = `l.guid, z.guid, l.status, l.name, l.descript, l.intro_url, l.buy_status,
	l.renew_status, l.upgrade_status, l.defense_status, l.buy_order_max_num, l.life_time,
	l.bandwidth_share_size, l.bandwidth_share_price, l.bandwidth_price, l.bandwidth_stairs_price,
	l.bandwidth_max_size, l.ip_price, l.ip_min_size, l.ip_max_size, l.ip_free_size, l.ip_num_list,
	l.defense_price, l.defense_max_size, l.defense_num_list, l.defense_step, l.release_hour, l.months,
	l.ip_upgrade_type, l.user_vnc, l.retention_days, l.bandwidth_in_type, l.bandwidth_in_value,
	l.discount1, l.discount2, l.discount3, l.bandwidth_step, l.ip_bandwidth_rate`

func (l *LeaseLine) dest() []any {
	return []any{&l.GUID, &l.LineGUID, &l.Status, &l.Name, &l.Descript, &l.IntroURL, &l.BuyStatus,
		&l.RenewStatus, &l.UpgradeStatus, &l.DefenseStatus, &l.BuyOrderMaxNum, &l.LifeTime,
		&l.BandwidthShareSize, &l.BandwidthSharePrice, &l.BandwidthPrice, &l.BandwidthStairsPrice,
		&l.BandwidthMaxSize, &l.IPPrice, &l.IPMinSize, &l.IPMaxSize, &l.IPFreeSize, &l.IPNumList,
		&l.DefensePrice, &l.DefenseMaxSize, &l.DefenseNumList, &l.DefenseStep, &l.ReleaseHour, &l.Months,
		&l.IPUpgradeType, &l.UserVNC, &l.RetentionDays, &l.BandwidthInType, &l.BandwidthInValue,
		&l.Discount1, &l.Discount2, &l.Discount3, &l.BandwidthStep, &l.IPBandwidthRate}
}

// ListLeaseLines answers lease_lines: every bare-metal line, enabled or
// not. It returns an error when the query fails.
func ListLeaseLines(ctx context.Context, q postgres.Querier) ([]LeaseLine, error) {
	// Order: lease lines have no sort field, so by id.
	return list(ctx, q, "catalog.ListLeaseLines", `
		SELECT `+leaseLineColumns+`
		FROM lease_lines l JOIN zones z ON z.id = l.zone_id
		ORDER BY l.id`, (*LeaseLine).dest)
}

var leaseLineSpec = spec[LeaseLineRecord]{
	key:        "lease_lines",
	identField: "guid",
	fresh: func() LeaseLineRecord {
		return LeaseLineRecord{LeaseLine: LeaseLine{Status: 1, BuyStatus: 1, RenewStatus: 1, UpgradeStatus: 1,
			DefenseStatus: 1, BuyOrderMaxNum: 1, BandwidthStairsPrice: "[]", IPMinSize: 1, IPMaxSize: 1,
			Months: "1", IPUpgradeType: "1", UserVNC: 1, RetentionDays: 7, BandwidthInType: 1,
			BandwidthStep: 1, IPBandwidthRate: "0"}}
	},
	ident: func(l *LeaseLineRecord) string { return l.GUID },
	guid:  func(l *LeaseLineRecord) *string { return &l.GUID },
	note:  func(l *LeaseLineRecord, r *refs) { r.add("lease_lines", l.GUID) },
	check: func(l *LeaseLineRecord, r *refs) []fieldProblem {
		out := r.missing("line_guid", "getzones", "zone", l.LineGUID)
		return append(out, minMax("ip_min_size", l.IPMinSize, l.IPMaxSize)...)
	},
	load: func(ctx context.Context, q postgres.Querier, box *secret.Box) ([]stored[LeaseLineRecord], error) {
		return loadRows(ctx, q, `
			SELECT l.id, `+leaseLineColumns+`, l.refund_days, l.provider_driver, l.provider_config
			FROM lease_lines l JOIN zones z ON z.id = l.zone_id
			ORDER BY l.id`,
			func(r *LeaseLineRecord, x *sealedProvider) []any {
				return append(r.LeaseLine.dest(), &r.RefundDays, &x.driver, &x.config)
			},
			func(r *LeaseLineRecord, x *sealedProvider) (err error) {
				r.Provider, err = openProvider(box, x.driver, x.config)
				return err
			})
	},
	sql: buildWrite("lease_lines", []string{"guid", "zone_id", "status", "name", "descript", "intro_url",
		"buy_status", "renew_status", "upgrade_status", "defense_status", "buy_order_max_num", "life_time",
		"bandwidth_share_size", "bandwidth_share_price", "bandwidth_price", "bandwidth_stairs_price",
		"bandwidth_max_size", "ip_price", "ip_min_size", "ip_max_size", "ip_free_size", "ip_num_list",
		"defense_price", "defense_max_size", "defense_num_list", "defense_step", "release_hour", "months",
		"ip_upgrade_type", "user_vnc", "retention_days", "bandwidth_in_type", "bandwidth_in_value",
		"discount1", "discount2", "discount3", "bandwidth_step", "ip_bandwidth_rate",
		"refund_days", "provider_driver", "provider_config"}, map[string]string{"zone_id": zoneByGUID}),
	args: func(r *LeaseLineRecord, box *secret.Box) ([]any, error) {
		driver, config, err := r.Provider.seal(box)
		l := &r.LeaseLine
		return []any{l.GUID, l.LineGUID, l.Status, l.Name, l.Descript, l.IntroURL,
			l.BuyStatus, l.RenewStatus, l.UpgradeStatus, l.DefenseStatus, l.BuyOrderMaxNum, l.LifeTime,
			l.BandwidthShareSize, l.BandwidthSharePrice, l.BandwidthPrice, l.BandwidthStairsPrice,
			l.BandwidthMaxSize, l.IPPrice, l.IPMinSize, l.IPMaxSize, l.IPFreeSize, l.IPNumList,
			l.DefensePrice, l.DefenseMaxSize, l.DefenseNumList, l.DefenseStep, l.ReleaseHour, l.Months,
			l.IPUpgradeType, l.UserVNC, l.RetentionDays, l.BandwidthInType, l.BandwidthInValue,
			l.Discount1, l.Discount2, l.Discount3, l.BandwidthStep, l.IPBandwidthRate,
			r.RefundDays, driver, config}, err
	},
}

// LeaseHarddisk is a row of lease_harddisk (document 六.2), and its file row.
type LeaseHarddisk struct {
	GUID   string `json:"guid"`
	Type   string `json:"type" cat:"required"`
	Size   int    `json:"size" cat:"required,positive"`
	Status int    `json:"status" cat:"flag"`
}

func (h *LeaseHarddisk) dest() []any { return []any{&h.GUID, &h.Type, &h.Size, &h.Status} }

// ListLeaseHarddisks answers lease_harddisk: every disk, shown or hidden.
// It returns an error when the query fails.
func ListLeaseHarddisks(ctx context.Context, q postgres.Querier) ([]LeaseHarddisk, error) {
	// Order: disks have no sort field, so by id.
	return list(ctx, q, "catalog.ListLeaseHarddisks",
		`SELECT h.guid, h.type, h.size, h.status FROM lease_harddisks h ORDER BY h.id`, (*LeaseHarddisk).dest)
}

var leaseHarddiskSpec = spec[LeaseHarddisk]{
	key:        "lease_harddisk",
	identField: "guid",
	fresh:      func() LeaseHarddisk { return LeaseHarddisk{Status: 1} },
	ident:      func(h *LeaseHarddisk) string { return h.GUID },
	guid:       func(h *LeaseHarddisk) *string { return &h.GUID },
	load: func(ctx context.Context, q postgres.Querier, _ *secret.Box) ([]stored[LeaseHarddisk], error) {
		return loadRows(ctx, q, `SELECT h.id, h.guid, h.type, h.size, h.status FROM lease_harddisks h ORDER BY h.id`,
			func(h *LeaseHarddisk, _ *struct{}) []any { return h.dest() }, nil)
	},
	sql: buildWrite("lease_harddisks", []string{"guid", "type", "size", "status"}, nil),
	args: func(h *LeaseHarddisk, _ *secret.Box) ([]any, error) {
		return []any{h.GUID, h.Type, h.Size, h.Status}, nil
	},
}

// LeaseProductFields are the stored fields of a lease_product row (document
// 六.3), with every field of its table and example. LineGUID lists the
// lease lines it is sold on, comma-separated.
type LeaseProductFields struct {
	ProductType            string        `json:"product_type"`
	GUID                   string        `json:"guid"`
	Name                   string        `json:"name" cat:"required"`
	LineGUID               string        `json:"line_guid" cat:"required,guids"`
	CPUValue               int           `json:"cpu_value"`
	CPU                    string        `json:"cpu"`
	CPUNum                 int           `json:"cpu_num"`
	CPUMaxNum              int           `json:"cpu_max_num"`
	Memory                 string        `json:"memory"`
	MemoryNum              int           `json:"memory_num"`
	MemoryMaxNum           int           `json:"memory_max_num"`
	HarddiskGUID           string        `json:"harddisk_guid"`
	HarddiskMaxNum         int           `json:"harddisk_max_num"`
	SystemPartitionSize    int           `json:"system_partition_size"`
	SystemPartitionSupport string        `json:"system_partition_support"`
	RaidTips               string        `json:"raid_tips"`
	IPNum                  string        `json:"ipnum" cat:"intstr"`
	Bandwidth              int           `json:"bandwidth"`
	Defense                int           `json:"defense"`
	MainBoard              string        `json:"main_board"`
	Price                  apitype.Money `json:"price" cat:"required"`
	Size                   int           `json:"size"`
	Description            string        `json:"description"`
	Status                 int           `json:"status" cat:"flag"`
	UpgradeStatus          int           `json:"upgrade_status" cat:"flag"`
	RecommendStatus        int           `json:"recommend_status" cat:"flag"`
	StockType              int           `json:"stock_type" cat:"small"`
	CPUThreads             int           `json:"cpu_threads"`
	GPU                    string        `json:"gpu"`
}

// LeaseProduct is a row of lease_product: the stored fields and the derived
// line_names (its lease lines' names, in order, joined by "、").
type LeaseProduct struct {
	LeaseProductFields
	LineNames string `json:"line_names"`
}

// ProductPrivate are the private fields of a product (lease, idc, hosting,
// database).
type ProductPrivate struct {
	RefundDays int `json:"refund_days"`
}

// LeaseProductRecord is a lease_product row of the catalogue file.
type LeaseProductRecord struct {
	LeaseProductFields
	ProductPrivate
}

const leaseProductColumns = `p.product_type, p.guid, p.name, array_to_string(p.line_guids, ','), p.cpu_value,
	p.cpu, p.cpu_num, p.cpu_max_num, p.memory, p.memory_num, p.memory_max_num, p.harddisk_guid,
	p.harddisk_max_num, p.system_partition_size, p.system_partition_support, p.raid_tips, p.ipnum,
	p.bandwidth, p.defense, p.main_board, p.price, p.size, p.description, p.status, p.upgrade_status,
	p.recommend_status, p.stock_type, p.cpu_threads, p.gpu`

func (p *LeaseProductFields) dest() []any {
	return []any{&p.ProductType, &p.GUID, &p.Name, &p.LineGUID, &p.CPUValue,
		&p.CPU, &p.CPUNum, &p.CPUMaxNum, &p.Memory, &p.MemoryNum, &p.MemoryMaxNum, &p.HarddiskGUID,
		&p.HarddiskMaxNum, &p.SystemPartitionSize, &p.SystemPartitionSupport, &p.RaidTips, &p.IPNum,
		&p.Bandwidth, &p.Defense, &p.MainBoard, &p.Price, &p.Size, &p.Description, &p.Status, &p.UpgradeStatus,
		&p.RecommendStatus, &p.StockType, &p.CPUThreads, &p.GPU}
}

// ListLeaseProducts answers lease_product: every bare-metal model, enabled
// or not. It returns an error when the query fails.
func ListLeaseProducts(ctx context.Context, q postgres.Querier) ([]LeaseProduct, error) {
	// Order: the document's table has no sort field, so by id.
	return list(ctx, q, "catalog.ListLeaseProducts", `
		SELECT `+leaseProductColumns+`, `+lineNames("p.line_guids", "lease_lines")+`
		FROM lease_products p
		ORDER BY p.id`,
		func(p *LeaseProduct) []any { return append(p.dest(), &p.LineNames) })
}

var leaseProductSpec = spec[LeaseProductRecord]{
	key:        "lease_product",
	identField: "guid",
	ignored:    []string{"line_names"},
	fresh: func() LeaseProductRecord {
		return LeaseProductRecord{LeaseProductFields: LeaseProductFields{ProductType: "local", CPUNum: 1,
			CPUMaxNum: 1, SystemPartitionSupport: "0", IPNum: "1", Size: 1, Status: 1, UpgradeStatus: 1,
			StockType: 1}}
	},
	ident: func(p *LeaseProductRecord) string { return p.GUID },
	guid:  func(p *LeaseProductRecord) *string { return &p.GUID },
	note: func(p *LeaseProductRecord, r *refs) {
		r.add("lease_product", p.GUID)
		r.productLines[p.GUID] = splitGUIDs(p.LineGUID)
	},
	check: func(p *LeaseProductRecord, r *refs) []fieldProblem {
		var out []fieldProblem
		for _, g := range splitGUIDs(p.LineGUID) {
			out = append(out, r.missing("line_guid", "lease_lines", "lease line", g)...)
		}
		return out
	},
	load: func(ctx context.Context, q postgres.Querier, _ *secret.Box) ([]stored[LeaseProductRecord], error) {
		return loadRows(ctx, q, `SELECT p.id, `+leaseProductColumns+`, p.refund_days FROM lease_products p ORDER BY p.id`,
			func(p *LeaseProductRecord, _ *struct{}) []any { return append(p.dest(), &p.RefundDays) }, nil)
	},
	sql: buildWrite("lease_products", []string{"product_type", "guid", "name", "line_guids", "cpu_value",
		"cpu", "cpu_num", "cpu_max_num", "memory", "memory_num", "memory_max_num", "harddisk_guid",
		"harddisk_max_num", "system_partition_size", "system_partition_support", "raid_tips", "ipnum",
		"bandwidth", "defense", "main_board", "price", "size", "description", "status", "upgrade_status",
		"recommend_status", "stock_type", "cpu_threads", "gpu", "refund_days"}, nil),
	args: func(p *LeaseProductRecord, _ *secret.Box) ([]any, error) {
		return []any{p.ProductType, p.GUID, p.Name, splitGUIDs(p.LineGUID), p.CPUValue,
			p.CPU, p.CPUNum, p.CPUMaxNum, p.Memory, p.MemoryNum, p.MemoryMaxNum, p.HarddiskGUID,
			p.HarddiskMaxNum, p.SystemPartitionSize, p.SystemPartitionSupport, p.RaidTips, p.IPNum,
			p.Bandwidth, p.Defense, p.MainBoard, p.Price, p.Size, p.Description, p.Status, p.UpgradeStatus,
			p.RecommendStatus, p.StockType, p.CPUThreads, p.GPU, p.RefundDays}, nil
	},
}
