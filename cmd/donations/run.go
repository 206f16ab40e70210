package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/server"
)

const usage = `donations: donations and memberships for independent newsrooms

Usage:
  donations [serve]                      run the web server (the default)
  donations migrate                      apply database migrations and exit
  donations migrate status               list each migration, applied (when) or pending; exit 1 if any is pending
  donations check                        check the books: receipt numbers gap-free per fiscal year, voids and
                                         replacements linked, receipts equal to their gifts per currency, no receipt
                                         changed since issue, no email stuck; exit 1 naming each finding
  donations backup FILE                  copy the embedded database to FILE while the server runs (Postgres: pg_dump)
  donations import donors FILE [--mapping template|donorbox|npsp] [--dry-run]
                                         donors from another system's CSV, matched by email: new ones created, known ones
                                         given only what their record lacks; each rejected row named with its reason
  donations import gifts FILE [--mapping template|donorbox|npsp] [--dates mdy|dmy] [--dry-run]
                                         past gifts, each once (a second run changes nothing), receipted from the same book
                                         unless the file gives the old system's receipt number (receipted_elsewhere)
  donations restore FILE [--replace]     put a backup in place of the embedded database (never under a running
                                         server; --replace keeps the current one beside it), then migrate and check
  donations receipts export --year YYYY  write a fiscal year's receipts as CSV to stdout
  donations receipts export --from YYYY-MM-DD --to YYYY-MM-DD
                                         the same for gift dates in [from, to]
  donations adjustments export [--unmatched]
                                         refunds and disputes as CSV (--unmatched: on payments we never saw)
  donations payouts export --from YYYY-MM-DD --to YYYY-MM-DD
                                         Stripe's payouts arriving in [from, to] with every balance transaction in
                                         them (gifts, refunds, disputes, fees), each tied to its gift or unmatched
  donations campaign report SLUG         a campaign's report for its funders, as CSV: each gift (date, donor, amount,
                                         matched per pool, new or returning donor), each pool, the totals
  donations stories export --from YYYY-MM-DD --to YYYY-MM-DD
                                         gifts paid in [from, to] by article, by campaign and by source (utm_):
                                         gifts, donors, first-time donors, gross, net, memberships started
  donations retention export --from YYYY-MM --to YYYY-MM
                                         members and recurring revenue per month and currency: at the start and
                                         end, new, reactivated, churned (by reason), MRR movements, failed payments
                                         and those recovered
  donations giftaid export --from YYYY-MM-DD --to YYYY-MM-DD
                                         claim Gift Aid (RECEIPT_RULES=uk): the waiting donations made in [from, to]
                                         as rows of HMRC's schedule spreadsheet, each then marked claimed
  donations giftaid export --claim ID    write an earlier claim again
  donations statements send --year YYYY [--dry-run]
                                         queue every donor's year-end statement email (once per donor and year)
  donations staff add --email E [--role admin|staff]
                                         add a staff account (password from stdin, or one is generated and printed once)
  donations staff list                   list staff accounts
  donations staff disable --email E      disable an account and end its sessions
  donations reconcile [--since 72h]      apply Stripe events and completed checkouts that were missed
  donations stripe setup [--dry-run]     check the Stripe key; create or update the webhook endpoint and the
                                         Customer Portal configuration this server needs (a second run changes nothing)
  donations stripe import [--since YYYY-MM-DD] [--receipts-from YYYY-MM-DD]
                                         bring in the account's history: customers, every subscription (also another
                                         tool's) with its paid invoices, checkouts and refunds since a day; no receipt
                                         before --receipts-from, no email; a second run adds nothing
  donations version                      print the version
  donations help                         print this help

Settings come from the environment and a .env file (see .env.example).
`

// exit codes
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// app is one invocation's environment: what a command may use.
type app struct {
	getenv config.Getenv
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// setMemoryLimit and setGCPercent are debug's in the process main
	// runs, and nil in tests, which run commands inside the test binary:
	// both are the whole process's.
	setMemoryLimit func(int64) int64
	setGCPercent   func(int) int
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv config.Getenv, stdin io.Reader, stdout, stderr io.Writer) int {
	return (&app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}).run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) int {
	stdout, stderr := a.stdout, a.stderr
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return a.serve(ctx, args)
	case "migrate":
		return a.migrate(ctx, args)
	case "check":
		return a.check(ctx, args)
	case "import":
		return a.importCmd(ctx, args)
	case "backup":
		return a.backup(ctx, args)
	case "restore":
		return a.restore(ctx, args)
	case "statements":
		if len(args) > 0 && args[0] == "send" {
			return a.sendStatements(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations statements: expected a subcommand: send\n\n"+usage)
		return exitUsage
	case "reconcile":
		return a.reconcile(ctx, args)
	case "stripe":
		return a.stripe(ctx, args)
	case "staff":
		return a.staff(ctx, args)
	case "adjustments":
		if len(args) > 0 && args[0] == "export" {
			return a.exportAdjustments(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations adjustments: expected a subcommand: export\n\n"+usage)
		return exitUsage
	case "giftaid":
		if len(args) > 0 && args[0] == "export" {
			return a.exportGiftAid(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations giftaid: expected a subcommand: export\n\n"+usage)
		return exitUsage
	case "payouts":
		if len(args) > 0 && args[0] == "export" {
			return a.exportPayouts(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations payouts: expected a subcommand: export\n\n"+usage)
		return exitUsage
	case "campaign":
		if len(args) > 0 && args[0] == "report" {
			return a.campaignReport(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations campaign: expected a subcommand: report\n\n"+usage)
		return exitUsage
	case "stories":
		if len(args) > 0 && args[0] == "export" {
			return a.exportStories(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations stories: expected a subcommand: export\n\n"+usage)
		return exitUsage
	case "retention":
		if len(args) > 0 && args[0] == "export" {
			return a.exportRetention(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations retention: expected a subcommand: export\n\n"+usage)
		return exitUsage
	case "receipts":
		if len(args) > 0 && args[0] == "export" {
			return a.exportReceipts(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations receipts: expected a subcommand: export\n\n"+usage)
		return exitUsage
	case "version", "--version":
		fmt.Fprintln(stdout, versionString())
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "donations: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

// flags parses a subcommand's flags; a bad flag prints usage and exits 2.
func (a *app) flags(name string, args []string, define func(fs *flag.FlagSet)) (ok bool) {
	fs := flag.NewFlagSet("donations "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() { fmt.Fprint(a.stderr, usage) }
	if define != nil {
		define(fs)
	}
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.stderr, "donations %s: unexpected argument %q\n\n%s", name, fs.Arg(0), usage)
		return false
	}
	return true
}

// load reads the settings, naming the variable that is wrong.
func (a *app) load() (*config.Config, *slog.Logger, bool) {
	getenv, err := config.WithDotEnv(a.getenv, ".env")
	if err != nil {
		fmt.Fprintf(a.stderr, "donations: %v\n", err)
		return nil, nil, false
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations: invalid configuration:\n  %s\n", strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return nil, nil, false
	}
	a.limitMemory(cfg)
	return cfg, newLogger(cfg, a.stderr), true
}

// limitMemory sets the runtime's soft memory limit from MEMORY_LIMIT,
// unless GOMEMLIMIT set one when the process started, and lets the heap
// grow by half of what is live between collections instead of all of it,
// unless GOGC says otherwise. The receipts export's server peaked at
// 67.7 MB of RSS with the default, 59.0 MB with 50, at 1.08 of psql's
// COPY still; a small heap is quick to collect twice as often.
func (a *app) limitMemory(cfg *config.Config) {
	if a.setMemoryLimit != nil && cfg.MemoryLimit > 0 && a.setMemoryLimit(-1) == math.MaxInt64 {
		a.setMemoryLimit(cfg.MemoryLimit)
	}
	if a.setGCPercent != nil && a.getenv("GOGC") == "" {
		a.setGCPercent(50)
	}
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // config.Load allowed only the four names slog reads
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// withStore loads the settings, opens the migrated store and runs fn; a
// failure is printed as "donations <name>: ..." and exits 1.
func (a *app) withStore(ctx context.Context, name string, fn func(cfg *config.Config, log *slog.Logger, store *models.Store) error) int {
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	return a.withLoadedStore(ctx, name, cfg, log, fn)
}

// withLoadedStore is withStore for a command that read the settings itself.
func (a *app) withLoadedStore(ctx context.Context, name string, cfg *config.Config, log *slog.Logger,
	fn func(cfg *config.Config, log *slog.Logger, store *models.Store) error) int {
	// The embedded database is in use while the command runs: a restore
	// waits for it, as for a server.
	release, err := server.HoldDatabase(cfg)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations %s: %v\n", name, err)
		return exitError
	}
	defer release()
	store, err := server.OpenStore(ctx, cfg, log, nil)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations %s: %v\n", name, err)
		return exitError
	}
	err = fn(cfg, log, store)
	if cerr := store.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "donations %s: %v\n", name, err)
		return exitError
	}
	return exitOK
}

func versionString() string {
	v, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := "donations " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += " " + rev
		if dirty {
			out += "-dirty"
		}
	}
	return out
}
