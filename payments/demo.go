package payments

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// checkoutSessionSample is Stripe's own sample checkout.session object
// (API 2023-10-16, from Stripe's OpenAPI fixtures, MIT licence). Demo events
// start from it so they have the shape real events have.
//
//go:embed checkout_session_sample.json
var checkoutSessionSample []byte

// Demo plays Stripe's part when no Stripe key is set in development: its
// checkout is a local page, and paying there produces a signed
// checkout.session.completed event that goes through the same verification
// and processing as a real webhook. No money moves.
type Demo struct {
	baseURL string
	secret  string
	now     func() time.Time
}

// NewDemo makes a demo gateway with a fresh signing secret: events it
// signs are valid for this process only.
func NewDemo(baseURL string, now func() time.Time) (*Demo, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Demo{baseURL: strings.TrimRight(baseURL, "/"), secret: "whsec_demo_" + hex.EncodeToString(b), now: now}, nil
}

// Secret is the per-process webhook secret the demo signs with.
func (d *Demo) Secret() string { return d.secret }

// Mode implements Gateway.
func (d *Demo) Mode() string { return "demo (no money moves)" }

// CreateCheckout implements Gateway with a local checkout page.
func (d *Demo) CreateCheckout(_ context.Context, req CheckoutRequest) (CheckoutSession, error) {
	id, err := randomID("cs_demo_")
	if err != nil {
		return CheckoutSession{}, err
	}
	return CheckoutSession{ID: id, URL: d.baseURL + "/demo/checkout/" + url.PathEscape(id)}, nil
}

// DemoPayment is what the demo checkout page knows about the gift.
type DemoPayment struct {
	SessionID   string
	GiftID      string
	Email       string
	Name        string
	Address     Address
	Currency    string
	AmountTotal int64
	Metadata    map[string]string
}

// CompletedEvent builds and signs the checkout.session.completed event that
// Stripe would send for a paid session, returning the body and the
// Stripe-Signature header.
func (d *Demo) CompletedEvent(p DemoPayment) ([]byte, string, error) {
	var session map[string]any
	if err := json.Unmarshal(checkoutSessionSample, &session); err != nil {
		return nil, "", fmt.Errorf("demo sample: %w", err)
	}
	now := d.now()
	pi, err := randomID("pi_demo_")
	if err != nil {
		return nil, "", err
	}
	var address any
	if p.Address.Line1 != "" {
		address = map[string]any{"line1": p.Address.Line1, "line2": nil, "city": p.Address.City,
			"postal_code": p.Address.PostalCode, "country": p.Address.Country, "state": nil}
	}
	for k, v := range map[string]any{
		"id": p.SessionID, "client_reference_id": p.GiftID, "mode": "payment",
		"status": "complete", "payment_status": "paid", "submit_type": "donate",
		"amount_subtotal": p.AmountTotal, "amount_total": p.AmountTotal, "currency": p.Currency,
		"customer_email": p.Email, "payment_intent": pi, "metadata": p.Metadata,
		"created": now.Add(-time.Minute).Unix(), "expires_at": now.Add(24 * time.Hour).Unix(),
		"success_url": d.baseURL + "/donate/thanks?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":  d.baseURL + "/donate", "url": nil, "livemode": false,
		"customer_details": map[string]any{"email": p.Email, "name": p.Name, "address": address,
			"phone": nil, "tax_exempt": "none", "tax_ids": []any{}},
	} {
		session[k] = v
	}
	evID, err := randomID("evt_demo_")
	if err != nil {
		return nil, "", err
	}
	payload, err := json.Marshal(map[string]any{
		"id": evID, "object": "event", "api_version": APIVersion, "created": now.Unix(),
		"livemode": false, "pending_webhooks": 1, "type": "checkout.session.completed",
		"request": map[string]any{"id": nil, "idempotency_key": nil},
		"data":    map[string]any{"object": session},
	})
	if err != nil {
		return nil, "", err
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: d.secret, Timestamp: now})
	return payload, signed.Header, nil
}

func randomID(prefix string) (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b), nil
}
