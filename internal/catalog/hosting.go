package catalog

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// HostingLine is a row of hosting_lines (document 七.1): a hosting panel,
// which also serves the cloud databases.
type HostingLine struct {
	GUID          string `json:"guid"`
	Name          string `json:"name" cat:"required"`
	Domain        string `json:"domain"`
	IP            string `json:"ip" cat:"ip"`
	Status        int    `json:"status" cat:"flag"`
	Stock         int    `json:"stock" cat:"flag"`
	Descript      string `json:"descript"`
	CNAME         string `json:"cname"`
	Sort          int    `json:"sort"`
	White         int    `json:"white" cat:"flag"`
	Renew         int    `json:"renew" cat:"flag"`
	RetentionDays int    `json:"retention_days"`
}

// HostingLinePrivate is a hosting line's provider (the panel).
type HostingLinePrivate struct {
	Provider Provider `json:"provider" cat:"required"`
}

// HostingLineRecord is a hosting_lines row of the catalogue file.
type HostingLineRecord struct {
	HostingLine
	HostingLinePrivate
}

const hostingLineColumns = `l.guid, l.name, l.domain, l.ip, l.status, l.stock, l.descript, l.cname, l.sort,
	l.white, l.renew, l.retention_days`

func (l *HostingLine) dest() []any {
	return []any{&l.GUID, &l.Name, &l.Domain, &l.IP, &l.Status, &l.Stock, &l.Descript, &l.CNAME, &l.Sort,
		&l.White, &l.Renew, &l.RetentionDays}
}

// ListHostingLines answers hosting_lines: every hosting line, enabled or
// not. It returns an error when the query fails.
func ListHostingLines(ctx context.Context, q postgres.Querier) ([]HostingLine, error) {
	// Order: sort ("排序权重", a weight) descending, as the document's
	// examples order getzones and getsystems; then id.
	return list(ctx, q, "catalog.ListHostingLines",
		`SELECT `+hostingLineColumns+` FROM hosting_lines l ORDER BY l.sort DESC, l.id`, (*HostingLine).dest)
}

var hostingLineSpec = spec[HostingLineRecord]{
	key:        "hosting_lines",
	identField: "guid",
	fresh: func() HostingLineRecord {
		return HostingLineRecord{HostingLine: HostingLine{Status: 1, Stock: 1, Renew: 1, RetentionDays: 7}}
	},
	ident: func(l *HostingLineRecord) string { return l.GUID },
	guid:  func(l *HostingLineRecord) *string { return &l.GUID },
	note:  func(l *HostingLineRecord, r *refs) { r.add("hosting_lines", l.GUID) },
	load: func(ctx context.Context, q postgres.Querier, box *secret.Box) ([]stored[HostingLineRecord], error) {
		return loadRows(ctx, q, `
			SELECT l.id, `+hostingLineColumns+`, l.provider_driver, l.provider_config
			FROM hosting_lines l ORDER BY l.id`,
			func(r *HostingLineRecord, x *sealedProvider) []any {
				return append(r.HostingLine.dest(), &x.driver, &x.config)
			},
			func(r *HostingLineRecord, x *sealedProvider) (err error) {
				r.Provider, err = openProvider(box, x.driver, x.config)
				return err
			})
	},
	sql: buildWrite("hosting_lines", []string{"guid", "name", "domain", "ip", "status", "stock", "descript",
		"cname", "sort", "white", "renew", "retention_days", "provider_driver", "provider_config"}, nil),
	args: func(r *HostingLineRecord, box *secret.Box) ([]any, error) {
		driver, config, err := r.Provider.seal(box)
		l := &r.HostingLine
		return []any{l.GUID, l.Name, l.Domain, l.IP, l.Status, l.Stock, l.Descript,
			l.CNAME, l.Sort, l.White, l.Renew, l.RetentionDays, driver, config}, err
	},
}

// checkHostingLines checks the lines_guid of a hosting or database product.
func checkHostingLines(lines string, r *refs) []fieldProblem {
	var out []fieldProblem
	for _, g := range splitGUIDs(lines) {
		out = append(out, r.missing("lines_guid", "hosting_lines", "hosting line", g)...)
	}
	return out
}

// HostingProductFields are the stored fields of a hosting_product row
// (document 七.2). LinesGUID lists its hosting lines, comma-separated.
type HostingProductFields struct {
	GUID        string        `json:"guid"`
	Name        string        `json:"name" cat:"required"`
	LinesGUID   string        `json:"lines_guid" cat:"required,guids"`
	Desc        string        `json:"desc"`
	Price       apitype.Money `json:"price" cat:"required"`
	Months      string        `json:"months" cat:"months"`
	Discount    string        `json:"discount" cat:"json=discount"`
	Disk        int           `json:"disk"`
	DB          int           `json:"db"`
	Domain      int           `json:"domain"`
	Domainsub   int           `json:"domainsub"`
	Flow        int           `json:"flow"`
	MaxFlow     int           `json:"max_flow"`
	UpFlow      int           `json:"up_flow"`
	UpFlowPrice apitype.Money `json:"up_flow_price"`
	Def         int           `json:"def"`
	BuyLimit    int           `json:"buy_limit"`
	IsLimitRate int           `json:"is_limit_rate" cat:"flag"`
	Perserver   int           `json:"perserver"`
	Perip       int           `json:"perip"`
	LimitRate   int           `json:"limit_rate"`
	Timeout     int           `json:"timeout"`
	Sort        int           `json:"sort"`
	Stock       int           `json:"stock" cat:"flag"`
	Status      int           `json:"status" cat:"flag"`
	Suggest     int           `json:"suggest" cat:"flag"`
	Upgradation int           `json:"upgradation" cat:"flag"`
}

// HostingProduct is a row of hosting_product: the stored fields and the
// derived line_names.
type HostingProduct struct {
	HostingProductFields
	LineNames string `json:"line_names"`
}

// HostingProductRecord is a hosting_product row of the catalogue file.
type HostingProductRecord struct {
	HostingProductFields
	ProductPrivate
}

const hostingProductColumns = `p.guid, p.name, array_to_string(p.line_guids, ','), p."desc", p.price, p.months,
	p.discount, p.disk, p.db, p.domain, p.domainsub, p.flow, p.max_flow, p.up_flow, p.up_flow_price, p.def,
	p.buy_limit, p.is_limit_rate, p.perserver, p.perip, p.limit_rate, p.timeout, p.sort, p.stock, p.status,
	p.suggest, p.upgradation`

func (p *HostingProductFields) dest() []any {
	return []any{&p.GUID, &p.Name, &p.LinesGUID, &p.Desc, &p.Price, &p.Months,
		&p.Discount, &p.Disk, &p.DB, &p.Domain, &p.Domainsub, &p.Flow, &p.MaxFlow, &p.UpFlow, &p.UpFlowPrice, &p.Def,
		&p.BuyLimit, &p.IsLimitRate, &p.Perserver, &p.Perip, &p.LimitRate, &p.Timeout, &p.Sort, &p.Stock, &p.Status,
		&p.Suggest, &p.Upgradation}
}

// ListHostingProducts answers hosting_product: every hosting product,
// enabled or not. It returns an error when the query fails.
func ListHostingProducts(ctx context.Context, q postgres.Querier) ([]HostingProduct, error) {
	// Order: sort ("排序权重") descending; then id.
	return list(ctx, q, "catalog.ListHostingProducts", `
		SELECT `+hostingProductColumns+`, `+lineNames("p.line_guids", "hosting_lines")+`
		FROM hosting_products p
		ORDER BY p.sort DESC, p.id`,
		func(p *HostingProduct) []any { return append(p.dest(), &p.LineNames) })
}

var hostingProductSpec = spec[HostingProductRecord]{
	key:        "hosting_product",
	identField: "guid",
	ignored:    []string{"line_names"},
	fresh: func() HostingProductRecord {
		return HostingProductRecord{HostingProductFields: HostingProductFields{Months: "1", Discount: "[]",
			Stock: 1, Status: 1, Upgradation: 1}}
	},
	ident: func(p *HostingProductRecord) string { return p.GUID },
	guid:  func(p *HostingProductRecord) *string { return &p.GUID },
	check: func(p *HostingProductRecord, r *refs) []fieldProblem {
		return checkHostingLines(p.LinesGUID, r)
	},
	load: func(ctx context.Context, q postgres.Querier, _ *secret.Box) ([]stored[HostingProductRecord], error) {
		return loadRows(ctx, q, `SELECT p.id, `+hostingProductColumns+`, p.refund_days FROM hosting_products p ORDER BY p.id`,
			func(p *HostingProductRecord, _ *struct{}) []any { return append(p.dest(), &p.RefundDays) }, nil)
	},
	sql: buildWrite("hosting_products", []string{"guid", "name", "line_guids", `"desc"`, "price", "months",
		"discount", "disk", "db", "domain", "domainsub", "flow", "max_flow", "up_flow", "up_flow_price", "def",
		"buy_limit", "is_limit_rate", "perserver", "perip", "limit_rate", "timeout", "sort", "stock", "status",
		"suggest", "upgradation", "refund_days"}, nil),
	args: func(p *HostingProductRecord, _ *secret.Box) ([]any, error) {
		return []any{p.GUID, p.Name, splitGUIDs(p.LinesGUID), p.Desc, p.Price, p.Months,
			p.Discount, p.Disk, p.DB, p.Domain, p.Domainsub, p.Flow, p.MaxFlow, p.UpFlow, p.UpFlowPrice, p.Def,
			p.BuyLimit, p.IsLimitRate, p.Perserver, p.Perip, p.LimitRate, p.Timeout, p.Sort, p.Stock, p.Status,
			p.Suggest, p.Upgradation, p.RefundDays}, nil
	},
}

// SQLProductFields are the stored fields of a sql_product row (document
// 八.1). LinesGUID lists the hosting lines whose panels host it.
type SQLProductFields struct {
	GUID        string        `json:"guid"`
	Name        string        `json:"name" cat:"required"`
	LinesGUID   string        `json:"lines_guid" cat:"required,guids"`
	Desc        string        `json:"desc"`
	Price       apitype.Money `json:"price" cat:"required"`
	Months      string        `json:"months" cat:"months"`
	Discount    string        `json:"discount" cat:"json=discount"`
	DB          int           `json:"db"`
	BuyLimit    int           `json:"buy_limit"`
	Timeout     int           `json:"timeout"`
	Sort        int           `json:"sort"`
	Stock       int           `json:"stock" cat:"flag"`
	Status      int           `json:"status" cat:"flag"`
	Suggest     int           `json:"suggest" cat:"flag"`
	Upgradation int           `json:"upgradation" cat:"flag"`
}

// SQLProduct is a row of sql_product: the stored fields and the derived
// line_names (of hosting lines).
type SQLProduct struct {
	SQLProductFields
	LineNames string `json:"line_names"`
}

// SQLProductRecord is a sql_product row of the catalogue file.
type SQLProductRecord struct {
	SQLProductFields
	ProductPrivate
}

const sqlProductColumns = `p.guid, p.name, array_to_string(p.line_guids, ','), p."desc", p.price, p.months,
	p.discount, p.db, p.buy_limit, p.timeout, p.sort, p.stock, p.status, p.suggest, p.upgradation`

func (p *SQLProductFields) dest() []any {
	return []any{&p.GUID, &p.Name, &p.LinesGUID, &p.Desc, &p.Price, &p.Months,
		&p.Discount, &p.DB, &p.BuyLimit, &p.Timeout, &p.Sort, &p.Stock, &p.Status, &p.Suggest, &p.Upgradation}
}

// ListSQLProducts answers sql_product: every database product, enabled or
// not. It returns an error when the query fails.
func ListSQLProducts(ctx context.Context, q postgres.Querier) ([]SQLProduct, error) {
	// Order: sort ("排序权重") descending; then id.
	return list(ctx, q, "catalog.ListSQLProducts", `
		SELECT `+sqlProductColumns+`, `+lineNames("p.line_guids", "hosting_lines")+`
		FROM sql_products p
		ORDER BY p.sort DESC, p.id`,
		func(p *SQLProduct) []any { return append(p.dest(), &p.LineNames) })
}

var sqlProductSpec = spec[SQLProductRecord]{
	key:        "sql_product",
	identField: "guid",
	ignored:    []string{"line_names"},
	fresh: func() SQLProductRecord {
		return SQLProductRecord{SQLProductFields: SQLProductFields{Months: "1", Discount: "[]",
			Stock: 1, Status: 1, Upgradation: 1}}
	},
	ident: func(p *SQLProductRecord) string { return p.GUID },
	guid:  func(p *SQLProductRecord) *string { return &p.GUID },
	check: func(p *SQLProductRecord, r *refs) []fieldProblem {
		return checkHostingLines(p.LinesGUID, r)
	},
	load: func(ctx context.Context, q postgres.Querier, _ *secret.Box) ([]stored[SQLProductRecord], error) {
		return loadRows(ctx, q, `SELECT p.id, `+sqlProductColumns+`, p.refund_days FROM sql_products p ORDER BY p.id`,
			func(p *SQLProductRecord, _ *struct{}) []any { return append(p.dest(), &p.RefundDays) }, nil)
	},
	sql: buildWrite("sql_products", []string{"guid", "name", "line_guids", `"desc"`, "price", "months",
		"discount", "db", "buy_limit", "timeout", "sort", "stock", "status", "suggest", "upgradation",
		"refund_days"}, nil),
	args: func(p *SQLProductRecord, _ *secret.Box) ([]any, error) {
		return []any{p.GUID, p.Name, splitGUIDs(p.LinesGUID), p.Desc, p.Price, p.Months,
			p.Discount, p.DB, p.BuyLimit, p.Timeout, p.Sort, p.Stock, p.Status, p.Suggest, p.Upgradation,
			p.RefundDays}, nil
	},
}
