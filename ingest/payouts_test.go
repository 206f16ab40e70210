package ingest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/reports"
	"github.com/indienews/donations/testenv"
)

// stripeLister is reconcile's Stripe: the real client against the double,
// listing the events a test gives it.
type stripeLister struct {
	*payments.Stripe
	events []payments.Listed
}

func (l stripeLister) ListEvents(context.Context, time.Time) ([]payments.Listed, error) {
	return l.events, nil
}
func (l stripeLister) ListCompletedCheckouts(context.Context, time.Time) ([]payments.Listed, error) {
	return nil, nil
}

// txn is a balance transaction as Stripe lists it, its source expanded.
func txn(t *testing.T, id, typ string, amount, fee int64, at time.Time, source map[string]any) map[string]any {
	b := testenv.Fixture(t, "balance_transaction")
	b["id"], b["type"], b["amount"], b["fee"], b["net"], b["currency"] = id, typ, amount, fee, amount-fee, "usd"
	b["created"], b["available_on"], b["exchange_rate"], b["source"], b["fee_details"] = at.Unix(), at.AddDate(0, 0, 2).Unix(), nil, source, []any{}
	return b
}

// expandedPaymentIntent is a payment intent with its charge and the
// charge's balance transaction expanded.
func expandedPaymentIntent(t *testing.T, pi, ch string, bt map[string]any) map[string]any {
	p := testenv.Fixture(t, "payment_intent")
	c := testenv.Fixture(t, "charge")
	c["id"], c["payment_intent"], c["balance_transaction"] = ch, pi, bt
	p["id"], p["latest_charge"] = pi, c
	return p
}

// TestPayoutsTieToTheBank: a month of gifts (one recorded through
// retrieval with its fee, two inline whose fees reconcile fills in), a
// partial refund, a lost dispute and a won one, and two payouts. Each
// payout's lines add up to what reached the bank, to the cent; a charge we
// never recorded is listed as unmatched.
func TestPayoutsTieToTheBank(t *testing.T) {
	mock := testenv.StripeMock(t)
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		double := testenv.NewStripeDouble(t, mock)
		stripe := payments.NewStripe("sk_test_x", double.URL, nil)
		h.resolver = stripe
		at := func(d int) time.Time { return t0.AddDate(0, 0, d) }
		ch := func(id string) map[string]any { return map[string]any{"id": id, "object": "charge"} }

		// Gift A arrives in a newer API version: retrieved, fee and all.
		btA := txn(t, "txn_a", "charge", 5000, 175, at(0), ch("ch_a"))
		sessA := testenv.PaidSession(t, "cs_a", "", "a@example.com", 5000)
		sessA["payment_intent"] = expandedPaymentIntent(t, "pi_a", "ch_a", btA)
		double.Put(testenv.ObjectPath("checkout.session", "cs_a"), sessA)
		h.deliver(testenv.NewerEvent(t, "evt_a", "checkout.session.completed", "checkout.session", "cs_a", at(0)))
		// B and C inline, in our version: no fee yet.
		sessB := testenv.PaidSession(t, "cs_b", "", "b@example.com", 3000)
		sessB["payment_intent"] = "pi_b"
		h.deliver(testenv.EventAt(t, "evt_b", "checkout.session.completed", sessB, at(1)))
		sessC := testenv.PaidSession(t, "cs_c", "", "c@example.com", 2000)
		sessC["payment_intent"] = "pi_c"
		h.deliver(testenv.EventAt(t, "evt_c", "checkout.session.completed", sessC, at(2)))
		btB, btC := txn(t, "txn_b", "charge", 3000, 117, at(1), ch("ch_b")), txn(t, "txn_c", "charge", 2000, 88, at(2), ch("ch_c"))
		double.Put("/v1/payment_intents/pi_b", expandedPaymentIntent(t, "pi_b", "ch_b", btB))
		double.Put("/v1/payment_intents/pi_c", expandedPaymentIntent(t, "pi_c", "ch_c", btC))
		sum, err := ingest.Reconcile(context.Background(), stripeLister{Stripe: stripe}, h.store, t0.Add(-time.Hour))
		if err != nil || !sum.OK() || sum.Fees != 2 {
			t.Fatalf("reconcile filling in fees: %+v %v", sum, err)
		}
		if sum, _ := ingest.Reconcile(context.Background(), stripeLister{Stripe: stripe}, h.store, t0.Add(-time.Hour)); sum.Fees != 0 {
			t.Fatalf("a second reconcile fetched fees again: %+v", sum)
		}

		// A partial refund of A, a lost dispute on B, a won one on C.
		h.deliver(testenv.EventAt(t, "evt_ra", "charge.refunded", testenv.Charge(t, "ch_a", "pi_a", "", 5000, 1000), at(3)))
		h.deliver(testenv.EventAt(t, "evt_db1", "charge.dispute.created", testenv.Dispute(t, "dp_b", "ch_b", "pi_b", "needs_response", 3000), at(4)))
		h.deliver(testenv.EventAt(t, "evt_db2", "charge.dispute.closed", testenv.Dispute(t, "dp_b", "ch_b", "pi_b", "lost", 3000), at(9)))
		h.deliver(testenv.EventAt(t, "evt_dc1", "charge.dispute.created", testenv.Dispute(t, "dp_c", "ch_c", "pi_c", "needs_response", 2000), at(5)))
		h.deliver(testenv.EventAt(t, "evt_dc2", "charge.dispute.closed", testenv.Dispute(t, "dp_c", "ch_c", "pi_c", "won", 2000), at(10)))

		refund := map[string]any{"id": "re_a", "object": "refund", "charge": "ch_a"}
		dispute := func(id, charge string) map[string]any {
			return map[string]any{"id": id, "object": "dispute", "charge": charge}
		}
		payout := func(id string, amount int64, arrival time.Time) map[string]any {
			p := testenv.Fixture(t, "payout")
			p["id"], p["amount"], p["currency"], p["status"], p["arrival_date"] = id, amount, "usd", "paid", arrival.Unix()
			return p
		}
		// Payout 1: A and B, A's refund, B's lost dispute (debit and fee).
		lines1 := []map[string]any{btA, btB, txn(t, "txn_ra", "refund", -1000, 0, at(3), refund),
			txn(t, "txn_db", "adjustment", -3000, 1500, at(4), dispute("dp_b", "ch_b"))}
		// Payout 2: C, its dispute and the reversal when won, a charge we
		// never recorded, and a Stripe fee.
		lines2 := []map[string]any{btC, txn(t, "txn_dc", "adjustment", -2000, 1500, at(5), dispute("dp_c", "ch_c")),
			txn(t, "txn_dcw", "adjustment", 2000, -1500, at(10), dispute("dp_c", "ch_c")),
			txn(t, "txn_x", "charge", 700, 50, at(6), ch("ch_unknown")), txn(t, "txn_fee", "stripe_fee", -200, 0, at(7), nil)}
		for _, p := range []struct {
			id    string
			lines []map[string]any
			at    time.Time
		}{{"po_1", lines1, at(12)}, {"po_2", lines2, at(14)}} {
			var total int64
			for _, l := range p.lines {
				total += l["net"].(int64)
			}
			own := txn(t, "txn_"+p.id, "payout", -total, 0, p.at, map[string]any{"id": p.id, "object": "payout"})
			double.Put("/v1/payouts/"+p.id, payout(p.id, total, p.at))
			double.Put("/v1/balance_transactions?payout="+p.id, testenv.List("/v1/balance_transactions", append(p.lines, own)...))
			h.deliver(testenv.EventAt(t, "evt_"+p.id, "payout.paid", payout(p.id, total, p.at), p.at))
		}

		var buf bytes.Buffer
		if err := reports.WritePayoutsCSV(context.Background(), &buf, h.store, at(0), at(30), time.UTC, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, c := range rows[0] {
			col[c] = i
		}
		byTxn := map[string][]string{}
		var totals [][]string
		for _, r := range rows[1:] {
			if r[col["line"]] == "total" {
				totals = append(totals, r)
			} else {
				byTxn[r[col["balance_transaction_id"]]] = r
			}
		}
		if len(totals) != 2 || totals[0][col["net"]] != "22.08" || totals[0][col["payout_amount"]] != "22.08" || totals[0][col["ties"]] != "yes" ||
			totals[1][col["net"]] != "23.62" || totals[1][col["ties"]] != "yes" {
			t.Fatalf("payout totals: %q", totals)
		}
		if len(byTxn) != 9 || byTxn["txn_po_1"] != nil {
			t.Fatalf("%d lines (the payout's own transaction must not be one): %q", len(byTxn), rows)
		}
		gA, _ := h.store.GiftBySession(context.Background(), "cs_a")
		for id, want := range map[string]string{"txn_a": "yes", "txn_ra": "yes", "txn_db": "yes", "txn_dcw": "yes", "txn_x": "unmatched", "txn_fee": "no charge"} {
			if got := byTxn[id][col["matched"]]; got != want {
				t.Errorf("%s matched %q, want %q", id, got, want)
			}
		}
		if byTxn["txn_ra"][col["gift_id"]] != gA.Gift.ID || byTxn["txn_a"][col["fee"]] != "1.75" || byTxn["txn_a"][col["net"]] != "48.25" {
			t.Errorf("gift A's lines: %q / %q", byTxn["txn_a"], byTxn["txn_ra"])
		}
		if !strings.HasPrefix(byTxn["txn_x"][col["charge_id"]], "ch_unknown") {
			t.Errorf("the unknown charge: %q", byTxn["txn_x"])
		}
		// The month's summary knows every gift's fee.
		rowsSum, err := h.store.Summary(context.Background(), at(0), at(30), time.UTC)
		if err != nil || len(rowsSum) != 1 || rowsSum[0].Fees != 175+117+88 || rowsSum[0].FeesKnown != 3 {
			t.Fatalf("summary: %+v %v", rowsSum, err)
		}
	})
}
