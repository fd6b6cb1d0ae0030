package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBinaries is returned (wrapped) by StartCluster when the machine has
// no PostgreSQL server binaries (initdb and pg_ctl).
var ErrNoBinaries = errors.New("no PostgreSQL binaries found: install postgresql or set DATABASE_URL")

// binaries are the PostgreSQL programs the cluster needs.
type binaries struct {
	initdb, pgctl string
}

// findBinaries looks for initdb and pg_ctl: first in the version that made
// an existing data directory (wantMajor, may be ""), then in
// `pg_config --bindir`, then in the highest /usr/lib/postgresql/*/bin, then
// in PATH. It returns ErrNoBinaries when none has both.
func findBinaries(wantMajor string) (binaries, error) {
	var dirs []string
	if wantMajor != "" {
		dirs = append(dirs, filepath.Join("/usr/lib/postgresql", wantMajor, "bin"))
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, pgConfig, "--bindir").Output()
		cancel()
		if err == nil {
			dirs = append(dirs, strings.TrimSpace(string(out)))
		}
	}
	dirs = append(dirs, debianBinDirs()...)
	for _, d := range dirs {
		b := binaries{initdb: filepath.Join(d, "initdb"), pgctl: filepath.Join(d, "pg_ctl")}
		if isExecutable(b.initdb) && isExecutable(b.pgctl) {
			return b, nil
		}
	}
	initdb, err1 := exec.LookPath("initdb")
	pgctl, err2 := exec.LookPath("pg_ctl")
	if err1 == nil && err2 == nil {
		return binaries{initdb: initdb, pgctl: pgctl}, nil
	}
	return binaries{}, ErrNoBinaries
}

// debianBinDirs returns /usr/lib/postgresql/*/bin, highest version first.
func debianBinDirs() []string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	major := func(p string) float64 {
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(p)), 64)
		if err != nil {
			return -1
		}
		return v
	}
	slices.SortFunc(matches, func(a, b string) int {
		switch ma, mb := major(a), major(b); {
		case ma > mb:
			return -1
		case ma < mb:
			return 1
		}
		return strings.Compare(a, b)
	})
	return matches
}

// isExecutable reports whether path is a regular file with an x bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// osAccount is the OS user PostgreSQL runs as when zonkvmd runs as root.
type osAccount struct {
	name string
	home string
	uid  int
	gid  int
	gids []int // every group, the primary one included
}

// postgresAccount looks up the `postgres` OS user. It returns an error
// saying what to do when there is none.
func postgresAccount() (*osAccount, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, which PostgreSQL refuses, and there is no `postgres` OS user to run it as (%w): install postgresql or set DATABASE_URL", err)
	}
	a := &osAccount{name: u.Username, home: u.HomeDir}
	if a.uid, err = strconv.Atoi(u.Uid); err != nil {
		return nil, fmt.Errorf("postgres user: uid %q: %w", u.Uid, err)
	}
	if a.gid, err = strconv.Atoi(u.Gid); err != nil {
		return nil, fmt.Errorf("postgres user: gid %q: %w", u.Gid, err)
	}
	if a.uid == 0 {
		return nil, errors.New("the `postgres` OS user has uid 0, and PostgreSQL refuses to run as root: set DATABASE_URL")
	}
	a.gids = []int{a.gid}
	groups, _ := u.GroupIds()
	for _, g := range groups {
		if n, err := strconv.Atoi(g); err == nil && !slices.Contains(a.gids, n) {
			a.gids = append(a.gids, n)
		}
	}
	return a, nil
}

// credential is the account as a process credential.
func (a *osAccount) credential() *syscall.Credential {
	groups := make([]uint32, len(a.gids))
	for i, g := range a.gids {
		groups[i] = uint32(g)
	}
	return &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid), Groups: groups}
}

// checkTraverse checks that the account may enter every parent folder of
// dir, both along the path as given and along the path with symbolic links
// resolved. It changes nothing; it returns an error naming the first
// folder that blocks the account.
func (a *osAccount) checkTraverse(dir string) error {
	paths := []string{dir}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		paths = append(paths, real)
	}
	for _, path := range paths {
		for p := filepath.Dir(path); ; p = filepath.Dir(p) {
			if err := a.checkEnter(p); err != nil {
				return err
			}
			if p == filepath.Dir(p) {
				break
			}
		}
	}
	return nil
}

// checkEnter checks the x bit that applies to the account on folder p.
func (a *osAccount) checkEnter(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("check folder %s: %w", p, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	perm := fi.Mode().Perm()
	var bit fs.FileMode
	switch {
	case int(st.Uid) == a.uid:
		bit = 0o100
	case slices.Contains(a.gids, int(st.Gid)):
		bit = 0o010
	default:
		bit = 0o001
	}
	if perm&bit != 0 {
		return nil
	}
	return fmt.Errorf("the %s user (uid %d), which runs PostgreSQL because zonkvmd runs as root, cannot enter %s (mode %04o, owner %d:%d): "+
		"put the cluster under a folder it can reach, or set DATABASE_URL to use an existing server",
		a.name, a.uid, p, perm, st.Uid, st.Gid)
}

// chownTree gives dir and everything in it to the account, skipping what
// it already owns and what vanishes meanwhile.
func (a *osAccount) chownTree(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("chown %s: %w", path, err)
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("chown %s: %w", path, err)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == a.uid && int(st.Gid) == a.gid {
			return nil
		}
		if err := os.Lchown(path, a.uid, a.gid); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("chown %s: %w", path, err)
		}
		return nil
	})
}

// makeShortSocketDir creates (or checks) /tmp/zonkvmd-pg-<8 hex of
// sha256(dir)>, mode 0700, owned by the user running PostgreSQL, for when
// the cluster folder is too long a path for a Unix socket.
func (c *Cluster) makeShortSocketDir() (string, error) {
	sum := sha256.Sum256([]byte(c.dir))
	dir := "/tmp/zonkvmd-pg-" + hex.EncodeToString(sum[:])[:8]
	owner := os.Geteuid()
	if c.runAs != nil {
		owner = c.runAs.uid
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("create socket folder %s: %w", dir, err)
	}
	if c.runAs != nil {
		fi, err := os.Lstat(dir)
		if err == nil && fi.IsDir() {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == 0 {
				if err := os.Chown(dir, c.runAs.uid, c.runAs.gid); err != nil {
					return "", fmt.Errorf("chown socket folder %s: %w", dir, err)
				}
			}
		}
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("socket folder %s: %w", dir, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != owner {
		return "", fmt.Errorf("socket folder %s exists but is not a folder owned by uid %d: remove it", dir, owner)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return "", fmt.Errorf("chmod socket folder %s: %w", dir, err)
		}
	}
	return dir, nil
}
