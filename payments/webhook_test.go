package payments

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/stripe/stripe-go/v76/webhook"
)

func sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func TestDemoEventVerifiesAndDecodes(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	d, err := NewDemo("http://localhost:8080/", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	sess, err := d.CreateCheckout(t.Context(), CheckoutRequest{GiftID: "g1"})
	if err != nil || sess.URL != "http://localhost:8080/demo/checkout/"+sess.ID {
		t.Fatalf("demo session %+v %v", sess, err)
	}
	events, err := d.PaidEvents(DemoPayment{SessionID: sess.ID, GiftID: "g1", Email: "a@example.com", Name: "Ann",
		Address: models.Address{Line1: "1 Main St", City: "Town", Country: "US"}, Currency: "usd", AmountTotal: 2606})
	if err != nil || len(events) != 1 {
		t.Fatal(events, err)
	}
	body, header := events[0].Body, events[0].Header
	v := NewVerifier(d.Secret())
	v.tolerance = 100 * 365 * 24 * time.Hour // the demo clock is fixed in the past
	ev, err := v.Parse(body, header)
	if err != nil {
		t.Fatalf("demo event does not verify: %v", err)
	}
	// A paid one-time checkout: the ledger's CheckoutPaid.
	paid, ok := ev.Effect.(models.CheckoutPaid)
	c := paid.CheckoutPayment
	if ev.Type != "checkout.session.completed" || ev.APIVersion != APIVersion || !ok || ev.Currency != "usd" ||
		c.SessionID != sess.ID || c.ClientReferenceID != "g1" ||
		c.AmountTotal != 2606 || c.Currency != "usd" || c.Email != "a@example.com" || c.Name != "Ann" ||
		c.Address.City != "Town" || c.PaymentIntentID == "" || !ev.Created.Equal(now) || !c.At.Equal(now) {
		t.Fatalf("decoded demo event: %+v / %+v", ev, c)
	}
	// Another process's demo secret does not verify it.
	other, _ := NewDemo("http://localhost:8080", nil)
	if _, err := NewVerifier(other.Secret()).Parse(body, header); !errors.Is(err, ErrSignature) && !errors.Is(err, ErrStale) {
		t.Fatalf("foreign secret: %v", err)
	}
}

func TestVerifierRotationAndErrors(t *testing.T) {
	payload, _ := json.Marshal(map[string]any{"id": "evt_1", "object": "event", "type": "customer.created",
		"api_version": APIVersion, "created": time.Now().Unix(), "data": map[string]any{"object": map[string]any{"id": "cus_1"}}})
	v := NewVerifier("whsec_old", "whsec_new")
	for _, secret := range []string{"whsec_old", "whsec_new"} {
		if ev, err := v.Parse(payload, sign(payload, secret, time.Now())); err != nil || ev.ID != "evt_1" || ev.Effect != (models.Ignore{Reason: "no handler for customer.created"}) {
			t.Fatalf("signed with %s: %+v %v", secret, ev, err)
		}
	}
	if _, err := v.Parse(payload, sign(payload, "whsec_other", time.Now())); !errors.Is(err, ErrSignature) {
		t.Fatalf("unknown secret: %v", err)
	}
	if _, err := v.Parse(payload, sign(payload, "whsec_new", time.Now().Add(-10*time.Minute))); !errors.Is(err, ErrStale) {
		t.Fatalf("old timestamp: %v", err)
	}
	// Another API version is verified like ours; a type nobody handles
	// changes nothing, and needs nothing retrieved.
	old, _ := json.Marshal(map[string]any{"id": "evt_2", "object": "event", "type": "customer.created",
		"api_version": "2020-08-27", "created": time.Now().Unix(), "data": map[string]any{"object": map[string]any{}}})
	if ev, err := v.Parse(old, sign(old, "whsec_new", time.Now())); err != nil || ev.Notice != nil || ev.Effect != (models.Ignore{Reason: "no handler for customer.created"}) {
		t.Fatalf("an unhandled type in another version: %+v %v", ev, err)
	}
}

func TestStripeModeNeverShowsTheKey(t *testing.T) {
	cases := map[string]string{"sk_live_abc": "live", "rk_live_abc": "live", "sk_test_abc": "test"}
	for key, want := range cases {
		if got := NewStripe(key, "", nil).Mode(); got != want {
			t.Errorf("Mode(%s) = %q, want %q", key, got, want)
		}
	}
	if got := NewStripe("sk_test_abc", "http://127.0.0.1:12111", nil).Mode(); got != "stripe-mock at http://127.0.0.1:12111" {
		t.Errorf("mock mode = %q", got)
	}
}

func TestDemoMembershipEvents(t *testing.T) {
	d, err := NewDemo("http://localhost:8080", nil)
	if err != nil {
		t.Fatal(err)
	}
	const giftUUID = "7d0c4f3e-3b7a-4c61-9d6e-2f1a8b9c0d1e"
	events, err := d.PaidEvents(DemoPayment{SessionID: "cs_demo_x", GiftID: giftUUID, Email: "m@example.com", Name: "Mem",
		Currency: "usd", AmountTotal: 1500, Interval: "year", Metadata: map[string]string{"gift_id": giftUUID}})
	if err != nil || len(events) != 3 {
		t.Fatalf("%d events, %v", len(events), err)
	}
	v := NewVerifier(d.Secret())
	var types []string
	for _, e := range events {
		ev, err := v.Parse(e.Body, e.Header)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		switch e := ev.Effect.(type) {
		case models.CheckoutSubscription:
			if e.SubscriptionID == "" || e.CustomerID == "" {
				t.Errorf("checkout %+v", e)
			}
		case models.SubscriptionChanged:
			if e.Interval != "year" || e.Amount != 1500 || e.Status != "active" || e.GiftID != giftUUID {
				t.Errorf("subscription %+v", e)
			}
		case models.InvoicePaid:
			if e.AmountPaid != 1500 || e.BillingReason != "subscription_create" || e.GiftID != giftUUID || e.Interval != "year" || e.SubscriptionID == "" {
				t.Errorf("invoice %+v", e)
			}
		default:
			t.Errorf("%s: effect %T", ev.Type, e)
		}
	}
	if strings.Join(types, ",") != "checkout.session.completed,customer.subscription.created,invoice.paid" {
		t.Fatalf("types %v", types)
	}
}

// An empty signing key is a key anyone holds: a body signed with "" must
// not verify, however the secrets were configured.
func TestVerifierRefusesAnEmptyKey(t *testing.T) {
	payload, _ := json.Marshal(map[string]any{"id": "evt_forged", "object": "event", "type": "checkout.session.completed",
		"api_version": APIVersion, "created": time.Now().Unix(), "data": map[string]any{"object": map[string]any{"id": "cs_1", "object": "checkout.session"}}})
	forged := sign(payload, "", time.Now())
	for _, secrets := range [][]string{{""}, {"whsec_x", ""}, {" ", "whsec_x"}, nil} {
		if _, err := NewVerifier(secrets...).Parse(payload, forged); !errors.Is(err, ErrSignature) {
			t.Errorf("secrets %q: a body signed with an empty key gave %v, want ErrSignature", secrets, err)
		}
	}
}

// TestNewerVersionIsANoticeNeverDecoded: an event of a handled type in
// another API version is only its envelope and the object to retrieve;
// nothing of its object is decoded with our version's types, whatever it
// says.
func TestNewerVersionIsANoticeNeverDecoded(t *testing.T) {
	payload, _ := json.Marshal(map[string]any{"id": "evt_n", "object": "event", "type": "invoice.paid", "api_version": "2025-03-31.basil",
		"created": 1767225600, "livemode": true, "data": map[string]any{"object": map[string]any{"id": "in_n", "object": "invoice",
			"amount_paid": 1, "currency": "<b>", "parent": map[string]any{"subscription_details": map[string]any{"subscription": "sub_n"}}}}})
	ev, err := NewVerifier("whsec_n").Parse(payload, sign(payload, "whsec_n", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Effect != nil || ev.Currency != "" || ev.Notice == nil || *ev.Notice != (Notice{Object: "invoice", ID: "in_n"}) ||
		ev.ID != "evt_n" || ev.Type != "invoice.paid" || !ev.Livemode || ev.Created.Unix() != 1767225600 || ev.APIVersion != "2025-03-31.basil" {
		t.Fatalf("parsed %+v", ev)
	}
	// A notice whose object is not what its type carries is malformed.
	bad, _ := json.Marshal(map[string]any{"id": "evt_b", "type": "invoice.paid", "api_version": "2025-03-31.basil",
		"data": map[string]any{"object": map[string]any{"id": "ch_1", "object": "charge"}}})
	if _, err := ParseEvent(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("an invoice event naming a charge: %v", err)
	}
}
