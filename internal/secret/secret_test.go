package secret

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSealedValuesOpenOnlyWithTheirKey(t *testing.T) {
	t.Parallel()
	a, err := New(bytes.Repeat([]byte{1}, KeySize))
	require.NoError(t, err)
	b, err := New(bytes.Repeat([]byte{2}, KeySize))
	require.NoError(t, err)
	sealed := a.SealString("Abcd1234!")
	require.NotContains(t, string(sealed), "Abcd1234")
	require.NotEqual(t, sealed, a.SealString("Abcd1234!"), "a fresh nonce each time")
	got, err := a.OpenString(sealed)
	require.NoError(t, err)
	require.Equal(t, "Abcd1234!", got)
	_, err = b.OpenString(sealed)
	require.ErrorIs(t, err, ErrOpen)
	sealed[len(sealed)-1] ^= 1
	_, err = a.OpenString(sealed)
	require.ErrorIs(t, err, ErrOpen)
	empty, err := a.OpenString(a.SealString(""))
	require.NoError(t, err)
	require.Equal(t, "", empty)
	_, err = New([]byte("short"))
	require.Error(t, err)
}

func TestKeyFileIsCreatedOnceWithTightMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "var", "secret.key")
	k1, err := LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	k2, err := LoadOrCreateKeyFile(path)
	require.NoError(t, err)
	require.Equal(t, k1, k2)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	require.NoError(t, os.WriteFile(path, []byte("not hex"), 0o600))
	_, err = LoadOrCreateKeyFile(path)
	require.ErrorContains(t, err, "64 hex digits")
}
