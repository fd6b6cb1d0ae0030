// Package billing keeps the resellers' money: accounts (balance plus credit
// line) and the append-only ledger of billing.md §1. Pricing, purchases,
// renewals, upgrades and refunds come with the billing issue.
package billing
