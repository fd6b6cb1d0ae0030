// Package machine is what the two businesses that sell whole machines share:
// bare-metal leases (internal/lease) and colocation (internal/idc). Their
// lines have the same columns and are priced by the same rule
// (pricing.LeaseMonthly; colocation adds the power); they renew, upgrade and
// refund alike (Money), are operated alike (Operations: power, reinstall,
// passwords, consoles, charts) and reach their machines through the same
// job plumbing (Target, MachineDriver, Power, AskStaff). Each business keeps
// its purchase, its order reads and its jobs, and calls in here, so the
// logic lives once and neither business imports the other.
package machine
