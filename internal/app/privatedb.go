package app

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/zonkvm/zonkvmd/internal/config"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// privateClusterDir returns where the private cluster of cfg lives
// (postgres.PlaceCluster) and logs it, with the reason when it moved.
func privateClusterDir(cfg config.Config, log *zap.Logger) (string, error) {
	dir, why, err := postgres.PlaceCluster(cfg.VarDir)
	if err != nil {
		return "", err
	}
	if why != "" {
		log.Info("the private cluster lives outside the var folder", zap.String("dir", dir), zap.String("why", why))
	}
	log.Info("DATABASE_URL is unset: starting the private PostgreSQL cluster", zap.String("dir", dir))
	return dir, nil
}

// OpenExistingDB is OpenDB for the operator's commands: without
// DATABASE_URL it uses the private cluster only when one exists (serve
// creates it), and otherwise returns an error saying how to point the
// command at a database.
func OpenExistingDB(ctx context.Context, cfg config.Config, log *zap.Logger) (*postgres.DB, func(), error) {
	if cfg.DatabaseURL == "" {
		dir, _, err := postgres.PlaceCluster(cfg.VarDir)
		if err != nil {
			return nil, nil, err
		}
		if !postgres.ClusterExists(dir) {
			return nil, nil, fmt.Errorf("DATABASE_URL is unset and there is no private cluster in %s (zonkvmd serve creates one): set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DB, or ZONKVMD_VAR_DIR to the folder serve ran with", dir)
		}
	}
	return OpenDB(ctx, cfg, log)
}
