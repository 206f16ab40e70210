package payments

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/indienews/donations/models"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// Why a webhook was refused. Each maps to a 400 in the handler.
var (
	ErrSignature = errors.New("invalid signature")
	ErrStale     = errors.New("signature timestamp outside tolerance")
	ErrMalformed = errors.New("malformed event")
)

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

// Parse verifies the signature (and its age), whatever the event's API
// version, and reads the event: inline when it is in our version, as a
// notice to retrieve its object otherwise (see ParseEvent).
func (v *Verifier) Parse(payload []byte, header string) (Event, error) {
	if len(v.secrets) == 0 {
		return Event{}, fmt.Errorf("%w: no webhook secret configured", ErrSignature)
	}
	var err error
	for _, secret := range v.secrets {
		// The signature covers the raw body: nothing of it is read before.
		err = webhook.ValidatePayloadWithTolerance(payload, header, secret, v.tolerance)
		if err == nil || errors.Is(err, webhook.ErrTooOld) {
			break
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, webhook.ErrTooOld):
		return Event{}, ErrStale
	default:
		return Event{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return ParseEvent(payload)
}

// envelope is what every API version's event shares, and all we read of
// an event in a version other than ours.
type envelope struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	APIVersion string `json:"api_version"`
	Created    int64  `json:"created"`
	Livemode   bool   `json:"livemode"`
	Data       struct {
		// The object, undecoded: decoding it once, into the type its
		// event names, is the cost of an event (a stripe.Event decodes it
		// twice more, into a map and a copy).
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// objectRef is what a notice reads of an event's object.
type objectRef struct {
	Object string `json:"object"`
	ID     string `json:"id"`
}

// ParseEvent reads a verified event body. An event in our API version
// (2023-10-16) is decoded inline: the fast path. Any other version moved
// fields (an invoice's subscription now sits under parent, its charge is
// gone), so its object is never decoded with our types: the event becomes
// a notice naming the object, which Resolve retrieves at our version.
func ParseEvent(payload []byte) (Event, error) {
	var env envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if env.ID == "" || env.Type == "" {
		return Event{}, fmt.Errorf("%w: event without id or type", ErrMalformed)
	}
	if env.APIVersion == APIVersion {
		ev := stripe.Event{ID: env.ID, Type: stripe.EventType(env.Type), APIVersion: env.APIVersion, Livemode: env.Livemode,
			Created: env.Created}
		if len(env.Data.Object) > 0 {
			ev.Data = &stripe.EventData{Raw: env.Data.Object}
		}
		return decode(ev)
	}
	return notice(env)
}

// notice is an event of another API version: its envelope, and what to
// retrieve. A type we do not handle needs no retrieval: it changes
// nothing.
func notice(env envelope) (Event, error) {
	out := Event{ID: env.ID, Type: env.Type, APIVersion: env.APIVersion, Livemode: env.Livemode,
		Created: time.Unix(env.Created, 0).UTC()}
	want, handled := handledObject[env.Type]
	if !handled {
		out.Effect = models.Ignore{Reason: "no handler for " + env.Type}
		return out, nil
	}
	var obj objectRef
	if len(env.Data.Object) > 0 {
		if err := json.Unmarshal(env.Data.Object, &obj); err != nil {
			return Event{}, fmt.Errorf("%w: %s object: %v", ErrMalformed, env.Type, err)
		}
	}
	if obj.ID == "" || (obj.Object != "" && obj.Object != want) {
		return Event{}, fmt.Errorf("%w: %s names %q %q, not a %s", ErrMalformed, env.Type, obj.Object, obj.ID, want)
	}
	out.Notice = &Notice{Object: want, ID: obj.ID}
	return out, nil
}

// handledObject is every event type the ledger acts on, with the object
// type it carries.
var handledObject = map[string]string{
	"checkout.session.completed":               "checkout.session",
	"checkout.session.async_payment_succeeded": "checkout.session",
	"checkout.session.async_payment_failed":    "checkout.session",
	"invoice.paid":                             "invoice",
	"invoice.payment_failed":                   "invoice",
	"customer.subscription.created":            "subscription",
	"customer.subscription.updated":            "subscription",
	"customer.subscription.deleted":            "subscription",
	"customer.subscription.paused":             "subscription",
	"customer.subscription.resumed":            "subscription",
	"charge.refunded":                          "charge",
	"charge.failed":                            "charge",
	"charge.dispute.created":                   "dispute",
	"charge.dispute.closed":                    "dispute",
	"payout.paid":                              "payout",
	"payout.failed":                            "payout",
}

// HandledEvents lists the event types the server acts on, sorted: what the
// webhook endpoint subscribes to.
func HandledEvents() []string {
	out := make([]string, 0, len(handledObject))
	for t := range handledObject {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
