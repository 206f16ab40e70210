//go:build unix

package server

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/indienews/donations/config"
)

// ErrDatabaseInUse: a server holds the embedded database (restore), or a
// restore does (serve).
var ErrDatabaseInUse = errors.New("the embedded database is in use")

// HoldDatabase marks the embedded database as served, until release: a
// shared lock on a file beside it, so several processes may serve it but
// a restore cannot replace it under them. Postgres needs none.
func HoldDatabase(cfg *config.Config) (release func() error, err error) {
	return lockDatabase(cfg, syscall.LOCK_SH, "a restore is replacing it")
}

// TakeDatabase locks the embedded database for a restore: it fails with
// ErrDatabaseInUse while any server runs on it.
func TakeDatabase(cfg *config.Config) (release func() error, err error) {
	return lockDatabase(cfg, syscall.LOCK_EX, "a server is running on it; stop it first")
}

func lockDatabase(cfg *config.Config, how int, busy string) (func() error, error) {
	if cfg.DatabaseURL != "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	path := cfg.SQLitePath() + ".lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s): %s", ErrDatabaseInUse, cfg.SQLitePath(), busy)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	// Closing the file drops the lock (and so does the process ending).
	return f.Close, nil
}
