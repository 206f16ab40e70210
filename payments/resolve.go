package payments

import (
	"context"
	"fmt"

	"github.com/stripe/stripe-go/v76"

	"github.com/indienews/donations/models"
)

// Resolve retrieves, at our pinned API version, the object an event of
// another version names, and derives the effect from it exactly as from an
// inline event of our version. The event id stays the dedupe key. An
// object Stripe no longer has changes nothing (and says so); any other
// failure is ErrGateway, so the webhook answers 5xx and Stripe retries.
func (s *Stripe) Resolve(ctx context.Context, ev Event) (Event, error) {
	n := ev.Notice
	if n == nil {
		return ev, nil
	}
	var err error
	switch n.Object {
	case "checkout.session":
		p := &stripe.CheckoutSessionParams{}
		p.Context = ctx
		// The payment's fee and net come with it, recorded with the gift.
		p.AddExpand("payment_intent.latest_charge.balance_transaction")
		var cs *stripe.CheckoutSession
		if cs, err = s.api.CheckoutSessions.Get(n.ID, p); err == nil {
			ev.Currency, ev.Effect = string(cs.Currency), checkoutEffect(ev.Type, cs, ev.Created)
		}
	case "invoice":
		p := &stripe.InvoiceParams{}
		p.Context = ctx
		p.AddExpand("charge.balance_transaction")
		var in *stripe.Invoice
		if in, err = s.api.Invoices.Get(n.ID, p); err == nil {
			ev.Currency, ev.Effect = string(in.Currency), invoiceEffect(ev.Type, in)
		}
	case "payout":
		var rep models.PayoutReported
		if rep, err = s.resolvePayout(ctx, n.ID); err == nil {
			ev.Currency, ev.Effect = rep.Payout.Currency, rep
		}
	case "subscription":
		p := &stripe.SubscriptionParams{}
		p.Context = ctx
		var sub *stripe.Subscription
		if sub, err = s.api.Subscriptions.Get(n.ID, p); err == nil {
			ev.Currency, ev.Effect = string(sub.Currency), subscriptionEffect(ev.Type, sub)
		}
	case "charge":
		p := &stripe.ChargeParams{}
		p.Context = ctx
		var ch *stripe.Charge
		if ch, err = s.api.Charges.Get(n.ID, p); err == nil {
			ev.Currency, ev.Effect = string(ch.Currency), chargeEffect(ev.Type, ch)
		}
	case "dispute":
		p := &stripe.DisputeParams{}
		p.Context = ctx
		var d *stripe.Dispute
		if d, err = s.api.Disputes.Get(n.ID, p); err == nil {
			ev.Currency, ev.Effect = string(d.Currency), disputeEffect(ev.Type, d)
		}
	default:
		return Event{}, fmt.Errorf("%w: %s names a %s, which nothing retrieves", ErrMalformed, ev.ID, n.Object)
	}
	switch {
	case isGone(err):
		ev.Effect = models.Ignore{Reason: fmt.Sprintf("the %s %s no longer exists", n.Object, n.ID)}
	case err != nil:
		return Event{}, fmt.Errorf("%w: retrieving %s %s for %s: %v", ErrGateway, n.Object, n.ID, ev.ID, err)
	}
	ev.Notice = nil
	return ev, nil
}

// Resolve implements Gateway: the demo signs events in our own version
// only, so a notice reaching it cannot be resolved.
func (d *Demo) Resolve(_ context.Context, ev Event) (Event, error) {
	if ev.Notice != nil {
		return Event{}, fmt.Errorf("%w: demo mode retrieves nothing from Stripe (%s is in API version %s)", ErrGateway, ev.ID, ev.APIVersion)
	}
	return ev, nil
}
