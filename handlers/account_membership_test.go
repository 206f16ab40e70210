package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
)

// lastUpdate is the last request that changed a subscription at Stripe.
func lastUpdate(t *testing.T, app *testApp, sub string) url.Values {
	t.Helper()
	var last url.Values
	for _, r := range app.Stripe.Requests() {
		if r.Method == "POST" && r.Path == "/v1/subscriptions/"+sub {
			last = r.Form
		}
	}
	if last == nil {
		t.Fatalf("no update of %s reached Stripe", sub)
	}
	return last
}

// TestMemberChangesTheirMembershipAtStripe: a signed-in member cancels in
// two clicks with a reason, takes it back, pauses for two months,
// resumes, and changes the amount, each as one request to Stripe
// (stripe-mock checks its parameters). Nothing changes in the ledger
// until Stripe's event comes back. A wrong amount is named next to its
// field; another donor's membership cannot be touched.
func TestMemberChangesTheirMembershipAtStripe(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	end := time.Now().AddDate(0, 0, 20)
	m := app.membership(t, "sub_ch", "month", "active", 1000, end, false, "ch@example.com")
	app.membership(t, "sub_other", "month", "active", 1000, end, false, "other@example.com")
	other, err := app.Store.MembershipBySubscription(t.Context(), "sub_other")
	if err != nil {
		t.Fatal(err)
	}
	c := app.donorClient("ch@example.com")
	base := "/account/memberships/" + m.ID

	// Cancel: the link, then the confirmation with a reason.
	_, page := app.get(c, "/account")
	if !strings.Contains(page, `href="`+base+`/cancel"`) {
		t.Fatalf("no cancel link on the donor page:\n%s", page)
	}
	_, page = app.get(c, base+"/cancel")
	token := csrfField.FindStringSubmatch(page)[1]
	if !strings.Contains(page, "It costs too much for me right now") || !strings.Contains(page, "$10.00") {
		t.Fatalf("cancel page:\n%s", page)
	}
	if resp, body := app.post(c, base+"/cancel", url.Values{"csrf_token": {token}, "reason": {"because"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Choose one of the reasons") {
		t.Fatalf("a made-up reason: %d", resp.StatusCode)
	}
	resp, _ := app.post(c, base+"/cancel", url.Values{"csrf_token": {token}, "reason": {"too_expensive"}, "comment": {"Money is tight"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", resp.StatusCode)
	}
	f := lastUpdate(t, app, "sub_ch")
	if f.Get("cancel_at_period_end") != "true" || f.Get("cancellation_details[feedback]") != "too_expensive" ||
		f.Get("cancellation_details[comment]") != "Money is tight" {
		t.Fatalf("the cancel sent %v", f)
	}
	if got, _ := app.Store.MembershipByID(t.Context(), m.ID); got.CancelAtPeriodEnd {
		t.Fatal("the form changed the ledger before Stripe's event")
	}
	_, page = app.get(c, "/account")
	if !strings.Contains(page, "Your membership is cancelled") || !strings.Contains(page, "once Stripe confirms it") {
		t.Errorf("no word that the cancel was sent:\n%s", page)
	}
	// Stripe's event comes back: the page says it ends, and offers to keep it.
	app.membership(t, "sub_ch", "month", "active", 1000, end, true, "")
	_, page = app.get(c, "/account")
	if !strings.Contains(page, "ends "+end.In(app.Config.Location).Format("January 2, 2006")) || !strings.Contains(page, base+"/keep") {
		t.Fatalf("after Stripe's event:\n%s", page)
	}
	token = csrfField.FindStringSubmatch(page)[1]
	if resp, _ := app.post(c, base+"/keep", url.Values{"csrf_token": {token}}); resp.StatusCode != http.StatusSeeOther ||
		lastUpdate(t, app, "sub_ch").Get("cancel_at_period_end") != "false" {
		t.Fatalf("keep: %d %v", resp.StatusCode, lastUpdate(t, app, "sub_ch"))
	}
	app.membership(t, "sub_ch", "month", "active", 1000, end, false, "")

	// Skip the next two payments, then resume. The payments due on end
	// and a month later are voided; collection resumes a day after the
	// second, so the one two months after end is taken.
	if resp, _ := app.post(c, base+"/pause", url.Values{"csrf_token": {token}, "payments": {"2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pause: %d", resp.StatusCode)
	}
	f = lastUpdate(t, app, "sub_ch")
	want := end.AddDate(0, 1, 1).Unix()
	if got, _ := strconv.ParseInt(f.Get("pause_collection[resumes_at]"), 10, 64); f.Get("pause_collection[behavior]") != "void" ||
		got < want-60 || got > want+60 {
		t.Fatalf("the pause sent %v, want resumes_at near %d", f, want)
	}
	for _, due := range []time.Time{end, end.AddDate(0, 1, 0)} {
		if due.Unix() >= want {
			t.Fatalf("the payment due %s is not skipped", due)
		}
	}
	if end.AddDate(0, 2, 0).Unix() < want {
		t.Fatal("a third payment is skipped")
	}
	if resp, _ := app.post(c, base+"/pause", url.Values{"csrf_token": {token}, "payments": {"7"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a seven-month pause: %d", resp.StatusCode)
	}
	if resp, _ := app.post(c, base+"/resume", url.Values{"csrf_token": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resume: %d", resp.StatusCode)
	}
	if f := lastUpdate(t, app, "sub_ch"); f.Get("pause_collection") != "" || !f.Has("pause_collection") {
		t.Fatalf("the resume sent %v", f)
	}

	// A wrong amount, then $15.
	resp, page = app.post(c, base+"/amount", url.Values{"csrf_token": {token}, "amount": {"ten"}})
	if resp.StatusCode != http.StatusUnprocessableEntity ||
		!regexp.MustCompile(`id="amount-`+m.ID+`-error">Type the amount in digits`).MatchString(page) ||
		!strings.Contains(page, `value="ten"`) || !strings.Contains(page, `id="error-summary"`) {
		t.Fatalf("a wrong amount: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := app.post(c, base+"/amount", url.Values{"csrf_token": {token}, "amount": {"15"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("amount: %d", resp.StatusCode)
	}
	f = lastUpdate(t, app, "sub_ch")
	if f.Get("items[0][price_data][unit_amount]") != "1500" || f.Get("proration_behavior") != "none" || f.Get("items[0][id]") == "" ||
		f.Get("items[0][price_data][recurring][interval]") == "" {
		t.Fatalf("the amount change sent %v", f)
	}

	// Someone else's membership.
	if resp, _ := app.post(c, "/account/memberships/"+other.ID+"/cancel", url.Values{"csrf_token": {token}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("cancelling another donor's membership: %d", resp.StatusCode)
	}
	if got, _ := app.Store.MembershipByID(t.Context(), other.ID); got.CancelAtPeriodEnd {
		t.Error("another donor's membership was changed")
	}
	for _, r := range app.Stripe.Requests() {
		if r.Path == "/v1/subscriptions/sub_other" {
			t.Errorf("a request about another donor's membership reached Stripe: %+v", r)
		}
	}
}

// TestDemoMemberCancelsPausesAndChangesAmount: in demo mode each change
// comes back at once as the demo's signed event: the page shows it, and
// the cancellation is confirmed by email once.
func TestDemoMemberCancelsPausesAndChangesAmount(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true})
	c := app.client()
	form := validForm(app.csrfToken(c, "/donate"))
	form.Set("frequency", "month")
	resp, _ := app.post(c, "/donate", form)
	path := strings.TrimPrefix(resp.Header.Get("Location"), app.URL)
	_, page := app.get(c, path)
	app.post(c, path+"/pay", url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}})
	d := app.donorClient("reader@example.com")
	_, page = app.get(d, "/account")
	id := regexp.MustCompile(`/account/memberships/([0-9a-f-]+)/cancel`).FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no membership to change:\n%s", page)
	}
	base := "/account/memberships/" + id[1]
	token := csrfField.FindStringSubmatch(page)[1]
	step := func(what, path string, form url.Values, want string) {
		t.Helper()
		form.Set("csrf_token", token)
		if resp, _ := app.post(d, path, form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", what, resp.StatusCode)
		}
		_, page := app.get(d, "/account")
		if !strings.Contains(page, want) {
			t.Fatalf("after %s the page lacks %q:\n%s", what, want, page)
		}
	}
	// The demo's membership was paid today: its next payment is in a month,
	// and skipping it takes the next one a month after.
	step("pause", base+"/pause", url.Values{"payments": {"1"}}, "Your next payment is skipped: the next one taken is on "+
		time.Now().AddDate(0, 2, 0).In(app.Config.Location).Format("January 2, 2006"))
	step("resume", base+"/resume", url.Values{}, "next payment")
	step("amount", base+"/amount", url.Values{"amount": {"30"}}, "$30.00 every month")
	step("cancel", base+"/cancel", url.Values{"reason": {"unused"}}, "Keep my membership")
	m, err := app.Store.MembershipByID(t.Context(), id[1])
	if err != nil || !m.CancelAtPeriodEnd || m.CancelFeedback != "unused" || m.Amount != 3000 {
		t.Fatalf("membership: %+v %v", m, err)
	}
	emails, err := app.Store.DonorEmails(t.Context(), *m.DonorID)
	n := 0
	for _, e := range emails {
		if e.Kind == models.EmailCancelConfirmed {
			n++
		}
	}
	if err != nil || n != 1 {
		t.Fatalf("%d cancellation emails (%v), want 1", n, err)
	}
	step("keep", base+"/keep", url.Values{}, "Your membership carries on")
}
