package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/reports"
)

const usage = `donations: donations and memberships for independent newsrooms

Usage:
  donations [serve]                      run the web server (the default)
  donations migrate                      apply database migrations and exit
  donations receipts export --year YYYY  write a fiscal year's receipts as CSV to stdout
  donations receipts export --from YYYY-MM-DD --to YYYY-MM-DD
                                         the same for gift dates in [from, to]
  donations adjustments export [--unmatched]
                                         refunds and disputes as CSV (--unmatched: on payments we never saw)
  donations statements send --year YYYY [--dry-run]
                                         queue every donor's year-end statement email (once per donor and year)
  donations staff add --email E [--role admin|staff]
                                         add a staff account (password from stdin, or one is generated and printed once)
  donations staff list                   list staff accounts
  donations staff disable --email E      disable an account and end its sessions
  donations reconcile [--since 72h]      apply Stripe events and completed checkouts that were missed
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
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv config.Getenv, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return a.serve(ctx, args)
	case "migrate":
		return a.migrate(ctx, args)
	case "statements":
		if len(args) > 0 && args[0] == "send" {
			return a.sendStatements(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations statements: expected a subcommand: send\n\n"+usage)
		return exitUsage
	case "reconcile":
		return a.reconcile(ctx, args)
	case "staff":
		return a.staff(ctx, args)
	case "adjustments":
		if len(args) > 0 && args[0] == "export" {
			return a.exportAdjustments(ctx, args[1:])
		}
		fmt.Fprint(stderr, "donations adjustments: expected a subcommand: export\n\n"+usage)
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
	return cfg, newLogger(cfg, a.stderr), true
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the configured database and brings its schema up to date.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*models.Store, error) {
	store, err := models.Open(ctx, models.Options{
		DatabaseURL: cfg.DatabaseURL,
		SQLitePath:  cfg.SQLitePath(),
		Logger:      log,
		Receipts: models.ReceiptSettings{
			OrgName: cfg.Org.Name, OrgTaxID: cfg.Org.TaxID, OrgAddress: cfg.Org.Address,
			Prefix: cfg.ReceiptPrefix, FiscalYearStart: cfg.FiscalYearStart, Location: cfg.Location,
			Tiers: tiers(cfg.Tiers), Rules: cfg.ReceiptRules, PlaceOfIssue: cfg.PlaceOfIssue, Signatory: cfg.Signatory,
			VerifyBase: strings.TrimRight(cfg.BaseURL.String(), "/") + "/receipts/verify/",
		},
	})
	if err != nil {
		return nil, err
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		store.Close()
		return nil, err
	}
	for _, m := range applied {
		log.Info("migration applied", "migration", m)
	}
	if err := jobs.Migrate(ctx, store); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

func databaseName(cfg *config.Config) string {
	if cfg.DatabaseURL == "" {
		return "sqlite " + cfg.SQLitePath()
	}
	return "postgres " + redactURL(cfg.DatabaseURL)
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
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations %s: %v\n", name, err)
		return exitError
	}
	defer store.Close()
	if err := fn(cfg, log, store); err != nil {
		fmt.Fprintf(a.stderr, "donations %s: %v\n", name, err)
		return exitError
	}
	return exitOK
}

func (a *app) migrate(ctx context.Context, args []string) int {
	if !a.flags("migrate", args, nil) {
		return exitUsage
	}
	return a.withStore(ctx, "migrate", func(cfg *config.Config, _ *slog.Logger, _ *models.Store) error {
		fmt.Fprintf(a.stdout, "schema up to date on %s\n", databaseName(cfg))
		return nil
	})
}

func (a *app) exportReceipts(ctx context.Context, args []string) int {
	var year int
	var from, to string
	if !a.flags("receipts export", args, func(fs *flag.FlagSet) {
		fs.IntVar(&year, "year", 0, "fiscal year (named by the calendar year it ends in)")
		fs.StringVar(&from, "from", "", "first gift date, YYYY-MM-DD")
		fs.StringVar(&to, "to", "", "last gift date, YYYY-MM-DD (inclusive)")
	}) {
		return exitUsage
	}
	// Dates are read in the organisation's time zone; check them before
	// touching the database.
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	period, err := exportPeriod(year, from, to, cfg.Location)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations receipts export: %v\n\n%s", err, usage)
		return exitUsage
	}
	return a.withLoadedStore(ctx, "receipts export", cfg, log, func(_ *config.Config, _ *slog.Logger, store *models.Store) error {
		out := bufio.NewWriterSize(a.stdout, 64<<10)
		if err := reports.WriteReceiptsCSV(ctx, out, store, period, cfg.Location); err != nil {
			return err
		}
		return out.Flush()
	})
}

func exportPeriod(year int, from, to string, loc *time.Location) (models.ReceiptPeriod, error) {
	switch {
	case year != 0 && (from != "" || to != ""):
		return models.ReceiptPeriod{}, errors.New("give either --year or --from and --to, not both")
	case year != 0:
		if year < 1900 || year > 9999 {
			return models.ReceiptPeriod{}, fmt.Errorf("--year %d is not a year", year)
		}
		return models.ReceiptPeriod{FiscalYear: year}, nil
	case from != "" && to != "":
		f, err1 := time.ParseInLocation("2006-01-02", from, loc)
		t, err2 := time.ParseInLocation("2006-01-02", to, loc)
		if err1 != nil || err2 != nil {
			return models.ReceiptPeriod{}, errors.New("--from and --to must be dates like 2026-01-31")
		}
		if t.Before(f) {
			return models.ReceiptPeriod{}, errors.New("--to is before --from")
		}
		return models.ReceiptPeriod{From: f, To: t.AddDate(0, 0, 1)}, nil
	}
	return models.ReceiptPeriod{}, errors.New("--year YYYY (or --from and --to) is required")
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

func tiers(in []config.Tier) []models.Tier {
	out := make([]models.Tier, 0, len(in))
	for _, t := range in {
		out = append(out, models.Tier{Name: t.Name, MinPerYear: t.MinPerYear, Description: t.Description, ValuePerYear: t.ValuePerYear})
	}
	return out
}

func (a *app) reconcile(ctx context.Context, args []string) int {
	var since time.Duration
	if !a.flags("reconcile", args, func(fs *flag.FlagSet) {
		fs.DurationVar(&since, "since", 72*time.Hour, "how far back to look (Stripe keeps events for 30 days)")
	}) {
		return exitUsage
	}
	if since <= 0 || since > 30*24*time.Hour {
		fmt.Fprintf(a.stderr, "donations reconcile: --since must be between 1s and 720h\n\n%s", usage)
		return exitUsage
	}
	return a.withStore(ctx, "reconcile", func(cfg *config.Config, log *slog.Logger, store *models.Store) error {
		if cfg.StripeSecretKey == "" {
			return errors.New("STRIPE_SECRET_KEY is not set: there is no Stripe account to reconcile with (demo mode)")
		}
		// Receipts issued here are emailed by the running server's workers:
		// an insert-only job client puts each send job in the event's
		// transaction.
		runner, err := jobs.NewRunner(store, jobs.Options{Logger: log})
		if err != nil {
			return err
		}
		store.UseQueue(runner)
		stripe := payments.NewStripe(cfg.StripeSecretKey, cfg.StripeAPIBase, log)
		sum, err := ingest.Reconcile(ctx, stripe, store, time.Now().Add(-since))
		sum.Write(a.stdout)
		if err != nil {
			return err
		}
		if !sum.OK() {
			return fmt.Errorf("%d events failed to apply", len(sum.Failed))
		}
		return nil
	})
}

func (a *app) exportAdjustments(ctx context.Context, args []string) int {
	var unmatched bool
	if !a.flags("adjustments export", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&unmatched, "unmatched", false, "only refunds and disputes on payments we never saw")
	}) {
		return exitUsage
	}
	return a.withStore(ctx, "adjustments export", func(cfg *config.Config, _ *slog.Logger, store *models.Store) error {
		return reports.WriteAdjustmentsCSV(ctx, a.stdout, store, unmatched, cfg.Location)
	})
}

func (a *app) sendStatements(ctx context.Context, args []string) int {
	var year int
	var dryRun bool
	if !a.flags("statements send", args, func(fs *flag.FlagSet) {
		fs.IntVar(&year, "year", 0, "fiscal year (named by the calendar year it ends in)")
		fs.BoolVar(&dryRun, "dry-run", false, "only count and show a sample")
	}) {
		return exitUsage
	}
	if year < 1900 || year > 9999 {
		fmt.Fprintf(a.stderr, "donations statements send: --year YYYY is required\n\n%s", usage)
		return exitUsage
	}
	return a.withStore(ctx, "statements send", func(cfg *config.Config, log *slog.Logger, store *models.Store) error {
		// An insert-only job client: the running server's workers send them.
		runner, err := jobs.NewRunner(store, jobs.Options{Logger: log})
		if err != nil {
			return err
		}
		store.UseQueue(runner)
		plan, err := store.QueueStatements(ctx, year, dryRun)
		if err != nil {
			return err
		}
		if dryRun {
			fmt.Fprintf(a.stdout, "dry run: %d donors have receipts in fiscal year %d; %d would be sent now (%d were queued before); nothing was queued\n",
				len(plan.Donors), year, len(plan.Donors)-plan.Before, plan.Before)
		} else {
			fmt.Fprintf(a.stdout, "queued %d statements for fiscal year %d (%d donors; %d were queued before)\n",
				plan.Queued, year, len(plan.Donors), plan.Before)
		}
		for i, d := range plan.Donors {
			if i == 5 {
				fmt.Fprintf(a.stdout, "  ... and %d more\n", len(plan.Donors)-5)
				break
			}
			fmt.Fprintf(a.stdout, "  %s <%s>\n", d.Name, d.Email)
		}
		return nil
	})
}

func (a *app) staff(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, "donations staff: expected add, list or disable\n\n"+usage)
		return exitUsage
	}
	sub, args := args[0], args[1:]
	var email, role string
	define := func(fs *flag.FlagSet) {
		if sub != "list" {
			fs.StringVar(&email, "email", "", "the account's email")
		}
		if sub == "add" {
			fs.StringVar(&role, "role", models.RoleStaff, "admin or staff")
		}
	}
	switch sub {
	case "add", "list", "disable":
	default:
		fmt.Fprintf(a.stderr, "donations staff: unknown subcommand %q\n\n%s", sub, usage)
		return exitUsage
	}
	if !a.flags("staff "+sub, args, define) {
		return exitUsage
	}
	if sub != "list" && !strings.Contains(email, "@") {
		fmt.Fprintf(a.stderr, "donations staff %s: --email is required\n\n%s", sub, usage)
		return exitUsage
	}
	if sub == "add" && role != models.RoleAdmin && role != models.RoleStaff {
		fmt.Fprintf(a.stderr, "donations staff add: --role must be admin or staff\n\n%s", usage)
		return exitUsage
	}
	return a.withStore(ctx, "staff "+sub, func(_ *config.Config, _ *slog.Logger, store *models.Store) error {
		switch sub {
		case "list":
			users, err := store.StaffList(ctx)
			if err != nil {
				return err
			}
			for _, u := range users {
				state := "active"
				if u.Disabled {
					state = "disabled"
				}
				fmt.Fprintf(a.stdout, "%s\t%s\t%s\n", u.Email, u.Role, state)
			}
			return nil
		case "disable":
			if err := store.DisableStaff(ctx, email); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "disabled %s\n", email)
			return store.Audit(ctx, "command line", "disabled staff", email, "")
		}
		password, err := readPassword(a.stdin)
		if err != nil {
			return err
		}
		generated := password == ""
		if generated {
			if password, err = models.GeneratePassword(); err != nil {
				return err
			}
		}
		if _, err := store.AddStaff(ctx, email, password, role); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "added %s as %s\n", email, role)
		if generated {
			fmt.Fprintf(a.stdout, "password (shown only now): %s\n", password)
		}
		return store.Audit(ctx, "command line", "added staff", email+" as "+role, "")
	})
}

// readPassword takes the first line of stdin; empty means "generate one".
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", nil
	}
	line, err := bufio.NewReader(io.LimitReader(r, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
