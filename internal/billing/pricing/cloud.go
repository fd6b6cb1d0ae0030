package pricing

import "github.com/shopspring/decimal"

// Cloud line types (lines_product_type).
const (
	LineElastic = "1"
	LinePackage = "2"
)

// CloudLine is what pricing needs of a cloud-server line (getlines plus the
// extra fields of billing.md §2).
type CloudLine struct {
	ProductType string // "1" elastic, "2" package

	CPUPrice, MemoryPrice, IPPrice, HarddiskPrice, DefensePrice, Bandwidth6Price, Markup decimal.Decimal

	CPUMin, CPUMax, MemoryMin, MemoryMax, IPMax int
	BandwidthMin, BandwidthMax, BandwidthFree   int

	HarddiskMinNum, HarddiskMaxNum, HarddiskMinSize, HarddiskMaxSize, HarddiskStep, HarddiskFree int

	DefenseMin, DefenseMax, DefenseFree int
	Stairs                              Stairs
	Packages                            []CloudPackage // package lines only
}

// CloudPackage is one package (getproduct) of a package line.
type CloudPackage struct {
	CPU, Memory, SystemDisk, Harddisk, IPNum, Bandwidth, Defense int
	Price                                                        decimal.Decimal
}

// CloudOrder is the priced part of a cloud-server order.
type CloudOrder struct {
	CPU, RAM, Bandwidth, Defense, IPNum int   // IPNum 0 means the API default, 1
	Disks                               []int // harddisksValues, system disk first
	SystemMinDisk                       int   // the chosen system's system_harddisk
	// Existing marks an order already made (a renewal, an upgrade): its
	// system disk is not checked against SystemMinDisk again, since the
	// system's requirements were checked when the system was chosen
	// (purchase or server_install) and a renewal must price the order as
	// it is.
	Existing bool
}

// CloudMonthly validates o against l and returns the monthly price M of
// billing.md §2, unrounded. It returns a *FieldError for a parameter out of
// the line's range (see the package comment for the exact rules),
// ErrNoPackage when a package line has no package with o's cpu and ram, and
// ErrLineType for a line that is neither elastic nor package.
func CloudMonthly(l CloudLine, o CloudOrder) (decimal.Decimal, error) {
	if o.IPNum == 0 {
		o.IPNum = 1
	}
	switch l.ProductType {
	case LineElastic:
		if err := checkCloudCPU(l, o); err != nil {
			return decimal.Zero, err
		}
		if err := checkCloudRest(l, o); err != nil {
			return decimal.Zero, err
		}
		return elasticMonthly(l, o), nil
	case LinePackage:
		p, ok := findPackage(l.Packages, o.CPU, o.RAM)
		if !ok {
			return decimal.Zero, ErrNoPackage
		}
		if err := checkCloudRest(l, o); err != nil {
			return decimal.Zero, err
		}
		return packageMonthly(l, p, o), nil
	}
	return decimal.Zero, ErrLineType
}

func elasticMonthly(l CloudLine, o CloudOrder) decimal.Decimal {
	sys, data := o.Disks[0], sum(o.Disks[1:])
	disk := posInt(posInt(sys-o.SystemMinDisk) + data - l.HarddiskFree)
	m := dec(o.CPU).Mul(l.CPUPrice).
		Add(dec(o.RAM).Mul(l.MemoryPrice)).
		Add(Bandwidth(o.Bandwidth, l.BandwidthFree, l.Stairs, l.Bandwidth6Price)).
		Add(dec(disk).Mul(l.HarddiskPrice)).
		Add(dec(posInt(o.Defense - l.DefenseFree)).Mul(l.DefensePrice)).
		Add(dec(posInt(o.IPNum - 1)).Mul(l.IPPrice))
	return markupFactor(l.Markup).Mul(m)
}

// packageMonthly prices a package-line order: the package price covers the
// package's bandwidth, system disk, data-disk total, defense and IPs; what
// goes above them is priced with the line's unit prices, counted from the
// package's values (not the line's free allowances); then * markup. Values
// below the package's do not lower the price.
func packageMonthly(l CloudLine, p CloudPackage, o CloudOrder) decimal.Decimal {
	sys, data := o.Disks[0], sum(o.Disks[1:])
	disk := posInt(sys-p.SystemDisk) + posInt(data-p.Harddisk)
	m := p.Price.
		Add(Bandwidth(o.Bandwidth, p.Bandwidth, l.Stairs, l.Bandwidth6Price)).
		Add(dec(disk).Mul(l.HarddiskPrice)).
		Add(dec(posInt(o.Defense - p.Defense)).Mul(l.DefensePrice)).
		Add(dec(posInt(o.IPNum - p.IPNum)).Mul(l.IPPrice))
	return markupFactor(l.Markup).Mul(m)
}

func findPackage(list []CloudPackage, cpu, ram int) (CloudPackage, bool) {
	for _, p := range list {
		if p.CPU == cpu && p.Memory == ram {
			return p, true
		}
	}
	return CloudPackage{}, false
}

func checkCloudCPU(l CloudLine, o CloudOrder) error {
	if !inRange(o.CPU, l.CPUMin, l.CPUMax) || o.CPU < 1 {
		return fieldErr("cpu", whyRange)
	}
	if !inRange(o.RAM, l.MemoryMin, l.MemoryMax) || o.RAM < 1 {
		return fieldErr("ram", whyRange)
	}
	return nil
}

// checkCloudRest checks everything but cpu and ram.
func checkCloudRest(l CloudLine, o CloudOrder) error {
	if !inRange(o.Bandwidth, l.BandwidthMin, l.BandwidthMax) {
		return fieldErr("bandwidth", whyRange)
	}
	if err := checkDisks(l, o.Disks, o.SystemMinDisk, o.Existing); err != nil {
		return err
	}
	if !inRange(o.Defense, l.DefenseMin, l.DefenseMax) {
		return fieldErr("defense", whyRange)
	}
	ipMax := l.IPMax
	if ipMax < 1 {
		ipMax = 1
	}
	if !inRange(o.IPNum, 1, ipMax) {
		return fieldErr("ip_num", whyRange)
	}
	return nil
}

func checkDisks(l CloudLine, disks []int, sysMin int, existing bool) error {
	if len(disks) == 0 || !inRange(len(disks), l.HarddiskMinNum, l.HarddiskMaxNum) {
		return fieldErr("disks", whyDiskCount)
	}
	sys := disks[0]
	if sys < sysMin && !existing {
		return fieldErr("disks", whySystem)
	}
	if sys > max(l.HarddiskMaxSize, sysMin) {
		return fieldErr("disks", whyRange)
	}
	if sys != sysMin && !multipleOf(sys, l.HarddiskStep) {
		return stepErr("disks", l.HarddiskStep)
	}
	for _, d := range disks[1:] {
		if d < 1 || !inRange(d, l.HarddiskMinSize, l.HarddiskMaxSize) {
			return fieldErr("disks", whyRange)
		}
		if !multipleOf(d, l.HarddiskStep) {
			return stepErr("disks", l.HarddiskStep)
		}
	}
	return nil
}

func inRange(v, lo, hi int) bool { return v >= lo && v <= hi }

// multipleOf reports whether v is a multiple of step; any v is when step <= 0.
func multipleOf(v, step int) bool { return step <= 0 || v%step == 0 }

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
