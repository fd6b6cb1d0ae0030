// Package examples carries the example catalogue (the API document's own
// example rows, every line on the sim driver) into the binary, for
// `zonkvmd serve --demo`.
package examples

import _ "embed"

// Catalog is examples/catalog.json.
//
//go:embed catalog.json
var Catalog []byte
