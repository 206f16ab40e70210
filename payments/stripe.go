package payments

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Stripe is the real gateway (live, test, or stripe-mock via apiBase).
type Stripe struct {
	api     *client.API
	key     string
	apiBase string
	// portalConfig is the Customer Portal configuration portal sessions
	// use ("": the account's default).
	portalConfig string
	// listed, when set, hears of each object a listing fetches (a
	// command's progress bar).
	listed func(what string, n int)
}

// ReportListing makes ListEvents and ListCompletedCheckouts call fn with
// the count fetched so far, after each object: a list of 30 days of
// events is many pages, and a person waiting wants to see them come.
func (s *Stripe) ReportListing(fn func(what string, n int)) { s.listed = fn }

func (s *Stripe) tellListed(what string, n int) {
	if s.listed != nil {
		s.listed(what, n)
	}
}

// UsePortalConfiguration makes portal sessions use configuration id (the
// one `donations stripe setup` made), not the account's default.
func (s *Stripe) UsePortalConfiguration(id string) { s.portalConfig = id }

// NewStripe builds a client with no package-level state: its own backends,
// pointed at apiBase when set (stripe-mock in tests).
func NewStripe(key, apiBase string, log *slog.Logger) *Stripe {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := &stripe.BackendConfig{LeveledLogger: slogLogger{log}}
	if apiBase != "" {
		cfg.URL = stripe.String(strings.TrimRight(apiBase, "/"))
	}
	backends := &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, cfg),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, cfg),
	}
	return &Stripe{api: client.New(key, backends), key: key, apiBase: apiBase}
}

// Mode names the Stripe this talks to; it never prints the key.
func (s *Stripe) Mode() string {
	switch {
	case s.apiBase != "":
		return "stripe-mock at " + s.apiBase
	case strings.HasPrefix(s.key, "sk_live_") || strings.HasPrefix(s.key, "rk_live_"):
		return "live"
	default:
		return "test"
	}
}

// CreateCheckout creates a Checkout Session: payment mode for a one-time
// gift, subscription mode for a membership. The idempotency key comes from
// our gift id, so a retried call for the same gift returns the same session
// instead of a second one.
func (s *Stripe) CreateCheckout(ctx context.Context, req CheckoutRequest) (CheckoutSession, error) {
	price := &stripe.CheckoutSessionLineItemPriceDataParams{
		Currency:   stripe.String(req.Currency),
		UnitAmount: stripe.Int64(req.AmountTotal),
		ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{
			Name: stripe.String(req.ProductName),
		},
	}
	if req.Description != "" {
		price.ProductData.Description = stripe.String(req.Description)
	}
	params := &stripe.CheckoutSessionParams{
		CustomerEmail:     stripe.String(req.Email),
		ClientReferenceID: stripe.String(req.GiftID),
		SuccessURL:        stripe.String(req.SuccessURL),
		CancelURL:         stripe.String(req.CancelURL),
		LineItems:         []*stripe.CheckoutSessionLineItemParams{{Quantity: stripe.Int64(1), PriceData: price}},
	}
	if req.Locale != "" {
		params.Locale = stripe.String(req.Locale)
	}
	if req.BillingAddress {
		params.BillingAddressCollection = stripe.String(string(stripe.CheckoutSessionBillingAddressCollectionRequired))
	}
	if req.Interval == "" {
		params.Mode = stripe.String(string(stripe.CheckoutSessionModePayment))
		params.SubmitType = stripe.String(string(stripe.CheckoutSessionSubmitTypeDonate))
		params.PaymentIntentData = &stripe.CheckoutSessionPaymentIntentDataParams{Metadata: req.Metadata}
	} else {
		// submit_type and payment_intent_data are for payment mode only;
		// invoices carry the subscription's metadata instead.
		params.Mode = stripe.String(string(stripe.CheckoutSessionModeSubscription))
		price.Recurring = &stripe.CheckoutSessionLineItemPriceDataRecurringParams{Interval: stripe.String(req.Interval)}
		params.SubscriptionData = &stripe.CheckoutSessionSubscriptionDataParams{Metadata: req.Metadata}
	}
	params.Metadata = req.Metadata
	params.Context = ctx
	params.SetIdempotencyKey("gift:" + req.GiftID + ":checkout")
	sess, err := s.api.CheckoutSessions.New(params)
	if err != nil {
		return CheckoutSession{}, fmt.Errorf("%w: creating checkout session: %v", ErrGateway, err)
	}
	if sess.URL == "" || sess.ID == "" {
		return CheckoutSession{}, fmt.Errorf("%w: checkout session without id or url", ErrGateway)
	}
	return CheckoutSession{ID: sess.ID, URL: sess.URL}, nil
}

// Portal creates a Customer Portal session for a member.
func (s *Stripe) Portal(ctx context.Context, customerID, returnURL string) (string, error) {
	params := &stripe.BillingPortalSessionParams{Customer: stripe.String(customerID), ReturnURL: stripe.String(returnURL)}
	if s.portalConfig != "" {
		params.Configuration = stripe.String(s.portalConfig)
	}
	params.Context = ctx
	sess, err := s.api.BillingPortalSessions.New(params)
	if err != nil {
		return "", fmt.Errorf("%w: creating portal session: %v", ErrGateway, err)
	}
	return sess.URL, nil
}

// Listed is one item a reconciliation found: a decoded event, or why it
// cannot be applied.
type Listed struct {
	Event  Event
	Reason string // non-empty: rejected (wrong API version, undecodable)
}

// ListEvents pages through Stripe's Events API (30 days of history) from
// since, oldest first. Listed events keep the API version they were created
// with (usually the account's default): one in our version is decoded
// inline, any other is a notice that Apply resolves by retrieving its
// object, as for the webhook.
func (s *Stripe) ListEvents(ctx context.Context, since time.Time) ([]Listed, error) {
	params := &stripe.EventListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: since.Unix()}}
	params.Context = ctx
	params.Limit = stripe.Int64(100)
	var out []Listed
	it := s.api.Events.List(params)
	for it.Next() {
		ev := it.Event()
		raw, err := json.Marshal(ev)
		var dec Event
		if err == nil {
			dec, err = ParseEvent(raw)
		}
		if err != nil {
			out = append(out, Listed{Event: Event{ID: ev.ID, Type: string(ev.Type), APIVersion: ev.APIVersion}, Reason: err.Error()})
			continue
		}
		out = append(out, Listed{Event: dec})
		s.tellListed("events", len(out))
	}
	if err := it.Err(); err != nil {
		return out, fmt.Errorf("%w: listing events: %v", ErrGateway, err)
	}
	// Stripe lists newest first; apply in the order things happened.
	slices.Reverse(out)
	return out, nil
}

// ListCompletedCheckouts returns complete Checkout Sessions created since,
// each as the checkout.session.completed event it implies. Their ids are
// prefixed so they never collide with a real event's.
func (s *Stripe) ListCompletedCheckouts(ctx context.Context, since time.Time) ([]Listed, error) {
	params := &stripe.CheckoutSessionListParams{
		Status:       stripe.String(string(stripe.CheckoutSessionStatusComplete)),
		CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: since.Unix()},
	}
	params.Context = ctx
	params.Limit = stripe.Int64(100)
	var out []Listed
	it := s.api.CheckoutSessions.List(params)
	for it.Next() {
		cs := it.CheckoutSession()
		if cs.Status != stripe.CheckoutSessionStatusComplete {
			continue // asked for complete ones only; never trust a list blindly
		}
		created := unix(cs.Created)
		out = append(out, Listed{Event: Event{
			ID: "reconcile:" + cs.ID, Type: "checkout.session.completed", APIVersion: APIVersion,
			Livemode: cs.Livemode, Created: created, Currency: string(cs.Currency),
			Effect: checkoutEffect("checkout.session.completed", cs, created),
		}})
		s.tellListed("checkouts", len(out))
	}
	if err := it.Err(); err != nil {
		return out, fmt.Errorf("%w: listing checkout sessions: %v", ErrGateway, err)
	}
	slices.Reverse(out)
	return out, nil
}

// slogLogger lets stripe-go log through our structured logger instead of
// its package-level default.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Debugf(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...), "component", "stripe")
}
func (l slogLogger) Infof(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...), "component", "stripe")
}
func (l slogLogger) Warnf(format string, v ...any) {
	l.log.Warn(fmt.Sprintf(format, v...), "component", "stripe")
}
func (l slogLogger) Errorf(format string, v ...any) {
	l.log.Error(fmt.Sprintf(format, v...), "component", "stripe")
}
