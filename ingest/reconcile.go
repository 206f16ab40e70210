package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// Lister reads what Stripe knows for a window, and retrieves the objects
// of events in other API versions; *payments.Stripe is one.
type Lister interface {
	ListEvents(ctx context.Context, since time.Time) ([]payments.Listed, error)
	ListCompletedCheckouts(ctx context.Context, since time.Time) ([]payments.Listed, error)
	PaymentFees(ctx context.Context, paymentIntentID, chargeID string) (models.PaymentFees, error)
	Resolver
}

// ReconcileStore is what reconciling needs of the ledger: applying events,
// and filling in the fees of payments recorded without them.
type ReconcileStore interface {
	Store
	PaymentsWithoutFees(ctx context.Context, since time.Time, limit int) ([]models.Gift, error)
	RecordPaymentFees(ctx context.Context, giftID string, f models.PaymentFees) error
}

// Summary is what a reconciliation saw and did.
type Summary struct {
	Seen     int
	New      int      // applied now: a missed webhook healed
	Known    int      // recorded already
	Skipped  []string // "evt_x (type): reason": recorded, changing nothing (a type we do not handle, an object gone)
	Rejected []string // "evt_x (type): reason": reported, not applied
	Failed   []string // could not be applied (or its object not retrieved); a later run retries them
	Fees     int      // payments whose fee and net were filled in
}

// OK reports whether nothing failed.
func (s Summary) OK() bool { return len(s.Failed) == 0 }

// Write prints the summary for a person.
func (s Summary) Write(w io.Writer) {
	fmt.Fprintf(w, "seen %d, new %d, already known %d, skipped %d, rejected %d, failed %d; fees filled in for %d payments\n",
		s.Seen, s.New, s.Known, len(s.Skipped), len(s.Rejected), len(s.Failed), s.Fees)
	for _, r := range s.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", r)
	}
	for _, r := range s.Rejected {
		fmt.Fprintf(w, "rejected: %s\n", r)
	}
	for _, f := range s.Failed {
		fmt.Fprintf(w, "failed: %s\n", f)
	}
}

// Reconcile lists Stripe's events and completed Checkout Sessions since
// the given time and runs each through Apply, the webhook's own path,
// whatever API version an event is in: what was recorded already changes
// nothing, what was missed is applied now.
//
// Then it fills in the fee and net of payments of the window that were
// recorded without them (their events came inline, with no retrieval).
func Reconcile(ctx context.Context, lister Lister, store ReconcileStore, since time.Time) (Summary, error) {
	return ReconcileWatched(ctx, lister, store, since, nil)
}

// ReconcileWatched is Reconcile calling applied, when not nil, after each
// event with how many of the listed ones it has been through.
func ReconcileWatched(ctx context.Context, lister Lister, store ReconcileStore, since time.Time, applied func(done, total int)) (Summary, error) {
	var sum Summary
	events, err := lister.ListEvents(ctx, since)
	if err != nil {
		return sum, err
	}
	sessions, err := lister.ListCompletedCheckouts(ctx, since)
	if err != nil {
		return sum, err
	}
	all := append(events, sessions...)
	for _, l := range all {
		if applied != nil && sum.Seen > 0 {
			applied(sum.Seen, len(all))
		}
		sum.Seen++
		label := fmt.Sprintf("%s (%s)", l.Event.ID, l.Event.Type)
		if l.Reason != "" {
			sum.Rejected = append(sum.Rejected, label+": "+l.Reason)
			continue
		}
		res, err := Apply(ctx, store, lister, l.Event)
		switch {
		case errors.Is(err, models.ErrRejected):
			sum.Rejected = append(sum.Rejected, label+": "+err.Error())
		case err != nil:
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			sum.Failed = append(sum.Failed, label+": "+err.Error())
		case res.Duplicate || res.NoChange:
			sum.Known++
		case res.Ignored:
			sum.Skipped = append(sum.Skipped, label+": "+res.Outcome)
		default:
			sum.New++
		}
	}
	if applied != nil {
		applied(sum.Seen, len(all))
	}
	return sum, fillFees(ctx, lister, store, since, &sum)
}

// fillFees reads, for each paid gift of the window without one, its
// charge's balance transaction.
func fillFees(ctx context.Context, lister Lister, store ReconcileStore, since time.Time, sum *Summary) error {
	gifts, err := store.PaymentsWithoutFees(ctx, since, 1000)
	if err != nil {
		return err
	}
	for _, g := range gifts {
		pi, ch := "", ""
		if g.StripePaymentIntentID != nil {
			pi = *g.StripePaymentIntentID
		}
		if g.StripeChargeID != nil {
			ch = *g.StripeChargeID
		}
		f, err := lister.PaymentFees(ctx, pi, ch)
		if err == nil {
			err = store.RecordPaymentFees(ctx, g.ID, f)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sum.Failed = append(sum.Failed, fmt.Sprintf("fees of gift %s: %v", g.ID, err))
			continue
		}
		if f.Txn != nil {
			sum.Fees++
		}
	}
	return nil
}
