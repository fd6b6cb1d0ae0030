// Package pricing is the pricing engine of billing.md: pure functions over
// decimal, no I/O. It takes plain input structs (the callers convert the
// catalogue and the request) and returns amounts, or a *FieldError that names
// the invalid order parameter, or one of the package's sentinel errors.
//
// Amounts are computed exactly (decimal.Decimal; math/big.Rat where a sum of
// fractions needs it) and rounded once, at the end of each charge.
//
// Decisions where billing.md is open:
//
//   - Rounding: RoundCharge is half away from zero (so -0.005 -> -0.01, the
//     mirror of 0.005 -> 0.01); RoundRefund truncates toward zero.
//   - Bandwidth tiers: a Mbps costs the price of the tier with the largest
//     min <= that Mbps; a Mbps below the first tier costs the first tier's
//     price, one in a gap between two tiers costs the lower tier's price, one
//     above the last tier the last tier's price. ParseStairs sorts the tiers
//     and rejects overlapping ones, max < min and negative prices.
//   - Discount lists: a value v <= 0, a value above 100, a month < 1 and a
//     month listed twice are parse errors (never a free order). 1 < v <= 100
//     is a percentage, literally: "1.5" means 1.5%. Months below the first
//     entry get factor 1.
//   - Month lists: an empty list allows no months; months < 1 are never
//     allowed. Order counts (CheckNumber) are 1..100 and at most the line's or
//     product's limit, 0 meaning no limit of its own.
//   - Markup: a markup <= 0 (unset in the catalogue) counts as 1.
//   - Cloud, elastic line: ranges are the line's [min, max] as given, except
//     ipMaxNum 0, which allows exactly one IP. The disk count includes the
//     system disk. Data disks are > 0, within [harddiskMinSize,
//     harddiskMaxSize] and multiples of harddiskStep. The system disk is at
//     least the system's system_harddisk, at most max(harddiskMaxSize,
//     system_harddisk), and a multiple of harddiskStep unless it is exactly
//     system_harddisk. An ip_num of 0 means the API default, 1.
//   - Cloud, package line: cpu and ram must equal one package's (else
//     ErrNoPackage); the cpu/ram ranges are not checked. The other parameters
//     are checked against the line as on an elastic line. The package price
//     covers its bandwidth, system disk, data disk total, defense and IPs; the
//     rest is priced with the line's unit prices, counted from the package's
//     values instead of the line's free allowances: markup times (price,
//     plus BW(bandwidth, from = pkg.bandwidth), plus harddiskPrice times
//     ((sys - pkg.systemdisk)+ + (sum(data) - pkg.harddisk)+), plus
//     defensePrice times (defense - pkg.defense)+, plus ipPrice times
//     (ip_num - pkg.ipnum)+); harddisk_free_size, bandwidth_free_size and
//     defenseFreeSize do not apply on package lines.
//     Values below the package's are allowed (within the line's ranges) and
//     never lower the price: the package price is a floor. A system that
//     needs a larger system disk than the package's pays for the difference.
//   - Lease and idc: a zero order value means the product's own (bandwidth,
//     defense) and max(product ipnum, 1) IPs. The product's own values are
//     always allowed. Other values: bandwidth above the product's, at most
//     max(bandwidth_max_size, product's), the part above a multiple of
//     bandwidth_step; ip_num in ip_num_list when set, in [max(ip_min_size, 1),
//     ip_max_size] (ip_max_size 0: nothing above the product's); defense in
//     defense_num_list when set (any value above the product's when not), at
//     most defense_max_size (0: nothing above the product's).
//   - Idc power: no entries and no name gives a zero-priced Power; a name is
//     matched exactly after trimming spaces.
//   - Hosting: a flow above the product's with up_flow 0 cannot be bought;
//     max_flow 0 means the product's flow is the maximum.
//   - Time: AddMonths keeps the location and clock time of t; an anchor day
//     outside 1..31 means t's own day. Upgrade and refund fractions use the
//     exact durations (nanoseconds), not whole seconds.
//   - Refunds: a charge whose window is empty or inverted is ignored; the
//     result is clamped to [0, sum of the charges].
//   - Coupons: CouponDiscount returns the discount (not the new total); an
//     unknown kind or a negative value is ErrCouponUnusable, like an amount
//     below the minimum.
package pricing
