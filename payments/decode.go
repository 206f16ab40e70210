package payments

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/indienews/donations/models"
)

// The one translation from Stripe's objects to the ledger's vocabulary:
// decode reads a Stripe event and says, in models' terms, what it does.
// Nothing outside this package sees a Stripe type.

// decode turns an event Stripe sent or listed into our Event.
func decode(ev stripe.Event) (Event, error) {
	if ev.ID == "" || ev.Type == "" || ev.Data == nil {
		return Event{}, fmt.Errorf("%w: event without id, type or data", ErrMalformed)
	}
	out := Event{
		ID: ev.ID, Type: string(ev.Type), APIVersion: ev.APIVersion,
		Livemode: ev.Livemode, Created: time.Unix(ev.Created, 0).UTC(),
	}
	var err error
	switch {
	case strings.HasPrefix(out.Type, "checkout.session."):
		var cs stripe.CheckoutSession
		if err = unmarshal(ev, &cs); err == nil && cs.ID != "" {
			out.Currency = string(cs.Currency)
			out.Effect = checkoutEffect(out.Type, &cs, out.Created)
		}
	case strings.HasPrefix(out.Type, "invoice."):
		var in stripe.Invoice
		if err = unmarshal(ev, &in); err == nil && in.ID != "" {
			out.Currency = string(in.Currency)
			out.Effect = invoiceEffect(out.Type, &in)
		}
	case strings.HasPrefix(out.Type, "customer.subscription."):
		var sub stripe.Subscription
		if err = unmarshal(ev, &sub); err == nil && sub.ID != "" {
			out.Currency = string(sub.Currency)
			out.Effect = subscriptionEffect(out.Type, &sub)
		}
	case strings.HasPrefix(out.Type, "charge.dispute."):
		var d stripe.Dispute
		if err = unmarshal(ev, &d); err == nil && d.ID != "" {
			out.Currency = string(d.Currency)
			out.Effect = disputeEffect(out.Type, &d)
		}
	case strings.HasPrefix(out.Type, "payout."):
		// The event cannot say which balance transactions the payout
		// carried: its lines are listed from Stripe whatever the version.
		var po stripe.Payout
		if err = unmarshal(ev, &po); err == nil && po.ID != "" {
			if _, handled := handledObject[out.Type]; handled {
				out.Notice = &Notice{Object: "payout", ID: po.ID}
				return out, nil
			}
			out.Effect = models.Ignore{Reason: "no handler for " + out.Type}
		}
	case out.Type == "charge.refunded" || out.Type == "charge.failed":
		var ch stripe.Charge
		if err = unmarshal(ev, &ch); err == nil && ch.ID != "" {
			out.Currency = string(ch.Currency)
			out.Effect = chargeEffect(out.Type, &ch)
		}
	default:
		out.Effect = models.Ignore{Reason: "no handler for " + out.Type}
		return out, nil
	}
	if err != nil {
		return Event{}, err
	}
	if out.Effect == nil {
		return Event{}, fmt.Errorf("%w: %s without an object id", ErrMalformed, out.Type)
	}
	return out, nil
}

func unmarshal(ev stripe.Event, into any) error {
	if err := json.Unmarshal(ev.Data.Raw, into); err != nil {
		return fmt.Errorf("%w: %s object: %v", ErrMalformed, ev.Type, err)
	}
	return nil
}

// checkoutEffect: a one-time gift is paid, awaits a delayed payment or
// failed; a subscription checkout starts a membership, whose payments
// come with its invoices.
func checkoutEffect(typ string, cs *stripe.CheckoutSession, created time.Time) models.Effect {
	p := checkoutPayment(cs, created)
	switch cs.Mode {
	case stripe.CheckoutSessionModePayment:
	case stripe.CheckoutSessionModeSubscription:
		if typ == "checkout.session.completed" {
			s := models.CheckoutSubscription{CheckoutPayment: p}
			if cs.Subscription != nil {
				s.SubscriptionID = cs.Subscription.ID
			}
			if cs.Customer != nil {
				s.CustomerID = cs.Customer.ID
			}
			return s
		}
		return models.Ignore{Reason: typ + " for a subscription checkout: invoices carry its payments"}
	default:
		return models.Ignore{Reason: "checkout mode " + string(cs.Mode) + " is not a gift"}
	}
	switch typ {
	case "checkout.session.completed":
		switch cs.PaymentStatus {
		case stripe.CheckoutSessionPaymentStatusPaid:
			return models.CheckoutPaid{CheckoutPayment: p}
		case stripe.CheckoutSessionPaymentStatusUnpaid:
			return models.CheckoutProcessing{CheckoutPayment: p}
		}
		return models.Ignore{Reason: "checkout completed with payment_status " + string(cs.PaymentStatus)}
	case "checkout.session.async_payment_succeeded":
		return models.CheckoutPaid{CheckoutPayment: p}
	case "checkout.session.async_payment_failed":
		return models.CheckoutFailed{CheckoutPayment: p}
	}
	return models.Ignore{Reason: "no handler for " + typ}
}

func checkoutPayment(cs *stripe.CheckoutSession, at time.Time) models.CheckoutPayment {
	p := models.CheckoutPayment{
		SessionID: cs.ID, ClientReferenceID: cs.ClientReferenceID, AmountTotal: cs.AmountTotal,
		Currency: string(cs.Currency), Email: cs.CustomerEmail, Livemode: cs.Livemode, At: at,
	}
	if cs.PaymentIntent != nil {
		p.PaymentIntentID = cs.PaymentIntent.ID
		p.Fees = chargeFees(cs.PaymentIntent.LatestCharge) // expanded on retrieval; empty inline
	}
	if d := cs.CustomerDetails; d != nil {
		if d.Email != "" {
			p.Email = d.Email
		}
		p.Name = d.Name
		p.Address = address(d.Address)
	}
	return p
}

func address(a *stripe.Address) models.Address {
	if a == nil {
		return models.Address{}
	}
	return models.Address{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country}
}

func invoiceEffect(typ string, in *stripe.Invoice) models.Effect {
	p := models.InvoicePayment{
		InvoiceID: in.ID, BillingReason: string(in.BillingReason), AmountPaid: in.AmountPaid, Currency: string(in.Currency),
		Email: in.CustomerEmail, Name: in.CustomerName, Address: address(in.CustomerAddress),
		HostedURL: in.HostedInvoiceURL, Livemode: in.Livemode,
	}
	if in.Subscription != nil {
		p.SubscriptionID = in.Subscription.ID
	}
	if in.Customer != nil {
		p.CustomerID = in.Customer.ID
	}
	if in.Charge != nil {
		p.ChargeID = in.Charge.ID
		p.Fees = chargeFees(in.Charge)
	}
	if in.PaymentIntent != nil {
		p.PaymentIntentID = in.PaymentIntent.ID
	}
	p.AttemptCount, p.NextRetryAt = in.AttemptCount, unix(in.NextPaymentAttempt)
	if in.Charge != nil && in.Charge.Status == stripe.ChargeStatusFailed {
		p.DeclineCode, p.DeclineMessage = declineOf(in.Charge) // expanded on retrieval
	}
	if in.SubscriptionDetails != nil {
		p.GiftID = giftID(in.SubscriptionDetails.Metadata)
	}
	if in.Lines != nil {
		for _, l := range in.Lines.Data {
			if l.Price != nil && l.Price.Recurring != nil {
				p.Interval = string(l.Price.Recurring.Interval)
				break
			}
		}
	}
	switch typ {
	case "invoice.paid":
		return models.InvoicePaid{InvoicePayment: p}
	case "invoice.payment_failed":
		return models.InvoiceFailed{InvoicePayment: p}
	}
	return models.Ignore{Reason: "no handler for " + typ}
}

// giftID is our gift's id from an object's metadata, when it is one.
func giftID(md map[string]string) string {
	id := md["gift_id"]
	if _, err := uuid.Parse(id); err != nil {
		return ""
	}
	return id
}

func subscriptionEffect(typ string, sub *stripe.Subscription) models.Effect {
	switch typ {
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
		"customer.subscription.paused", "customer.subscription.resumed":
	default:
		return models.Ignore{Reason: "no handler for " + typ}
	}
	st := models.SubscriptionState{
		SubscriptionID: sub.ID, Status: string(sub.Status), Currency: string(sub.Currency),
		CancelAtPeriodEnd: sub.CancelAtPeriodEnd, CurrentPeriodEnd: unix(sub.CurrentPeriodEnd),
		StartedAt: unix(sub.StartDate), EndedAt: unix(sub.EndedAt),
		Deleted: typ == "customer.subscription.deleted", GiftID: sub.Metadata["gift_id"],
	}
	if sub.Customer != nil {
		st.CustomerID = sub.Customer.ID
	}
	if pc := sub.PauseCollection; pc != nil {
		st.Paused, st.PausedUntil = true, unix(pc.ResumesAt)
	}
	if cd := sub.CancellationDetails; cd != nil {
		st.CancelReason, st.CancelFeedback, st.CancelComment = string(cd.Reason), string(cd.Feedback), cd.Comment
	}
	if sub.Items != nil {
		for _, it := range sub.Items.Data {
			if it.Price == nil {
				continue
			}
			qty := it.Quantity
			if qty == 0 {
				qty = 1
			}
			st.Amount += it.Price.UnitAmount * qty
			if st.Currency == "" {
				st.Currency = string(it.Price.Currency)
			}
			if it.Price.Recurring != nil && st.Interval == "" {
				st.Interval = string(it.Price.Recurring.Interval)
			}
		}
	}
	return models.SubscriptionChanged{SubscriptionState: st}
}

// chargeEffect is what a charge event changes: a refund, or a failed
// membership payment's decline reason.
func chargeEffect(typ string, ch *stripe.Charge) models.Effect {
	if typ == "charge.failed" {
		ref := models.ChargeRef{ChargeID: ch.ID}
		if ch.PaymentIntent != nil {
			ref.PaymentIntentID = ch.PaymentIntent.ID
		}
		if ch.Invoice == nil {
			return models.Ignore{Reason: "a failed charge of no invoice: Checkout tells the donor at once"}
		}
		ref.InvoiceID = ch.Invoice.ID
		code, msg := declineOf(ch)
		return models.ChargeFailed{ChargeRef: ref, DeclineCode: code, DeclineMessage: msg}
	}
	return refundEffect(ch)
}

// declineOf is why a card was declined: the issuer's decline code when
// Stripe has one (insufficient_funds, expired_card), else the failure
// code, and Stripe's sentence for the seller.
func declineOf(ch *stripe.Charge) (code, message string) {
	code, message = ch.FailureCode, ch.FailureMessage
	if o := ch.Outcome; o != nil {
		if o.Reason != "" {
			code = o.Reason
		}
		if o.SellerMessage != "" {
			message = o.SellerMessage
		}
	}
	return code, message
}

func refundEffect(ch *stripe.Charge) models.Effect {
	ref := models.ChargeRef{ChargeID: ch.ID}
	if ch.PaymentIntent != nil {
		ref.PaymentIntentID = ch.PaymentIntent.ID
	}
	if ch.Invoice != nil {
		ref.InvoiceID = ch.Invoice.ID
	}
	return models.ChargeRefunded{ChargeRef: ref, Amount: ch.Amount, AmountRefunded: ch.AmountRefunded, Currency: string(ch.Currency)}
}

func disputeEffect(typ string, d *stripe.Dispute) models.Effect {
	ref := models.ChargeRef{}
	if d.Charge != nil {
		ref.ChargeID = d.Charge.ID
	}
	if d.PaymentIntent != nil {
		ref.PaymentIntentID = d.PaymentIntent.ID
	}
	switch typ {
	case "charge.dispute.created":
		return models.DisputeOpened{ChargeRef: ref, DisputeID: d.ID, Amount: d.Amount, Currency: string(d.Currency)}
	case "charge.dispute.closed":
		// An inquiry that closes without a chargeback ends like a win.
		won := d.Status == stripe.DisputeStatusWon || d.Status == stripe.DisputeStatusWarningClosed
		return models.DisputeClosed{ChargeRef: ref, DisputeID: d.ID, Won: won, Amount: d.Amount, Currency: string(d.Currency)}
	}
	return models.Ignore{Reason: "no handler for " + typ}
}

func unix(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
