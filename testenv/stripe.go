package testenv

import (
	"encoding/json"
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
