// Package ingest is the one path every Stripe event takes into the ledger,
// whether it came by webhook, from the demo checkout or from a
// reconciliation: it decides what an event means (an Effect) and has the
// store record and apply it exactly once. It does no I/O of its own.
package ingest

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/payments"
)

// Store is what ingesting needs of the ledger.
type Store interface {
	ApplyEvent(ctx context.Context, ev models.EventRecord, effect models.Effect) (models.EventResult, error)
}

// Apply records ev and its effect in one transaction.
func Apply(ctx context.Context, store Store, ev payments.Event) (models.EventResult, error) {
	if cur := currencyOf(ev); cur != "" && !money.Supported(cur) {
		// Staff pages print currencies; nothing Stripe sends looks like this.
		return models.EventResult{}, fmt.Errorf("%w: %s %s is in currency %q, not an ISO 4217 code we accept", models.ErrRejected, ev.Type, ev.ID, cur)
	}
	rec := models.EventRecord{ID: ev.ID, Type: ev.Type, APIVersion: ev.APIVersion, Livemode: ev.Livemode, Created: ev.Created}
	return store.ApplyEvent(ctx, rec, EffectFor(ev))
}

// EffectFor decides what an event does to the ledger.
func EffectFor(ev payments.Event) models.Effect {
	switch {
	case ev.Checkout != nil:
		return checkoutEffect(ev)
	case ev.Invoice != nil:
		p := invoicePayment(ev.Invoice)
		switch ev.Type {
		case "invoice.paid":
			return models.InvoicePaid{InvoicePayment: p}
		case "invoice.payment_failed":
			return models.InvoiceFailed{InvoicePayment: p}
		}
	case ev.Subscription != nil:
		switch ev.Type {
		case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
			"customer.subscription.paused", "customer.subscription.resumed":
			return models.SubscriptionChanged{SubscriptionState: subscriptionState(ev)}
		}
	case ev.Charge != nil && ev.Type == "charge.refunded":
		c := ev.Charge
		return models.ChargeRefunded{
			ChargeRef: models.ChargeRef{ChargeID: c.ID, PaymentIntentID: c.PaymentIntentID, InvoiceID: c.InvoiceID},
			Amount:    c.Amount, AmountRefunded: c.AmountRefunded, Currency: c.Currency,
		}
	case ev.Dispute != nil:
		d := ev.Dispute
		ref := models.ChargeRef{ChargeID: d.ChargeID, PaymentIntentID: d.PaymentIntentID}
		switch ev.Type {
		case "charge.dispute.created":
			return models.DisputeOpened{ChargeRef: ref, DisputeID: d.ID, Amount: d.Amount, Currency: d.Currency}
		case "charge.dispute.closed":
			// An inquiry that closes without a chargeback ends like a win.
			won := d.Status == "won" || d.Status == "warning_closed"
			return models.DisputeClosed{ChargeRef: ref, DisputeID: d.ID, Won: won, Amount: d.Amount, Currency: d.Currency}
		}
	}
	return models.Ignore{Reason: "no handler for " + ev.Type}
}

func checkoutEffect(ev payments.Event) models.Effect {
	cs := ev.Checkout
	p := models.CheckoutPayment{
		SessionID: cs.SessionID, ClientReferenceID: cs.ClientReferenceID, PaymentIntentID: cs.PaymentIntentID,
		AmountTotal: cs.AmountTotal, Currency: cs.Currency, Email: cs.Email, Name: cs.Name,
		Address:  address(cs.Address),
		Livemode: cs.Livemode, At: ev.Created,
	}
	switch cs.Mode {
	case "payment":
	case "subscription":
		if ev.Type == "checkout.session.completed" {
			return models.CheckoutSubscription{CheckoutPayment: p, SubscriptionID: cs.SubscriptionID, CustomerID: cs.CustomerID}
		}
		return models.Ignore{Reason: ev.Type + " for a subscription checkout: invoices carry its payments"}
	default:
		return models.Ignore{Reason: "checkout mode " + cs.Mode + " is not a gift"}
	}
	switch ev.Type {
	case "checkout.session.completed":
		switch cs.PaymentStatus {
		case "paid":
			return models.CheckoutPaid{CheckoutPayment: p}
		case "unpaid":
			return models.CheckoutProcessing{CheckoutPayment: p}
		}
		return models.Ignore{Reason: "checkout completed with payment_status " + cs.PaymentStatus}
	case "checkout.session.async_payment_succeeded":
		return models.CheckoutPaid{CheckoutPayment: p}
	case "checkout.session.async_payment_failed":
		return models.CheckoutFailed{CheckoutPayment: p}
	}
	return models.Ignore{Reason: "no handler for " + ev.Type}
}

func invoicePayment(in *payments.Invoice) models.InvoicePayment {
	p := models.InvoicePayment{
		InvoiceID: in.ID, SubscriptionID: in.SubscriptionID, CustomerID: in.CustomerID, ChargeID: in.ChargeID,
		PaymentIntentID: in.PaymentIntentID, BillingReason: in.BillingReason, AmountPaid: in.AmountPaid,
		Currency: in.Currency, Interval: in.Interval, Email: in.Email, Name: in.Name, Address: address(in.Address),
		HostedURL: in.HostedURL,
	}
	if id := in.Metadata["gift_id"]; id != "" {
		if _, err := uuid.Parse(id); err == nil {
			p.GiftID = id
		}
	}
	return p
}

func subscriptionState(ev payments.Event) models.SubscriptionState {
	s := ev.Subscription
	return models.SubscriptionState{
		SubscriptionID: s.ID, CustomerID: s.CustomerID, Status: s.Status, Amount: s.Amount, Currency: s.Currency,
		Interval: s.Interval, CurrentPeriodEnd: s.CurrentPeriodEnd, CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		StartedAt: s.StartedAt, EndedAt: s.EndedAt, Deleted: ev.Type == "customer.subscription.deleted",
		GiftID: s.Metadata["gift_id"],
	}
}

func address(a payments.Address) models.Address {
	return models.Address{Line1: a.Line1, City: a.City, PostalCode: a.PostalCode, Country: a.Country}
}

// currencyOf is the currency the event's object is in, "" when it has none.
func currencyOf(ev payments.Event) string {
	switch {
	case ev.Checkout != nil:
		return ev.Checkout.Currency
	case ev.Invoice != nil:
		return ev.Invoice.Currency
	case ev.Subscription != nil:
		return ev.Subscription.Currency
	case ev.Charge != nil:
		return ev.Charge.Currency
	case ev.Dispute != nil:
		return ev.Dispute.Currency
	}
	return ""
}
