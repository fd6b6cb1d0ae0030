package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zonkvm/zonkvmd/internal/config"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// ErrWrongKey is returned by OpenBox when the configured key is not the one
// the database's secrets are sealed with.
var ErrWrongKey = errors.New("wrong secret key")

// OpenBox returns the secret box of ZONKVMD_SECRET_KEY (or of the key file
// under the var folder), checked against the key fingerprint the database
// keeps. The first call on a database records the fingerprint; a key file
// is created only while the database has none. It returns an error wrapping
// ErrWrongKey, in one line, when the key differs, and an error saying what
// to set when the database has a fingerprint but no key is configured.
func OpenBox(ctx context.Context, cfg config.Config, db *postgres.DB) (*secret.Box, error) {
	var stored string
	err := postgres.QueryRow(ctx, db, `SELECT fingerprint FROM secret_key`).Scan(&stored)
	if err != nil && !errors.Is(err, postgres.ErrNotFound) {
		return nil, fmt.Errorf("read the secret key's fingerprint: %w", err)
	}
	key, source, err := configuredKey(cfg, stored)
	if err != nil {
		return nil, err
	}
	fp := secret.Fingerprint(key)
	box, err := secret.New(key)
	if err != nil {
		return nil, err
	}
	if stored == "" {
		// A database from before fingerprints: the key must open what is
		// sealed already before it is recorded as the database's.
		if err := opensSealed(ctx, db, box); err != nil {
			return nil, fmt.Errorf("%w: %s (fingerprint %s) %v; refusing to run", ErrWrongKey, source, fp, err)
		}
		// The first key wins; a racing command's is compared below.
		err = db.QueryRow(ctx, `
			INSERT INTO secret_key (fingerprint) VALUES ($1)
			ON CONFLICT (only_row) DO UPDATE SET only_row = secret_key.only_row
			RETURNING fingerprint`, fp).Scan(&stored)
		if err != nil {
			return nil, fmt.Errorf("record the secret key's fingerprint: %w", err)
		}
	}
	if stored != fp {
		return nil, fmt.Errorf("%w: %s has fingerprint %s, but this database's secrets are sealed with the key of fingerprint %s; refusing to run",
			ErrWrongKey, source, fp, stored)
	}
	return box, nil
}

// opensSealed checks that box opens a provider object sealed in the
// database, when there is one.
func opensSealed(ctx context.Context, db *postgres.DB, box *secret.Box) error {
	var sealed []byte
	err := postgres.QueryRow(ctx, db, `
		SELECT provider_config FROM (
			SELECT provider_config FROM server_lines UNION ALL SELECT provider_config FROM lease_lines
			UNION ALL SELECT provider_config FROM idc_lines UNION ALL SELECT provider_config FROM hosting_lines) s
		WHERE provider_config IS NOT NULL LIMIT 1`).Scan(&sealed)
	if errors.Is(err, postgres.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read a sealed value: %w", err)
	}
	if _, err := box.Open(sealed); err != nil {
		return errors.New("does not open the provider secrets already sealed in this database")
	}
	return nil
}

// configuredKey reads the configured key and names its source. With a
// stored fingerprint it never creates a key file.
func configuredKey(cfg config.Config, stored string) ([]byte, string, error) {
	if cfg.SecretKey != "" {
		key, err := secret.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, "", fmt.Errorf("secret key: %w", err)
		}
		return key, "ZONKVMD_SECRET_KEY", nil
	}
	path := filepath.Join(cfg.VarDir, "secret.key")
	if stored == "" {
		key, err := secret.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("secret key: %w", err)
		}
		return key, path, nil
	}
	key, err := secret.ReadKeyFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("%w: ZONKVMD_SECRET_KEY is unset and there is no %s, but this database's secrets are sealed with the key of fingerprint %s: set ZONKVMD_SECRET_KEY to that key",
			ErrWrongKey, path, stored)
	}
	if err != nil {
		return nil, "", fmt.Errorf("secret key: %w", err)
	}
	return key, path, nil
}
