package payments

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Stripe is the real gateway (live, test, or stripe-mock via apiBase).
type Stripe struct {
	api     *client.API
	key     string
	apiBase string
}

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

// CreateCheckout creates a one-time payment Checkout Session. The
// idempotency key comes from our gift id, so a retried call for the same
// gift returns the same session instead of a second one.
func (s *Stripe) CreateCheckout(ctx context.Context, req CheckoutRequest) (CheckoutSession, error) {
	params := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		SubmitType:        stripe.String(string(stripe.CheckoutSessionSubmitTypeDonate)),
		CustomerEmail:     stripe.String(req.Email),
		ClientReferenceID: stripe.String(req.GiftID),
		SuccessURL:        stripe.String(req.SuccessURL),
		CancelURL:         stripe.String(req.CancelURL),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:   stripe.String(req.Currency),
				UnitAmount: stripe.Int64(req.AmountTotal),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{
					Name: stripe.String(req.ProductName),
				},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{
			Metadata: req.Metadata,
		},
	}
	if req.Description != "" {
		params.LineItems[0].PriceData.ProductData.Description = stripe.String(req.Description)
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
