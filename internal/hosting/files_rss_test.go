package hosting_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/apitest"
	"github.com/zonkvm/zonkvmd/internal/config"
	"github.com/zonkvm/zonkvmd/internal/provider/btpanel/btpanelfake"
)

// The memory of an upload is measured with the fake panel in a process of
// its own (this test binary, run again as TestFakePanelProcess), so that
// what this process holds is the daemon's (and the test client's) alone.

const fakePanelEnv = "ZONKVMD_FAKE_PANEL_PROCESS"

// TestFakePanelProcess serves a fake panel until its stdin closes; it runs
// only as the helper process of TestAnUploadStreams.
func TestFakePanelProcess(t *testing.T) {
	if os.Getenv(fakePanelEnv) == "" {
		t.Skip("the helper process of TestAnUploadStreams")
	}
	fake := btpanelfake.New(t, btpanelfake.Options{})
	fake.Mkdir(siteRoot)
	fmt.Printf("FAKE %s %s\n", fake.URL, fake.Key())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

// rssKB is this process's resident set (VmRSS) in KiB.
func rssKB(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestAnUploadStreams uploads a file in 2 MB chunks and checks the
// daemon's RSS does not grow with it. The file is 64 MB, or
// ZONKVMD_UPLOAD_MB (the figure in docs/decisions.md is for 200).
func TestAnUploadStreams(t *testing.T) {
	if os.Getenv(fakePanelEnv) != "" {
		t.Skip("inside the helper process")
	}
	total := int64(64)
	if s := os.Getenv("ZONKVMD_UPLOAD_MB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		require.NoError(t, err)
		total = n
	}
	total <<= 20
	const chunk = 2 << 20

	cmd := exec.Command(os.Args[0], "-test.run=^TestFakePanelProcess$", "-test.v")
	cmd.Env = append(os.Environ(), fakePanelEnv+"=1")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	var url, key string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "FAKE" {
			url, key = f[1], f[2]
			break
		}
	}
	require.NotEmpty(t, url, "the fake panel process did not start")
	go func() {
		for sc.Scan() { // drain
		}
	}()

	db := apitest.CatalogDB(t)
	_, err = db.Exec(t.Context(), `UPDATE hosting_lines SET provider_driver = 'btpanel', provider_config = $2 WHERE guid = $1`,
		lineGUID, apitest.NewBox(t).Seal([]byte(fmt.Sprintf(`{"driver":"btpanel","url":%q,"key":%q}`, url, key))))
	require.NoError(t, err)
	_, err = db.Exec(t.Context(), `UPDATE hosting_products SET disk = 10240`)
	require.NoError(t, err)
	env := apitest.NewWithoutWorkers(t, db, func(c *config.Config) { c.MaxBodyBytes = chunk + 64<<10 })
	r := env.NewReseller(t, "1000")
	var created apitest.Created
	env.Post(t, r.Form("create_order", "obj_type", "create_hosting", "order_id", "RSS-1", "line_guid", lineGUID,
		"product_guid", productGUID, "prefix", "web", "pwd", apitest.PanelPassword, "content", `{"flow":50}`)).Into(t, &created)
	_, err = db.Exec(t.Context(), `UPDATE hosting_orders SET order_status = 1, path = $2, domain = 'test.example.com' WHERE id = $1`,
		created.IDs[0], siteRoot)
	require.NoError(t, err)
	guid := strconv.FormatInt(created.IDs[0], 10)

	data := make([]byte, chunk)
	for i := range data {
		data[i] = byte(i * 7)
	}
	var first, peak int64
	for start := int64(0); start < total; start += chunk {
		ct, body := uploadBody(t, r, guid, siteRoot, "big.bin", start, total, data)
		res := env.Do(t, ct, body, nil)
		require.Equal(t, 1, res.Code, "chunk at %d: %s", start, res.Msg)
		rss := rssKB(t)
		if start == 4*chunk {
			first = rss
		}
		peak = max(peak, rss)
	}
	var exists []map[string]any
	env.Post(t, r.Form("hosting_operate", "operate", "hosting_upload_files_exists", "guid", guid,
		"files", jsonList(siteRoot+"/big.bin"))).Into(t, &exists)
	require.Equal(t, float64(total), exists[0]["size"])
	t.Logf("upload of %d MB in %d MB chunks: RSS %d MB after 5 chunks, peak %d MB", total>>20, chunk>>20, first>>10, peak>>10)
	require.Less(t, peak-first, int64(32<<10), "RSS grew by %d KiB: the upload is held in memory", peak-first)
}
