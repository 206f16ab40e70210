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
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// donations stripe setup: make a newsroom's Stripe account ready for this
// server in one command.

func (a *app) stripe(ctx context.Context, args []string) int {
	if len(args) > 0 && args[0] == "import" {
		return a.stripeImport(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "setup" {
		fmt.Fprint(a.stderr, "donations stripe: expected a subcommand: setup or import\n\n"+usage)
		return exitUsage
	}
	var dryRun bool
	if !a.flags("stripe setup", args[1:], func(fs *flag.FlagSet) {
		fs.BoolVar(&dryRun, "dry-run", false, "only say what would change")
	}) {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	if err := stripeSetup(ctx, cfg, log, dryRun, a); err != nil {
		fmt.Fprintf(a.stderr, "donations stripe setup: %v\n", err)
		return exitError
	}
	return exitOK
}

func stripeSetup(ctx context.Context, cfg *config.Config, log *slog.Logger, dryRun bool, a *app) error {
	if cfg.StripeSecretKey == "" {
		return errors.New("STRIPE_SECRET_KEY is not set: create a key in the Dashboard (Developers → API keys) and put it in .env")
	}
	s := payments.NewStripe(cfg.StripeSecretKey, cfg.StripeAPIBase, log)
	rep, err := s.Setup(ctx, payments.SetupRequest{
		BaseURL: cfg.BaseURL, Currency: cfg.Currency, Rules: cfg.ReceiptRules, Privacy: cfg.PrivacyURL, Terms: cfg.TermsURL,
		PortalID: cfg.StripePortalConfiguration, DryRun: dryRun, Headline: cfg.Org.Name,
	})
	w := a.stdout
	if rep.Account != "" {
		fmt.Fprintf(w, "Stripe account: %s; key: %s\n", rep.Account, s.Mode())
	}
	for _, warn := range rep.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if err != nil {
		return err
	}
	verb := "changed"
	if dryRun {
		verb = "would change"
	}
	for _, d := range rep.Done {
		fmt.Fprintf(w, "%s: %s\n", verb, d)
	}
	for _, u := range rep.Unchanged {
		fmt.Fprintf(w, "unchanged: %s\n", u)
	}
	if dryRun {
		fmt.Fprintln(w, "dry run: nothing was changed")
		return nil
	}
	if len(rep.Done) == 0 {
		fmt.Fprintln(w, "nothing to change: the account is set up for this server")
	}
	if rep.Secret != "" || rep.PortalID != cfg.StripePortalConfiguration {
		fmt.Fprintln(w, "\nPut these lines in .env (Stripe shows the signing secret only now):")
		if rep.Secret != "" {
			fmt.Fprintf(w, "STRIPE_WEBHOOK_SECRET=%s\n", rep.Secret)
		}
		if rep.PortalID != cfg.StripePortalConfiguration {
			fmt.Fprintf(w, "STRIPE_PORTAL_CONFIGURATION=%s\n", rep.PortalID)
		}
	}
	return nil
}

// stripeImport brings in what the connected account holds from before:
// customers, subscriptions with their paid invoices, and checkouts and
// refunds since a date.
func (a *app) stripeImport(ctx context.Context, args []string) int {
	var since, receiptsFrom string
	if !a.flags("stripe import", args, func(fs *flag.FlagSet) {
		fs.StringVar(&since, "since", "", "checkouts and refunds from this day, YYYY-MM-DD (default: two years ago); subscriptions are all taken")
		fs.StringVar(&receiptsFrom, "receipts-from", "", "issue receipts for payments from this day, YYYY-MM-DD (default: none for the past)")
	}) {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	if cfg.StripeSecretKey == "" {
		fmt.Fprintln(a.stderr, "donations stripe import: STRIPE_SECRET_KEY is not set")
		return exitError
	}
	day := func(name, v string, def time.Time) (time.Time, bool) {
		if v == "" {
			return def, true
		}
		t, err := time.ParseInLocation("2006-01-02", v, cfg.Location)
		if err != nil {
			fmt.Fprintf(a.stderr, "donations stripe import: --%s wants a day such as 2026-01-01, got %q\n", name, v)
			return t, false
		}
		return t, true
	}
	now := time.Now()
	from, ok1 := day("since", since, now.AddDate(-2, 0, 0))
	receipts, ok2 := day("receipts-from", receiptsFrom, now)
	if !ok1 || !ok2 {
		return exitUsage
	}
	failed := false
	code := a.withLoadedStore(ctx, "stripe import", cfg, log, func(cfg *config.Config, log *slog.Logger, store *models.Store) error {
		s := payments.NewStripe(cfg.StripeSecretKey, cfg.StripeAPIBase, log)
		listing := a.progress("listing", -1)
		s.ReportListing(func(what string, n int) { listing.describe("listing " + what); listing.set(int64(n), -1) })
		h, err := s.History(ctx, from)
		listing.finish()
		if err != nil {
			return err
		}
		bar := a.progress("events", int64(len(h.Events)))
		sum, err := ingest.Backfill(ctx, store, h, receipts, bar.add)
		bar.finish()
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "customers: %d new donors, %d merged by email, %d unchanged\n", sum.Donors.Created, sum.Donors.Merged, sum.Donors.Unchanged)
		fmt.Fprintf(a.stdout, "history: %d changes applied, %d already known, %d receipts issued (payments from %s)\n",
			sum.Applied, sum.Duplicate, sum.Receipts, receipts.Format("2006-01-02"))
		for _, f := range sum.Failed {
			fmt.Fprintf(a.stdout, "  not applied: %s\n", f)
		}
		failed = len(sum.Failed) > 0
		return nil
	})
	if code == exitOK && failed {
		return exitError
	}
	return code
}
