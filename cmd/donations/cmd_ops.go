package main

// donations migrate, migrate status, check, backup and restore: what the
// person running the server does to upgrade it, and to keep the books
// safe.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strings"
	"time"

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

// flagsAndFile parses a command that takes one FILE and flags, in either
// order.
func (a *app) flagsAndFile(name string, args []string, define func(fs *flag.FlagSet)) (string, bool) {
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	} else if n := len(args); n > 0 && !strings.HasPrefix(args[n-1], "-") {
		file, args = args[n-1], args[:n-1]
	}
	if !a.flags(name, args, define) {
		return "", false
	}
	if file == "" {
		fmt.Fprintf(a.stderr, "donations %s: expected a FILE\n\n%s", name, usage)
		return "", false
	}
	return file, true
}

// check verifies the books, keeps the result for the dashboard and names
// each finding; it exits 1 when there is one.
func (a *app) check(ctx context.Context, args []string) int {
	if !a.flags("check", args, nil) {
		return exitUsage
	}
	found := false
	code := a.withStore(ctx, "check", func(cfg *config.Config, _ *slog.Logger, store *models.Store) error {
		c, err := store.CheckBooks(ctx)
		if err != nil {
			return err
		}
		if err := store.RecordBookCheck(ctx, c); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "books of %s: %s\n", server.DatabaseName(cfg), c.Summary)
		for _, f := range c.Findings {
			fmt.Fprintf(a.stdout, "FINDING %s: %s\n", f.Kind, f.Text)
		}
		if found = !c.OK; !found {
			fmt.Fprintln(a.stdout, "nothing wrong: numbers gap-free, voids and replacements linked, receipts equal to their gifts, seals intact, no email stuck")
		} else {
			fmt.Fprintf(a.stdout, "%d findings\n", len(c.Findings))
		}
		return nil
	})
	if code == exitOK && found {
		return exitError
	}
	return code
}

// openEmbedded opens the SQLite file at path as it is, without migrating.
func openEmbedded(ctx context.Context, path string, log *slog.Logger) (*models.Store, error) {
	return models.Open(ctx, models.Options{SQLitePath: path, Logger: log})
}

// backup copies the embedded database while the server runs.
func (a *app) backup(ctx context.Context, args []string) int {
	file, ok := a.flagsAndFile("backup", args, nil)
	if !ok {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	if cfg.DatabaseURL != "" {
		fmt.Fprintf(a.stderr, "donations backup: %v:\n  pg_dump --format=custom --file=%s \"$DATABASE_URL\"\n(docs/operating.md has the restore drill)\n", models.ErrNotEmbedded, file)
		return exitUsage
	}
	if _, err := os.Stat(file); err == nil {
		fmt.Fprintf(a.stderr, "donations backup: %s exists; name a new file\n", file)
		return exitError
	}
	fail := func(err error) int {
		fmt.Fprintf(a.stderr, "donations backup: %v\n", err)
		return exitError
	}
	// Not migrated: a backup is what a person makes before an upgrade.
	store, err := openEmbedded(ctx, cfg.SQLitePath(), log)
	if err != nil {
		return fail(err)
	}
	tmp := file + ".partial"
	os.Remove(tmp)
	err = store.Backup(ctx, tmp)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	receipts, err := verifyCopy(ctx, tmp, log)
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	info, _ := os.Stat(file)
	fmt.Fprintf(a.stdout, "backed up %s to %s: %d receipts, %d bytes, intact\n", cfg.SQLitePath(), file, receipts, info.Size())
	return exitOK
}

// verifyCopy opens a copy of the database and checks it is whole.
func verifyCopy(ctx context.Context, path string, log *slog.Logger) (int64, error) {
	s, err := openEmbedded(ctx, path, log)
	if err != nil {
		return 0, err
	}
	n, err := s.Intact(ctx)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// restore puts a backup in place of the embedded database: never over a
// database by mistake (--replace keeps the old file beside it), never
// under a running server; then it migrates and checks the books.
func (a *app) restore(ctx context.Context, args []string) int {
	var replace bool
	file, ok := a.flagsAndFile("restore", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&replace, "replace", false, "restore over the current database, keeping it beside as donations.db.before-restore-TIME")
	})
	if !ok {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	if cfg.DatabaseURL != "" {
		fmt.Fprintf(a.stderr, "donations restore: %v:\n  pg_restore --no-owner --dbname=\"$DATABASE_URL\" %s\nthen donations check\n", models.ErrNotEmbedded, file)
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(a.stderr, "donations restore: %v\n", err)
		return exitError
	}
	src, err := os.Open(file)
	if err != nil {
		return fail(err)
	}
	defer src.Close()
	head := make([]byte, 16)
	if _, err := io.ReadFull(src, head); err != nil || string(head) != "SQLite format 3\x00" {
		return fail(fmt.Errorf("%s is not a backup made by donations backup (not a SQLite database)", file))
	}
	release, err := server.TakeDatabase(cfg)
	if err != nil {
		return fail(err)
	}
	released := false
	defer func() {
		if !released {
			release()
		}
	}()
	target := cfg.SQLitePath()
	if _, err := os.Stat(target); err == nil && !replace {
		return fail(fmt.Errorf("%s already holds a database. Restore into an empty DATA_DIR, or pass --replace to restore over it (the current one is kept beside it)", target))
	}
	// Copy beside the target first: a restore that fails half way leaves
	// the current database as it was.
	tmp := target + ".restoring"
	for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(f)
	}
	if err := copyFile(file, tmp); err != nil {
		return fail(err)
	}
	receipts, err := verifyCopy(ctx, tmp, log)
	if err != nil {
		os.Remove(tmp)
		return fail(err)
	}
	if _, err := os.Stat(target); err == nil {
		kept := target + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(target+suffix, kept+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fail(err)
			}
		}
		fmt.Fprintf(a.stdout, "kept the database it replaces as %s\n", kept)
	}
	if err := os.Rename(tmp, target); err != nil {
		return fail(err)
	}
	fmt.Fprintf(a.stdout, "restored %s to %s: %d receipts\n", file, target, receipts)
	// Brought up to this release's schema, and checked, as a start would
	// (which holds the database as any command does: the restore's own
	// lock is let go first).
	released = true
	release()
	return a.check(ctx, nil)
}

// copyFile copies src to dst (new), synced to disk.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}
