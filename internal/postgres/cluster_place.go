package postgres

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// RootClusterBase is where the private cluster goes when zonkvmd runs as
// root from a folder the postgres OS user cannot enter (a 0700 home such
// as /root): a root-owned 0755 folder the postgres user can reach, one
// cluster per var folder.
const RootClusterBase = "/var/lib/zonkvmd"

// PlaceCluster returns the folder of the private cluster of the var folder
// varDir: varDir/postgres, or, when the process is root and the postgres
// user cannot reach that folder, RootClusterBase/cluster-<12 hex digits of
// the sha256 of varDir/postgres>. why says why it moved ("" when it did
// not). It returns an error when there is no postgres user to run it as.
func PlaceCluster(varDir string) (dir, why string, err error) {
	dir, err = filepath.Abs(filepath.Join(varDir, "postgres"))
	if err != nil {
		return "", "", fmt.Errorf("postgres.PlaceCluster: %w", err)
	}
	if os.Geteuid() != 0 {
		return dir, "", nil
	}
	a, err := postgresAccount()
	if err != nil {
		return "", "", fmt.Errorf("postgres.PlaceCluster: %w", err)
	}
	blocked := a.checkTraverse(dir)
	if blocked == nil {
		return dir, "", nil
	}
	sum := sha256.Sum256([]byte(dir))
	moved := filepath.Join(RootClusterBase, "cluster-"+hex.EncodeToString(sum[:])[:12])
	return moved, fmt.Sprintf("%s is out of the postgres user's reach (%v)", dir, blocked), nil
}

// ClusterExists reports whether dir holds an initialised cluster.
func ClusterExists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION"))
	return err == nil
}
