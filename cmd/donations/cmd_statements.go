package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/models"
)

// donations statements send: queue every donor's year-end statement.

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
		b := a.progress("statements queued", -1)
		plan, err := store.QueueStatements(ctx, year, dryRun, func(done, total int) { b.set(int64(done), int64(total)) })
		if err != nil {
			b.stop()
			return err
		}
		b.finish()
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
