//go:build !unix

package server

import (
	"errors"

	"github.com/indienews/donations/config"
)

// ErrDatabaseInUse: a server holds the embedded database.
var ErrDatabaseInUse = errors.New("the embedded database is in use")

// HoldDatabase: file locks are Unix's here; elsewhere a restore relies on
// the operator having stopped the server.
func HoldDatabase(*config.Config) (func() error, error) { return func() error { return nil }, nil }

// TakeDatabase: see HoldDatabase.
func TakeDatabase(*config.Config) (func() error, error) { return func() error { return nil }, nil }
