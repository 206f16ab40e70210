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

// eventsOf returns the data of every outbound event of type typ, in order.
func eventsOf(t *testing.T, s *models.Store, typ string) []map[string]any {
	t.Helper()
	evs, err := s.OutboundEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range evs {
		if e.Type != typ {
			continue
		}
		var body struct {
			Type      string         `json:"type"`
			Timestamp string         `json:"timestamp"`
			Data      map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(e.Payload), &body); err != nil {
			t.Fatalf("%s: %v", e.Payload, err)
		}
		if body.Type != typ {
			t.Fatalf("event %s: %s", typ, e.Payload)
		}
		if _, err := time.Parse(time.RFC3339, body.Timestamp); err != nil {
			t.Fatalf("timestamp %q: %v", body.Timestamp, err)
		}
		if strings.Contains(e.Payload, `"pi_`) || strings.Contains(e.Payload, "card") || strings.Contains(e.Payload, `"ch_`) {
			t.Fatalf("payment details in %s", e.Payload)
		}
		if e.DonorID != nil && body.Data["donor_id"] != *e.DonorID {
			t.Fatalf("event %s of donor %s: %s", typ, *e.DonorID, e.Payload)
		}
		out = append(out, body.Data)
	}
	return out
}

func wantEvents(t *testing.T, s *models.Store, typ string, n int) []map[string]any {
	t.Helper()
	got := eventsOf(t, s, typ)
	if len(got) != n {
		t.Fatalf("%d %s events, want %d: %v", len(got), typ, n, got)
	}
	return got
}

func apply(t *testing.T, s *models.Store, ev models.EventRecord, e models.Effect) {
	t.Helper()
	if _, err := s.ApplyEvent(context.Background(), ev, e); err != nil {
		t.Fatalf("%s: %v", ev.ID, err)
	}
}

func rolledBack(t *testing.T, s *models.Store, ev models.EventRecord, e models.Effect) {
	t.Helper()
	if _, err := s.ApplyEvent(context.Background(), ev, models.FailAfter(e)); err == nil {
		t.Fatalf("%s: the failing transaction committed", ev.ID)
	}
}

func eventAt(id, typ string, at time.Time) models.EventRecord {
	return models.EventRecord{ID: id, Type: typ, APIVersion: "2023-10-16", Created: at}
}

func TestOutboundDonorUpdatedOncePerEdit(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		payGift(t, s, 0, "ada@example.com", 2500)
		d, err := s.DonorByEmail(ctx, "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		p := models.DonorProfile{Name: "Ada Lovelace", Address: models.Address{Line1: "1 Main St", City: "London", Country: "GB"}}
		if err := s.UpdateDonorProfile(ctx, d.ID, p, nil); err != nil {
			t.Fatal(err)
		}
		// The same profile saved again changes nothing, tells nothing.
		if err := s.UpdateDonorProfile(ctx, d.ID, p, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateDonorProfile(ctx, "no-such-donor", p, nil); err == nil {
			t.Fatal("a missing donor was updated")
		}
		got := wantEvents(t, s, models.EventDonorUpdated, 1)
		if got[0]["name"] != "Ada Lovelace" || got[0]["address_city"] != "London" || got[0]["email"] != "ada@example.com" {
			t.Fatalf("donor.updated: %v", got[0])
		}
		staff := models.Actor{Email: "fin@ledger.example"}
		p.Name = "Ada King"
		if err := s.UpdateDonorProfile(ctx, d.ID, p, &staff); err != nil {
			t.Fatal(err)
		}
		if got := wantEvents(t, s, models.EventDonorUpdated, 2); got[1]["name"] != "Ada King" {
			t.Fatalf("donor.updated by staff: %v", got[1])
		}
	})
}

func TestOutboundGiftRefundedPerRefund(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		s := openStore(t, db, "")
		g := payGift(t, s, 0, "ada@example.com", 2500)
		refund := func(total int64) models.ChargeRefunded {
			return models.ChargeRefunded{ChargeRef: models.ChargeRef{PaymentIntentID: "pi_cs_eva"}, Amount: 2500, AmountRefunded: total, Currency: "usd"}
		}
		rolledBack(t, s, event("evt_r1", "charge.refunded"), refund(1000))
		wantEvents(t, s, models.EventGiftRefunded, 0)
		apply(t, s, event("evt_r1", "charge.refunded"), refund(1000))
		apply(t, s, event("evt_r1", "charge.refunded"), refund(1000))      // delivered again
		apply(t, s, event("evt_r1_copy", "charge.refunded"), refund(1000)) // the same refund under another id
		got := wantEvents(t, s, models.EventGiftRefunded, 1)
		if got[0]["gift_id"] != g.ID || got[0]["refunded_amount"] != float64(1000) || got[0]["total_refunded"] != float64(1000) ||
			got[0]["currency"] != "usd" || got[0]["fully_refunded"] != false {
			t.Fatalf("partial refund: %v", got[0])
		}
		apply(t, s, event("evt_r2", "charge.refunded"), refund(2500))
		apply(t, s, event("evt_r1_late", "charge.refunded"), refund(1000)) // an older refund arriving late
		got = wantEvents(t, s, models.EventGiftRefunded, 2)
		if got[1]["refunded_amount"] != float64(1500) || got[1]["total_refunded"] != float64(2500) || got[1]["fully_refunded"] != true {
			t.Fatalf("full refund: %v", got[1])
		}
	})
}
