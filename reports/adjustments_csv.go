package reports

import (
	"context"
	"encoding/csv"
	"io"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// AdjustmentColumns is the refunds-and-disputes report's header. A
// refund's amount is what that refund took, so a column's sum is what was
// refunded; refunded_total is the charge's total after it, as Stripe
// reports it.
var AdjustmentColumns = []string{"recorded_at", "kind", "matched", "gift_id", "stripe_charge_id",
	"stripe_payment_intent_id", "stripe_dispute_id", "amount", "currency", "event_id", "refunded_total"}

// AdjustmentSource lists recorded refunds and disputes.
type AdjustmentSource interface {
	Adjustments(ctx context.Context, unmatchedOnly bool) ([]models.Adjustment, error)
}

// WriteAdjustmentsCSV writes every refund and dispute Stripe reported,
// including those on payments we never saw (matched = no).
// Times are RFC 3339 in loc (TIMEZONE).
func WriteAdjustmentsCSV(ctx context.Context, w io.Writer, src AdjustmentSource, unmatchedOnly bool, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	adj, err := src.Adjustments(ctx, unmatchedOnly)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(AdjustmentColumns); err != nil {
		return err
	}
	for _, a := range adj {
		matched, giftID := "no", ""
		if a.GiftID != nil {
			matched, giftID = "yes", *a.GiftID
		}
		row := []string{a.CreatedAt.In(loc).Format(time.RFC3339), Text(a.Kind), matched, Text(giftID), Text(a.StripeChargeID),
			Text(a.StripePaymentIntentID), Text(a.StripeObjectID), money.FormatMajor(a.Amount, a.Currency), Text(a.Currency), Text(a.EventID), ""}
		if a.Kind == models.AdjustRefund {
			row[10] = money.FormatMajor(a.RefundedTotal, a.Currency)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
