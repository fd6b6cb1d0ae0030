package ipmi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

const (
	ipmiSimPath  = "/usr/bin/ipmi_sim"
	simUser      = "admin"
	simPassword  = "Sim-secret-42"
	simMCAddress = "0x20"
)

// needTool returns the path of a program the integration test needs. Without
// it the test is skipped, except in CI (CI=true), where it must be there.
func needTool(t *testing.T, path, pkg string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("%s is not installed (apt-get install -y %s): %v", path, pkg, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// simChassisScript is ipmi_sim's chassis_control program: it keeps the
// power in a file, logs every call, and answers "get" as ipmi_sim expects.
// ipmi_sim calls it as "<script> 0x20 get power", "... set power 1", etc.
const simChassisScript = `#!/bin/sh
dir=$(dirname "$0")
echo "$*" >>"$dir/calls.log"
[ -f "$dir/power" ] || echo 0 >"$dir/power"
shift
case "$1 $2" in
"get power") echo "power:$(cat "$dir/power")" ;;
"get boot") echo "boot:none" ;;
"set power") echo "$3" >"$dir/power" ;;
"set shutdown") echo 0 >"$dir/power" ;;
esac
exit 0
`

// ipmiSim is a running OpenIPMI ipmi_sim.
type ipmiSim struct {
	dir string
	bmc provider.BMC
}

// power is the chassis script's power file ("0" or "1").
func (s *ipmiSim) power(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, "power"))
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

// calls are the chassis script's calls so far ("0x20 set power 1", ...).
func (s *ipmiSim) calls(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, "calls.log"))
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// startIPMISim writes lan.conf, the emu file and the chassis script into a
// temporary folder, starts ipmi_sim on a free UDP port of 127.0.0.1 (stdin
// from /dev/null, in a session of its own) and kills it when the test ends.
func startIPMISim(t *testing.T) *ipmiSim {
	t.Helper()
	bin := needTool(t, ipmiSimPath, "openipmi")
	dir := t.TempDir()
	script := filepath.Join(dir, "chassis.sh")
	require.NoError(t, os.WriteFile(script, []byte(simChassisScript), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "power"), []byte("0\n"), 0o644))
	emu := filepath.Join(dir, "sim.emu")
	require.NoError(t, os.WriteFile(emu, []byte("mc_setbmc 0x20\n"+
		"mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n"+
		"mc_enable 0x20\n"), 0o644))
	state := filepath.Join(dir, "state")
	require.NoError(t, os.Mkdir(state, 0o700))

	port := freeUDPPort(t)
	conf := filepath.Join(dir, "lan.conf")
	require.NoError(t, os.WriteFile(conf, []byte(simLANConf(port, script)), 0o600))

	var out bytes.Buffer
	cmd := exec.Command(bin, "-c", conf, "-f", emu, "-s", state, "-n")
	cmd.Dir = dir
	cmd.Stdin = nil // /dev/null
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// Its own session and process group: kill the group (the
		// chassis script may be running).
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		if t.Failed() {
			t.Logf("ipmi_sim output:\n%s", out.String())
		}
	})

	sim := &ipmiSim{dir: dir, bmc: provider.BMC{Host: "127.0.0.1", Port: port, Username: simUser, Password: simPassword}}
	waitForIPMISim(t, sim, exited)
	return sim
}

func simLANConf(port int, script string) string {
	return fmt.Sprintf(`name "zonkvmd-test"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 %d
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "%s %s"
user 2 true "%s" "%s" admin 10 none md2 md5 straight
`, port, script, simMCAddress, simUser, simPassword)
}

// freeUDPPort returns a UDP port of 127.0.0.1 that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	port := pc.LocalAddr().(*net.UDPAddr).Port
	require.NoError(t, pc.Close())
	return port
}

// waitForIPMISim polls the simulator through the driver until it answers.
func waitForIPMISim(t *testing.T, sim *ipmiSim, exited <-chan error) {
	t.Helper()
	d := newDriver(t, `{"driver":"ipmi","timeout_ms":1000}`)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := d.MachineState(context.Background(), machine(sim.bmc))
		if err == nil {
			return
		}
		select {
		case werr := <-exited:
			t.Fatalf("ipmi_sim exited before answering: %v", werr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("ipmi_sim did not answer on %s:%d: %v", sim.bmc.Host, sim.bmc.Port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ipmitoolStatus asks ipmitool for the chassis power, independently of
// go-ipmi (cipher suite 3: ipmi_sim has no suite 17).
func ipmitoolStatus(t *testing.T, b provider.BMC) string {
	t.Helper()
	bin := needTool(t, "/usr/bin/ipmitool", "ipmitool")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-I", "lanplus", "-C", "3", "-H", b.Host, "-p", fmt.Sprint(b.Port),
		"-U", b.Username, "-E", "chassis", "power", "status")
	cmd.Env = append(os.Environ(), "IPMI_PASSWORD="+b.Password) // -E: not on the command line
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("ipmitool: %v: %s", err, out)
	}
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

func TestAgainstOpenIPMISimulator(t *testing.T) {
	t.Parallel()
	sim := startIPMISim(t)
	ctx := context.Background()
	m := machine(sim.bmc)
	for _, iface := range []string{"lanplus", "lan"} {
		d := newDriver(t, `{"driver":"ipmi","timeout_ms":10000,"interface":"`+iface+`"}`)

		require.NoError(t, d.PowerMachine(ctx, m, provider.PowerOn), iface)
		require.Equal(t, "1", sim.power(t))
		st, err := d.MachineState(ctx, m)
		require.NoError(t, err)
		require.Equal(t, provider.StateOn, st, iface)
		if iface == "lanplus" {
			require.Equal(t, "Chassis Power is on", ipmitoolStatus(t, sim.bmc))
		}

		require.NoError(t, d.PowerMachine(ctx, m, provider.PowerOff), iface)
		require.Equal(t, "0", sim.power(t))
		st, err = d.MachineState(ctx, m)
		require.NoError(t, err)
		require.Equal(t, provider.StateOff, st, iface)
		if iface == "lanplus" {
			require.Equal(t, "Chassis Power is off", ipmitoolStatus(t, sim.bmc))
		}
	}
	calls := strings.Join(sim.calls(t), "|")
	require.Contains(t, calls, "0x20 set power 1", "on is power up")
	require.Contains(t, calls, "0x20 set shutdown 1", "off is a soft shutdown")
}

func TestOpenIPMISimulatorPowerOperations(t *testing.T) {
	t.Parallel()
	sim := startIPMISim(t)
	ctx := context.Background()
	m := machine(sim.bmc)
	d := newDriver(t, `{"driver":"ipmi","timeout_ms":10000}`)

	last := func() string { c := sim.calls(t); return c[len(c)-1] }
	require.NoError(t, d.PowerMachine(ctx, m, provider.HardReboot))
	require.Equal(t, "0x20 set power 1", last(), "a hard reboot of a machine that is off powers it up")
	require.NoError(t, d.PowerMachine(ctx, m, provider.HardReboot))
	require.Equal(t, "0x20 set reset 1", last())
	require.NoError(t, d.PowerMachine(ctx, m, provider.HardOff))
	require.Equal(t, "0x20 set power 0", last())
	require.Equal(t, "0", sim.power(t))

	bad := sim.bmc
	bad.Password = "Sim-secret-43"
	err := d.PowerMachine(ctx, machine(bad), provider.PowerOn)
	require.ErrorIs(t, err, provider.ErrRejected, "%v", err)
	require.NotContains(t, err.Error(), bad.Password)
	require.Equal(t, "0", sim.power(t))
}
