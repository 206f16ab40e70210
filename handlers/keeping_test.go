package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// failedInvoice is a membership invoice's failed attempt n, with Stripe's
// next retry (none when next is zero).
func failedInvoice(t *testing.T, id, sub string, amount, attempt int64, next time.Time) map[string]any {
	in := testenv.Invoice(t, testenv.InvoiceSpec{ID: id, Subscription: sub, Customer: "cus_" + sub, Charge: "ch_" + id,
		PaymentIntent: "pi_" + id, BillingReason: "subscription_cycle", Amount: amount, Email: "ignored@example.com", Interval: "month"})
	in["attempt_count"], in["attempted"], in["next_payment_attempt"] = attempt, true, nil
	if !next.IsZero() {
		in["next_payment_attempt"] = next.Unix()
	}
	return in
}

func (a *testApp) emailsOf(t *testing.T, m *models.Membership, kind string) []models.EmailMessage {
	t.Helper()
	all, err := a.Store.DonorEmails(t.Context(), *m.DonorID)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.EmailMessage
	for _, e := range all {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// TestFailedPaymentsAreRecordedAndEmailedTwice: a monthly payment fails
// four times. The declined charge's event brings the decline code, the
// invoice's events the attempt count and Stripe's next retry; the member
// is emailed after the first two attempts only, and a copy of an attempt's
// event under another id sends nothing. Staff see the member on the
// members page with the amount at risk and why, and the attempts on the
// donor page; a later payment recovers it.
func TestFailedPaymentsAreRecordedAndEmailedTwice(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		m := app.membership(t, "sub_f", "month", "active", 1000, time.Now().AddDate(0, 1, 0), false, "f@example.com")
		declined := testenv.Charge(t, "ch_in_f2", "pi_in_f2", "in_f2", 1000, 0)
		declined["status"], declined["paid"], declined["failure_code"] = "failed", false, "card_declined"
		declined["outcome"] = map[string]any{"type": "issuer_declined", "reason": "insufficient_funds", "seller_message": "The bank returned the decline code `insufficient_funds`."}
		app.deliverObject("evt_f_ch", "charge.failed", declined)
		now := time.Now()
		for n := int64(1); n <= 4; n++ {
			next := now.AddDate(0, 0, int(2*n))
			if n == 4 {
				next = time.Time{} // Stripe's last try
			}
			app.deliverObject("evt_f_"+string(rune('0'+n)), "invoice.payment_failed", failedInvoice(t, "in_f2", "sub_f", 1000, n, next))
		}
		// Stripe marks the subscription past due.
		app.membership(t, "sub_f", "month", "past_due", 1000, time.Now().AddDate(0, 1, 0), false, "")
		// The first attempt's event again, under another id (a resend).
		app.deliverObject("evt_f_1_again", "invoice.payment_failed", failedInvoice(t, "in_f2", "sub_f", 1000, 1, now.AddDate(0, 0, 2)))
		if got := app.emailsOf(t, m, models.EmailPaymentFailed); len(got) != 2 {
			t.Fatalf("%d payment-failed emails, want 2 (the first two attempts): %+v", len(got), got)
		}
		f, err := app.Store.PaymentFailureOf(t.Context(), "in_f2")
		if err != nil || f.Attempts != 4 || f.DeclineCode != "insufficient_funds" || f.NextRetryAt != nil || f.RecoveredAt != nil ||
			f.Amount != 1000 || f.MembershipID == nil || *f.MembershipID != m.ID {
			t.Fatalf("failure record: %+v %v", f, err)
		}

		staff := app.staffClient("fin@ledger.example", models.RoleStaff)
		_, page := app.get(staff, "/admin/members")
		row := regexp.MustCompile(`(?s)<table class="list" id="failing".*?<tbody>(.*?)</tbody>`).FindStringSubmatch(page)
		if row == nil || !strings.Contains(row[1], "Member sub_f") || !strings.Contains(row[1], "$10.00") ||
			!strings.Contains(row[1], "Insufficient funds (insufficient_funds)") || !strings.Contains(row[1], "No more retries") ||
			!strings.Contains(row[1], `<td class="num">4</td>`) || !strings.Contains(page, `At risk each period: <strong>$10.00</strong>`) {
			t.Fatalf("members page:\n%s", page)
		}
		_, page = app.get(staff, "/admin/donors/"+*m.DonorID)
		if !strings.Contains(page, "Failed payments") || !strings.Contains(page, "Insufficient funds (insufficient_funds)") {
			t.Errorf("donor page does not show the failed payment:\n%s", page)
		}

		// Stripe's last try... and then the member pays with a new card.
		app.deliverObject("evt_f_paid", "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_f2", Subscription: "sub_f",
			Customer: "cus_sub_f", Charge: "ch_in_f2b", PaymentIntent: "pi_in_f2", BillingReason: "subscription_cycle", Amount: 1000,
			Paid: true, Email: "f@example.com", Interval: "month"}))
		app.membership(t, "sub_f", "month", "active", 1000, time.Now().AddDate(0, 1, 0), false, "")
		if f, err := app.Store.PaymentFailureOf(t.Context(), "in_f2"); err != nil || f.RecoveredAt == nil {
			t.Fatalf("not recovered: %+v %v", f, err)
		}
		if _, page := app.get(staff, "/admin/members"); !strings.Contains(page, "No member's payment is failing.") {
			now, _ := app.Store.MembershipByID(t.Context(), m.ID)
			t.Errorf("the recovered member is still listed as failing: %+v", now)
		}
	})
}

// TestLapsedMemberRestartsInOneStep: Stripe ends a membership for
// non-payment; the member gets one "lapsed" email whose link offers the
// same membership again, and one button sends them to Checkout for it.
func TestLapsedMemberRestartsInOneStep(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{mail: true})
	end := time.Now()
	app.membership(t, "sub_l", "month", "active", 1500, end, false, "l@example.com")
	lapsed := testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_l", Customer: "cus_sub_l", Status: "canceled", Interval: "month",
		Amount: 1500, PeriodEnd: end, Started: end.AddDate(0, -3, 0), Ended: end})
	lapsed["cancellation_details"] = map[string]any{"reason": "payment_failed", "feedback": nil, "comment": nil}
	app.deliverObject("evt_l_deleted", "customer.subscription.deleted", lapsed)
	app.deliverObject("evt_l_deleted_again", "customer.subscription.deleted", lapsed)

	var text string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && text == ""; time.Sleep(200 * time.Millisecond) {
		for _, s := range app.Mail.Messages() {
			if strings.Contains(s.Subject, "has lapsed") {
				text = app.Mail.Message(s.ID).Text
			}
		}
	}
	time.Sleep(time.Second) // room for a second one, were it queued
	n := 0
	for _, s := range app.Mail.Messages() {
		if strings.Contains(s.Subject, "has lapsed") {
			n++
		}
	}
	if n != 1 || !strings.Contains(text, "monthly membership payment of $15.00") {
		t.Fatalf("%d lapsed emails:\n%s", n, text)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(app.URL) + `/donate/restart/[A-Za-z0-9_-]+`).FindString(text)
	if link == "" {
		t.Fatalf("no restart link:\n%s", text)
	}
	c := app.client()
	_, page := app.get(c, strings.TrimPrefix(link, app.URL))
	if !strings.Contains(page, `<strong id="restart-amount">$15.00</strong>`) || !strings.Contains(page, "l@example.com") {
		t.Fatalf("restart page:\n%s", page)
	}
	resp, _ := app.post(c, strings.TrimPrefix(link, app.URL), url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "https://checkout.stripe.com/") {
		t.Fatalf("restart: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var frequency, name string
	var total, pending int64
	err := app.Store.SQL().QueryRow(`SELECT COUNT(*), MAX(frequency), MAX(total_amount), MAX(name) FROM gifts WHERE email = ? AND status = 'pending'`,
		"l@example.com").Scan(&pending, &frequency, &total, &name)
	if err != nil || pending != 1 || frequency != "month" || total != 1500 || name != "Member sub_l" {
		t.Fatalf("the restarted membership's gift: %d %s %d %s %v", pending, frequency, total, name, err)
	}
	if resp, _ := app.get(c, "/donate/restart/not-a-link"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown restart link: %d", resp.StatusCode)
	}
}

// TestCancellationIsConfirmedOnceWithItsReason: a member cancels at the
// period's end from Stripe's portal with a reason: one confirmation
// email, whatever copies and later states arrive (the final deletion
// included), and the reason shows on the staff donor page.
func TestCancellationIsConfirmedOnceWithItsReason(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		end := time.Now().AddDate(0, 0, 12)
		m := app.membership(t, "sub_k", "month", "active", 2000, end, false, "k@example.com")
		cancelled := testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_k", Customer: "cus_sub_k", Status: "active", Interval: "month",
			Amount: 2000, PeriodEnd: end, Started: time.Now().AddDate(0, -2, 0), CancelAtPeriodEnd: true})
		cancelled["cancellation_details"] = map[string]any{"reason": "cancellation_requested", "feedback": "too_expensive", "comment": "Money is tight"}
		app.deliverObject("evt_k1", "customer.subscription.updated", cancelled)
		app.deliverObject("evt_k1_copy", "customer.subscription.updated", cancelled)
		if got := app.emailsOf(t, m, models.EmailCancelConfirmed); len(got) != 1 {
			t.Fatalf("%d confirmations after the cancel, want 1", len(got))
		}
		staff := app.staffClient("fin@ledger.example", models.RoleStaff)
		if _, page := app.get(staff, "/admin/donors/"+*m.DonorID); !strings.Contains(page, "Ends at the period&#39;s end: it costs too much") {
			t.Errorf("the donor page does not say why the membership ends:\n%s", page)
		}
		ended := testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_k", Customer: "cus_sub_k", Status: "canceled", Interval: "month",
			Amount: 2000, PeriodEnd: end, Started: time.Now().AddDate(0, -2, 0), CancelAtPeriodEnd: true, Ended: end})
		ended["cancellation_details"] = cancelled["cancellation_details"]
		app.deliverObject("evt_k2", "customer.subscription.deleted", ended)
		if got := app.emailsOf(t, m, models.EmailCancelConfirmed); len(got) != 1 {
			t.Fatalf("%d confirmations after the membership ended, want 1", len(got))
		}
		got, err := app.Store.MembershipByID(t.Context(), m.ID)
		if err != nil || got.CancelFeedback != "too_expensive" || got.CancelComment != "Money is tight" || got.Status != models.MembershipCanceled {
			t.Fatalf("membership: %+v %v", got, err)
		}
	})
}
