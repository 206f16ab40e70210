package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// openUnmigrated opens a store on a fresh database without migrating it.
func openUnmigrated(t *testing.T, db string) *models.Store {
	t.Helper()
	pgURL, sqlitePath := testenv.DatabaseURLs(t, db)
	return openUnmigratedAt(t, pgURL, sqlitePath)
}

func openUnmigratedAt(t *testing.T, pgURL, sqlitePath string) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), models.Options{DatabaseURL: pgURL, SQLitePath: sqlitePath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrationStatusAndANewerSchema: status lists every migration as
// pending, then applied; a database that a newer release migrated is
// refused, by name, and nothing is written to it.
func TestMigrationStatusAndANewerSchema(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openUnmigrated(t, db)
		states, newer, err := s.MigrationStatus(ctx)
		if err != nil || newer != 0 || len(states) < 26 {
			t.Fatalf("status of an empty database: %d states, newer %d, %v", len(states), newer, err)
		}
		for _, m := range states {
			if !m.AppliedAt.IsZero() {
				t.Fatalf("%s applied on an empty database", m.Name)
			}
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		states, _, err = s.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range states {
			if m.AppliedAt.IsZero() {
				t.Fatalf("%s pending after migrating", m.Name)
			}
		}
		last := states[len(states)-1].Version
		q := "INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, TRUE)"
		if db == "postgres" {
			q = strings.Replace(q, "?", "$1", 1)
		}
		if _, err := s.SQL().Exec(q, last+1); err != nil {
			t.Fatal(err)
		}
		_, err = s.Migrate(ctx)
		if !errors.Is(err, models.ErrSchemaNewer) || !strings.Contains(err.Error(), "restore a backup") {
			t.Fatalf("a newer schema: %v", err)
		}
		if _, newer, err := s.MigrationStatus(ctx); err != nil || newer != last+1 {
			t.Fatalf("status of a newer schema: newer %d, %v", newer, err)
		}
	})
}

// TestInstancesStartingTogetherMigrateOnce: several instances migrating
// one Postgres database at once all succeed, and each migration is
// recorded once. (The embedded SQLite file is one instance's by design.)
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	pgURL := testenv.PostgresSchema(t)
	stores := make([]*models.Store, 4)
	for i := range stores {
		stores[i] = openUnmigratedAt(t, pgURL, "")
	}
	var wg sync.WaitGroup
	applied := make([][]string, len(stores))
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = s.Migrate(context.Background())
		}()
	}
	wg.Wait()
	total := 0
	for i := range stores {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	var versions, distinct int
	if err := stores[0].SQL().QueryRow("SELECT COUNT(*), COUNT(DISTINCT version_id) FROM goose_db_version").Scan(&versions, &distinct); err != nil {
		t.Fatal(err)
	}
	states, _, err := stores[0].MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if total != len(states) || versions != distinct || distinct != len(states)+1 {
		t.Fatalf("%d migrations applied in all by 4 instances, %d rows for %d versions; want %d once each", total, versions, distinct, len(states))
	}
}

// TestOldVersionTableIsAdopted: a database migrated by v0.4.0's own runner
// (schema_migrations) is taken over by goose at the same version, once,
// with nothing re-run.
func TestOldVersionTableIsAdopted(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openUnmigrated(t, db)
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// Make it look as v0.4.0 left it: its table, no goose table.
		for _, q := range []string{
			"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
			"INSERT INTO schema_migrations SELECT version_id, 'm', 'then' FROM goose_db_version WHERE version_id > 0",
			"DROP TABLE goose_db_version",
		} {
			if _, err := s.SQL().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		applied, err := s.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("adopting v0.4.0's versions: applied %v, %v", applied, err)
		}
		var old int
		if err := s.SQL().QueryRow("SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0").Scan(&old); err != nil || old < 26 {
			t.Fatalf("goose's table after adoption: %d rows, %v", old, err)
		}
		if _, err := s.SQL().Exec("SELECT 1 FROM schema_migrations"); err == nil {
			t.Fatalf("the old table is still there")
		}
	})
}
