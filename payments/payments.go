// Package payments is the one place that talks to Stripe: it creates
// Checkout Sessions and portal sessions, lists events for reconciliation,
// verifies webhook events and translates Stripe's objects, once, into the
// ledger's vocabulary (models' effects), and plays Stripe's part in demo
// mode. Nothing else imports stripe-go, and no Stripe type leaves it. It
// must not touch the database.
package payments

import (
	"context"
	"errors"
	"time"

	"github.com/indienews/donations/models"
)

// APIVersion is the Stripe API version we decode: stripe-go v76 reads
// exactly this shape. An event in it is decoded inline; one in any other
// version is a notice whose object is retrieved at this version (Resolve).
const APIVersion = "2023-10-16"

// CheckoutRequest is a gift the donor wants to pay through Checkout.
type CheckoutRequest struct {
	GiftID      string
	Email       string
	Currency    string
	AmountTotal int64  // minor units, the fee included when covered
	Interval    string // "" for a one-time gift, "month" or "year" for a membership
	ProductName string // the line the donor sees, e.g. "Gift to The Ledger"
	Description string
	SuccessURL  string // may contain {CHECKOUT_SESSION_ID}
	CancelURL   string
	// BillingAddress makes Checkout ask for the donor's full address (a
	// Canadian receipt must print it).
	BillingAddress bool
	Metadata       map[string]string
	// Locale is the language Checkout speaks to the donor ("fr", "es";
	// "" lets Stripe follow the browser), the one they chose here.
	Locale string
}

// CheckoutSession is where to send the donor.
type CheckoutSession struct {
	ID  string
	URL string
}

// Gateway creates Checkout Sessions: Stripe itself, or the demo stand-in.
type Gateway interface {
	CreateCheckout(ctx context.Context, req CheckoutRequest) (CheckoutSession, error)
	// Mode says which Stripe this is, for the start-up log line.
	Mode() string
	// Portal opens a Stripe Customer Portal session where a member changes
	// their card or cancels, returning its URL.
	Portal(ctx context.Context, customerID, returnURL string) (string, error)
	// Resolve gives an event that came as a Notice its effect, from its
	// object retrieved at our API version; other events pass unchanged.
	Resolve(ctx context.Context, ev Event) (Event, error)
	// UpdateMembership sends a member's change of their subscription
	// (cancel, keep, pause, resume, amount). Stripe's event records it;
	// the demo returns that event, signed, for the caller to deliver.
	UpdateMembership(ctx context.Context, u MembershipUpdate) ([]SignedEvent, error)
	// DeleteCustomer deletes a donor's Stripe customer when they are
	// erased: Stripe ends its subscriptions at once and keeps no card.
	// One that is gone already is not an error.
	DeleteCustomer(ctx context.Context, customerID string) error
}

// ErrNoPortal is the demo's answer: there is no Stripe to manage cards in.
var ErrNoPortal = errors.New("no customer portal in demo mode")

// ErrGateway wraps every failure to reach or satisfy Stripe. Its text is
// for logs only: donors see a calm sentence instead.
var ErrGateway = errors.New("payment gateway error")

// Event is a verified webhook event, in the ledger's own terms: its
// envelope, the currency its object is in, and what it does (Effect).
// An event in another API version than ours arrives as a Notice instead,
// with no Effect until Resolve retrieved its object.
type Event struct {
	ID         string
	Type       string
	APIVersion string
	Livemode   bool
	Created    time.Time
	Currency   string // the object's, "" when it has none
	Effect     models.Effect
	Notice     *Notice
}

// Notice names the object an event of another API version is about:
// only the envelope of such an event is read.
type Notice struct {
	Object string // checkout.session, invoice, subscription, charge or dispute
	ID     string
}
