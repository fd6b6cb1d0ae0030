// Package ipmitest runs go-ipmi's reference BMC in-process for tests: the
// ipmi driver's own and those of the businesses that power machines through
// a BMC (bare metal and colocation). It is for tests only.
package ipmitest

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
	User     = "admin"
	Password = "Pa55-word-9"
)

// Power is the machine's power when its BMC starts.
type Power bool

// The machine behind a BMC starts powered off or on.
const (
	PoweredOff Power = false
	PoweredOn  Power = true
)

// Chassis is go-ipmi's mock chassis behaving like a machine, with a record
// of the commands that reached it: a soft shutdown powers it off, a cycle
// and a reset leave it on. Safe for concurrent use.
type Chassis struct {
	*mock.Chassis
	mu    sync.Mutex
	calls []string
}

func (c *Chassis) record(call string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, call)
}

// Calls returns the commands received so far: up, down, cycle, reset,
// soft.
func (c *Chassis) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// On reports whether the machine is powered.
func (c *Chassis) On() bool {
	on, _ := c.Chassis.PowerState(context.Background())
	return on
}

// SetPower powers the machine up or down.
func (c *Chassis) SetPower(ctx context.Context, on bool) error {
	if on {
		c.record("up")
	} else {
		c.record("down")
	}
	return c.Chassis.SetPower(ctx, on)
}

// PowerCycle cycles the power; the machine stays on.
func (c *Chassis) PowerCycle(ctx context.Context) error {
	c.record("cycle")
	return c.Chassis.PowerCycle(ctx)
}

// ColdReset pulls the reset line; the machine stays on.
func (c *Chassis) ColdReset(ctx context.Context) error {
	c.record("reset")
	return c.Chassis.ColdReset(ctx)
}

// WarmReset is where go-ipmi's handlers send Chassis Control "soft
// shutdown": the machine's OS shuts down.
func (c *Chassis) WarmReset(ctx context.Context) error {
	c.record("soft")
	return c.Chassis.SetPower(ctx, false)
}

// testHAL is the mock HAL with the recording chassis.
type testHAL struct {
	*mock.HAL
	ch *Chassis
}

func (h *testHAL) Chassis() hal.ChassisHAL { return h.ch }

// StartBMC runs go-ipmi's reference BMC (lanplus and IPMI v1.5) in-process
// on a free UDP port of 127.0.0.1, for a machine powered as power says,
// until the test ends. It returns how to reach it and its chassis.
func StartBMC(t testing.TB, power Power) (provider.BMC, *Chassis) {
	t.Helper()
	ch := &Chassis{Chassis: &mock.Chassis{On: bool(power)}}
	info := bmc.DeviceInfo{DeviceID: 32, DeviceRevision: 1, FirmwareMajor: 1, IPMIVersion: 0x02,
		ManufacturerID: 0x000157, ProductID: 1, AdditionalDeviceSupport: 0x39}
	var guid [16]byte
	copy(guid[:], "zonkvmd-test-bmc")
	b := bmc.New(info, guid, &testHAL{HAL: mock.New(), ch: ch})
	u, err := b.Users.Add(2, User)
	require.NoError(t, err)
	u.SetPassword([]byte(Password))
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
	return provider.BMC{Host: "127.0.0.1", Port: port, Username: User, Password: Password}, ch
}
