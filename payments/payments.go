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
	Interval    string // "" for a one-time gift, "month" or "year" for a membership
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
	// Portal opens a Stripe Customer Portal session where a member changes
	// their card or cancels, returning its URL.
	Portal(ctx context.Context, customerID, returnURL string) (string, error)
}

// ErrNoPortal is the demo's answer: there is no Stripe to manage cards in.
var ErrNoPortal = errors.New("no customer portal in demo mode")

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
	// At most one of these is set, by the event's object type.
	Checkout     *Checkout
	Invoice      *Invoice
	Subscription *Subscription
	Charge       *Charge
	Dispute      *Dispute
}

// Checkout is the part of a Checkout Session the ledger needs.
type Checkout struct {
	SessionID         string
	ClientReferenceID string
	Mode              string // payment, subscription, setup
	PaymentStatus     string // paid, unpaid, no_payment_required
	Status            string // open, complete, expired
	PaymentIntentID   string
	SubscriptionID    string
	CustomerID        string
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

// Invoice is the part of a subscription invoice the ledger needs.
type Invoice struct {
	ID              string
	SubscriptionID  string
	CustomerID      string
	ChargeID        string
	PaymentIntentID string
	BillingReason   string // subscription_create, subscription_cycle, ...
	Status          string
	Paid            bool
	AmountPaid      int64
	AmountDue       int64
	Currency        string
	Email           string
	Name            string
	Address         Address
	Interval        string // from the recurring price of its first line
	HostedURL       string // where the member can pay or fix their card
	AttemptCount    int64
	Metadata        map[string]string // the subscription's, as snapshot on the invoice
}

// Subscription is a snapshot of a Stripe subscription.
type Subscription struct {
	ID                string
	CustomerID        string
	Status            string
	Amount            int64 // per interval, minor units
	Currency          string
	Interval          string
	CurrentPeriodEnd  time.Time
	CancelAtPeriodEnd bool
	StartedAt         time.Time
	EndedAt           time.Time // zero while it runs
	Metadata          map[string]string
}

// Charge is a payment's charge, as refunds report it.
type Charge struct {
	ID              string
	PaymentIntentID string
	InvoiceID       string
	Amount          int64
	AmountRefunded  int64 // cumulative
	Currency        string
}

// Dispute is a chargeback on a charge.
type Dispute struct {
	ID              string
	ChargeID        string
	PaymentIntentID string
	Amount          int64
	Currency        string
	Status          string // needs_response, under_review, won, lost, ...
	Reason          string
}
