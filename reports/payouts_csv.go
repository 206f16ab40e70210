package reports

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// PayoutColumns is the payouts report's header: one row per balance
// transaction a payout carried, then one "total" row per payout whose net
// is the lines' sum and says whether it ties to the payout to the cent.
var PayoutColumns = []string{"payout_id", "arrival_date", "payout_status", "payout_amount", "payout_currency",
	"line", "balance_transaction_id", "type", "source_id", "charge_id", "gift_id", "matched", "donor_email",
	"amount", "fee", "net", "currency", "exchange_rate", "available_on", "ties"}

// PayoutSource lists payouts with their lines; *models.Store is one.
type PayoutSource interface {
	Payouts(ctx context.Context, from, to time.Time) ([]models.PayoutWithLines, error)
}

// WritePayoutsCSV writes the payouts arriving in [from, to). A line about
// a charge no gift has is "unmatched", never dropped; a line about no
// charge (a fee, a transfer) says so. each, when not nil, is called with
// the payouts written so far of all of them (first with none): a long
// export shows its progress with it, and an error from it stops the
// report.
func WritePayoutsCSV(ctx context.Context, w io.Writer, src PayoutSource, from, to time.Time, loc *time.Location, each func(done, total int) error) error {
	ps, err := src.Payouts(ctx, from, to)
	if err != nil {
		return err
	}
	if each == nil {
		each = func(int, int) error { return nil }
	}
	if err := each(0, len(ps)); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(PayoutColumns); err != nil {
		return err
	}
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("2006-01-02")
	}
	for n, p := range ps {
		arrival := ""
		if p.ArrivalDate != nil {
			arrival = day(*p.ArrivalDate)
		}
		head := []string{Text(p.ID), arrival, Text(p.Status), money.FormatMajor(p.Amount, p.Currency), Text(p.Currency)}
		var sum int64
		for i, l := range p.Lines {
			matched := "no charge"
			switch {
			case l.GiftID != "":
				matched = "yes"
			case l.ChargeID != "":
				matched = "unmatched"
			}
			sum += l.Net
			row := append(append([]string(nil), head...), strconv.Itoa(i+1), Text(l.ID), Text(l.Type), Text(l.SourceID), Text(l.ChargeID),
				Text(l.GiftID), matched, Text(l.DonorEmail), money.FormatMajor(l.Amount, l.Currency), money.FormatMajor(l.Fee, l.Currency),
				money.FormatMajor(l.Net, l.Currency), Text(l.Currency), Text(l.ExchangeRate), day(l.AvailableOn), "")
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		ties := "no"
		if sum == p.Amount {
			ties = "yes"
		}
		total := append(append([]string(nil), head...), "total", "", "", "", "", "", "", "", "", "", money.FormatMajor(sum, p.Currency),
			Text(p.Currency), "", "", ties)
		if err := cw.Write(total); err != nil {
			return err
		}
		if err := each(n+1, len(ps)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
