package ipmi_test

import (
	"context"
	"net"
	"sync"
	"testing"

	"github.com/bougou/go-ipmi/pkg/bmc"
	"github.com/bougou/go-ipmi/pkg/hal"
	"github.com/bougou/go-ipmi/pkg/hal/mock"
	"github.com/bougou/go-ipmi/pkg/server"
	"github.com/bougou/go-ipmi/pkg/transport/udp"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// The reference BMC's only account.
const (
	bmcUser     = "admin"
	bmcPassword = "Pa55-word-9"
)

// chassis is go-ipmi's mock chassis with a record of the commands that
// reached it, behaving like a machine: a soft shutdown powers it off, a
// cycle and a reset leave it on. Safe for concurrent use.
type chassis struct {
	*mock.Chassis
	mu    sync.Mutex
	calls []string
}

func (c *chassis) record(call string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, call)
}

// Calls returns the commands received so far.
func (c *chassis) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func (c *chassis) SetPower(ctx context.Context, on bool) error {
	if on {
		c.record("up")
	} else {
		c.record("down")
	}
	return c.Chassis.SetPower(ctx, on)
}

func (c *chassis) PowerCycle(ctx context.Context) error {
	c.record("cycle")
	return c.Chassis.PowerCycle(ctx)
}

func (c *chassis) ColdReset(ctx context.Context) error {
	c.record("reset")
	return c.Chassis.ColdReset(ctx)
}

// WarmReset is where go-ipmi's handlers send Chassis Control "soft
// shutdown"; the machine's OS shuts down.
func (c *chassis) WarmReset(ctx context.Context) error {
	c.record("soft")
	return c.Chassis.SetPower(ctx, false)
}

// testHAL is the mock HAL with the recording chassis.
type testHAL struct {
	*mock.HAL
	ch *chassis
}

func (h *testHAL) Chassis() hal.ChassisHAL { return h.ch }

// startBMC runs go-ipmi's reference BMC (lanplus and IPMI v1.5) on a free
// UDP port of 127.0.0.1 until the test ends, and returns how to reach it.
func startBMC(t *testing.T) (provider.BMC, *chassis) {
	t.Helper()
	ch := &chassis{Chassis: &mock.Chassis{}}
	info := bmc.DeviceInfo{DeviceID: 32, DeviceRevision: 1, FirmwareMajor: 1, IPMIVersion: 0x02,
		ManufacturerID: 0x000157, ProductID: 1, AdditionalDeviceSupport: 0x39}
	var guid [16]byte
	copy(guid[:], "zonkvmd-test-bmc")
	b := bmc.New(info, guid, &testHAL{HAL: mock.New(), ch: ch})
	u, err := b.Users.Add(2, bmcUser)
	require.NoError(t, err)
	u.SetPassword([]byte(bmcPassword))
	u.Enabled = true
	u.ChannelAccess[1] = bmc.UserChannelAccess{MaxPrivilege: bmc.PrivilegeLevelAdministrator, Enabled: true}

	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	srv := server.NewServer(b, udp.Wrap(pc))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		_ = srv.Close()
		<-done
	})
	port := pc.LocalAddr().(*net.UDPAddr).Port
	return provider.BMC{Host: "127.0.0.1", Port: port, Username: bmcUser, Password: bmcPassword}, ch
}
