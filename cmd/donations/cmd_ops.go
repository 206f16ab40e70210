package main

// donations migrate, migrate status: the schema, as the operator of an
// upgrade sees it.

import (
	"context"
	"fmt"
	"log/slog"
	"path"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/server"
)

func (a *app) migrate(ctx context.Context, args []string) int {
	if len(args) > 0 && args[0] == "status" {
		return a.migrateStatus(ctx, args[1:])
	}
	if !a.flags("migrate", args, nil) {
		return exitUsage
	}
	return a.withStore(ctx, "migrate", func(cfg *config.Config, _ *slog.Logger, _ *models.Store) error {
		fmt.Fprintf(a.stdout, "schema up to date on %s\n", server.DatabaseName(cfg))
		return nil
	})
}

// migrateStatus lists the migrations without applying any: what an
// upgrade is about to do.
func (a *app) migrateStatus(ctx context.Context, args []string) int {
	if !a.flags("migrate status", args, nil) {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	store, err := models.Open(ctx, models.Options{DatabaseURL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath(), Logger: log, Receipts: cfg.Receipts()})
	if err != nil {
		fmt.Fprintf(a.stderr, "donations migrate status: %v\n", err)
		return exitError
	}
	defer store.Close()
	states, newer, err := store.MigrationStatus(ctx)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations migrate status: %v\n", err)
		return exitError
	}
	fmt.Fprintf(a.stdout, "schema of %s:\n", server.DatabaseName(cfg))
	pending := 0
	for _, m := range states {
		when := "pending"
		if m.AppliedAt.IsZero() {
			pending++
		} else {
			when = "applied " + m.AppliedAt.UTC().Format("2006-01-02 15:04:05 UTC")
		}
		fmt.Fprintf(a.stdout, "  %-44s %s\n", path.Base(m.Name), when)
	}
	switch {
	case newer > 0:
		fmt.Fprintf(a.stdout, "the database is at migration %d, newer than this release: run that release, or restore a backup from before the upgrade\n", newer)
		return exitError
	case pending > 0:
		fmt.Fprintf(a.stdout, "%d pending: `donations migrate` (or starting the server) applies them\n", pending)
		return exitError
	}
	fmt.Fprintln(a.stdout, "up to date")
	return exitOK
}
