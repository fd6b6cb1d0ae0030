package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/auth"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/postgres/pgtest"
)

// strictObject decodes one JSON object from dec, failing on a key that
// appears twice in any object (encoding/json and most tools silently keep
// one of the two).
func strictValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch delim {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key := k.(string)
			if seen[key] {
				return fmt.Errorf("key %q twice", key)
			}
			seen[key] = true
			if err := strictValue(dec); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
	case '[':
		for dec.More() {
			if err := strictValue(dec); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// decodeLogLine checks that line is one JSON object with every key once.
func decodeLogLine(line string) error {
	if !strings.HasPrefix(line, "{") {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(line))
	if err := strictValue(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

func TestTheStrictDecoderRejectsDuplicateKeys(t *testing.T) {
	t.Parallel()
	require.NoError(t, decodeLogLine(`{"msg":"api","code":0,"answer":"权限不足","x":{"a":[{"b":1},{"b":2}]}}`))
	require.ErrorContains(t, decodeLogLine(`{"msg":"api","code":0,"msg":"success"}`), `key "msg" twice`)
	require.Error(t, decodeLogLine(`{"x":{"a":1,"a":2}}`))
	require.Error(t, decodeLogLine(`level=warn msg=text`))
}

// Every line a daemon writes in a short run (start, requests that succeed
// and fail, shutdown) is a JSON object with each key once.
func TestEveryLogLineHasEachKeyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.DB(t)
	var creds auth.Created
	require.NoError(t, postgres.Tx(ctx, db, func(tx pgx.Tx) error {
		var err error
		creds, err = auth.CreateTx(ctx, tx, "log-test", nil)
		return err
	}))
	addr := freePort(t)
	cmd, logs := startDaemonWith(t, pgtest.URL(t), addr, "ZONKVMD_LOG_LEVEL=debug")
	api := "http://" + addr + "/api/same/index"
	for _, form := range []url.Values{
		{"appid": {creds.AppID}, "appkey": {creds.AppKey}, "action": {"getzones"}},
		{"appid": {creds.AppID}, "appkey": {"wrong"}, "action": {"getzones"}},
		{"appid": {creds.AppID}, "appkey": {creds.AppKey}, "action": {"getserver"}, "guid": {"srv_1"}},
		{"appid": {creds.AppID}, "appkey": {creds.AppKey}, "action": {"drop_tables"}},
		{"action": {"getzones"}},
	} {
		resp, err := http.PostForm(api, form)
		require.NoError(t, err)
		resp.Body.Close()
	}
	resp, err := http.Get(api)
	require.NoError(t, err)
	resp.Body.Close()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait())

	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var lines, access int
	for sc.Scan() {
		lines++
		require.NoError(t, decodeLogLine(sc.Text()), "log line %q", sc.Text())
		if strings.Contains(sc.Text(), `"msg":"api"`) {
			access++
			require.Contains(t, sc.Text(), `"answer":`)
		}
	}
	require.NoError(t, sc.Err())
	require.Equal(t, 5, access, "one access line per API request:\n%s", logs)
	require.Greater(t, lines, access)
}
