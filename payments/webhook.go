package payments

import (
	"encoding/json"
	"errors"
	"fmt"
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

// NewVerifier accepts events signed with any of secrets.
func NewVerifier(secrets ...string) *Verifier {
	return &Verifier{secrets: secrets, tolerance: webhook.DefaultTolerance}
}

// Parse verifies the signature (and its age), checks the API version and
// decodes the event into our types.
func (v *Verifier) Parse(payload []byte, header string) (Event, error) {
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
	case len(v.secrets) == 0:
		return Event{}, fmt.Errorf("%w: no webhook secret configured", ErrSignature)
	default:
		// Signed correctly but not JSON stripe-go can read.
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if ev.APIVersion != APIVersion {
		return Event{}, &APIVersionError{Got: ev.APIVersion}
	}
	return decode(ev)
}

func decode(ev stripe.Event) (Event, error) {
	if ev.ID == "" || ev.Type == "" || ev.Data == nil {
		return Event{}, fmt.Errorf("%w: event without id, type or data", ErrMalformed)
	}
	out := Event{
		ID: ev.ID, Type: string(ev.Type), APIVersion: ev.APIVersion,
		Livemode: ev.Livemode, Created: time.Unix(ev.Created, 0).UTC(),
	}
	switch ev.Type {
	case stripe.EventTypeCheckoutSessionCompleted,
		stripe.EventTypeCheckoutSessionAsyncPaymentSucceeded,
		stripe.EventTypeCheckoutSessionAsyncPaymentFailed,
		stripe.EventTypeCheckoutSessionExpired:
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
			return Event{}, fmt.Errorf("%w: checkout session: %v", ErrMalformed, err)
		}
		if cs.ID == "" {
			return Event{}, fmt.Errorf("%w: checkout session without id", ErrMalformed)
		}
		out.Checkout = checkoutFrom(&cs)
	}
	return out, nil
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
	if d := cs.CustomerDetails; d != nil {
		if d.Email != "" {
			c.Email = d.Email
		}
		c.Name = d.Name
		if a := d.Address; a != nil {
			c.Address = Address{Line1: a.Line1, City: a.City, PostalCode: a.PostalCode, Country: a.Country}
		}
	}
	return c
}
