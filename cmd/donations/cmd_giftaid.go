package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/reports"
)

// donations giftaid export: a Gift Aid claim, as the rows of HMRC's
// schedule spreadsheet on stdout.

func (a *app) exportGiftAid(ctx context.Context, args []string) int {
	var from, to, batch string
	if !a.flags("giftaid export", args, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "first donation date, YYYY-MM-DD")
		fs.StringVar(&to, "to", "", "last donation date, YYYY-MM-DD (inclusive)")
		fs.StringVar(&batch, "claim", "", "write an earlier claim again, by its id (nothing new is claimed)")
	}) {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	if cfg.ReceiptRules != "uk" {
		fmt.Fprintln(a.stderr, "donations giftaid export: Gift Aid needs RECEIPT_RULES=uk")
		return exitUsage
	}
	var period models.ReceiptPeriod
	if batch == "" {
		if from == "" || to == "" {
			fmt.Fprintf(a.stderr, "donations giftaid export: --from and --to (or --claim ID) are required\n\n%s", usage)
			return exitUsage
		}
		var err error
		if period, _, err = reports.ParsePeriod("", from, to, cfg.Location); err != nil {
			fmt.Fprintf(a.stderr, "donations giftaid export: %v\n\n%s", err, usage)
			return exitUsage
		}
	}
	return a.withLoadedStore(ctx, "giftaid export", cfg, log, func(_ *config.Config, _ *slog.Logger, store *models.Store) error {
		var b *models.GiftAidBatch
		var err error
		if batch != "" {
			b, err = store.GiftAidBatchByID(ctx, batch)
		} else {
			b, err = store.ClaimGiftAid(ctx, period.From, period.To, models.CommandLine)
		}
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("no claim %s", batch)
		}
		if err != nil {
			return err
		}
		if b == nil {
			fmt.Fprintf(a.stderr, "Nothing to claim: no Gift Aid donation from %s to %s is waiting.\n", from, to)
			return reports.WriteGiftAidSchedule(a.stdout, nil, cfg.Location)
		}
		lines, err := store.GiftAidLinesOf(ctx, b.ID)
		if err != nil {
			return err
		}
		if err := reports.WriteGiftAidSchedule(a.stdout, lines, cfg.Location); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "Claim %s: %d donations, %s (Gift Aid of %s). Each is now marked claimed; --claim %s writes this claim again.\n",
			b.ID, b.Lines, money.Display(b.Total, "gbp"), money.Display(b.Total/4, "gbp"), b.ID)
		if b.Lines > reports.GiftAidScheduleRows {
			fmt.Fprintf(a.stderr, "HMRC's schedule takes %d rows a sheet: paste these in parts.\n", reports.GiftAidScheduleRows)
		}
		if b.Adjustments < 0 {
			fmt.Fprintf(a.stderr, "Adjustment: %s of donations claimed before were refunded since. Report it in this claim "+
				"as an adjustment for an earlier overclaim (Gift Aid of %s).\n", money.Display(-b.Adjustments, "gbp"),
				money.Display(-b.Adjustments/4, "gbp"))
		}
		return nil
	})
}
