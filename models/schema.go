package models

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// The schema is versioned SQL, one set per dialect (SQLite spells a few
// types otherwise), embedded in the binary and run by goose. Never edit a
// migration that has shipped: add the next one to both sets.
//
//go:embed migrations
var migrationFiles embed.FS

// versionTable is where goose records each migration applied.
const versionTable = "goose_db_version"

// ErrSchemaNewer is returned when the database was migrated by a newer
// release than this binary: running on would write rows that release
// does not expect.
var ErrSchemaNewer = errors.New("the database's schema is newer than this release")

// MigrationState is one migration, and when it was applied (zero: pending).
type MigrationState struct {
	Version   int64
	Name      string
	AppliedAt time.Time
}

// migrator is goose's provider for this store's dialect. On Postgres a
// session lock lets several instances start at once: one migrates, the
// others wait and find nothing left to do.
func (s *Store) migrator() (*goose.Provider, error) {
	files, err := fs.Sub(migrationFiles, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithTableName(versionTable), goose.WithDisableGlobalRegistry(true)}
	if s.dialect == DialectPostgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, s.sqlDB, files, opts...)
}

// migrationLockID is the advisory lock every instance takes to migrate.
const migrationLockID = 7213340517

// Migrate applies every migration the database has not seen yet, and
// refuses a database a newer release has migrated.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	if err := s.adoptOldVersions(ctx); err != nil {
		return nil, fmt.Errorf("recording the schema's version for goose: %w", err)
	}
	p, err := s.migrator()
	if err != nil {
		return nil, err
	}
	if err := s.checkNotNewer(ctx, p); err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		if r.Error == nil {
			applied = append(applied, r.Source.Path)
		}
	}
	if err != nil {
		return applied, fmt.Errorf("migrating: %w", err)
	}
	sealed, err := s.sealOlderReceipts(ctx)
	if err != nil {
		return applied, fmt.Errorf("sealing the receipts issued before seals were kept: %w", err)
	}
	if sealed > 0 {
		s.log.Info("receipts sealed as they stand", "receipts", sealed)
	}
	return applied, nil
}

// checkNotNewer fails with ErrSchemaNewer when the database holds a
// migration this binary does not have.
func (s *Store) checkNotNewer(ctx context.Context, p *goose.Provider) error {
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("reading the schema's version: %w", err)
	}
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version
	if current > latest {
		return fmt.Errorf("%w: it is at migration %d, and this binary knows migrations up to %d. Run the release that migrated it (or a later one), or restore a backup made before the upgrade",
			ErrSchemaNewer, current, latest)
	}
	return nil
}

// MigrationStatus lists every migration this binary has, applied or
// pending, oldest first; newer is the database's version when a newer
// release migrated it (0 otherwise).
func (s *Store) MigrationStatus(ctx context.Context) (states []MigrationState, newer int64, err error) {
	if err := s.adoptOldVersions(ctx); err != nil {
		return nil, 0, err
	}
	p, err := s.migrator()
	if err != nil {
		return nil, 0, err
	}
	list, err := p.Status(ctx)
	if err != nil {
		return nil, 0, err
	}
	for _, m := range list {
		st := MigrationState{Version: m.Source.Version, Name: m.Source.Path}
		if m.State == goose.StateApplied {
			st.AppliedAt = m.AppliedAt
		}
		states = append(states, st)
	}
	if err := s.checkNotNewer(ctx, p); errors.Is(err, ErrSchemaNewer) {
		newer, _ = p.GetDBVersion(ctx)
	} else if err != nil {
		return nil, 0, err
	}
	return states, newer, nil
}

// adoptOldVersions carries a database made before goose (v0.4.0 and
// earlier kept its versions in schema_migrations) over to goose's table,
// once, under the migration lock: the same numbers, the same schema.
func (s *Store) adoptOldVersions(ctx context.Context) error {
	if !s.tableExists(ctx, "schema_migrations") {
		return nil
	}
	dialect := database.DialectSQLite3
	if s.dialect == DialectPostgres {
		dialect = database.DialectPostgres
	}
	store, err := database.NewStore(dialect, versionTable)
	if err != nil {
		return err
	}
	tx, err := s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect == DialectPostgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockID); err != nil {
			return err
		}
	}
	// Another instance may have adopted them while this one waited.
	var old []int64
	if err := func() error {
		rows, err := tx.QueryContext(ctx, "SELECT version FROM schema_migrations ORDER BY version")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				return err
			}
			old = append(old, v)
		}
		return rows.Err()
	}(); err != nil {
		// Gone: another instance adopted them while this one waited. (The
		// transaction ends first: on SQLite it holds the only connection.)
		_ = tx.Rollback()
		if s.tableExists(ctx, versionTable) {
			return nil
		}
		return err
	}
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return err
	}
	for _, v := range append([]int64{0}, old...) {
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE schema_migrations"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.log.Info("schema versions moved to goose", "versions", len(old))
	return nil
}

// tableExists reports whether this store's schema has the table.
func (s *Store) tableExists(ctx context.Context, name string) bool {
	q := "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
	if s.dialect == DialectPostgres {
		q = "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1"
	}
	var one int
	err := s.sqlDB.QueryRowContext(ctx, q, name).Scan(&one)
	return err == nil
}
