package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/testenv"
)

const secret = "whsec_ingest"

type harness struct {
	t        *testing.T
	store    *models.Store
	v        *payments.Verifier
	resolver ingest.Resolver
}

func newHarness(t *testing.T, db string, tiers ...models.Tier) *harness {
	t.Helper()
	return newHarnessWith(t, db, models.ReceiptSettings{Org: models.Org{Name: "The Ledger"}, Tiers: tiers})
}

// newHarnessWith is newHarness with receipt settings of the test's own.
func newHarnessWith(t *testing.T, db string, rs models.ReceiptSettings) *harness {
	t.Helper()
	pg, sqlitePath := testenv.DatabaseURLs(t, db)
	rs.FiscalYearStart, rs.Location = config.MonthDay{Month: time.January, Day: 1}, time.UTC
	s, err := models.Open(context.Background(), models.Options{DatabaseURL: pg, SQLitePath: sqlitePath, Receipts: rs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Inline events never reach Stripe: this one is unreachable, so a call
	// would fail the test.
	return &harness{t: t, store: s, v: payments.NewVerifier(secret), resolver: payments.NewStripe("sk_test_x", "http://127.0.0.1:9", nil)}
}

// deliver verifies a signed event as the webhook does and applies it.
func (h *harness) deliver(body []byte) models.EventResult {
	h.t.Helper()
	ev, err := h.v.Parse(body, testenv.Sign(body, secret, time.Now()))
	if err != nil {
		h.t.Fatalf("parse: %v\n%s", err, body)
	}
	res, err := ingest.Apply(context.Background(), h.store, h.resolver, ev)
	if err != nil {
		h.t.Fatalf("apply %s %s: %v", ev.Type, ev.ID, err)
	}
	return res
}

var t0 = time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)

// lifecycle is one member's story in Stripe's order: created, first
// invoice paid, renewal paid, next renewal failed, updated (set to cancel
// at period end), deleted.
func lifecycle(t *testing.T, n int, giftID string) [][]byte {
	sub, cus := fmt.Sprintf("sub_%d", n), fmt.Sprintf("cus_%d", n)
	email := fmt.Sprintf("member%d@example.com", n)
	p1, p2 := t0.AddDate(0, 1, 0), t0.AddDate(0, 3, 0)
	snap := func(status string, periodEnd time.Time, cancel bool, ended time.Time) map[string]any {
		return testenv.Subscription(t, testenv.SubscriptionSpec{ID: sub, Customer: cus, Status: status, Interval: "month",
			Amount: 1500, PeriodEnd: periodEnd, Started: t0, Ended: ended, CancelAtPeriodEnd: cancel, GiftID: giftID})
	}
	inv := func(k int, reason string, paid bool) map[string]any {
		return testenv.Invoice(t, testenv.InvoiceSpec{ID: fmt.Sprintf("in_%d_%d", n, k), Subscription: sub, Customer: cus,
			Charge: fmt.Sprintf("ch_%d_%d", n, k), PaymentIntent: fmt.Sprintf("pi_%d_%d", n, k), BillingReason: reason,
			Amount: 1500, Paid: paid, Email: email, Name: "Mem Ber", Interval: "month", GiftID: giftID})
	}
	at := func(d int) time.Time { return t0.Add(time.Duration(d) * time.Hour) }
	return [][]byte{
		testenv.EventAt(t, fmt.Sprintf("evt_%d_created", n), "customer.subscription.created", snap("active", p1, false, time.Time{}), at(0)),
		testenv.EventAt(t, fmt.Sprintf("evt_%d_paid1", n), "invoice.paid", inv(1, "subscription_create", true), at(1)),
		testenv.EventAt(t, fmt.Sprintf("evt_%d_paid2", n), "invoice.paid", inv(2, "subscription_cycle", true), at(24*30)),
		testenv.EventAt(t, fmt.Sprintf("evt_%d_failed", n), "invoice.payment_failed", inv(3, "subscription_cycle", false), at(24*60)),
		testenv.EventAt(t, fmt.Sprintf("evt_%d_updated", n), "customer.subscription.updated", snap("active", p2, true, time.Time{}), at(24*61)),
		testenv.EventAt(t, fmt.Sprintf("evt_%d_deleted", n), "customer.subscription.deleted", snap("canceled", p2, true, at(24*62)), at(24*62)),
	}
}

func permutations(n int) [][]int {
	var out [][]int
	var rec func(p []int, used []bool)
	rec = func(p []int, used []bool) {
		if len(p) == n {
			out = append(out, append([]int(nil), p...))
			return
		}
		for i := 0; i < n; i++ {
			if !used[i] {
				used[i] = true
				rec(append(p, i), used)
				used[i] = false
			}
		}
	}
	rec(nil, make([]bool, n))
	return out
}

// TestMembershipLifecycleInEveryOrder delivers one member's lifecycle in
// every order (720) on SQLite and a random sample on Postgres, and checks
// each ends in the state Stripe's order gives.
func TestMembershipLifecycleInEveryOrder(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		perms := permutations(6)
		if db == "postgres" {
			r := rand.New(rand.NewPCG(1, 2))
			r.Shuffle(len(perms), func(i, j int) { perms[i], perms[j] = perms[j], perms[i] })
			perms = perms[:150]
		}
		ctx := context.Background()
		for n, perm := range perms {
			form := &models.Gift{Frequency: "month", Amount: 1500, Currency: "usd", Email: fmt.Sprintf("member%d@example.com", n), Name: "Mem Ber"}
			if err := h.store.CreateGift(ctx, form); err != nil {
				t.Fatal(err)
			}
			events := lifecycle(t, n, form.ID)
			for _, i := range perm {
				h.deliver(events[i])
			}
			m, err := h.store.MembershipBySubscription(ctx, fmt.Sprintf("sub_%d", n))
			if err != nil {
				t.Fatalf("order %v: %v", perm, err)
			}
			p2 := t0.AddDate(0, 3, 0)
			ended := t0.Add(24 * 62 * time.Hour)
			if m.Status != models.MembershipCanceled || !m.CancelAtPeriodEnd || m.CurrentPeriodEnd == nil || !m.CurrentPeriodEnd.Equal(p2) ||
				m.EndedAt == nil || !m.EndedAt.Equal(ended) || m.Amount != 1500 || m.BillingInterval != "month" ||
				m.LastFailedInvoiceID != fmt.Sprintf("in_%d_3", n) || m.DonorID == nil || m.StartedAt == nil || !m.StartedAt.Equal(t0) ||
				m.StripeCustomerID != fmt.Sprintf("cus_%d", n) {
				t.Fatalf("order %v ended in %+v", perm, m)
			}
			gifts, err := h.store.GiftsOfMembership(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(gifts) != 2 || gifts[0].ID != form.ID || *gifts[0].StripeInvoiceID != fmt.Sprintf("in_%d_1", n) ||
				*gifts[1].StripeInvoiceID != fmt.Sprintf("in_%d_2", n) || gifts[0].Status != models.GiftPaid || gifts[1].Status != models.GiftPaid {
				t.Fatalf("order %v: gifts %+v", perm, gifts)
			}
			for _, g := range gifts {
				rs, err := h.store.ReceiptsOfGift(ctx, g.ID)
				if err != nil || len(rs) != 1 || rs[0].Amount != 1500 || rs[0].Frequency != "month" || rs[0].Status != models.ReceiptIssued {
					t.Fatalf("order %v: receipts of %s: %+v %v", perm, g.ID, rs, err)
				}
			}
		}
		// One receipt per paid invoice across all orders, numbered without gaps.
		want := int64(2 * len(perms))
		var n int64
		err := h.store.EachReceipt(ctx, models.ReceiptPeriod{FiscalYear: 2026}, func(r *models.Receipt) error {
			n++
			if r.Sequence != n {
				return fmt.Errorf("receipt %s at position %d", r.Number, n)
			}
			return nil
		})
		if err != nil || n != want {
			t.Fatalf("%d receipts (%v), want %d", n, err, want)
		}
	})
}

// TestMemberMonthReplayedTwice replays a member's month (checkout,
// subscription, first invoice, renewal, a zero-amount invoice) twice: the
// second pass changes nothing, and a redelivery under new event ids
// still gives one receipt per paid invoice.
func TestMemberMonthReplayedTwice(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		ctx := context.Background()
		form := &models.Gift{Frequency: "month", Amount: 2000, Currency: "usd", Email: "month@example.com", Name: "Month Member"}
		if err := h.store.CreateGift(ctx, form); err != nil {
			t.Fatal(err)
		}
		cs := testenv.Fixture(t, "checkout.session")
		cs["id"], cs["mode"], cs["status"], cs["payment_status"] = "cs_month", "subscription", "complete", "paid"
		cs["client_reference_id"], cs["subscription"], cs["customer"], cs["payment_intent"] = form.ID, "sub_month", "cus_month", nil
		cs["amount_total"], cs["currency"], cs["customer_email"] = 2000, "usd", "month@example.com"
		inv := func(id, reason string, amount int64) map[string]any {
			return testenv.Invoice(t, testenv.InvoiceSpec{ID: id, Subscription: "sub_month", Customer: "cus_month", Charge: "ch_" + id,
				PaymentIntent: "pi_" + id, BillingReason: reason, Amount: amount, Paid: true, Email: "month@example.com",
				Name: "Month Member", Interval: "month", GiftID: form.ID})
		}
		sub := testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_month", Customer: "cus_month", Status: "active",
			Interval: "month", Amount: 2000, PeriodEnd: t0.AddDate(0, 1, 0), Started: t0, GiftID: form.ID})
		month := func(prefix string) [][]byte {
			return [][]byte{
				testenv.EventAt(t, prefix+"cs", "checkout.session.completed", cs, t0),
				testenv.EventAt(t, prefix+"sub", "customer.subscription.created", sub, t0),
				testenv.EventAt(t, prefix+"in1", "invoice.paid", inv("in_m1", "subscription_create", 2000), t0),
				testenv.EventAt(t, prefix+"in0", "invoice.paid", inv("in_m0", "subscription_update", 0), t0.AddDate(0, 0, 10)),
				testenv.EventAt(t, prefix+"in2", "invoice.paid", inv("in_m2", "subscription_cycle", 2000), t0.AddDate(0, 1, 0)),
			}
		}
		for pass := 0; pass < 2; pass++ {
			for _, ev := range month("evt_a_") {
				res := h.deliver(ev)
				if pass == 1 && !res.Duplicate {
					t.Fatalf("second pass applied an event again: %+v", res)
				}
			}
		}
		for _, ev := range month("evt_b_") { // the same facts under new event ids
			if res := h.deliver(ev); res.Receipt != nil {
				t.Fatalf("new event id for a paid invoice issued %s", res.Receipt.Number)
			}
		}
		m, err := h.store.MembershipBySubscription(ctx, "sub_month")
		if err != nil || m.Status != models.MembershipActive || m.GiftID == nil || *m.GiftID != form.ID {
			t.Fatalf("membership %+v %v", m, err)
		}
		gifts, _ := h.store.GiftsOfMembership(ctx, m.ID)
		if len(gifts) != 2 || gifts[0].ID != form.ID || gifts[0].StripeSessionID == nil || *gifts[0].StripeSessionID != "cs_month" {
			t.Fatalf("gifts %+v", gifts)
		}
		var receipts []string
		_ = h.store.EachReceipt(ctx, models.ReceiptPeriod{FiscalYear: 2026}, func(r *models.Receipt) error {
			receipts = append(receipts, r.Number+":"+r.StripePaymentID)
			return nil
		})
		if fmt.Sprint(receipts) != "[2026-000001:pi_in_m1 2026-000002:pi_in_m2]" {
			t.Fatalf("receipts %v", receipts)
		}
	})
}

func TestMembershipTierBenefitOnReceipts(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db,
			models.Tier{Name: "Supporter", MinPerYear: 6000},
			models.Tier{Name: "Insider", MinPerYear: 12000, Description: "Tote bag and two events", ValuePerYear: 2500})
		res := h.deliver(testenv.EventAt(t, "evt_tier", "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{
			ID: "in_tier", Subscription: "sub_tier", Customer: "cus_tier", Charge: "ch_tier", BillingReason: "subscription_create",
			Amount: 1500, Paid: true, Email: "tier@example.com", Name: "Tier Member", Interval: "month"}), t0))
		r := res.Receipt
		// $15 a month is $180 a year: Insider. $25 a year of benefits is
		// $2.08 and a third a month: the first four payments of a year
		// carry $2.09, so the first receipt's deductible is $12.91.
		if r == nil || r.BenefitDescription != "Tote bag and two events" || r.BenefitValue != 209 || r.DeductibleAmount != 1291 || r.Amount != 1500 {
			t.Fatalf("receipt %+v", r)
		}
		// A year of twelve payments carries the $25 exactly.
		total := r.BenefitValue
		for k := 2; k <= 12; k++ {
			res := h.deliver(testenv.EventAt(t, fmt.Sprintf("evt_tier_%d", k), "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{
				ID: fmt.Sprintf("in_tier_%d", k), Subscription: "sub_tier", Customer: "cus_tier", Charge: fmt.Sprintf("ch_tier_%d", k),
				BillingReason: "subscription_cycle", Amount: 1500, Paid: true, Email: "tier@example.com", Interval: "month"}), t0.AddDate(0, k-1, 0)))
			total += res.Receipt.BenefitValue
		}
		if total != 2500 {
			t.Fatalf("a year's receipts carry %d of benefits, want 2500", total)
		}
		m, _ := h.store.MembershipBySubscription(context.Background(), "sub_tier")
		if m.TierName != "Insider" {
			t.Fatalf("tier %q", m.TierName)
		}
	})
}

func paidCheckout(t *testing.T, h *harness, n string, amount int64) *models.Gift {
	t.Helper()
	res := h.deliver(testenv.EventAt(t, "evt_cs_"+n, "checkout.session.completed",
		testenv.PaidSession(t, "cs_"+n, "", n+"@example.com", amount), t0))
	if res.Receipt == nil {
		t.Fatalf("no receipt for %s", n)
	}
	g, err := h.store.GiftByID(context.Background(), res.Receipt.GiftID)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func receiptsOf(t *testing.T, h *harness, giftID string) string {
	t.Helper()
	rs, err := h.store.ReceiptsOfGift(context.Background(), giftID)
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for _, r := range rs {
		out += fmt.Sprintf("[%s %s %d replaces=%q] ", r.Number, r.Status, r.Amount, r.Replaces)
	}
	return out
}

func TestRefundsVoidAndReplaceInAChain(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		g := paidCheckout(t, h, "refund", 10000)
		pi := *g.StripePaymentIntentID
		refund := func(id string, cumulative int64) models.EventResult {
			return h.deliver(testenv.EventAt(t, id, "charge.refunded", testenv.Charge(t, "ch_refund", pi, "", 10000, cumulative), t0.Add(time.Hour)))
		}
		refund("evt_r1", 2000)
		refund("evt_r1", 2000) // duplicate
		refund("evt_r2", 5000)
		refund("evt_r1_late", 2000) // an older state arriving late, under its own id
		want := `[2026-000001 void 10000 replaces=""] [2026-000002 void 8000 replaces="2026-000001"] [2026-000003 issued 5000 replaces="2026-000002"] `
		if got := receiptsOf(t, h, g.ID); got != want {
			t.Fatalf("after partial refunds:\n got %s\nwant %s", got, want)
		}
		refund("evt_r3", 10000)
		want = `[2026-000001 void 10000 replaces=""] [2026-000002 void 8000 replaces="2026-000001"] [2026-000003 void 5000 replaces="2026-000002"] `
		if got := receiptsOf(t, h, g.ID); got != want {
			t.Fatalf("after full refund:\n got %s\nwant %s", got, want)
		}
		g2, _ := h.store.GiftByID(context.Background(), g.ID)
		if g2.Status != models.GiftRefunded || g2.RefundedAmount != 10000 {
			t.Fatalf("gift after full refund: %+v", g2)
		}
		rs, _ := h.store.ReceiptsOfGift(context.Background(), g.ID)
		if rs[0].VoidReason != "partially refunded ($20.00 of $100.00)" || rs[2].VoidReason != "refunded in full" || rs[2].VoidedAt == nil {
			t.Fatalf("void reasons: %q / %q", rs[0].VoidReason, rs[2].VoidReason)
		}
		// The report's stream reads the voids as loading them does.
		streamed := map[string]models.Receipt{}
		if err := h.store.EachReceipt(context.Background(), models.ReceiptPeriod{FiscalYear: 2026}, func(r *models.Receipt) error {
			streamed[r.Number] = *r
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// A statement reads them whole, as loading them does.
		ofDonor, err := h.store.ReceiptsOfDonor(context.Background(), *rs[0].DonorID, 2026)
		if err != nil || len(ofDonor) != len(rs) {
			t.Fatalf("receipts of the donor: %d, %v", len(ofDonor), err)
		}
		for i, got := range ofDonor {
			want := rs[i]
			if got.Number != want.Number || got.VoidReason != want.VoidReason || got.Seal != want.Seal || got.Seal == "" ||
				got.VoidedAt == nil || !got.VoidedAt.Equal(*want.VoidedAt) || got.KeepUntil != nil || got.PurgedAt != nil {
				t.Errorf("read for a statement %s: %+v\nloaded: %+v", want.Number, got, want)
			}
		}
		for _, want := range rs {
			got, ok := streamed[want.Number]
			if !ok || got.Status != want.Status || got.VoidReason != want.VoidReason || got.Replaces != want.Replaces ||
				got.VoidedAt == nil || !got.VoidedAt.Equal(*want.VoidedAt) || got.DonorID == nil || *got.DonorID != *want.DonorID {
				t.Errorf("streamed %s: %+v\nloaded: %+v", want.Number, got, want)
			}
		}
	})
}

func TestDisputesVoidAndRestore(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		won := paidCheckout(t, h, "won", 5000)
		lost := paidCheckout(t, h, "lost", 3000)
		early := paidCheckout(t, h, "early", 2000)
		dispute := func(id, typ string, g *models.Gift, status string) models.EventResult {
			pi := *g.StripePaymentIntentID
			return h.deliver(testenv.EventAt(t, id, typ, testenv.Dispute(t, "dp_"+pi, "ch_"+pi, pi, status, g.TotalAmount), t0.Add(time.Hour)))
		}
		dispute("evt_d1", "charge.dispute.created", won, "needs_response")
		dispute("evt_d1", "charge.dispute.created", won, "needs_response") // duplicate
		dispute("evt_d2", "charge.dispute.closed", won, "won")
		if got, want := receiptsOf(t, h, won.ID), `[2026-000001 void 5000 replaces=""] [2026-000004 issued 5000 replaces="2026-000001"] `; got != want {
			t.Fatalf("won:\n got %s\nwant %s", got, want)
		}
		dispute("evt_d3", "charge.dispute.created", lost, "needs_response")
		dispute("evt_d4", "charge.dispute.closed", lost, "lost")
		if got, want := receiptsOf(t, h, lost.ID), `[2026-000002 void 3000 replaces=""] `; got != want {
			t.Fatalf("lost:\n got %s\nwant %s", got, want)
		}
		// The close arrives before the opening.
		dispute("evt_d6", "charge.dispute.closed", early, "lost")
		dispute("evt_d5", "charge.dispute.created", early, "needs_response")
		if got, want := receiptsOf(t, h, early.ID), `[2026-000003 void 2000 replaces=""] `; got != want {
			t.Fatalf("close before open:\n got %s\nwant %s", got, want)
		}
		g, _ := h.store.GiftByID(context.Background(), early.ID)
		if g.DisputeStatus != models.DisputeLost {
			t.Fatalf("dispute status %q", g.DisputeStatus)
		}
	})
}

func TestRefundsAndDisputesOfUnknownPaymentsAreRecorded(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		h.deliver(testenv.EventAt(t, "evt_u1", "charge.refunded", testenv.Charge(t, "ch_old", "pi_old", "", 4000, 4000), t0))
		h.deliver(testenv.EventAt(t, "evt_u2", "charge.dispute.created", testenv.Dispute(t, "dp_old", "ch_old2", "", "needs_response", 900), t0))
		adj, err := h.store.Adjustments(context.Background(), true)
		if err != nil || len(adj) != 2 {
			t.Fatalf("unmatched adjustments: %+v %v", adj, err)
		}
		kinds := map[string]int64{}
		for _, a := range adj {
			kinds[a.Kind+":"+a.StripeChargeID] = a.Amount
		}
		if kinds["refund:ch_old"] != 4000 || kinds["dispute_opened:ch_old2"] != 900 {
			t.Fatalf("adjustments %v", kinds)
		}
	})
}

// TestRefundAndDisputeBeforeThePayment: delivery is unordered, so a refund
// and a dispute can arrive before the payment they are about. They wait,
// and apply when the payment is recorded: the end is as in Stripe's order.
func TestRefundAndDisputeBeforeThePayment(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		inOrder, reversed := newHarness(t, db), newHarness(t, db)
		pi := "pi_cs_early"
		events := [][]byte{
			testenv.EventAt(t, "evt_e1", "checkout.session.completed", testenv.PaidSession(t, "cs_early", "", "early@example.com", 10000), t0),
			testenv.EventAt(t, "evt_e2", "charge.refunded", testenv.Charge(t, "ch_early", pi, "", 10000, 3000), t0.Add(time.Hour)),
			testenv.EventAt(t, "evt_e3", "charge.dispute.created", testenv.Dispute(t, "dp_early", "ch_early", pi, "needs_response", 7000), t0.Add(2*time.Hour)),
			testenv.EventAt(t, "evt_e4", "charge.dispute.closed", testenv.Dispute(t, "dp_early", "ch_early", pi, "won", 7000), t0.Add(3*time.Hour)),
		}
		for i := range events {
			inOrder.deliver(events[i])
			reversed.deliver(events[len(events)-1-i])
		}
		describe := func(h *harness) string {
			gr, err := h.store.GiftBySession(context.Background(), "cs_early")
			if err != nil {
				t.Fatal(err)
			}
			return inForce(t, h, gr.Gift.ID)
		}
		want := "refunded=3000 dispute=won; issued 7000 (1 in force)"
		if got := describe(inOrder); got != want {
			t.Fatalf("in order: %s", got)
		}
		if got := describe(reversed); got != want {
			t.Fatalf("reversed: %s, want %s", got, want)
		}
	})
}

// TestRenewalsKeepTheCoveredFee: a member who covered the fee on the form
// covers it on every renewal (the receipt says so), until the amount
// changes in the portal.
func TestRenewalsKeepTheCoveredFee(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		ctx := context.Background()
		form := &models.Gift{Frequency: "month", Amount: 2000, FeeAmount: 88, Currency: "usd", Email: "fee@example.com", Name: "Fee Member"}
		if err := h.store.CreateGift(ctx, form); err != nil {
			t.Fatal(err)
		}
		sub := testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_fee", Customer: "cus_fee", Status: "active",
			Interval: "month", Amount: 2088, PeriodEnd: t0.AddDate(0, 1, 0), Started: t0, GiftID: form.ID})
		h.deliver(testenv.EventAt(t, "evt_fee_sub", "customer.subscription.created", sub, t0))
		for k, c := range []struct {
			reason string
			amount int64
		}{{"subscription_create", 2088}, {"subscription_cycle", 2088}, {"subscription_cycle", 2500}} {
			in := testenv.Invoice(t, testenv.InvoiceSpec{ID: fmt.Sprintf("in_fee_%d", k), Subscription: "sub_fee", Customer: "cus_fee",
				Charge: fmt.Sprintf("ch_fee_%d", k), PaymentIntent: fmt.Sprintf("pi_fee_%d", k), BillingReason: c.reason,
				Amount: c.amount, Paid: true, Email: "fee@example.com", Name: "Fee Member", Interval: "month", GiftID: form.ID})
			h.deliver(testenv.EventAt(t, fmt.Sprintf("evt_fee_%d", k), "invoice.paid", in, t0.AddDate(0, k, 0)))
		}
		var got []string
		_ = h.store.EachReceipt(ctx, models.ReceiptPeriod{FiscalYear: 2026}, func(r *models.Receipt) error {
			got = append(got, fmt.Sprintf("%d/%d", r.Amount, r.FeeCovered))
			return nil
		})
		if fmt.Sprint(got) != "[2088/88 2088/88 2500/0]" {
			t.Fatalf("receipts amount/fee covered: %v", got)
		}
	})
}

// TestCanadianAdvantageRules: under the CRA's rules an advantage above 80%
// of the gift leaves no gift to receipt; one of at most the lesser of 10%
// and $75 is ignored; and a partial refund that leaves nothing eligible
// issues no replacement.
func TestCanadianAdvantageRules(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarnessWith(t, db, models.ReceiptSettings{Org: models.Org{Name: "Le Registre"}, Rules: "ca", Tiers: []models.Tier{
			{Name: "Ami", MinPerYear: 1000, Description: "a mug", ValuePerYear: 90},              // 10% of a $9 year, under $75: de minimis
			{Name: "Gala", MinPerYear: 20000, Description: "a gala dinner", ValuePerYear: 18000}, // 90% of $200
		}})
		pay := func(id, sub string, amount int64) models.EventResult {
			return h.deliver(testenv.EventAt(t, "evt_"+id, "invoice.paid", canadian(testenv.Invoice(t, testenv.InvoiceSpec{ID: id, Subscription: sub,
				Customer: "cus_" + sub, Charge: "ch_" + id, BillingReason: "subscription_create", Amount: amount, Paid: true,
				Email: sub + "@example.ca", Name: "Membre", Interval: "year"})), t0))
		}
		if r := pay("in_mug", "sub_mug", 900).Receipt; r == nil || r.BenefitValue != 0 || r.DeductibleAmount != 900 {
			t.Fatalf("a de minimis advantage must be ignored: %+v", r)
		}
		res := pay("in_gala", "sub_gala", 20000)
		if res.Receipt != nil || !strings.Contains(res.Outcome, "no receipt") {
			t.Fatalf("an advantage of 90%% got a receipt: %+v", res)
		}
		// A partial refund that leaves no receipt allowed issues no
		// replacement, and the original stays void:
		//   - a $100 yearly member with a $30 benefit, refunded $75: $25
		//     left, less the $30 advantage, is nothing eligible;
		//   - the review's case: CA$300 with a CA$200 advantage (67%) is
		//     receipted; refunded CA$60, CA$240 with the same advantage is
		//     83%, over the CRA's 80%, whatever is still "eligible" (CA$40).
		for _, c := range []struct {
			id                        string
			amount, benefit, refunded int64
			deductible                int64
		}{{"tote", 10000, 3000, 7500, 7000}, {"gala3", 30000, 20000, 6000, 10000}} {
			hc := newHarnessWith(t, db, models.ReceiptSettings{Org: models.Org{Name: "Le Registre"}, Rules: "ca", Tiers: []models.Tier{
				{Name: "Membre", MinPerYear: c.amount, Description: "a benefit", ValuePerYear: c.benefit}}})
			first := hc.deliver(testenv.EventAt(t, "evt_in_"+c.id, "invoice.paid", canadian(testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_" + c.id,
				Subscription: "sub_" + c.id, Customer: "cus_" + c.id, Charge: "ch_" + c.id, BillingReason: "subscription_create", Amount: c.amount,
				Paid: true, Email: c.id + "@example.ca", Name: "Membre", Interval: "year"})), t0)).Receipt
			if first == nil || first.DeductibleAmount != c.deductible {
				t.Fatalf("%s: receipt with an advantage: %+v", c.id, first)
			}
			res := hc.deliver(testenv.EventAt(t, "evt_"+c.id+"_ref", "charge.refunded",
				testenv.InCurrency(testenv.Charge(t, "ch_"+c.id, "", "in_"+c.id, c.amount, c.refunded), "cad"), t0.Add(time.Hour)))
			if res.Receipt != nil || !strings.Contains(res.Outcome, "no replacement") {
				t.Fatalf("%s: a refund leaving no receipt allowed replaced the receipt: %+v", c.id, res.Receipt)
			}
			if got := receiptsOf(t, hc, first.GiftID); !strings.Contains(got, "void") || strings.Count(got, "[") != 1 {
				t.Fatalf("%s: receipts after the refund: %s", c.id, got)
			}
		}
	})
}

// TestSignatureIsFrozenOnTheReceipt: a Canadian receipt keeps the
// signature image it was issued with, stored by its hash, so a later
// RECEIPT_SIGNATURE_IMAGE does not change it.
func TestSignatureIsFrozenOnTheReceipt(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		first := []byte("\x89PNG\r\n\x1a\nfirst")
		h := newHarnessWith(t, db, models.ReceiptSettings{Org: models.Org{Name: "Le Registre"}, Rules: "ca", Signature: first})
		r := h.deliver(testenv.EventAt(t, "evt_sig", "checkout.session.completed", canadian(testenv.PaidSession(t, "cs_sig", "", "s@example.ca", 5000)), t0)).Receipt
		got, err := h.store.ReceiptByID(context.Background(), r.ID)
		if err != nil || string(got.SignaturePNG) != string(first) || got.SignatureID == "" {
			t.Fatalf("the signature read with the receipt: %q %v", got.SignaturePNG, err)
		}
		// It is kept in the database by its hash, not read from the file.
		var n int
		if err := h.store.SQL().QueryRow(`SELECT COUNT(*) FROM receipt_signatures`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d stored signatures (%v)", n, err)
		}
	})
}

// canadian makes a sample session or invoice one a Canadian receipt can
// be issued for at once: in Canadian dollars, with the donor's full address.
func canadian(obj map[string]any) map[string]any {
	return testenv.WithAddress(testenv.InCurrency(obj, "cad"), testenv.MontrealAddress())
}

// TestGiftAidBenefitsCapOverTheTaxYear: a UK donor declares with a paid
// gift; then five yearly memberships of £10,000, each bringing a £500
// benefit (under the £520 limit of such a gift), are claimed: £2,500 of
// benefits in the tax year. A sixth would take them to £3,000, over
// HMRC's £2,500 cap: it is not claimed, and its acknowledgement says why.
// A gift whose own benefit is over its limit says so too.
func TestGiftAidBenefitsCapOverTheTaxYear(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarnessWith(t, db, models.ReceiptSettings{Org: models.Org{Name: "The Ledger"}, Rules: "uk", Tiers: []models.Tier{
			{Name: "Patron", MinPerYear: 1000000, Description: "a gala table", ValuePerYear: 50000},
			{Name: "Friend", MinPerYear: 1000, Description: "a dinner", ValuePerYear: 5000}}})
		ctx := context.Background()
		g := &models.Gift{Frequency: "once", Amount: 2000, Currency: "gbp", Email: "pat@example.co.uk", Name: "Pat Ron"}
		decl := models.NewGiftAidDeclaration("pat@example.co.uk", "", "Pat", "Ron", models.Address{Line1: "1 High St", City: "Leeds",
			PostalCode: "LS1 1AA", Country: "GB"}, "The Ledger")
		if err := h.store.CreateGiftWithDeclaration(ctx, g, decl); err != nil {
			t.Fatal(err)
		}
		// Paid after it was declared, and the payments of the week after in
		// one tax year: past the 6 April the week would straddle.
		at := time.Now().Add(time.Minute)
		if april := time.Date(at.Year(), time.April, 7, 0, 0, 0, 0, time.UTC); !at.After(april) && at.AddDate(0, 0, 9).After(april.AddDate(0, 0, -1)) {
			at = april
		}
		first := h.deliver(testenv.EventAt(t, "evt_decl", "checkout.session.completed",
			testenv.InCurrency(testenv.PaidSession(t, "cs_decl", g.ID, "pat@example.co.uk", 2000), "gbp"), at)).Receipt
		if first == nil || !first.GiftAid {
			t.Fatalf("the declared gift: %+v", first)
		}
		yearly := func(i int, amount int64) *models.Receipt {
			id := fmt.Sprintf("in_pat%d", i)
			return h.deliver(testenv.EventAt(t, "evt_"+id, "invoice.paid", testenv.InCurrency(testenv.Invoice(t, testenv.InvoiceSpec{ID: id,
				Subscription: fmt.Sprintf("sub_pat%d", i), Customer: "cus_pat", Charge: "ch_" + id, BillingReason: "subscription_create",
				Amount: amount, Paid: true, Email: "pat@example.co.uk", Name: "Pat Ron", Interval: "year"}), "gbp"), at.AddDate(0, 0, i))).Receipt
		}
		for i := 1; i <= 5; i++ {
			if r := yearly(i, 1000000); r == nil || !r.GiftAid || r.BenefitValue != 50000 || r.GiftAidNote != "" {
				t.Fatalf("membership %d: %+v", i, r)
			}
		}
		sixth := yearly(6, 1000000)
		if sixth == nil || sixth.GiftAid || !strings.Contains(sixth.GiftAidNote, "£3,000.00, over HMRC's yearly limit of £2,500.00") {
			t.Fatalf("the sixth, over the cap: %+v", sixth)
		}
		var pdf bytes.Buffer
		if err := documents.New("https://news.example", nil).Receipt(&pdf, sixth); err != nil {
			t.Fatal(err)
		}
		if text := testenv.PDFText(t, pdf.Bytes()); !strings.Contains(text, "We cannot claim Gift Aid on this gift") || !strings.Contains(text, "yearly limit") {
			t.Errorf("the acknowledgement does not say why:\n%s", text)
		}
		// £20 a year bringing a £50 dinner: over the gift's own limit.
		small := yearly(7, 2000)
		if small == nil || small.GiftAid || !strings.Contains(small.GiftAidNote, "more than HMRC allows for a gift of £20.00") {
			t.Fatalf("a benefit over the gift's limit: %+v", small)
		}
	})
}
