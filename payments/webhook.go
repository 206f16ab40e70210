package payments

import (
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
	return decode(ev)
}
