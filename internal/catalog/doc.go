// Package catalog is the supplier's catalogue of all five businesses: row
// types, import/export of the catalogue file, list queries.
//
// # Rows
//
// Each catalogue action of the API document has one row type whose JSON is
// exactly the action's answer row (field names, JSON types and order of the
// document's tables and examples): Zone (getzones), System (getsystems),
// ServerLine (getlines), ServerPackage (getproduct), LeaseLine, LeaseHarddisk,
// LeaseProduct, IDCLine, IDCProduct, HostingLine, HostingProduct and
// SQLProduct. The List* functions answer the actions from the database.
// Derived fields (getsystems type_name and zone_names, the lines' line_guid,
// the products' line_names, getproduct's lines_guid) come from JOINs when the
// row is read; they are never stored.
//
// Fields the operator needs but the API never shows (provider, unit prices
// and limits, open_api, refund_days, ...) live in separate *Private structs.
// A catalogue file row is a *Record: the API row's stored fields and the
// private struct embedded side by side (a kind without private fields uses
// its API row, or its *Fields struct when the API row has derived fields).
// The List* functions return only the
// API types and their queries never read a private column, so an answer
// cannot carry a private field. getsystems' login_password is the one secret
// with an API name: the file holds it in clear, it is sealed at rest and the
// API always answers "***".
//
// # The catalogue file
//
// The file (operator.md) is one JSON object whose keys are the catalogue
// actions plus "lease_machines" and "coupons" (Keys lists them in file
// order), each a list of rows. Import reads it and Export writes it.
//
//   - Rows are upserted: matched by guid; getproduct rows by (lines_guid,
//     name); coupons by id. Ids of existing rows never change.
//   - A row without a guid gets a new 16-digit one (Unix seconds and
//     microseconds), unique within the table. Such a row cannot be matched
//     again, so importing it twice makes two rows: give guids to rows that
//     must stay one.
//   - A field missing from a row takes the schema's default, on insert and
//     on update alike (the file describes whole rows). Two exceptions:
//     getsystems create_time (missing: kept, now for a new row) and
//     update_time (missing: kept when the row is otherwise unchanged, now
//     when it changed); and a lease machine held by a live order stays
//     "used" whatever the file says.
//   - Derived fields (type_name, zone_names, line_names) are accepted in a
//     row and ignored.
//   - Import never deletes: rows missing from the file stay as they are.
//     Coupons are overwritten as given, "uses" included.
//   - Import is all-or-nothing, in one transaction, and a file with any
//     problem changes nothing: *ImportError lists every problem, by key,
//     index and field. Re-importing a file changes nothing and reports every
//     row unchanged.
//   - Export writes every row with its private fields (secrets opened),
//     without derived fields, in id order, indented, so that importing an
//     export into an empty database and exporting again gives the same
//     bytes.
package catalog
