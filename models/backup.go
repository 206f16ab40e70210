package models

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotEmbedded: backup and restore by this program are the embedded
// database's; Postgres has pg_dump and pg_restore.
var ErrNotEmbedded = errors.New("this is the embedded database's command; on Postgres use pg_dump and pg_restore")

// Backup writes a consistent copy of the embedded database to path, which
// must not exist, while the server goes on writing: VACUUM INTO reads one
// snapshot, as any reader does, and gifts arriving meanwhile wait for
// nothing.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != DialectSQLite {
		return ErrNotEmbedded
	}
	if _, err := s.sqlDB.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backing up to %s: %w", path, err)
	}
	return nil
}

// Intact runs SQLite's own integrity check and counts the receipts: what
// a backup or a file about to be restored must pass.
func (s *Store) Intact(ctx context.Context) (receipts int64, err error) {
	if s.dialect != DialectSQLite {
		return 0, ErrNotEmbedded
	}
	var verdict string
	if err := s.sqlDB.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&verdict); err != nil {
		return 0, fmt.Errorf("integrity check: %w", err)
	}
	if verdict != "ok" {
		return 0, fmt.Errorf("integrity check: %s", verdict)
	}
	if !s.tableExists(ctx, versionTable) && !s.tableExists(ctx, "schema_migrations") {
		return 0, errors.New("it is not a donations database (no schema versions)")
	}
	if err := s.sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM receipts").Scan(&receipts); err != nil {
		return 0, fmt.Errorf("counting receipts: %w", err)
	}
	return receipts, nil
}
