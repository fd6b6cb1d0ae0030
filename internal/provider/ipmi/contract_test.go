package ipmi_test

import (
	"testing"

	"github.com/zonkvm/zonkvmd/internal/provider"
	"github.com/zonkvm/zonkvmd/internal/provider/ipmi/ipmitest"
	"github.com/zonkvm/zonkvmd/internal/provider/providertest"
)

// The ipmi driver passes the same bare-metal contract as every driver
// (reinstall, password, console and traffic answer ErrUnsupported, which
// the contract allows for IPMI-only drivers), against go-ipmi's reference
// BMC.
func TestIPMIDriverPassesTheBareMetalContract(t *testing.T) {
	t.Parallel()
	providertest.BareMetalContract(t, func(t *testing.T) (provider.BareMetalDriver, provider.Machine) {
		b, _ := ipmitest.StartBMC(t, ipmitest.PoweredOff)
		return newDriver(t, `{"driver":"ipmi","timeout_ms":5000}`), machine(b)
	})
}
