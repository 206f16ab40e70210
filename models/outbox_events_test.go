package models_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// payGift makes a form gift from email and pays it through a checkout
// event, as Stripe's webhook would.
func payGift(t *testing.T, s *models.Store, n int, email string, amount int64) *models.Gift {
	t.Helper()
	ctx := context.Background()
	g := &models.Gift{Frequency: "once", Amount: amount, Currency: "usd", Email: email, Name: "Ada"}
	if err := s.CreateGift(ctx, g); err != nil {
		t.Fatal(err)
	}
	sid := "cs_ev" + string(rune('a'+n))
	if err := s.AttachCheckoutSession(ctx, g.ID, sid); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyEvent(ctx, event("evt_"+sid, "checkout.session.completed"), paid(sid, g.ID, email, amount, time.Now())); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestOutboundEventsAreWrittenWithTheirFacts(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		all, err := s.CreateOutboundEndpoint(ctx, "https://hooks.example.org/all", "everything", nil, models.CommandLine)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(all.Secret, "whsec_") {
			t.Fatalf("secret %q", all.Secret)
		}
		gifts, err := s.CreateOutboundEndpoint(ctx, "https://hooks.example.org/gifts", "", []string{models.EventGiftPaid}, models.CommandLine)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateOutboundEndpoint(ctx, "https://x.example.org/", "", []string{"gift.stolen"}, models.CommandLine); err == nil {
			t.Fatal("an unknown event type was accepted")
		}

		g := payGift(t, s, 0, "ada@example.com", 2500)
		payGift(t, s, 1, "ada@example.com", 1000) // the same donor: no second donor.created
		// Stripe delivering the first payment again tells nothing again.
		if _, err := s.ApplyEvent(ctx, event("evt_cs_eva", "checkout.session.completed"), paid("cs_eva", g.ID, "ada@example.com", 2500, time.Now())); err != nil {
			t.Fatal(err)
		}
		gr, err := s.GiftBySession(ctx, "cs_eva")
		if err != nil || gr.Receipt == nil {
			t.Fatalf("receipt: %v", err)
		}
		if _, err := s.VoidReceiptByHand(ctx, gr.Receipt.ID, "typo", models.CommandLine); err != nil {
			t.Fatal(err)
		}

		evs, err := s.OutboundEvents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range evs {
			types = append(types, e.Type)
			var body struct {
				Type      string         `json:"type"`
				Timestamp string         `json:"timestamp"`
				Data      map[string]any `json:"data"`
			}
			if err := json.Unmarshal([]byte(e.Payload), &body); err != nil {
				t.Fatalf("%s: %v", e.Payload, err)
			}
			if body.Type != e.Type || body.Data["donor_id"] != *e.DonorID || !strings.HasPrefix(e.ID, "msg_") {
				t.Fatalf("event %s: %s", e.Type, e.Payload)
			}
			if _, err := time.Parse(time.RFC3339, body.Timestamp); err != nil {
				t.Fatalf("timestamp %q: %v", body.Timestamp, err)
			}
			if strings.Contains(e.Payload, "pi_") || strings.Contains(e.Payload, "card") {
				t.Fatalf("payment details in %s", e.Payload)
			}
			if e.Type == models.EventGiftPaid && body.Data["gift_id"] == g.ID &&
				(body.Data["amount"] != float64(2500) || body.Data["currency"] != "usd") {
				t.Fatalf("gift.paid: %s", e.Payload)
			}
		}
		want := "donor.created gift.paid receipt.issued gift.paid receipt.issued receipt.voided"
		if got := strings.Join(types, " "); got != want {
			t.Fatalf("events in order\n got %s\nwant %s", got, want)
		}
		for _, c := range []struct {
			e    *models.OutboundEndpoint
			want int
		}{{all, 6}, {gifts, 2}} {
			ds, err := s.OutboundDeliveries(ctx, c.e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != c.want {
				t.Fatalf("%s: %d deliveries, want %d", c.e.URL, len(ds), c.want)
			}
			for _, d := range ds {
				if d.Status != models.DeliveryPending {
					t.Fatalf("delivery %+v", d)
				}
			}
		}
	})
}
