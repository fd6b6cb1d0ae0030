// Package secret seals the credentials zonkvmd keeps at rest (customers'
// passwords, provider secrets, BMC passwords) with AES-256-GCM under the key
// of ZONKVMD_SECRET_KEY, and loads or creates that key.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// version prefixes every sealed value, so the format can change later.
const version byte = 1

// Box seals and opens values. It is safe for concurrent use.
type Box struct{ aead cipher.AEAD }

// ErrOpen is returned when a sealed value is damaged or was sealed with
// another key.
var ErrOpen = errors.New("secret: cannot open sealed value (damaged, or another key)")

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret.New: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret.New: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret.New: %w", err)
	}
	return &Box{aead: aead}, nil
}

// ParseKey reads a key written as 64 hex digits.
func ParseKey(s string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("secret key must be %d hex digits", 2*KeySize)
	}
	return key, nil
}

// LoadOrCreateKeyFile reads the hex key in path, creating the file (mode
// 0600, its folder 0700) with a new random key when it does not exist.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := ParseKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("secret: read %s: %w", path, err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret: generate key: %w", err)
	}
	// The folder stays traversable (0755): the private PostgreSQL cluster,
	// run as the postgres user, lives beside the key. The key file is 0600.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return LoadOrCreateKeyFile(path)
		}
		return nil, fmt.Errorf("secret: create %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		return nil, fmt.Errorf("secret: write %s: %w", path, err)
	}
	return key, nil
}

// Seal encrypts plaintext; each call uses a fresh nonce.
func (b *Box) Seal(plaintext []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("secret: crypto/rand failed: %v", err))
	}
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, plaintext, []byte{version})
}

// SealString seals s; the empty string seals to nil (stored as NULL).
func (b *Box) SealString(s string) []byte {
	if s == "" {
		return nil
	}
	return b.Seal([]byte(s))
}

// Open decrypts a value made by Seal, or returns ErrOpen.
func (b *Box) Open(sealed []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 1+ns || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte{version})
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// OpenString opens a value made by SealString; nil opens to "".
func (b *Box) OpenString(sealed []byte) (string, error) {
	if sealed == nil {
		return "", nil
	}
	pt, err := b.Open(sealed)
	return string(pt), err
}
