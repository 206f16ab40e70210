package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/payments"
)

// donations stripe setup: make a newsroom's Stripe account ready for this
// server in one command.

func (a *app) stripe(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] != "setup" {
		fmt.Fprint(a.stderr, "donations stripe: expected a subcommand: setup\n\n"+usage)
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
