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

	"github.com/indienews/donations/models"
	"github.com/stripe/stripe-go/v76/webhook"
)

// checkoutSessionSample is Stripe's own sample checkout.session object
// (API 2023-10-16, from Stripe's OpenAPI fixtures, MIT licence). Demo events
// start from it so they have the shape real events have.
//
//go:embed checkout_session_sample.json
var checkoutSessionSample []byte

//go:embed subscription_sample.json
var subscriptionSample []byte

//go:embed invoice_sample.json
var invoiceSample []byte

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

// Portal implements Gateway: the demo has no Customer Portal.
func (d *Demo) Portal(context.Context, string, string) (string, error) { return "", ErrNoPortal }

// DemoPayment is what the demo checkout page knows about the gift.
type DemoPayment struct {
	SessionID   string
	GiftID      string
	Email       string
	Name        string
	Address     models.Address
	Currency    string
	AmountTotal int64
	Interval    string // "" for a one-time gift; month or year for a membership
	Metadata    map[string]string
}

// SignedEvent is an event body and its Stripe-Signature header.
type SignedEvent struct {
	Body   []byte
	Header string
}

// PaidEvents builds and signs the events Stripe would send once the demo
// checkout is paid: checkout.session.completed for a one-time gift; for a
// membership also customer.subscription.created and the first invoice.paid,
// which is what records the payment.
func (d *Demo) PaidEvents(p DemoPayment) ([]SignedEvent, error) {
	now := d.now()
	ids := map[string]string{}
	for _, prefix := range []string{"pi_demo_", "sub_demo_", "cus_demo_", "in_demo_", "ch_demo_"} {
		id, err := randomID(prefix)
		if err != nil {
			return nil, err
		}
		ids[prefix] = id
	}
	var address any
	if p.Address.Line1 != "" {
		address = map[string]any{"line1": p.Address.Line1, "line2": p.Address.Line2, "city": p.Address.City,
			"postal_code": p.Address.PostalCode, "country": p.Address.Country, "state": p.Address.State}
	}
	session := map[string]any{
		"id": p.SessionID, "client_reference_id": p.GiftID, "mode": "payment",
		"status": "complete", "payment_status": "paid", "submit_type": "donate",
		"amount_subtotal": p.AmountTotal, "amount_total": p.AmountTotal, "currency": p.Currency,
		"customer_email": p.Email, "payment_intent": ids["pi_demo_"], "metadata": p.Metadata,
		"created": now.Add(-time.Minute).Unix(), "expires_at": now.Add(24 * time.Hour).Unix(),
		"success_url": d.baseURL + "/donate/thanks?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":  d.baseURL + "/donate", "url": nil, "livemode": false,
		"customer_details": map[string]any{"email": p.Email, "name": p.Name, "address": address,
			"phone": nil, "tax_exempt": "none", "tax_ids": []any{}},
	}
	if p.Interval == "" {
		ev, err := d.sign("checkout.session.completed", checkoutSessionSample, session, now)
		return []SignedEvent{ev}, err
	}
	session["mode"], session["submit_type"], session["payment_intent"] = "subscription", nil, nil
	session["subscription"], session["customer"] = ids["sub_demo_"], ids["cus_demo_"]
	price := map[string]any{"id": "price_demo", "object": "price", "currency": p.Currency, "unit_amount": p.AmountTotal,
		"type": "recurring", "recurring": map[string]any{"interval": p.Interval, "interval_count": 1, "usage_type": "licensed"}}
	periodEnd := now.AddDate(0, 1, 0)
	if p.Interval == "year" {
		periodEnd = now.AddDate(1, 0, 0)
	}
	sub := map[string]any{
		"id": ids["sub_demo_"], "customer": ids["cus_demo_"], "status": "active", "currency": p.Currency,
		"metadata": p.Metadata, "start_date": now.Unix(), "current_period_start": now.Unix(),
		"current_period_end": periodEnd.Unix(), "cancel_at_period_end": false, "canceled_at": nil, "ended_at": nil,
		"items": map[string]any{"object": "list", "has_more": false, "data": []any{map[string]any{
			"id": "si_demo", "object": "subscription_item", "quantity": 1, "subscription": ids["sub_demo_"], "price": price}}},
	}
	invoice := map[string]any{
		"id": ids["in_demo_"], "subscription": ids["sub_demo_"], "customer": ids["cus_demo_"], "charge": ids["ch_demo_"],
		"payment_intent": ids["pi_demo_"], "billing_reason": "subscription_create", "status": "paid", "paid": true,
		"amount_due": p.AmountTotal, "amount_paid": p.AmountTotal, "amount_remaining": 0, "currency": p.Currency,
		"customer_email": p.Email, "customer_name": p.Name, "customer_address": address,
		"subscription_details": map[string]any{"metadata": p.Metadata},
		"lines": map[string]any{"object": "list", "has_more": false, "data": []any{map[string]any{
			"id": "il_demo", "object": "line_item", "amount": p.AmountTotal, "currency": p.Currency, "quantity": 1,
			"type": "subscription", "subscription": ids["sub_demo_"], "price": price}}},
	}
	var out []SignedEvent
	for _, e := range []struct {
		typ    string
		sample []byte
		obj    map[string]any
	}{
		{"checkout.session.completed", checkoutSessionSample, session},
		{"customer.subscription.created", subscriptionSample, sub},
		{"invoice.paid", invoiceSample, invoice},
	} {
		ev, err := d.sign(e.typ, e.sample, e.obj, now)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// sign lays fields over one of Stripe's sample objects, wraps it in an
// event and signs it with the demo secret.
func (d *Demo) sign(typ string, sample []byte, fields map[string]any, now time.Time) (SignedEvent, error) {
	var obj map[string]any
	if err := json.Unmarshal(sample, &obj); err != nil {
		return SignedEvent{}, fmt.Errorf("demo sample: %w", err)
	}
	for k, v := range fields {
		obj[k] = v
	}
	evID, err := randomID("evt_demo_")
	if err != nil {
		return SignedEvent{}, err
	}
	payload, err := json.Marshal(map[string]any{
		"id": evID, "object": "event", "api_version": APIVersion, "created": now.Unix(),
		"livemode": false, "pending_webhooks": 1, "type": typ,
		"request": map[string]any{"id": nil, "idempotency_key": nil},
		"data":    map[string]any{"object": obj},
	})
	if err != nil {
		return SignedEvent{}, err
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: d.secret, Timestamp: now})
	return SignedEvent{Body: payload, Header: signed.Header}, nil
}

func randomID(prefix string) (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b), nil
}
