package orderflow

import "fmt"

// Business describes one of the five businesses of the API document to the
// code they share: its name in the ledger and the jobs, its order and line
// tables, and the column that holds an order's id at the provider. The
// table and column names are constants of this file, never input; the only
// values are the five below.
type Business struct {
	Name   string // "server", "lease", "idc", "hosting", "sql"
	Orders string // its order table
	Lines  string // its line table
	// RefColumn is the expression of an order's provider id in Orders:
	// "provider_ref", or "''" for a business that keeps the provider's ids
	// in columns of its own.
	RefColumn string
	// PriceColumn holds what one more month of an order costs
	// (auto-renewal prices with it).
	PriceColumn string
}

// The five businesses.
var (
	Server  = business("server", "server", "provider_ref", "monthly_price")
	Lease   = business("lease", "lease", "provider_ref", "monthly_price")
	IDC     = business("idc", "idc", "''", "monthly_price")
	Hosting = business("hosting", "hosting", "''", "renew_price")
	SQL     = business("sql", "hosting", "''", "renew_price") // sold on the hosting lines' panels
)

// business names a business's tables for it: its orders in NAME_orders,
// its lines in LINES_lines.
func business(name, lines, ref, price string) Business {
	return Business{Name: name, Orders: name + "_orders", Lines: lines + "_lines", RefColumn: ref, PriceColumn: price}
}

// Businesses are the five, in the document's order.
var Businesses = []Business{Server, Lease, IDC, Hosting, SQL}

// BusinessNamed returns the business of a name kept in a job or a ledger
// entry, or an error for a name that is none of the five.
func BusinessNamed(name string) (Business, error) {
	for _, b := range Businesses {
		if b.Name == name {
			return b, nil
		}
	}
	return Business{}, fmt.Errorf("orderflow: unknown business %q", name)
}
