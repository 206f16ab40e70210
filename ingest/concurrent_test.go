package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// deliverTogether applies events at the same moment, one goroutine each,
// retrying a failure as Stripe retries a 5xx. It returns how many
// deliveries failed before they succeeded.
func (h *harness) deliverTogether(events ...[]byte) int {
	h.t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	for _, body := range events {
		ev, err := h.v.Parse(body, testenv.Sign(body, secret, time.Now()))
		if err != nil {
			h.t.Fatalf("parse: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for try := 0; ; try++ {
				_, err := ingest.Apply(context.Background(), h.store, h.resolver, ev)
				if err == nil {
					return
				}
				mu.Lock()
				failures++
				mu.Unlock()
				if try == 20 {
					h.t.Errorf("%s %s still failing: %v", ev.Type, ev.ID, err)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	close(start)
	wg.Wait()
	return failures
}

// TestEventsOfOnePaymentAtOnce delivers the events of one payment at the
// same instant, as Stripe's parallel deliveries can: two partial refunds
// of one charge, a refund racing the payment it is about, and a dispute
// opening and closing together. Each ends as in Stripe's order.
func TestEventsOfOnePaymentAtOnce(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		ctx := context.Background()
		const rounds = 15
		failures := 0
		for i := 0; i < rounds; i++ {
			// Two partial refunds of one charge: the larger cumulative
			// amount is the final one, whichever commits first.
			g := paidCheckout(t, h, fmt.Sprintf("twice%d", i), 10000)
			pi := *g.StripePaymentIntentID
			ch := "ch_" + pi
			failures += h.deliverTogether(
				testenv.EventAt(t, fmt.Sprintf("evt_r1_%d", i), "charge.refunded", testenv.Charge(t, ch, pi, "", 10000, 2500), t0.Add(time.Hour)),
				testenv.EventAt(t, fmt.Sprintf("evt_r2_%d", i), "charge.refunded", testenv.Charge(t, ch, pi, "", 10000, 5000), t0.Add(2*time.Hour)))
			if got := inForce(t, h, g.ID); got != "refunded=5000 dispute=; issued 5000 (1 in force)" {
				t.Fatalf("round %d, two refunds at once: %s\n%s", i, got, receiptsOf(t, h, g.ID))
			}

			// A refund racing the payment: it may find no gift yet, and the
			// payment must then pick it up.
			cs := fmt.Sprintf("cs_race%d", i)
			pi = "pi_" + cs
			failures += h.deliverTogether(
				testenv.EventAt(t, "evt_pay_"+cs, "checkout.session.completed", testenv.PaidSession(t, cs, "", cs+"@example.com", 8000), t0),
				testenv.EventAt(t, "evt_ref_"+cs, "charge.refunded", testenv.Charge(t, "ch_"+cs, pi, "", 8000, 3000), t0.Add(time.Hour)))
			gr, err := h.store.GiftBySession(ctx, cs)
			if err != nil {
				t.Fatal(err)
			}
			if got := inForce(t, h, gr.Gift.ID); got != "refunded=3000 dispute=; issued 5000 (1 in force)" {
				t.Fatalf("round %d, refund racing its payment: %s\n%s", i, got, receiptsOf(t, h, gr.Gift.ID))
			}

			// A dispute opened and won at once, over a partial refund.
			g = paidCheckout(t, h, fmt.Sprintf("dispute%d", i), 6000)
			pi = *g.StripePaymentIntentID
			failures += h.deliverTogether(
				testenv.EventAt(t, fmt.Sprintf("evt_dr_%d", i), "charge.refunded", testenv.Charge(t, "ch_"+pi, pi, "", 6000, 1000), t0.Add(time.Hour)),
				testenv.EventAt(t, fmt.Sprintf("evt_do_%d", i), "charge.dispute.created", testenv.Dispute(t, "dp_"+pi, "ch_"+pi, pi, "needs_response", 5000), t0.Add(2*time.Hour)),
				testenv.EventAt(t, fmt.Sprintf("evt_dc_%d", i), "charge.dispute.closed", testenv.Dispute(t, "dp_"+pi, "ch_"+pi, pi, "won", 5000), t0.Add(3*time.Hour)))
			if got := inForce(t, h, g.ID); got != "refunded=1000 dispute=won; issued 5000 (1 in force)" {
				t.Fatalf("round %d, dispute at once: %s\n%s", i, got, receiptsOf(t, h, g.ID))
			}
		}
		t.Logf("%s: %d deliveries failed and were retried", db, failures)
		checkNumbering(t, h)
	})
}

// TestMembershipEventsAtOnce delivers a member's whole lifecycle at the
// same instant, over and over: it ends as in Stripe's order every time.
func TestMembershipEventsAtOnce(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		ctx := context.Background()
		for n := 0; n < 15; n++ {
			form := &models.Gift{Frequency: "month", Amount: 1500, Currency: "usd", Email: fmt.Sprintf("member%d@example.com", n), Name: "Mem Ber"}
			if err := h.store.CreateGift(ctx, form); err != nil {
				t.Fatal(err)
			}
			h.deliverTogether(lifecycle(t, n, form.ID)...)
			m, err := h.store.MembershipBySubscription(ctx, fmt.Sprintf("sub_%d", n))
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != models.MembershipCanceled || !m.CancelAtPeriodEnd || m.LastFailedInvoiceID != fmt.Sprintf("in_%d_3", n) ||
				m.DonorID == nil || m.StripeCustomerID != fmt.Sprintf("cus_%d", n) || m.Amount != 1500 {
				t.Fatalf("member %d ended in %+v", n, m)
			}
			gifts, err := h.store.GiftsOfMembership(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(gifts) != 2 || gifts[0].ID != form.ID || gifts[0].Status != models.GiftPaid || gifts[1].Status != models.GiftPaid {
				t.Fatalf("member %d: gifts %+v", n, gifts)
			}
			for _, g := range gifts {
				if got := inForce(t, h, g.ID); got != "refunded=0 dispute=; issued 1500 (1 in force)" {
					t.Fatalf("member %d, gift %s: %s", n, g.ID, got)
				}
			}
		}
		checkNumbering(t, h)
	})
}

// inForce describes a gift's refunds, dispute and receipts in force.
func inForce(t *testing.T, h *harness, giftID string) string {
	t.Helper()
	g, err := h.store.GiftByID(context.Background(), giftID)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := h.store.ReceiptsOfGift(context.Background(), giftID)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("refunded=%d dispute=%s;", g.RefundedAmount, g.DisputeStatus)
	issued := 0
	for _, r := range rs {
		if r.Status == models.ReceiptIssued {
			issued++
			out += fmt.Sprintf(" issued %d", r.Amount)
		}
	}
	return fmt.Sprintf("%s (%d in force)", out, issued)
}

// checkNumbering: receipts of 2026 are numbered 1..N without a gap.
func checkNumbering(t *testing.T, h *harness) {
	t.Helper()
	var n int64
	err := h.store.EachReceipt(context.Background(), models.ReceiptPeriod{FiscalYear: 2026}, func(r *models.Receipt) error {
		n++
		if r.Sequence != n {
			return fmt.Errorf("receipt %s at position %d", r.Number, n)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("numbering: %d receipts, %v", n, err)
	}
}
