package catalog

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// IDCLine is a row of idc_lines (document 六.17): a colocation line.
// LineGUID is its zone's guid.
type IDCLine struct {
	GUID                 string        `json:"guid"`
	LineGUID             string        `json:"line_guid" cat:"required"`
	Status               int           `json:"status" cat:"flag"`
	Name                 string        `json:"name" cat:"required"`
	Descript             string        `json:"descript"`
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
	Months               string        `json:"months" cat:"months"`
	RetentionDays        int           `json:"retention_days"`
	Discount1            apitype.Money `json:"discount1" cat:"unit"`
	Discount2            apitype.Money `json:"discount2" cat:"unit"`
	Discount3            apitype.Money `json:"discount3" cat:"unit"`
	BuyStatus            int           `json:"buy_status" cat:"flag"`
	Sort                 int           `json:"sort"`
}

// IDCLinePrivate are a colocation line's fields that the document's
// idc_lines does not show: the switches and the order limit that lease
// lines show, the bandwidth step, refund days and the provider.
type IDCLinePrivate struct {
	RenewStatus    int      `json:"renew_status" cat:"flag"`
	UpgradeStatus  int      `json:"upgrade_status" cat:"flag"`
	BuyOrderMaxNum int      `json:"buy_order_max_num"`
	BandwidthStep  int      `json:"bandwidth_step" cat:"positive"`
	RefundDays     int      `json:"refund_days"`
	Provider       Provider `json:"provider" cat:"required"`
}

// IDCLineRecord is an idc_lines row of the catalogue file.
type IDCLineRecord struct {
	IDCLine
	IDCLinePrivate
}

const idcLineColumns = `l.guid, z.guid, l.status, l.name, l.descript, l.bandwidth_price,
	l.bandwidth_stairs_price, l.bandwidth_max_size, l.ip_price, l.ip_min_size, l.ip_max_size,
	l.ip_free_size, l.ip_num_list, l.defense_price, l.defense_max_size, l.defense_num_list,
	l.defense_step, l.months, l.retention_days, l.discount1, l.discount2, l.discount3, l.buy_status, l.sort`

func (l *IDCLine) dest() []any {
	return []any{&l.GUID, &l.LineGUID, &l.Status, &l.Name, &l.Descript, &l.BandwidthPrice,
		&l.BandwidthStairsPrice, &l.BandwidthMaxSize, &l.IPPrice, &l.IPMinSize, &l.IPMaxSize,
		&l.IPFreeSize, &l.IPNumList, &l.DefensePrice, &l.DefenseMaxSize, &l.DefenseNumList,
		&l.DefenseStep, &l.Months, &l.RetentionDays, &l.Discount1, &l.Discount2, &l.Discount3, &l.BuyStatus, &l.Sort}
}

// ListIDCLines answers idc_lines: every colocation line, enabled or not. It
// returns an error when the query fails.
func ListIDCLines(ctx context.Context, q postgres.Querier) ([]IDCLine, error) {
	// Order: sort ("排序权重", a weight) descending, as the document's
	// examples order getzones and getsystems; then id.
	return list(ctx, q, "catalog.ListIDCLines", `
		SELECT `+idcLineColumns+`
		FROM idc_lines l JOIN zones z ON z.id = l.zone_id
		ORDER BY l.sort DESC, l.id`, (*IDCLine).dest)
}

var idcLineSpec = spec[IDCLineRecord]{
	key:        "idc_lines",
	identField: "guid",
	fresh: func() IDCLineRecord {
		return IDCLineRecord{
			IDCLine: IDCLine{Status: 1, BandwidthStairsPrice: "[]", IPMinSize: 1, IPMaxSize: 1, Months: "1",
				RetentionDays: 7, BuyStatus: 1},
			IDCLinePrivate: IDCLinePrivate{RenewStatus: 1, UpgradeStatus: 1, BuyOrderMaxNum: 20, BandwidthStep: 1},
		}
	},
	ident: func(l *IDCLineRecord) string { return l.GUID },
	guid:  func(l *IDCLineRecord) *string { return &l.GUID },
	note:  func(l *IDCLineRecord, r *refs) { r.add("idc_lines", l.GUID) },
	check: func(l *IDCLineRecord, r *refs) []fieldProblem {
		out := r.missing("line_guid", "getzones", "zone", l.LineGUID)
		return append(out, minMax("ip_min_size", l.IPMinSize, l.IPMaxSize)...)
	},
	load: func(ctx context.Context, q postgres.Querier, box *secret.Box) ([]stored[IDCLineRecord], error) {
		return loadRows(ctx, q, `
			SELECT l.id, `+idcLineColumns+`, l.renew_status, l.upgrade_status, l.buy_order_max_num,
			       l.bandwidth_step, l.refund_days, l.provider_driver, l.provider_config
			FROM idc_lines l JOIN zones z ON z.id = l.zone_id
			ORDER BY l.id`,
			func(r *IDCLineRecord, x *sealedProvider) []any {
				p := &r.IDCLinePrivate
				return append(r.IDCLine.dest(), &p.RenewStatus, &p.UpgradeStatus, &p.BuyOrderMaxNum,
					&p.BandwidthStep, &p.RefundDays, &x.driver, &x.config)
			},
			func(r *IDCLineRecord, x *sealedProvider) (err error) {
				r.Provider, err = openProvider(box, x.driver, x.config)
				return err
			})
	},
	sql: buildWrite("idc_lines", []string{"guid", "zone_id", "status", "name", "descript", "bandwidth_price",
		"bandwidth_stairs_price", "bandwidth_max_size", "ip_price", "ip_min_size", "ip_max_size",
		"ip_free_size", "ip_num_list", "defense_price", "defense_max_size", "defense_num_list",
		"defense_step", "months", "retention_days", "discount1", "discount2", "discount3", "buy_status", "sort",
		"renew_status", "upgrade_status", "buy_order_max_num", "bandwidth_step", "refund_days",
		"provider_driver", "provider_config"}, map[string]string{"zone_id": zoneByGUID}),
	args: func(r *IDCLineRecord, box *secret.Box) ([]any, error) {
		driver, config, err := r.Provider.seal(box)
		l, p := &r.IDCLine, &r.IDCLinePrivate
		return []any{l.GUID, l.LineGUID, l.Status, l.Name, l.Descript, l.BandwidthPrice,
			l.BandwidthStairsPrice, l.BandwidthMaxSize, l.IPPrice, l.IPMinSize, l.IPMaxSize,
			l.IPFreeSize, l.IPNumList, l.DefensePrice, l.DefenseMaxSize, l.DefenseNumList,
			l.DefenseStep, l.Months, l.RetentionDays, l.Discount1, l.Discount2, l.Discount3, l.BuyStatus, l.Sort,
			p.RenewStatus, p.UpgradeStatus, p.BuyOrderMaxNum, p.BandwidthStep, p.RefundDays,
			driver, config}, err
	},
}

// IDCProductFields are the stored fields of an idc_product row (document
// 六.18), with every field of its table and example. Power is JSON text
// [{"name","price"}]; LineGUID lists its colocation lines, comma-separated.
type IDCProductFields struct {
	ProductType  int           `json:"product_type"`
	GUID         string        `json:"guid"`
	Name         string        `json:"name" cat:"required"`
	LineGUID     string        `json:"line_guid" cat:"required,guids"`
	Power        string        `json:"power" cat:"json=power"`
	Bandwidth    int           `json:"bandwidth"`
	Defense      int           `json:"defense"`
	IPNum        string        `json:"ipnum" cat:"intstr"`
	Price        apitype.Money `json:"price" cat:"required"`
	Size         string        `json:"size"`
	Description  string        `json:"description"`
	Status       int           `json:"status" cat:"flag"`
	MarketStatus int           `json:"market_status" cat:"flag"`
	StockType    int           `json:"stock_type" cat:"small"`
	Sort         int           `json:"sort"`
	ServerGroup  string        `json:"server_group"`
}

// IDCProduct is a row of idc_product: the stored fields and the derived
// line_names.
type IDCProduct struct {
	IDCProductFields
	LineNames string `json:"line_names"`
}

// IDCProductRecord is an idc_product row of the catalogue file.
type IDCProductRecord struct {
	IDCProductFields
	ProductPrivate
}

const idcProductColumns = `p.product_type, p.guid, p.name, array_to_string(p.line_guids, ','), p.power,
	p.bandwidth, p.defense, p.ipnum, p.price, p.size, p.description, p.status, p.market_status,
	p.stock_type, p.sort, p.server_group`

func (p *IDCProductFields) dest() []any {
	return []any{&p.ProductType, &p.GUID, &p.Name, &p.LineGUID, &p.Power,
		&p.Bandwidth, &p.Defense, &p.IPNum, &p.Price, &p.Size, &p.Description, &p.Status, &p.MarketStatus,
		&p.StockType, &p.Sort, &p.ServerGroup}
}

// ListIDCProducts answers idc_product: every colocation product, enabled or
// not. It returns an error when the query fails.
func ListIDCProducts(ctx context.Context, q postgres.Querier) ([]IDCProduct, error) {
	// Order: sort descending (a weight, as for idc_lines); then id.
	return list(ctx, q, "catalog.ListIDCProducts", `
		SELECT `+idcProductColumns+`, `+lineNames("p.line_guids", "idc_lines")+`
		FROM idc_products p
		ORDER BY p.sort DESC, p.id`,
		func(p *IDCProduct) []any { return append(p.dest(), &p.LineNames) })
}

var idcProductSpec = spec[IDCProductRecord]{
	key:        "idc_product",
	identField: "guid",
	ignored:    []string{"line_names"},
	fresh: func() IDCProductRecord {
		return IDCProductRecord{IDCProductFields: IDCProductFields{ProductType: 1, Power: "[]", IPNum: "1",
			Status: 1, MarketStatus: 1, StockType: 1}}
	},
	ident: func(p *IDCProductRecord) string { return p.GUID },
	guid:  func(p *IDCProductRecord) *string { return &p.GUID },
	check: func(p *IDCProductRecord, r *refs) []fieldProblem {
		var out []fieldProblem
		for _, g := range splitGUIDs(p.LineGUID) {
			out = append(out, r.missing("line_guid", "idc_lines", "colocation line", g)...)
		}
		return out
	},
	load: func(ctx context.Context, q postgres.Querier, _ *secret.Box) ([]stored[IDCProductRecord], error) {
		return loadRows(ctx, q, `SELECT p.id, `+idcProductColumns+`, p.refund_days FROM idc_products p ORDER BY p.id`,
			func(p *IDCProductRecord, _ *struct{}) []any { return append(p.dest(), &p.RefundDays) }, nil)
	},
	sql: buildWrite("idc_products", []string{"product_type", "guid", "name", "line_guids", "power",
		"bandwidth", "defense", "ipnum", "price", "size", "description", "status", "market_status",
		"stock_type", "sort", "server_group", "refund_days"}, nil),
	args: func(p *IDCProductRecord, _ *secret.Box) ([]any, error) {
		return []any{p.ProductType, p.GUID, p.Name, splitGUIDs(p.LineGUID), p.Power,
			p.Bandwidth, p.Defense, p.IPNum, p.Price, p.Size, p.Description, p.Status, p.MarketStatus,
			p.StockType, p.Sort, p.ServerGroup, p.RefundDays}, nil
	},
}
