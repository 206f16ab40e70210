package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// Fixture returns a fresh copy of one of Stripe's sample objects (API
// 2023-10-16) by object name, such as "checkout.session".
func Fixture(t testing.TB, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dataDir(), "fixtures3-2023-12-01.json"))
	if err != nil {
		t.Fatalf("reading Stripe fixtures: %v", err)
	}
	var all struct {
		Resources map[string]json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	obj, ok := all.Resources[name]
	if !ok {
		t.Fatalf("no Stripe fixture named %q", name)
	}
	var out map[string]any
	if err := json.Unmarshal(obj, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Event wraps object in Stripe's event envelope, starting from Stripe's
// own sample event.
func Event(t testing.TB, id, typ string, object map[string]any, apiVersion string) []byte {
	t.Helper()
	ev := Fixture(t, "event")
	ev["id"] = id
	ev["type"] = typ
	ev["api_version"] = apiVersion
	ev["created"] = time.Now().Unix()
	ev["data"] = map[string]any{"object": object}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Sign returns the Stripe-Signature header for payload at time at.
func Sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// PaidSession is Stripe's sample checkout.session made into a paid one-time
// gift of amount minor units.
func PaidSession(t testing.TB, sessionID, giftID, email string, amount int64) map[string]any {
	t.Helper()
	s := Fixture(t, "checkout.session")
	s["id"] = sessionID
	s["client_reference_id"] = nilIfEmpty(giftID)
	s["mode"] = "payment"
	s["status"] = "complete"
	s["payment_status"] = "paid"
	s["amount_total"] = amount
	s["amount_subtotal"] = amount
	s["currency"] = "usd"
	s["payment_intent"] = "pi_" + sessionID
	s["customer_email"] = email
	s["customer_details"] = map[string]any{"email": email, "name": "Sample Donor", "address": nil,
		"phone": nil, "tax_exempt": "none", "tax_ids": []any{}}
	return s
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// EventAt is Event with the event's creation time set: Stripe's order.
func EventAt(t testing.TB, id, typ string, object map[string]any, at time.Time) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(Event(t, id, typ, object, "2023-10-16"), &ev); err != nil {
		t.Fatal(err)
	}
	ev["created"] = at.Unix()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SubscriptionSpec describes a subscription sample to build.
type SubscriptionSpec struct {
	ID, Customer, Status, Interval string
	Amount                         int64
	PeriodEnd, Started, Ended      time.Time
	CancelAtPeriodEnd              bool
	GiftID                         string
}

// Subscription is Stripe's sample subscription shaped by spec.
func Subscription(t testing.TB, s SubscriptionSpec) map[string]any {
	t.Helper()
	sub := Fixture(t, "subscription")
	sub["id"], sub["customer"], sub["status"] = s.ID, s.Customer, s.Status
	sub["currency"] = "usd"
	sub["current_period_end"] = s.PeriodEnd.Unix()
	sub["current_period_start"] = s.PeriodEnd.AddDate(0, -1, 0).Unix()
	sub["start_date"] = s.Started.Unix()
	sub["cancel_at_period_end"] = s.CancelAtPeriodEnd
	sub["canceled_at"], sub["ended_at"] = nil, nil
	if !s.Ended.IsZero() {
		sub["canceled_at"], sub["ended_at"] = s.Ended.Unix(), s.Ended.Unix()
	}
	sub["metadata"] = map[string]any{}
	if s.GiftID != "" {
		sub["metadata"] = map[string]any{"gift_id": s.GiftID}
	}
	items := sub["items"].(map[string]any)
	item := items["data"].([]any)[0].(map[string]any)
	item["subscription"] = s.ID
	price := item["price"].(map[string]any)
	price["unit_amount"], price["unit_amount_decimal"] = s.Amount, fmt.Sprint(s.Amount)
	price["recurring"].(map[string]any)["interval"] = s.Interval
	return sub
}

// InvoiceSpec describes an invoice sample to build.
type InvoiceSpec struct {
	ID, Subscription, Customer, Charge, PaymentIntent, BillingReason string
	Amount                                                           int64
	Paid                                                             bool
	Email, Name, Interval, GiftID                                    string
}

// Invoice is Stripe's sample invoice shaped by spec, in the 2023-10-16
// layout (subscription, charge and billing_reason at the top level).
func Invoice(t testing.TB, s InvoiceSpec) map[string]any {
	t.Helper()
	in := Fixture(t, "invoice")
	in["id"], in["subscription"], in["customer"] = s.ID, s.Subscription, s.Customer
	in["charge"], in["payment_intent"] = nilIfEmpty(s.Charge), nilIfEmpty(s.PaymentIntent)
	in["billing_reason"] = s.BillingReason
	in["amount_due"], in["currency"] = s.Amount, "usd"
	in["amount_paid"], in["amount_remaining"] = int64(0), s.Amount
	in["paid"], in["status"] = s.Paid, "open"
	if s.Paid {
		in["amount_paid"], in["amount_remaining"], in["status"] = s.Amount, int64(0), "paid"
	}
	in["customer_email"], in["customer_name"] = nilIfEmpty(s.Email), nilIfEmpty(s.Name)
	in["hosted_invoice_url"] = "https://invoice.stripe.com/i/" + s.ID
	in["subscription_details"] = map[string]any{"metadata": map[string]any{}}
	if s.GiftID != "" {
		in["subscription_details"] = map[string]any{"metadata": map[string]any{"gift_id": s.GiftID}}
	}
	lines := in["lines"].(map[string]any)
	line := lines["data"].([]any)[0].(map[string]any)
	line["amount"], line["type"], line["subscription"] = s.Amount, "subscription", s.Subscription
	price := line["price"].(map[string]any)
	price["type"], price["unit_amount"] = "recurring", s.Amount
	price["recurring"] = map[string]any{"interval": s.Interval, "interval_count": 1, "usage_type": "licensed", "aggregate_usage": nil}
	return in
}

// Charge is Stripe's sample charge with amount and cumulative refunds.
func Charge(t testing.TB, id, paymentIntent, invoice string, amount, refunded int64) map[string]any {
	t.Helper()
	ch := Fixture(t, "charge")
	ch["id"], ch["payment_intent"], ch["invoice"] = id, nilIfEmpty(paymentIntent), nilIfEmpty(invoice)
	ch["amount"], ch["amount_captured"], ch["amount_refunded"], ch["currency"] = amount, amount, refunded, "usd"
	ch["refunded"] = refunded >= amount
	return ch
}

// Dispute is Stripe's sample dispute on a charge.
func Dispute(t testing.TB, id, charge, paymentIntent, status string, amount int64) map[string]any {
	t.Helper()
	d := Fixture(t, "dispute")
	d["id"], d["charge"], d["payment_intent"], d["status"], d["amount"], d["currency"] = id, charge, nilIfEmpty(paymentIntent), status, amount, "usd"
	return d
}

// MontrealAddress is a full Canadian address as Stripe writes one.
func MontrealAddress() map[string]any {
	return map[string]any{"line1": "12 Rue Saint-Paul", "line2": "Apt 4", "city": "Montréal", "state": "QC",
		"postal_code": "H2Y 1Z5", "country": "CA"}
}

// InCurrency sets a session's, invoice's or charge's currency.
func InCurrency(obj map[string]any, currency string) map[string]any {
	obj["currency"] = currency
	return obj
}

// WithAddress gives a session (customer_details) or an invoice
// (customer_address) the donor's billing address.
func WithAddress(obj map[string]any, addr map[string]any) map[string]any {
	if d, ok := obj["customer_details"].(map[string]any); ok {
		d["address"] = addr
	} else {
		obj["customer_address"] = addr
	}
	return obj
}
