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

// listening adds an endpoint that wants every event: events no endpoint
// wants are not written.
func listening(t *testing.T, s *models.Store) {
	t.Helper()
	if _, err := s.CreateOutboundEndpoint(context.Background(), "https://hooks.example.org/all", "", nil, models.CommandLine); err != nil {
		t.Fatal(err)
	}
}

// TestNoEventsWithoutAnEndpoint: a server with no endpoint writes no
// event (none could be sent); one that wants only gift.paid gets only it.
func TestNoEventsWithoutAnEndpoint(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		s := openStore(t, db, "")
		payGift(t, s, 0, "ada@example.com", 2500)
		var n int64
		if err := s.SQL().QueryRow("SELECT COUNT(*) FROM outbound_events").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d events written with no endpoint (%v)", n, err)
		}
		if _, err := s.CreateOutboundEndpoint(context.Background(), "https://hooks.example.org/paid", "", []string{models.EventGiftPaid}, models.CommandLine); err != nil {
			t.Fatal(err)
		}
		payGift(t, s, 1, "bo@example.com", 3000)
		wantEvents(t, s, models.EventGiftPaid, 1)
		wantEvents(t, s, models.EventReceiptIssued, 0)
		wantEvents(t, s, models.EventDonorCreated, 0)
	})
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
		listening(t, s)
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
		// A merge tells the record kept, once.
		payGift(t, s, 1, "ada.other@example.com", 1000)
		other, err := s.DonorByEmail(ctx, "ada.other@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.MergeDonors(ctx, "ada.other@example.com", d.ID, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MergeDonors(ctx, "ada.other@example.com", d.ID, staff); err == nil {
			t.Fatal("merged twice")
		}
		got = wantEvents(t, s, models.EventDonorUpdated, 3)
		if got[2]["donor_id"] != d.ID || got[2]["merged_donor_id"] != other.ID || got[2]["email"] != "ada@example.com" {
			t.Fatalf("donor.updated by a merge: %v", got[2])
		}
	})
}

func TestOutboundGiftRefundedPerRefund(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		s := openStore(t, db, "")
		listening(t, s)
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

func TestOutboundMembershipEvents(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		listening(t, s)
		at := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
		next := func() time.Time { at = at.Add(time.Minute); return at }
		invoice := func(sub, id, reason string, amount int64) models.InvoicePaid {
			return models.InvoicePaid{InvoicePayment: models.InvoicePayment{InvoiceID: id, SubscriptionID: sub, CustomerID: "cus_" + sub,
				PaymentIntentID: "pi_" + id, BillingReason: reason, AmountPaid: amount, Currency: "usd", Interval: "month",
				Email: "mo@example.com", Name: "Mo Member"}}
		}
		state := func(sub string, amount int64, mod func(*models.SubscriptionState)) models.SubscriptionChanged {
			st := models.SubscriptionState{SubscriptionID: sub, CustomerID: "cus_" + sub, Status: models.MembershipActive, Amount: amount,
				Currency: "usd", Interval: "month", CurrentPeriodEnd: at.AddDate(0, 1, 0), StartedAt: at}
			if mod != nil {
				mod(&st)
			}
			return models.SubscriptionChanged{SubscriptionState: st}
		}

		// Started: the first invoice paid; rolled back first, then replayed.
		first := invoice("sub_1", "in_1", "subscription_create", 1000)
		t0 := next()
		rolledBack(t, s, eventAt("evt_in_1", "invoice.paid", t0), first)
		wantEvents(t, s, models.EventMembershipStarted, 0)
		apply(t, s, eventAt("evt_in_1", "invoice.paid", t0), first)
		apply(t, s, eventAt("evt_in_1", "invoice.paid", t0), first)
		apply(t, s, eventAt("evt_in_1_copy", "invoice.paid", next()), first)
		started := wantEvents(t, s, models.EventMembershipStarted, 1)
		m, err := s.MembershipBySubscription(ctx, "sub_1")
		if err != nil {
			t.Fatal(err)
		}
		if started[0]["membership_id"] != m.ID || started[0]["amount"] != float64(1000) || started[0]["currency"] != "usd" ||
			started[0]["interval"] != "month" || started[0]["donor_id"] == "" {
			t.Fatalf("membership.started: %v", started[0])
		}

		// Changed: amount, then paused, then resumed; each once.
		up := state("sub_1", 2000, nil)
		t1 := next()
		rolledBack(t, s, eventAt("evt_up", "customer.subscription.updated", t1), up)
		wantEvents(t, s, models.EventMembershipChanged, 0)
		apply(t, s, eventAt("evt_up", "customer.subscription.updated", t1), up)
		apply(t, s, eventAt("evt_up", "customer.subscription.updated", t1), up)
		apply(t, s, eventAt("evt_up_again", "customer.subscription.updated", next()), up) // the same state: no change
		apply(t, s, eventAt("evt_pause", "customer.subscription.updated", next()), state("sub_1", 2000, func(st *models.SubscriptionState) { st.Paused = true }))
		apply(t, s, eventAt("evt_resume", "customer.subscription.updated", next()), state("sub_1", 2000, nil))
		changed := wantEvents(t, s, models.EventMembershipChanged, 3)
		for i, want := range []string{"amount", "paused", "resumed"} {
			cs, _ := changed[i]["changes"].([]any)
			if len(cs) != 1 || cs[0] != want {
				t.Fatalf("membership.changed %d: %v, want %s", i, changed[i], want)
			}
		}
		if changed[0]["amount"] != float64(2000) {
			t.Fatalf("membership.changed amount: %v", changed[0])
		}

		// Renewed: a cycle's invoice paid, once.
		renewal := invoice("sub_1", "in_2", "subscription_cycle", 2000)
		t2 := next()
		rolledBack(t, s, eventAt("evt_in_2", "invoice.paid", t2), renewal)
		wantEvents(t, s, models.EventMembershipRenewed, 0)
		apply(t, s, eventAt("evt_in_2", "invoice.paid", t2), renewal)
		apply(t, s, eventAt("evt_in_2_copy", "invoice.paid", next()), renewal)
		renewed := wantEvents(t, s, models.EventMembershipRenewed, 1)
		if renewed[0]["amount"] != float64(2000) || renewed[0]["gift_id"] == "" || renewed[0]["membership_id"] != m.ID {
			t.Fatalf("membership.renewed: %v", renewed[0])
		}

		// Cancelled at the member's request: once.
		cancel := state("sub_1", 2000, func(st *models.SubscriptionState) {
			st.Status, st.Deleted, st.EndedAt, st.CancelReason = models.MembershipCanceled, true, at, "cancellation_requested"
		})
		t3 := next()
		rolledBack(t, s, eventAt("evt_del", "customer.subscription.deleted", t3), cancel)
		wantEvents(t, s, models.EventMembershipCancelled, 0)
		apply(t, s, eventAt("evt_del", "customer.subscription.deleted", t3), cancel)
		apply(t, s, eventAt("evt_del_copy", "customer.subscription.deleted", next()), cancel)
		if got := wantEvents(t, s, models.EventMembershipCancelled, 1); got[0]["status"] != models.MembershipCanceled {
			t.Fatalf("membership.cancelled: %v", got[0])
		}

		// Lapsed: ended by Stripe for non-payment, once.
		apply(t, s, eventAt("evt_in_3", "invoice.paid", next()), invoice("sub_2", "in_3", "subscription_create", 500))
		lapse := state("sub_2", 500, func(st *models.SubscriptionState) {
			st.Status, st.Deleted, st.EndedAt, st.CancelReason = models.MembershipCanceled, true, at, "payment_failed"
		})
		t4 := next()
		rolledBack(t, s, eventAt("evt_lapse", "customer.subscription.deleted", t4), lapse)
		wantEvents(t, s, models.EventMembershipLapsed, 0)
		apply(t, s, eventAt("evt_lapse", "customer.subscription.deleted", t4), lapse)
		apply(t, s, eventAt("evt_lapse_copy", "customer.subscription.deleted", next()), lapse)
		wantEvents(t, s, models.EventMembershipLapsed, 1)
		wantEvents(t, s, models.EventMembershipStarted, 2)
		wantEvents(t, s, models.EventMembershipCancelled, 1)
		wantEvents(t, s, models.EventMembershipChanged, 3)
	})
}

func TestOutboundCampaignGoalAndMatchPoolOnce(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		listening(t, s)
		staff := models.Actor{Email: "fin@ledger.example"}
		now := time.Now().UTC()
		c := &models.Campaign{Slug: "year-end", Name: "Year-end", GoalAmount: 5000, Currency: "usd", StartsAt: now.AddDate(0, 0, -1), EndsAt: now.AddDate(0, 1, 0)}
		if err := s.SaveCampaign(ctx, c, staff); err != nil {
			t.Fatal(err)
		}
		pool := &models.MatchPool{CampaignID: c.ID, Funder: "A Foundation", Cap: 3000, StartsAt: c.StartsAt, EndsAt: c.EndsAt}
		if err := s.AddMatchPool(ctx, pool, staff); err != nil {
			t.Fatal(err)
		}
		give := func(n int, email string, amount int64, failFirst bool) *models.Gift {
			t.Helper()
			g := &models.Gift{Frequency: "once", Amount: amount, Currency: "usd", Email: email, Name: "Giver", CampaignID: &c.ID}
			if err := s.CreateGift(ctx, g); err != nil {
				t.Fatal(err)
			}
			sid := "cs_camp" + string(rune('a'+n))
			if err := s.AttachCheckoutSession(ctx, g.ID, sid); err != nil {
				t.Fatal(err)
			}
			pay := paid(sid, g.ID, email, amount, time.Now())
			if failFirst {
				rolledBack(t, s, event("evt_"+sid, "checkout.session.completed"), pay)
			}
			apply(t, s, event("evt_"+sid, "checkout.session.completed"), pay)
			apply(t, s, event("evt_"+sid, "checkout.session.completed"), pay)
			return g
		}
		give(0, "a@example.com", 2000, false)
		wantEvents(t, s, models.EventMatchPoolExhausted, 0)
		// The second gift takes the pool to its cap; the first try rolls back.
		give(1, "b@example.com", 2000, true)
		ex := wantEvents(t, s, models.EventMatchPoolExhausted, 1)
		if ex[0]["pool_id"] != pool.ID || ex[0]["cap"] != float64(3000) || ex[0]["matched"] != float64(3000) || ex[0]["currency"] != "usd" {
			t.Fatalf("match_pool.exhausted: %v", ex[0])
		}
		wantEvents(t, s, models.EventCampaignGoalReached, 0)
		// The third takes the total over the goal, once, after a rollback.
		third := give(2, "c@example.com", 2000, true)
		goal := wantEvents(t, s, models.EventCampaignGoalReached, 1)
		if goal[0]["campaign_id"] != c.ID || goal[0]["gift_id"] != third.ID || goal[0]["raised"] != float64(6000) ||
			goal[0]["goal_amount"] != float64(5000) || goal[0]["currency"] != "usd" {
			t.Fatalf("campaign.goal_reached: %v", goal[0])
		}
		// A refund drops the total under the goal and frees the pool;
		// another gift reaches both again: neither is told twice.
		apply(t, s, event("evt_camp_refund", "charge.refunded"), models.ChargeRefunded{
			ChargeRef: models.ChargeRef{PaymentIntentID: "pi_cs_campb"}, Amount: 2000, AmountRefunded: 2000, Currency: "usd"})
		give(3, "d@example.com", 3000, false)
		wantEvents(t, s, models.EventCampaignGoalReached, 1)
		wantEvents(t, s, models.EventMatchPoolExhausted, 1)
	})
}
