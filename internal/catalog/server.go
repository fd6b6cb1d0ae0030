package catalog

import (
	"context"
	"fmt"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// ServerLine is a row of getlines (document 五.1): a cloud-server line.
// LineGUID is its zone's guid.
type ServerLine struct {
	GUID                 string        `json:"guid"`
	LineGUID             string        `json:"line_guid" cat:"required"`
	Name                 string        `json:"name" cat:"required"`
	Descript             string        `json:"descript"`
	IntroURL             string        `json:"introUrl"`
	BuyStatus            int           `json:"buyStatus" cat:"flag"`
	UpgradeStatus        int           `json:"upgradeStatus" cat:"flag"`
	RenewStatus          int           `json:"renewStatus" cat:"flag"`
	HarddiskMinNum       int           `json:"harddiskMinNum"`
	HarddiskMaxNum       int           `json:"harddiskMaxNum"`
	HarddiskMinSize      int           `json:"harddiskMinSize"`
	HarddiskMaxSize      int           `json:"harddiskMaxSize"`
	HarddiskStep         int           `json:"harddiskStep" cat:"positive"`
	HarddiskPrice        apitype.Money `json:"harddiskPrice"`
	HarddiskFreeSize     int           `json:"harddisk_free_size"`
	BandwidthMinSize     int           `json:"bandwidthMinSize"`
	BandwidthMaxSize     int           `json:"bandwidthMaxSize"`
	BandwidthFreeSize    int           `json:"bandwidth_free_size"`
	BandwidthInType      int           `json:"bandwidth_in_type" cat:"oneof=1 2"`
	BandwidthInValue     int           `json:"bandwidth_in_value"`
	Bandwidth6Price      apitype.Money `json:"bandwidth6Price"`
	BandwidthStairsPrice string        `json:"bandwidth_stairs_price" cat:"json=stairs"`
	DefenseMinSize       int           `json:"defenseMinSize"`
	DefenseMaxSize       int           `json:"defenseMaxSize"`
	DefenseFreeSize      int           `json:"defenseFreeSize"`
	DefensePrice         apitype.Money `json:"defensePrice"`
	Months               string        `json:"months" cat:"months"`
	Status               int           `json:"status" cat:"flag"`
	Markup               apitype.Money `json:"markup" cat:"factor"`
	Discount             string        `json:"discount" cat:"json=discount"`
	LinesProductType     string        `json:"lines_product_type" cat:"oneof=1 2"`
}

// ServerLinePrivate are a server line's fields that the API never shows:
// the unit prices and limits of billing.md §2, whether getlines lists it,
// the refund and retention days and the provider.
type ServerLinePrivate struct {
	CPUPrice      apitype.Money `json:"cpuPrice"`
	MemoryPrice   apitype.Money `json:"memoryPrice"`
	IPPrice       apitype.Money `json:"ipPrice"`
	CPUMinNum     int           `json:"cpuMinNum" cat:"positive"`
	CPUMaxNum     int           `json:"cpuMaxNum" cat:"positive"`
	MemoryMinSize int           `json:"memoryMinSize" cat:"positive"`
	MemoryMaxSize int           `json:"memoryMaxSize" cat:"positive"`
	IPMaxNum      int           `json:"ipMaxNum" cat:"positive"`
	OpenAPI       int           `json:"open_api" cat:"flag"`
	RefundDays    int           `json:"refund_days"`
	RetentionDays int           `json:"retention_days"`
	Provider      Provider      `json:"provider" cat:"required"`
}

// ServerLineRecord is a getlines row of the catalogue file.
type ServerLineRecord struct {
	ServerLine
	ServerLinePrivate
}

const serverLineColumns = `l.guid, z.guid, l.name, l.descript, l.intro_url, l.buy_status, l.upgrade_status,
	l.renew_status, l.harddisk_min_num, l.harddisk_max_num, l.harddisk_min_size, l.harddisk_max_size,
	l.harddisk_step, l.harddisk_price, l.harddisk_free_size, l.bandwidth_min_size, l.bandwidth_max_size,
	l.bandwidth_free_size, l.bandwidth_in_type, l.bandwidth_in_value, l.bandwidth6_price,
	l.bandwidth_stairs_price, l.defense_min_size, l.defense_max_size, l.defense_free_size,
	l.defense_price, l.months, l.status, l.markup, l.discount, l.lines_product_type`

func (l *ServerLine) dest() []any {
	return []any{&l.GUID, &l.LineGUID, &l.Name, &l.Descript, &l.IntroURL, &l.BuyStatus, &l.UpgradeStatus,
		&l.RenewStatus, &l.HarddiskMinNum, &l.HarddiskMaxNum, &l.HarddiskMinSize, &l.HarddiskMaxSize,
		&l.HarddiskStep, &l.HarddiskPrice, &l.HarddiskFreeSize, &l.BandwidthMinSize, &l.BandwidthMaxSize,
		&l.BandwidthFreeSize, &l.BandwidthInType, &l.BandwidthInValue, &l.Bandwidth6Price,
		&l.BandwidthStairsPrice, &l.DefenseMinSize, &l.DefenseMaxSize, &l.DefenseFreeSize,
		&l.DefensePrice, &l.Months, &l.Status, &l.Markup, &l.Discount, &l.LinesProductType}
}

// ListServerLines answers getlines: the server lines with open_api = 1
// (document 五.1, semantics.md §3), enabled or not. It returns an error
// when the query fails.
func ListServerLines(ctx context.Context, q postgres.Querier) ([]ServerLine, error) {
	// Order: server lines have no sort field and the document shows one
	// row, so by id (the order the operator created them in).
	return list(ctx, q, "catalog.ListServerLines", `
		SELECT `+serverLineColumns+`
		FROM server_lines l JOIN zones z ON z.id = l.zone_id
		WHERE l.open_api = 1
		ORDER BY l.id`, (*ServerLine).dest)
}

var serverLineSpec = spec[ServerLineRecord]{
	key:        "getlines",
	identField: "guid",
	fresh: func() ServerLineRecord {
		return ServerLineRecord{
			ServerLine: ServerLine{BuyStatus: 1, UpgradeStatus: 1, RenewStatus: 1, HarddiskMinNum: 1,
				HarddiskMaxNum: 1, HarddiskStep: 1, BandwidthMinSize: 1, BandwidthMaxSize: 1, BandwidthInType: 1,
				BandwidthStairsPrice: "[]", Months: "1", Status: 1, Markup: apitype.MustMoney("1"),
				Discount: "[]", LinesProductType: "1"},
			ServerLinePrivate: ServerLinePrivate{CPUMinNum: 1, CPUMaxNum: 64, MemoryMinSize: 1,
				MemoryMaxSize: 256, IPMaxNum: 1, OpenAPI: 1, RetentionDays: 7},
		}
	},
	ident: func(l *ServerLineRecord) string { return l.GUID },
	guid:  func(l *ServerLineRecord) *string { return &l.GUID },
	note: func(l *ServerLineRecord, r *refs) {
		r.add("getlines", l.GUID)
		r.serverLineType[l.GUID] = l.LinesProductType
	},
	check: checkServerLine,
	load:  loadServerLines,
	sql: buildWrite("server_lines", []string{"guid", "zone_id", "name", "descript", "intro_url", "buy_status",
		"upgrade_status", "renew_status", "harddisk_min_num", "harddisk_max_num", "harddisk_min_size",
		"harddisk_max_size", "harddisk_step", "harddisk_price", "harddisk_free_size", "bandwidth_min_size",
		"bandwidth_max_size", "bandwidth_free_size", "bandwidth_in_type", "bandwidth_in_value",
		"bandwidth6_price", "bandwidth_stairs_price", "defense_min_size", "defense_max_size",
		"defense_free_size", "defense_price", "months", "status", "markup", "discount", "lines_product_type",
		"cpu_price", "memory_price", "ip_price", "cpu_min_num", "cpu_max_num", "memory_min_size",
		"memory_max_size", "ip_max_num", "open_api", "refund_days", "retention_days",
		"provider_driver", "provider_config"}, map[string]string{"zone_id": zoneByGUID}),
	args: func(r *ServerLineRecord, box *secret.Box) ([]any, error) {
		driver, config, err := r.Provider.seal(box)
		l, p := &r.ServerLine, &r.ServerLinePrivate
		return []any{l.GUID, l.LineGUID, l.Name, l.Descript, l.IntroURL, l.BuyStatus,
			l.UpgradeStatus, l.RenewStatus, l.HarddiskMinNum, l.HarddiskMaxNum, l.HarddiskMinSize,
			l.HarddiskMaxSize, l.HarddiskStep, l.HarddiskPrice, l.HarddiskFreeSize, l.BandwidthMinSize,
			l.BandwidthMaxSize, l.BandwidthFreeSize, l.BandwidthInType, l.BandwidthInValue,
			l.Bandwidth6Price, l.BandwidthStairsPrice, l.DefenseMinSize, l.DefenseMaxSize,
			l.DefenseFreeSize, l.DefensePrice, l.Months, l.Status, l.Markup, l.Discount, l.LinesProductType,
			p.CPUPrice, p.MemoryPrice, p.IPPrice, p.CPUMinNum, p.CPUMaxNum, p.MemoryMinSize,
			p.MemoryMaxSize, p.IPMaxNum, p.OpenAPI, p.RefundDays, p.RetentionDays,
			driver, config}, err
	},
}

func checkServerLine(l *ServerLineRecord, r *refs) []fieldProblem {
	out := r.missing("line_guid", "getzones", "zone", l.LineGUID)
	out = append(out, minMax("harddiskMinNum", l.HarddiskMinNum, l.HarddiskMaxNum)...)
	out = append(out, minMax("harddiskMinSize", l.HarddiskMinSize, l.HarddiskMaxSize)...)
	out = append(out, minMax("bandwidthMinSize", l.BandwidthMinSize, l.BandwidthMaxSize)...)
	out = append(out, minMax("defenseMinSize", l.DefenseMinSize, l.DefenseMaxSize)...)
	out = append(out, minMax("cpuMinNum", l.CPUMinNum, l.CPUMaxNum)...)
	out = append(out, minMax("memoryMinSize", l.MemoryMinSize, l.MemoryMaxSize)...)
	return out
}

// minMax reports a lower bound above its upper bound.
func minMax(field string, lo, hi int) []fieldProblem {
	if lo > hi {
		return []fieldProblem{{field, fmt.Sprintf("%d is above the maximum %d", lo, hi)}}
	}
	return nil
}

func loadServerLines(ctx context.Context, q postgres.Querier, box *secret.Box) ([]stored[ServerLineRecord], error) {
	return loadRows(ctx, q, `
		SELECT l.id, `+serverLineColumns+`, l.cpu_price, l.memory_price, l.ip_price, l.cpu_min_num,
		       l.cpu_max_num, l.memory_min_size, l.memory_max_size, l.ip_max_num, l.open_api,
		       l.refund_days, l.retention_days, l.provider_driver, l.provider_config
		FROM server_lines l JOIN zones z ON z.id = l.zone_id
		ORDER BY l.id`,
		func(r *ServerLineRecord, x *sealedProvider) []any {
			p := &r.ServerLinePrivate
			return append(r.ServerLine.dest(), &p.CPUPrice, &p.MemoryPrice, &p.IPPrice, &p.CPUMinNum,
				&p.CPUMaxNum, &p.MemoryMinSize, &p.MemoryMaxSize, &p.IPMaxNum, &p.OpenAPI,
				&p.RefundDays, &p.RetentionDays, &x.driver, &x.config)
		},
		func(r *ServerLineRecord, x *sealedProvider) (err error) {
			r.Provider, err = openProvider(box, x.driver, x.config)
			return err
		})
}

// sealedProvider is a line's provider as stored.
type sealedProvider struct {
	driver string
	config []byte
}

// ServerPackage is a row of getproduct (document 五.2): a package of a
// package line (lines_product_type "2"), and its file row. Rows are matched
// by (lines_guid, name). LinesGUID is its server line's guid.
type ServerPackage struct {
	Name        string        `json:"name" cat:"required"`
	CPU         int           `json:"cpu" cat:"required,positive"`
	Memory      int           `json:"memory" cat:"required,positive"`
	Systemdisk  int           `json:"systemdisk"`
	Harddisk    int           `json:"harddisk"`
	IPNum       int           `json:"ipnum"`
	Bandwidth   int           `json:"bandwidth"`
	Defense     int           `json:"defense"`
	Price       apitype.Money `json:"price" cat:"required"`
	Description *string       `json:"description"` // null in the document's example
	Sort        int           `json:"sort"`
	Status      int           `json:"status" cat:"flag"`
	LinesGUID   string        `json:"lines_guid" cat:"required"`
}

const serverPackageColumns = `p.name, p.cpu, p.memory, p.systemdisk, p.harddisk, p.ipnum, p.bandwidth,
	p.defense, p.price, p.description, p.sort, p.status, l.guid`

func (p *ServerPackage) dest() []any {
	return []any{&p.Name, &p.CPU, &p.Memory, &p.Systemdisk, &p.Harddisk, &p.IPNum, &p.Bandwidth,
		&p.Defense, &p.Price, &p.Description, &p.Sort, &p.Status, &p.LinesGUID}
}

// ListServerPackages answers getproduct: the packages of the lines that
// getlines lists (open_api = 1). It returns an error when the query fails.
func ListServerPackages(ctx context.Context, q postgres.Querier) ([]ServerPackage, error) {
	// Order: sort ascending, as the document's field table says
	// ("排序(数值越小越靠前)", although its example lists 23 before 22);
	// then id.
	return list(ctx, q, "catalog.ListServerPackages", `
		SELECT `+serverPackageColumns+`
		FROM server_packages p JOIN server_lines l ON l.id = p.line_id
		WHERE l.open_api = 1
		ORDER BY p.sort, p.id`, (*ServerPackage).dest)
}

var serverPackageSpec = spec[ServerPackage]{
	key:        "getproduct",
	identField: "name",
	fresh:      func() ServerPackage { return ServerPackage{IPNum: 1, Status: 1} },
	ident: func(p *ServerPackage) string {
		if p.LinesGUID == "" || p.Name == "" {
			return ""
		}
		return p.LinesGUID + "\x00" + p.Name
	},
	check: func(p *ServerPackage, r *refs) []fieldProblem {
		if p.LinesGUID == "" {
			return nil
		}
		if !r.has("getlines", p.LinesGUID) {
			return r.missing("lines_guid", "getlines", "server line", p.LinesGUID)
		}
		if t := r.serverLineType[p.LinesGUID]; t != "2" {
			return []fieldProblem{{"lines_guid", fmt.Sprintf("server line %q is not a package line (lines_product_type %q, want \"2\")", p.LinesGUID, t)}}
		}
		return nil
	},
	load: func(ctx context.Context, q postgres.Querier, _ *secret.Box) ([]stored[ServerPackage], error) {
		return loadRows(ctx, q, `
			SELECT p.id, `+serverPackageColumns+`
			FROM server_packages p JOIN server_lines l ON l.id = p.line_id
			ORDER BY p.id`,
			func(p *ServerPackage, _ *struct{}) []any { return p.dest() }, nil)
	},
	sql: buildWrite("server_packages", []string{"name", "cpu", "memory", "systemdisk", "harddisk", "ipnum",
		"bandwidth", "defense", "price", "description", "sort", "status", "line_id"},
		map[string]string{"line_id": serverLineByGUID}),
	args: func(p *ServerPackage, _ *secret.Box) ([]any, error) {
		return []any{p.Name, p.CPU, p.Memory, p.Systemdisk, p.Harddisk, p.IPNum, p.Bandwidth,
			p.Defense, p.Price, p.Description, p.Sort, p.Status, p.LinesGUID}, nil
	},
}
