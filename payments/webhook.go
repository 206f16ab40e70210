package payments

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// Why a webhook was refused. Each maps to a 400 in the handler.
var (
	ErrSignature = errors.New("invalid signature")
	ErrStale     = errors.New("signature timestamp outside tolerance")
	ErrMalformed = errors.New("malformed event")
)

// APIVersionError is a correctly signed event of another API version: its
// objects would decode wrongly, so it is refused loudly.
type APIVersionError struct{ Got string }

func (e *APIVersionError) Error() string {
	return fmt.Sprintf("event API version %q, expected %q", e.Got, APIVersion)
}

// Verifier checks Stripe-Signature headers and decodes events.
type Verifier struct {
	secrets   []string // several during a secret rotation
	tolerance time.Duration
}

// NewVerifier accepts events signed with any of secrets. An empty secret
// is never among them: an HMAC under an empty key is one anybody can make.
func NewVerifier(secrets ...string) *Verifier {
	v := &Verifier{tolerance: webhook.DefaultTolerance}
	for _, s := range secrets {
		if s = strings.TrimSpace(s); s != "" {
			v.secrets = append(v.secrets, s)
		}
	}
	return v
}

// Parse verifies the signature (and its age), checks the API version and
// decodes the event into our types.
func (v *Verifier) Parse(payload []byte, header string) (Event, error) {
	if len(v.secrets) == 0 {
		return Event{}, fmt.Errorf("%w: no webhook secret configured", ErrSignature)
	}
	var ev stripe.Event
	var err error
	for _, secret := range v.secrets {
		// The version check is ours, after the signature, so a mismatch is
		// told apart from a forgery.
		ev, err = webhook.ConstructEventWithOptions(payload, header, secret, webhook.ConstructEventOptions{
			Tolerance:                v.tolerance,
			IgnoreAPIVersionMismatch: true,
		})
		if err == nil || errors.Is(err, webhook.ErrTooOld) {
			break
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, webhook.ErrTooOld):
		return Event{}, ErrStale
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader), errors.Is(err, webhook.ErrNoValidSignature):
		return Event{}, fmt.Errorf("%w: %v", ErrSignature, err)
	default:
		// Signed correctly but not JSON stripe-go can read.
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if ev.APIVersion != APIVersion {
		return Event{}, &APIVersionError{Got: ev.APIVersion}
	}
	return Decode(ev)
}

// Decode turns an event Stripe sent or listed into our types. Listed events
// carry no signature, so callers check APIVersion themselves (Parse does).
func Decode(ev stripe.Event) (Event, error) {
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
			out.Checkout = checkoutFrom(&cs)
		}
	case strings.HasPrefix(out.Type, "invoice."):
		var in stripe.Invoice
		if err = unmarshal(ev, &in); err == nil && in.ID != "" {
			out.Invoice = invoiceFrom(&in)
		}
	case strings.HasPrefix(out.Type, "customer.subscription."):
		var sub stripe.Subscription
		if err = unmarshal(ev, &sub); err == nil && sub.ID != "" {
			out.Subscription = subscriptionFrom(&sub)
		}
	case strings.HasPrefix(out.Type, "charge.dispute."):
		var d stripe.Dispute
		if err = unmarshal(ev, &d); err == nil && d.ID != "" {
			out.Dispute = disputeFrom(&d)
		}
	case out.Type == "charge.refunded":
		var ch stripe.Charge
		if err = unmarshal(ev, &ch); err == nil && ch.ID != "" {
			out.Charge = chargeFrom(&ch)
		}
	default:
		return out, nil
	}
	if err != nil {
		return Event{}, err
	}
	if out.Checkout == nil && out.Invoice == nil && out.Subscription == nil && out.Charge == nil && out.Dispute == nil {
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

func checkoutFrom(cs *stripe.CheckoutSession) *Checkout {
	c := &Checkout{
		SessionID:         cs.ID,
		ClientReferenceID: cs.ClientReferenceID,
		Mode:              string(cs.Mode),
		PaymentStatus:     string(cs.PaymentStatus),
		Status:            string(cs.Status),
		AmountTotal:       cs.AmountTotal,
		Currency:          string(cs.Currency),
		Email:             cs.CustomerEmail,
		Livemode:          cs.Livemode,
		Metadata:          cs.Metadata,
	}
	if cs.PaymentIntent != nil {
		c.PaymentIntentID = cs.PaymentIntent.ID
	}
	if cs.Subscription != nil {
		c.SubscriptionID = cs.Subscription.ID
	}
	if cs.Customer != nil {
		c.CustomerID = cs.Customer.ID
	}
	if d := cs.CustomerDetails; d != nil {
		if d.Email != "" {
			c.Email = d.Email
		}
		c.Name = d.Name
		c.Address = addressFrom(d.Address)
	}
	return c
}

func addressFrom(a *stripe.Address) Address {
	if a == nil {
		return Address{}
	}
	return Address{Line1: a.Line1, City: a.City, PostalCode: a.PostalCode, Country: a.Country}
}

func invoiceFrom(in *stripe.Invoice) *Invoice {
	out := &Invoice{
		ID: in.ID, BillingReason: string(in.BillingReason), Status: string(in.Status), Paid: in.Paid,
		AmountPaid: in.AmountPaid, AmountDue: in.AmountDue, Currency: string(in.Currency),
		Email: in.CustomerEmail, Name: in.CustomerName, Address: addressFrom(in.CustomerAddress),
		HostedURL: in.HostedInvoiceURL, AttemptCount: in.AttemptCount,
	}
	if in.Subscription != nil {
		out.SubscriptionID = in.Subscription.ID
	}
	if in.Customer != nil {
		out.CustomerID = in.Customer.ID
	}
	if in.Charge != nil {
		out.ChargeID = in.Charge.ID
	}
	if in.PaymentIntent != nil {
		out.PaymentIntentID = in.PaymentIntent.ID
	}
	if in.SubscriptionDetails != nil {
		out.Metadata = in.SubscriptionDetails.Metadata
	}
	if in.Lines != nil {
		for _, l := range in.Lines.Data {
			if l.Price != nil && l.Price.Recurring != nil {
				out.Interval = string(l.Price.Recurring.Interval)
				break
			}
		}
	}
	return out
}

func subscriptionFrom(sub *stripe.Subscription) *Subscription {
	out := &Subscription{
		ID: sub.ID, Status: string(sub.Status), Currency: string(sub.Currency),
		CancelAtPeriodEnd: sub.CancelAtPeriodEnd, Metadata: sub.Metadata,
		CurrentPeriodEnd: unix(sub.CurrentPeriodEnd), StartedAt: unix(sub.StartDate), EndedAt: unix(sub.EndedAt),
	}
	if sub.Customer != nil {
		out.CustomerID = sub.Customer.ID
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
			out.Amount += it.Price.UnitAmount * qty
			if out.Currency == "" {
				out.Currency = string(it.Price.Currency)
			}
			if it.Price.Recurring != nil && out.Interval == "" {
				out.Interval = string(it.Price.Recurring.Interval)
			}
		}
	}
	return out
}

func chargeFrom(ch *stripe.Charge) *Charge {
	out := &Charge{ID: ch.ID, Amount: ch.Amount, AmountRefunded: ch.AmountRefunded, Currency: string(ch.Currency)}
	if ch.PaymentIntent != nil {
		out.PaymentIntentID = ch.PaymentIntent.ID
	}
	if ch.Invoice != nil {
		out.InvoiceID = ch.Invoice.ID
	}
	return out
}

func disputeFrom(d *stripe.Dispute) *Dispute {
	out := &Dispute{ID: d.ID, Amount: d.Amount, Currency: string(d.Currency), Status: string(d.Status), Reason: string(d.Reason)}
	if d.Charge != nil {
		out.ChargeID = d.Charge.ID
	}
	if d.PaymentIntent != nil {
		out.PaymentIntentID = d.PaymentIntent.ID
	}
	return out
}

func unix(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
