package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/indienews/donations/documents"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

func TestDonateMonthlyCreatesSubscriptionCheckout(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	c := app.client()
	form := validForm(app.csrfToken(c, "/donate"))
	form.Set("frequency", "month")
	form.Set("amount", "15")
	form.Set("cover_fee", "1")
	resp, body := app.post(c, "/donate", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /donate monthly = %d\n%s", resp.StatusCode, body)
	}
	var create *testenv.RecordedRequest
	for _, r := range app.Stripe.Requests() {
		if r.Path == "/v1/checkout/sessions" {
			create = &r
		}
	}
	if create == nil {
		t.Fatal("no checkout session request")
	}
	f := create.Form
	giftID := f.Get("client_reference_id")
	for k, v := range map[string]string{
		"mode": "subscription", "line_items[0][price_data][recurring][interval]": "month",
		"line_items[0][price_data][unit_amount]":        "1576", // $15 + 2.9% + 30c
		"line_items[0][price_data][product_data][name]": "Monthly membership of The Ledger",
		"subscription_data[metadata][gift_id]":          giftID,
		"metadata[gift_id]":                             giftID,
		"metadata[frequency]":                           "month",
	} {
		if got := f.Get(k); got != v {
			t.Errorf("Stripe received %s = %q, want %q", k, got, v)
		}
	}
	for _, absent := range []string{"submit_type", "payment_intent_data[metadata][gift_id]"} {
		if f.Has(absent) {
			t.Errorf("subscription checkout sent %s", absent)
		}
	}
	g, err := app.Store.GiftByID(context.Background(), giftID)
	if err != nil || g.Frequency != "month" || g.TotalAmount != 1576 {
		t.Fatalf("form gift %+v %v", g, err)
	}
}

// TestConcurrentCopiesOfEachEventType sends 20 simultaneous copies of each
// membership, refund and dispute event: each applies once.
func TestConcurrentCopiesOfEachEventType(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		at := time.Now().Add(-time.Minute)
		inv := func(id, reason string, amount int64) map[string]any {
			return testenv.Invoice(t, testenv.InvoiceSpec{ID: id, Subscription: "sub_c", Customer: "cus_c", Charge: "ch_" + id,
				PaymentIntent: "pi_" + id, BillingReason: reason, Amount: amount, Paid: true, Email: "c@example.com", Name: "C", Interval: "month"})
		}
		sub := func(status string) map[string]any {
			return testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_c", Customer: "cus_c", Status: status, Interval: "month",
				Amount: 1000, PeriodEnd: at.AddDate(0, 1, 0), Started: at})
		}
		failed := inv("in_c2", "subscription_cycle", 1000)
		failed["paid"], failed["amount_paid"], failed["status"] = false, 0, "open"
		steps := []struct {
			name string
			body []byte
		}{
			{"subscription created", testenv.EventAt(t, "evt_c1", "customer.subscription.created", sub("active"), at)},
			{"invoice paid", testenv.EventAt(t, "evt_c2", "invoice.paid", inv("in_c1", "subscription_create", 1000), at.Add(time.Second))},
			{"invoice failed", testenv.EventAt(t, "evt_c3", "invoice.payment_failed", failed, at.Add(2*time.Second))},
			{"subscription updated", testenv.EventAt(t, "evt_c4", "customer.subscription.updated", sub("past_due"), at.Add(3*time.Second))},
			{"charge refunded", testenv.EventAt(t, "evt_c5", "charge.refunded", testenv.Charge(t, "ch_in_c1", "pi_in_c1", "in_c1", 1000, 400), at.Add(4*time.Second))},
			{"dispute created", testenv.EventAt(t, "evt_c6", "charge.dispute.created", testenv.Dispute(t, "dp_c", "ch_in_c1", "pi_in_c1", "needs_response", 600), at.Add(5*time.Second))},
			{"dispute closed", testenv.EventAt(t, "evt_c7", "charge.dispute.closed", testenv.Dispute(t, "dp_c", "ch_in_c1", "pi_in_c1", "won", 600), at.Add(6*time.Second))},
			{"subscription deleted", testenv.EventAt(t, "evt_c8", "customer.subscription.deleted", sub("canceled"), at.Add(7*time.Second))},
		}
		for _, step := range steps {
			sig := testenv.Sign(step.body, webhookSecret, time.Now())
			var wg sync.WaitGroup
			var mu sync.Mutex
			fresh := 0
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code, body := app.deliver(step.body, sig)
					if code != 200 {
						t.Errorf("%s: %d %s", step.name, code, body)
					}
					if strings.Contains(body, `"duplicate":false`) {
						mu.Lock()
						fresh++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if fresh != 1 {
				t.Fatalf("%s applied %d times, want once", step.name, fresh)
			}
		}
		m, err := app.Store.MembershipBySubscription(context.Background(), "sub_c")
		if err != nil || m.Status != models.MembershipCanceled || m.LastFailedInvoiceID != "in_c2" {
			t.Fatalf("membership %+v %v", m, err)
		}
		gifts, _ := app.Store.GiftsOfMembership(context.Background(), m.ID)
		if len(gifts) != 1 {
			t.Fatalf("%d gifts, want 1", len(gifts))
		}
		rs, _ := app.Store.ReceiptsOfGift(context.Background(), gifts[0].ID)
		got := ""
		for _, r := range rs {
			got += fmt.Sprintf("%s:%d:%s ", r.Status, r.Amount, r.Replaces)
		}
		// Paid 10.00, refunded 4.00 (void, replaced by 6.00), disputed (void),
		// won (6.00 again).
		fy := time.Now().UTC().Year()
		want := fmt.Sprintf("void:1000: void:600:%d-000001 issued:600:%d-000002 ", fy, fy)
		if got != want {
			t.Fatalf("receipts %q, want %q", got, want)
		}
	})
}

// TestDemoMembershipPath gives monthly in demo mode: the demo checkout
// sends the subscription's events through the webhook path, and the
// thank-you page shows the first payment's receipt.
func TestDemoMembershipPath(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, mail: true})
	c := app.client()
	form := validForm(app.csrfToken(c, "/donate"))
	form.Set("frequency", "year")
	form.Set("amount", "120")
	resp, _ := app.post(c, "/donate", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/demo/checkout/") {
		t.Fatalf("POST /donate = %d %s", resp.StatusCode, loc)
	}
	path := strings.TrimPrefix(loc, app.URL)
	_, page := app.get(c, path)
	if !strings.Contains(page, "every year until you cancel") {
		t.Fatalf("demo checkout does not say it repeats:\n%s", page)
	}
	resp, _ = app.post(c, path+"/pay", url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}})
	thanks := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(thanks, "/donate/thanks") {
		t.Fatalf("pay = %d %s", resp.StatusCode, thanks)
	}
	_, body := app.get(c, thanks)
	if !strings.Contains(body, fmt.Sprintf(`<strong id="receipt-number">%d-000001</strong>`, time.Now().UTC().Year())) || !strings.Contains(body, "$120.00") ||
		!regexp.MustCompile(`Your yearly membership of \$120.00 has started; the next payment is on [A-Z][a-z]+ \d+\.`).MatchString(body) {
		t.Fatalf("thank-you page:\n%s", body)
	}
	rs := app.receipts(time.Now().UTC().Year())
	if len(rs) != 1 || rs[0].Frequency != "year" || rs[0].Amount != 12000 {
		t.Fatalf("receipts %+v", rs)
	}
	g, err := app.Store.GiftByID(context.Background(), rs[0].GiftID)
	if err != nil || g.MembershipID == nil || g.StripeInvoiceID == nil {
		t.Fatalf("gift %+v %v", g, err)
	}
	// The receipt email leads straight to managing the new membership.
	m := app.Mail.Message(app.Mail.WaitFor(1, 30*time.Second)[0].ID)
	if link := app.URL + "/account#membership-" + *g.MembershipID; !strings.Contains(m.Text, "skip payments or cancel your membership at any time:") || !strings.Contains(m.Text, link) ||
		!strings.Contains(m.HTML, `<a href="`+link+`">Manage your membership</a>`) {
		t.Fatalf("the receipt email does not link to managing the membership: %+v", m)
	}
}

// TestDeclinedBenefitsGiveTheFullDeduction: a monthly gift that reaches a
// tier with benefits names the tier and its benefits before payment; a
// member who says no thanks keeps the tier's name, and every receipt of
// theirs states no benefit and the whole gift deductible. One who accepts
// gets the benefit on the receipt.
func TestDeclinedBenefitsGiveTheFullDeduction(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{"MEMBERSHIP_TIERS": "Supporter|60||0;Insider|120|Tote bag and two events|25"}})
	give := func(email string, decline bool) (checkout string, receipt models.Receipt) {
		t.Helper()
		c := app.client()
		form := validForm(app.csrfToken(c, "/donate"))
		form.Set("email", email)
		form.Set("frequency", "month")
		form.Set("amount", "50")
		if decline {
			form.Set("decline_benefits", "1")
		}
		resp, _ := app.post(c, "/donate", form)
		path := strings.TrimPrefix(resp.Header.Get("Location"), app.URL)
		_, page := app.get(c, path)
		app.post(c, path+"/pay", url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}})
		for _, r := range app.receipts(time.Now().UTC().Year()) {
			if r.DonorEmail == email {
				return page, r
			}
		}
		t.Fatalf("no receipt for %s", email)
		return
	}
	_, page := app.get(app.client(), "/donate")
	if !strings.Contains(page, `name="decline_benefits"`) || !strings.Contains(page, "<strong>Supporter</strong>, from $60.00 a year</li>") {
		t.Fatalf("the form's tiers:\n%s", page)
	}
	page, declined := give("no-thanks@example.com", true)
	if !strings.Contains(page, `<dd id="choice-benefits">Insider member, benefits declined: your whole gift is deductible</dd>`) {
		t.Errorf("checkout does not name the declined tier:\n%s", page)
	}
	if declined.BenefitValue != 0 || declined.DeductibleAmount != declined.Amount || declined.BenefitDescription != "" {
		t.Errorf("a declined benefit is on the receipt: %+v", declined)
	}
	page, accepted := give("yes-please@example.com", false)
	if !strings.Contains(page, `<dd id="choice-benefits">Insider member: Tote bag and two events (valued at $25.00 a year, which receipts deduct)</dd>`) {
		t.Errorf("checkout does not name the tier and its benefits:\n%s", page)
	}
	if accepted.BenefitValue == 0 || accepted.DeductibleAmount >= accepted.Amount || accepted.BenefitDescription != "Tote bag and two events" {
		t.Errorf("an accepted benefit is not on the receipt: %+v", accepted)
	}
	var pdf bytes.Buffer
	if err := documents.New(app.URL, time.UTC).Receipt(&pdf, &declined); err != nil {
		t.Fatal(err)
	}
	if text := testenv.PDFText(t, pdf.Bytes()); !strings.Contains(text, "No goods or services were provided") {
		t.Errorf("the declined member's receipt:\n%s", text)
	}
}
