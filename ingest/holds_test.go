package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

func canadianSettings() models.ReceiptSettings {
	return models.ReceiptSettings{Org: models.Org{Name: "Le Registre", Address: "1 Rue du Port, Montréal QC H2Y 1A1", TaxID: "123456789RR0001"},
		Rules: "ca", PlaceOfIssue: "Montréal, Québec", Signatory: "Jeanne Trésorière"}
}

var montreal = models.DonorProfile{Name: "Zoé Tremblay", Address: models.Address{Line1: "12 Rue Saint-Paul", Line2: "Apt 4",
	City: "Montréal", State: "QC", PostalCode: "H2Y 1Z5", Country: "CA"}}

// giftOf is the gift a session paid.
func giftOf(t *testing.T, h *harness, sessionID string) models.Gift {
	t.Helper()
	g, err := h.store.GiftBySession(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	return g.Gift
}

// TestCanadianReceiptWaitsForTheDonorsDetails: under the CRA's rules a paid
// gift without the donor's full address gets no receipt: it is recorded as
// paid, its receipt held, and the donor is asked, once, for their details.
// Given through the link, they are kept as typed, second line and province
// included, and the receipt takes the next number of its fiscal year.
func TestCanadianReceiptWaitsForTheDonorsDetails(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		h := newHarnessWith(t, db, canadianSettings())
		// Stripe's sample: a name, no address.
		res := h.deliver(testenv.EventAt(t, "evt_held", "checkout.session.completed",
			testenv.InCurrency(testenv.PaidSession(t, "cs_held", "", "zoe@example.ca", 5000), "cad"), t0))
		if res.Receipt != nil || !strings.Contains(res.Outcome, "on hold") {
			t.Fatalf("a gift without an address got: %+v", res)
		}
		held := giftOf(t, h, "cs_held")
		if held.Status != models.GiftPaid {
			t.Fatalf("held gift is %s, want paid", held.Status)
		}
		// Redelivered: still one hold, one email.
		h.deliver(testenv.EventAt(t, "evt_held", "checkout.session.completed",
			testenv.InCurrency(testenv.PaidSession(t, "cs_held", "", "zoe@example.ca", 5000), "cad"), t0))
		list, err := h.store.HeldReceipts(ctx, 10)
		if err != nil || len(list) != 1 || list[0].Gift.ID != held.ID || list[0].Hold.Reason != models.HoldDetails {
			t.Fatalf("staff's list of held receipts: %+v %v", list, err)
		}
		queued, err := h.store.Emails(ctx, models.EmailQueued)
		if err != nil {
			t.Fatal(err)
		}
		asks := 0
		for _, m := range queued {
			if m.Kind == models.EmailDetailsNeeded && m.GiftID != nil && *m.GiftID == held.ID && m.ToAddress == "zoe@example.ca" {
				asks++
			}
		}
		if asks != 1 {
			t.Fatalf("%d details requests queued, want 1: %+v", asks, queued)
		}
		// Another donor's complete gift is receipted at once, first.
		other := h.deliver(testenv.EventAt(t, "evt_complete", "checkout.session.completed",
			canadian(testenv.PaidSession(t, "cs_complete", "", "ann@example.ca", 2500)), t0.Add(time.Minute))).Receipt
		if other == nil || other.Number != "2026-000001" {
			t.Fatalf("a complete gift's receipt: %+v", other)
		}
		// A link that is not ours finds nothing.
		if _, err := h.store.GiftForDetails(ctx, "not-a-token"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("an unknown link: %v", err)
		}
		token, err := h.store.IssueDetailsToken(ctx, held.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := h.store.CompleteGiftDetails(ctx, token, montreal)
		if err != nil || r == nil {
			t.Fatalf("completing the details: %+v %v", r, err)
		}
		if r.Number != "2026-000002" || r.DonorName != "Zoé Tremblay" || r.DonorAddressLine2 != "Apt 4" || r.DonorAddressState != "QC" ||
			r.Amount != 5000 || r.Currency != "cad" || r.GiftDate.Unix() != t0.Unix() {
			t.Fatalf("the receipt issued from the details: %+v", r)
		}
		if list, _ := h.store.HeldReceipts(ctx, 10); len(list) != 0 {
			t.Fatalf("still held: %+v", list)
		}
		// The link now says what became of it, and gives nothing twice.
		again, err := h.store.GiftForDetails(ctx, token)
		if err != nil || again.Hold.ReleasedAt == nil || again.Hold.ReceiptID == nil || *again.Hold.ReceiptID != r.ID {
			t.Fatalf("the link after use: %+v %v", again, err)
		}
		if _, err := h.store.CompleteGiftDetails(ctx, token, montreal); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("details given twice: %v", err)
		}
		if got := receiptsOf(t, h, held.ID); strings.Count(got, "[") != 1 {
			t.Fatalf("receipts of the gift: %s", got)
		}
	})
}

// TestHeldReceiptAndRefunds: a refund before the receipt leaves it for
// what remains, or for nothing; a chargeback keeps it waiting until the
// dispute is settled.
func TestHeldReceiptAndRefunds(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		h := newHarnessWith(t, db, canadianSettings())
		pay := func(id string, amount int64) models.Gift {
			h.deliver(testenv.EventAt(t, "evt_"+id, "checkout.session.completed",
				testenv.InCurrency(testenv.PaidSession(t, id, "", id+"@example.ca", amount), "cad"), t0))
			return giftOf(t, h, id)
		}
		refund := func(id string, amount, refunded int64) {
			h.deliver(testenv.EventAt(t, "evt_ref_"+id, "charge.refunded",
				testenv.InCurrency(testenv.Charge(t, "ch_"+id, "pi_"+id, "", amount, refunded), "cad"), t0.Add(time.Hour)))
		}
		complete := func(g models.Gift) (*models.Receipt, error) {
			token, err := h.store.IssueDetailsToken(ctx, g.ID)
			if err != nil {
				return nil, err
			}
			return h.store.CompleteGiftDetails(ctx, token, montreal)
		}
		part := pay("cs_part", 10000)
		refund("cs_part", 10000, 3000)
		r, err := complete(part)
		if err != nil || r == nil || r.Amount != 7000 || r.DeductibleAmount != 7000 || r.Replaces != "" {
			t.Fatalf("a receipt after a partial refund: %+v %v", r, err)
		}
		whole := pay("cs_whole", 4000)
		refund("cs_whole", 4000, 4000)
		hold, err := h.store.HoldOfGift(ctx, whole.ID)
		if err != nil || hold == nil || hold.ReleasedAt == nil || !strings.Contains(hold.Outcome, "refunded in full") {
			t.Fatalf("the hold of a gift refunded in full: %+v %v", hold, err)
		}
		if _, err := h.store.IssueDetailsToken(ctx, whole.ID); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a details link for a refunded gift: %v", err)
		}
		// Disputed while held, then won: the receipt is issued with the
		// details given during the dispute.
		disputed := pay("cs_disp", 6000)
		h.deliver(testenv.EventAt(t, "evt_dp_open", "charge.dispute.created",
			testenv.InCurrency(testenv.Dispute(t, "dp_1", "ch_cs_disp", "pi_cs_disp", "needs_response", 6000), "cad"), t0.Add(time.Hour)))
		if r, err := complete(disputed); err != nil || r != nil {
			t.Fatalf("details given during a dispute issued %+v %v", r, err)
		}
		won := h.deliver(testenv.EventAt(t, "evt_dp_won", "charge.dispute.closed",
			testenv.InCurrency(testenv.Dispute(t, "dp_1", "ch_cs_disp", "pi_cs_disp", "won", 6000), "cad"), t0.Add(2*time.Hour)))
		if won.Receipt == nil || won.Receipt.Amount != 6000 || won.Receipt.DonorAddressLine1 != "12 Rue Saint-Paul" {
			t.Fatalf("a dispute won on a held gift: %+v", won)
		}
	})
}

// TestForeignCurrencyGiftIsReceiptedInCanadianDollars: a US-dollar gift to
// a Canadian charity is receipted at what Stripe settled in CAD, with the
// original and the rate; until that is known the receipt waits. A later
// partial refund's replacement converts at the same rate.
func TestForeignCurrencyGiftIsReceiptedInCanadianDollars(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		h := newHarnessWith(t, db, canadianSettings())
		res := h.deliver(testenv.EventAt(t, "evt_usd", "checkout.session.completed",
			testenv.WithAddress(testenv.PaidSession(t, "cs_usd", "", "bob@example.com", 5000), testenv.MontrealAddress()), t0))
		if res.Receipt != nil || !strings.Contains(res.Outcome, "Canadian dollars") {
			t.Fatalf("a USD gift before its settlement is known: %+v", res)
		}
		g := giftOf(t, h, "cs_usd")
		// Reconciliation (or the job that fetches it) brings the balance
		// transaction: US$50.00 settled as CA$68.56.
		err := h.store.RecordPaymentFees(ctx, g.ID, models.PaymentFees{ChargeID: "ch_usd", Txn: &models.BalanceTxn{
			ID: "txn_usd", Type: "charge", SourceID: "ch_usd", ChargeID: "ch_usd", Amount: 6856, Fee: 229, Net: 6627,
			Currency: "cad", ExchangeRate: "1.3712", Created: t0}})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := h.store.ReceiptsOfGift(ctx, g.ID)
		if err != nil || len(rs) != 1 {
			t.Fatalf("receipts: %+v %v", rs, err)
		}
		r := rs[0]
		if r.Amount != 6856 || r.Currency != "cad" || r.DeductibleAmount != 6856 || r.OriginalAmount != 5000 ||
			r.OriginalCurrency != "usd" || r.ExchangeRate != "1.3712" || r.Number != "2026-000001" {
			t.Fatalf("the converted receipt: %+v", r)
		}
		// US$20.00 refunded: US$30.00 remain, CA$41.14 at the same rate.
		rep := h.deliver(testenv.EventAt(t, "evt_usd_ref", "charge.refunded",
			testenv.Charge(t, "ch_usd", "pi_cs_usd", "", 5000, 2000), t0.Add(time.Hour)))
		if rep.Receipt == nil || rep.Receipt.Amount != 4114 || rep.Receipt.OriginalAmount != 3000 || rep.Receipt.Currency != "cad" ||
			rep.Receipt.Replaces != "2026-000001" {
			t.Fatalf("the replacement after a partial refund: %+v", rep)
		}
		// A gift in Canadian dollars needs no conversion and never waits.
		cad := h.deliver(testenv.EventAt(t, "evt_cad", "checkout.session.completed",
			canadian(testenv.PaidSession(t, "cs_cad", "", "cad@example.ca", 5000)), t0)).Receipt
		if cad == nil || cad.Converted() {
			t.Fatalf("a CAD gift: %+v", cad)
		}
	})
}
