package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

// peakRSS reads a process's peak resident set (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/pid/status")
	return 0
}

// The attack of issue 12: 160 anonymous requests, 80 at a time, each a
// 1 MB JSON body of 67,400 tiny values. The daemon stops reading each at
// the limit on parameters, so its peak RSS stays far below 200 MB.
func TestManyTinyValuesDoNotExhaustMemory(t *testing.T) {
	t.Parallel()
	var body bytes.Buffer
	body.WriteString(`{"action":"getzones"`)
	for i := 0; body.Len() < 1<<20-20; i++ {
		fmt.Fprintf(&body, `,"k%d":[[1]]`, i)
	}
	body.WriteString("}")
	require.LessOrEqual(t, body.Len(), 1<<20)

	addr := freePort(t)
	cmd, _ := startDaemonWith(t, pgtest.URL(t), addr)
	before := peakRSS(t, cmd.Process.Pid)
	statuses := make(chan int, 160)
	var wg sync.WaitGroup
	for w := 0; w < 80; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2; i++ {
				resp, err := http.Post("http://"+addr+"/api/same/index", "application/json", bytes.NewReader(body.Bytes()))
				if err != nil {
					statuses <- 0
					continue
				}
				resp.Body.Close()
				statuses <- resp.StatusCode
			}
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("peak RSS %d MB (%d MB at start); answers by status: %v", peak>>20, before>>20, count)
	require.Less(t, peak, int64(200<<20))
	require.Positive(t, count[http.StatusTooManyRequests], "anonymous requests count as failed logins")
}
