package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// fingerprintText is what Fingerprint authenticates under the key.
const fingerprintText = "zonkvmd secret key fingerprint v1"

// Fingerprint names key without revealing it: 32 hex digits of an
// HMAC-SHA256 of a fixed text under the key. The database keeps it, so a
// command run with another key is refused before it seals or opens
// anything. It never fails.
func Fingerprint(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(fingerprintText))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// ReadKeyFile reads the hex key in path without ever creating it. It
// returns an error wrapping os.ErrNotExist when there is no file.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret: read %s: %w", path, err)
	}
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}
