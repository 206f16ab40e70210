// Package payments is the one place that talks to Stripe: it creates
// Checkout Sessions, verifies and decodes webhook events, and plays Stripe's
// part in demo mode. Nothing else imports stripe-go; callers see only the
// types declared here. It must not touch the database.
package payments

import (
	"context"
	"errors"
	"time"
)

// APIVersion is the Stripe API version every event we accept must carry;
// stripe-go v76 decodes exactly this shape.
const APIVersion = "2023-10-16"

// CheckoutRequest is a gift the donor wants to pay through Checkout.
type CheckoutRequest struct {
	GiftID      string
	Email       string
	Currency    string
	AmountTotal int64  // minor units, the fee included when covered
	ProductName string // the line the donor sees, e.g. "Gift to The Ledger"
	Description string
	SuccessURL  string // may contain {CHECKOUT_SESSION_ID}
	CancelURL   string
	Metadata    map[string]string
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
}

// ErrGateway wraps every failure to reach or satisfy Stripe. Its text is
// for logs only: donors see a calm sentence instead.
var ErrGateway = errors.New("payment gateway error")

// Event is a verified webhook event, decoded into our own types.
type Event struct {
	ID         string
	Type       string
	APIVersion string
	Livemode   bool
	Created    time.Time
	// Checkout is set for checkout.session.* events.
	Checkout *Checkout
}

// Checkout is the part of a Checkout Session the ledger needs.
type Checkout struct {
	SessionID         string
	ClientReferenceID string
	Mode              string // payment, subscription, setup
	PaymentStatus     string // paid, unpaid, no_payment_required
	Status            string // open, complete, expired
	PaymentIntentID   string
	AmountTotal       int64
	Currency          string
	Email             string
	Name              string
	Address           Address
	Livemode          bool
	Metadata          map[string]string
}

// Address is a postal address as Stripe collected it.
type Address struct {
	Line1, City, PostalCode, Country string
}
