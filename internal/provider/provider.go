// Package provider names the infrastructure drivers a catalogue line may
// use. The drivers themselves come with the provider issue; until then the
// catalogue only checks that a line names a known driver.
package provider

// Drivers lists the valid values of a catalogue row's provider.driver.
var Drivers = []string{"mofangyun", "mofang", "btpanel", "ipmi", "manual", "sim"}

// Known reports whether name is a driver zonkvmd knows.
func Known(name string) bool {
	for _, d := range Drivers {
		if d == name {
			return true
		}
	}
	return false
}
