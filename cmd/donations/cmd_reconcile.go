package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// donations reconcile: apply what Stripe knows and no webhook delivered.

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
		// The bar counts what is fetched from Stripe (100 a page), then
		// the events applied.
		b := a.progress("fetching from Stripe", -1)
		stripe.ReportListing(func(what string, n int) {
			b.describe(fmt.Sprintf("fetching %s from Stripe (page %d)", what, (n+99)/100))
			b.set(int64(n), -1)
		})
		applying := false
		sum, err := ingest.ReconcileWatched(ctx, stripe, store, time.Now().Add(-since), func(done, total int) {
			if !applying {
				applying = true
				b.describe("events applied")
			}
			b.set(int64(done), int64(total))
		})
		if err != nil {
			b.stop()
		} else {
			b.finish()
		}
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
