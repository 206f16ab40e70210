package ingest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

func ukSettings() models.ReceiptSettings {
	return models.ReceiptSettings{Org: models.Org{Name: "The Ledger UK"}, Rules: "uk", Tiers: []models.Tier{
		{Name: "Supporter", MinPerYear: 6000, Description: "a tote bag", ValuePerYear: 1200}, // 20%: within the limit
		{Name: "Patron", MinPerYear: 12000, Description: "a dinner", ValuePerYear: 6000},     // 50%: above it
	}}
}

var ukHome = models.Address{Line1: "12A High Street", City: "Sheffield", PostalCode: "s19 2bd", Country: "GB"}

// TestGiftAidFollowsTheDeclaration: a declaration made on the form covers
// that gift and the member's renewals, until the donor cancels it; each
// covered gift gets one claim line, and its acknowledgement says so; a
// gift with a benefit above HMRC's limit, or from a donor without a
// declaration, gets none. A claim takes the waiting lines once; a refund
// removes an unclaimed line and records an adjustment for a claimed one.
func TestGiftAidFollowsTheDeclaration(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		h := newHarnessWith(t, db, ukSettings())
		// Declarations are made now, so payments come after: an hour ago
		// is before the cancellation below, which happens now.
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		// One-time gift with a declaration.
		g := &models.Gift{Frequency: models.FrequencyOnce, Amount: 5000, Currency: "gbp", Email: "Jo@Example.co.uk", Name: "Jo Smith-Jones", Address: ukHome}
		decl := models.NewGiftAidDeclaration(g.Email, "Ms", "Jo", "Smith-Jones", ukHome, "The Ledger UK")
		if err := h.store.CreateGiftWithDeclaration(ctx, g, decl); err != nil {
			t.Fatal(err)
		}
		if decl.Postcode != "S19 2BD" || decl.House != "12A" || !strings.Contains(decl.Wording, "I am a UK taxpayer") {
			t.Fatalf("declaration %+v", decl)
		}
		s := testenv.InCurrency(testenv.PaidSession(t, "cs_ga", g.ID, "jo@example.co.uk", 5000), "gbp")
		r := h.deliver(testenv.EventAt(t, "evt_ga", "checkout.session.completed", s, base.Add(time.Hour+time.Minute/2))).Receipt
		if r == nil || !r.GiftAid || r.WordingVersion != "uk-1" {
			t.Fatalf("the acknowledgement of a Gift Aid gift: %+v", r)
		}
		// A renewal of the same donor's membership, later: covered.
		renew := func(id string, amount int64, at time.Time) *models.Receipt {
			in := testenv.InCurrency(testenv.Invoice(t, testenv.InvoiceSpec{ID: id, Subscription: "sub_ga", Customer: "cus_ga", Charge: "ch_" + id,
				BillingReason: "subscription_cycle", Amount: amount, Paid: true, Email: "jo@example.co.uk", Name: "Jo Smith-Jones", Interval: "month"}), "gbp")
			return h.deliver(testenv.EventAt(t, "evt_"+id, "invoice.paid", in, at)).Receipt
		}
		if r := renew("in_ga1", 400, base.Add(time.Hour+time.Minute/2)); r == nil || !r.GiftAid {
			t.Fatalf("a renewal under the declaration: %+v", r)
		}
		// Someone without a declaration: no Gift Aid.
		other := h.deliver(testenv.EventAt(t, "evt_other", "checkout.session.completed",
			testenv.InCurrency(testenv.PaidSession(t, "cs_other", "", "ann@example.co.uk", 2000), "gbp"), base)).Receipt
		if other == nil || other.GiftAid {
			t.Fatalf("a gift without a declaration: %+v", other)
		}
		sum, err := h.store.GiftAidPending(ctx, base.Add(-time.Hour), base.Add(2*time.Hour))
		if err != nil || sum.Lines != 2 || sum.Total != 5400 {
			t.Fatalf("waiting: %+v %v", sum, err)
		}
		// The donor cancels: the next renewal is not claimed; the ones
		// before stay.
		donor, err := h.store.DonorByID(ctx, *r.DonorID)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := h.store.CancelGiftAid(ctx, donor); err != nil || n != 1 {
			t.Fatalf("cancel: %d %v", n, err)
		}
		if r := renew("in_ga2", 400, time.Now().Add(2*time.Hour)); r == nil || r.GiftAid {
			t.Fatalf("a renewal after the cancellation: %+v", r)
		}
		// The claim takes both waiting lines, once.
		b, err := h.store.ClaimGiftAid(ctx, base.Add(-time.Hour), base.Add(4*time.Hour), models.CommandLine)
		if err != nil || b == nil || b.Lines != 2 || b.Total != 5400 {
			t.Fatalf("claim: %+v %v", b, err)
		}
		if again, err := h.store.ClaimGiftAid(ctx, base.Add(-time.Hour), base.Add(4*time.Hour), models.CommandLine); err != nil || again != nil {
			t.Fatalf("a second claim of the same period: %+v %v", again, err)
		}
		lines, err := h.store.GiftAidLinesOf(ctx, b.ID)
		if err != nil || len(lines) != 2 || lines[0].Declaration.LastName != "Smith-Jones" {
			t.Fatalf("lines: %+v %v", lines, err)
		}
		// £20 of the claimed £50 gift is refunded: an adjustment of −£20.
		h.deliver(testenv.EventAt(t, "evt_ga_ref", "charge.refunded",
			testenv.InCurrency(testenv.Charge(t, "ch_ga", "pi_cs_ga", "", 5000, 2000), "gbp"), base.Add(3*time.Hour)))
		sum, _ = h.store.GiftAidPending(ctx, base.Add(-time.Hour), base.Add(4*time.Hour))
		if sum.Lines != 0 || sum.Adjustments != -2000 {
			t.Fatalf("after a refund of a claimed gift: %+v", sum)
		}
	})
}

// TestGiftAidBenefitLimit: a member whose benefits are worth more than
// HMRC allows (25% of a gift up to £100) gives without Gift Aid; within
// it, with.
func TestGiftAidBenefitLimit(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		h := newHarnessWith(t, db, ukSettings())
		for _, c := range []struct {
			id      string
			amount  int64
			giftAid bool
		}{{"tote", 6000, true}, {"dinner", 12000, false}} {
			g := &models.Gift{Frequency: models.FrequencyYear, Amount: c.amount, Currency: "gbp", Email: c.id + "@example.co.uk", Name: "M Ember", Address: ukHome}
			if err := h.store.CreateGiftWithDeclaration(ctx, g, models.NewGiftAidDeclaration(g.Email, "", "M", "Ember", ukHome, "The Ledger UK")); err != nil {
				t.Fatal(err)
			}
			in := testenv.InCurrency(testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_" + c.id, Subscription: "sub_" + c.id, Customer: "cus_" + c.id,
				Charge: "ch_" + c.id, BillingReason: "subscription_create", Amount: c.amount, Paid: true, Email: g.Email, Name: "M Ember",
				Interval: "year", GiftID: g.ID}), "gbp")
			r := h.deliver(testenv.EventAt(t, "evt_"+c.id, "invoice.paid", in, time.Now().Add(time.Minute))).Receipt
			if r == nil || r.GiftAid != c.giftAid || r.BenefitValue == 0 {
				t.Errorf("%s member: %+v", c.id, r)
			}
		}
	})
}
