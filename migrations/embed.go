// Package migrations holds zonkvmd's PostgreSQL schema as golang-migrate
// files, embedded into the binary so that `zonkvmd migrate` needs nothing on
// disk.
package migrations

import "embed"

// FS holds every NNNNNN_name.up.sql and .down.sql file of this folder.
//
//go:embed *.sql
var FS embed.FS
