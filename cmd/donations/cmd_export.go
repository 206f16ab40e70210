package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/reports"
)

// donations receipts export and donations adjustments export: the
// finance reports, as CSV on stdout.

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
	if year == 0 && from == "" && to == "" {
		fmt.Fprintf(a.stderr, "donations receipts export: --year YYYY (or --from and --to) is required\n\n%s", usage)
		return exitUsage
	}
	yearText := ""
	if year != 0 {
		yearText = strconv.Itoa(year)
	}
	period, _, err := reports.ParsePeriod(yearText, from, to, cfg.Location)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations receipts export: %v\n\n%s", err, usage)
		return exitUsage
	}
	return a.withLoadedStore(ctx, "receipts export", cfg, log, func(_ *config.Config, _ *slog.Logger, store *models.Store) error {
		total := int64(-1)
		b := a.progress("receipts", total)
		if b.pb != nil {
			// Only a bar needs the count: a script's export skips the query.
			n, err := store.CountReceipts(ctx, period)
			if err != nil {
				return err
			}
			b.set(0, n)
		}
		out := bufio.NewWriterSize(a.stdout, 64<<10)
		src := reports.CountedReceipts(store, func() error { b.add(); return nil })
		if err := reports.WriteReceiptsCSV(ctx, out, src, period, cfg.Location); err != nil {
			b.stop()
			return err
		}
		b.finish()
		return out.Flush()
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

// exportBetween parses the --from and --to dates (both required, the
// last inclusive, in TIMEZONE) of a report named name, whose dates are of
// what ("arrival"), then writes it from the store.
func (a *app) exportBetween(ctx context.Context, name, what string, args []string,
	write func(cfg *config.Config, store *models.Store, from, to time.Time) error) int {
	var from, to string
	if !a.flags(name, args, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "first "+what+" date, YYYY-MM-DD")
		fs.StringVar(&to, "to", "", "last "+what+" date, YYYY-MM-DD (inclusive)")
	}) {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	if from == "" || to == "" {
		fmt.Fprintf(a.stderr, "donations %s: --from and --to are required\n\n%s", name, usage)
		return exitUsage
	}
	period, _, err := reports.ParsePeriod("", from, to, cfg.Location)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations %s: %v\n\n%s", name, err, usage)
		return exitUsage
	}
	return a.withLoadedStore(ctx, name, cfg, log, func(cfg *config.Config, _ *slog.Logger, store *models.Store) error {
		return write(cfg, store, period.From, period.To)
	})
}

// exportPayouts writes the payouts that arrived between two dates, each
// with every balance transaction it carried.
func (a *app) exportPayouts(ctx context.Context, args []string) int {
	return a.exportBetween(ctx, "payouts export", "arrival", args, func(cfg *config.Config, store *models.Store, from, to time.Time) error {
		b := a.progress("payouts", -1)
		err := reports.WritePayoutsCSV(ctx, a.stdout, store, from, to, cfg.Location, func(done, total int) error {
			b.set(int64(done), int64(total))
			return nil
		})
		if err != nil {
			b.stop()
			return err
		}
		b.finish()
		return nil
	})
}

// exportRetention writes the retention report for a span of months.
func (a *app) exportRetention(ctx context.Context, args []string) int {
	var from, to string
	if !a.flags("retention export", args, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "first month, YYYY-MM")
		fs.StringVar(&to, "to", "", "last month, YYYY-MM (inclusive)")
	}) {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	if from == "" || to == "" {
		fmt.Fprintf(a.stderr, "donations retention export: --from and --to are required\n\n%s", usage)
		return exitUsage
	}
	f, t, err := reports.ParseMonths(from, to, cfg.Location)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations retention export: %v\n\n%s", err, usage)
		return exitUsage
	}
	return a.withLoadedStore(ctx, "retention export", cfg, log, func(_ *config.Config, _ *slog.Logger, store *models.Store) error {
		b := a.progress("reading memberships", -1)
		defer b.finish()
		return reports.WriteRetentionCSV(ctx, a.stdout, store, f, t, cfg.Location)
	})
}

// campaignReport writes a campaign's funders' report.
func (a *app) campaignReport(ctx context.Context, args []string) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(a.stderr, "donations campaign report: expected one campaign address (its SLUG)\n\n%s", usage)
		return exitUsage
	}
	slug := args[0]
	return a.withStore(ctx, "campaign report", func(cfg *config.Config, _ *slog.Logger, store *models.Store) error {
		c, err := store.CampaignBySlug(ctx, slug)
		if err != nil {
			return fmt.Errorf("campaign %q: %w", slug, err)
		}
		r, err := store.CampaignReport(ctx, c)
		if err != nil {
			return err
		}
		return reports.WriteCampaignCSV(a.stdout, r, cfg.Location)
	})
}

// exportStories writes which articles, campaigns and sources brought the
// gifts paid between two dates.
func (a *app) exportStories(ctx context.Context, args []string) int {
	return a.exportBetween(ctx, "stories export", "payment", args, func(_ *config.Config, store *models.Store, from, to time.Time) error {
		b := a.progress("reading gifts", -1)
		defer b.finish()
		return reports.WriteStoriesCSV(ctx, a.stdout, store, from, to)
	})
}
