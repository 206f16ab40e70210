package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

var signInLink = regexp.MustCompile(`(http://[^\s]+/account/sign-in/[A-Za-z0-9_-]+)`)

// emailedLink waits for the newest sign-in email to address and returns
// its link.
func (a *testApp) emailedLink(to string, n int) string {
	a.t.Helper()
	msgs := a.Mail.WaitFor(n, 30*time.Second)
	for _, m := range msgs {
		if m.To[0].Address == to && strings.Contains(m.Subject, "sign-in link") {
			full := a.Mail.Message(m.ID)
			if l := signInLink.FindString(full.Text); l != "" {
				return l
			}
		}
	}
	a.t.Fatalf("no sign-in email to %s among %+v", to, msgs)
	return ""
}

func TestDonorAccount(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{mail: true})
		// A member with a receipt, and another donor.
		in := testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_acc", Subscription: "sub_acc", Customer: "cus_acc", Charge: "ch_acc",
			BillingReason: "subscription_create", Amount: 1500, Paid: true, Email: "member@example.com", Name: "Mem Ber", Interval: "month"})
		other := paidEvent(t, "evt_other", "cs_other", "", "other@example.com", 900)
		for _, ev := range [][]byte{testenv.Event(t, "evt_acc", "invoice.paid", in, "2023-10-16"), other} {
			if code, body := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 {
				t.Fatalf("%d %s", code, body)
			}
		}
		app.Mail.WaitFor(2, 30*time.Second) // the two receipts
		c := app.client()
		token := app.csrfToken(c, "/account")

		// Unknown and known addresses get the same answer; only one gets mail.
		var answers []string
		for _, email := range []string{"nobody@example.com", "Member@Example.com"} {
			resp, body := app.post(c, "/account/sign-in", url.Values{"csrf_token": {token}, "email": {email}})
			if resp.StatusCode != 200 {
				t.Fatalf("sign-in request: %d", resp.StatusCode)
			}
			// The masked CSRF token differs on every page; nothing else may.
			body = csrfField.ReplaceAllString(strings.ReplaceAll(body, email, "EMAIL"), "TOKEN")
			answers = append(answers, body)
		}
		if answers[0] != answers[1] {
			t.Fatal("the sign-in page answers differently for a known address")
		}
		link := app.emailedLink("member@example.com", 3)
		time.Sleep(500 * time.Millisecond)
		if n := len(app.Mail.Messages()); n != 3 {
			t.Fatalf("%d messages: the unknown address got mail?", n)
		}
		path := strings.TrimPrefix(link, app.URL)
		resp, page := app.get(c, path)
		if resp.StatusCode != 200 || !strings.Contains(page, `id="confirm-sign-in"`) {
			t.Fatalf("opening the link: %d", resp.StatusCode)
		}
		resp, _ = app.post(c, path, url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
			t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		cookie := resp.Header.Get("Set-Cookie")
		if !strings.Contains(cookie, "donor_session=") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
			t.Fatalf("session cookie %q", cookie)
		}
		// The link works once.
		resp, _ = app.post(app.client(), path, url.Values{"csrf_token": {"x"}})
		if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusGone {
			t.Fatalf("reused link: %d", resp.StatusCode)
		}
		c2 := app.client()
		_, page2 := app.get(c2, path)
		if resp, _ := app.post(c2, path, url.Values{"csrf_token": {csrfField.FindStringSubmatch(page2)[1]}}); resp.StatusCode != http.StatusGone {
			t.Fatalf("reused link: %d, want 410", resp.StatusCode)
		}

		_, body := app.get(c, "/account")
		for _, want := range []string{"Hello, Mem", "$15.00 every month", "Change card in Stripe", "Cancel membership", "-000001", "Download", "Fiscal year"} {
			if !strings.Contains(body, want) {
				t.Errorf("account page lacks %q", want)
			}
		}
		// The gifts table: the payment, what it was, and its receipt.
		gifts := regexp.MustCompile(`(?s)<table class="list" id="gifts">.*?</table>`).FindString(body)
		row := regexp.MustCompile(`<tr><td>\d{4}-\d\d-\d\d</td><td>\$15\.00</td><td>Monthly membership</td><td>—</td><td>Paid</td><td><a href="/account/receipts/[0-9a-f-]+\.pdf">[0-9]{4}-000001</a></td></tr>`)
		if strings.Count(gifts, "<tr><td>") != 1 || !row.MatchString(gifts) {
			t.Errorf("gifts table:\n%s", gifts)
		}
		rs := app.receipts(time.Now().UTC().Year())
		var mine, theirs string
		for _, r := range rs {
			if r.DonorEmail == "member@example.com" {
				mine = r.ID
			} else {
				theirs = r.ID
			}
		}
		resp, err := c.Get(app.URL + "/account/receipts/" + mine + ".pdf")
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(testenv.PDFText(t, pdf), "Mem Ber") {
			t.Fatalf("receipt download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp, _ := app.get(c, "/account/receipts/"+theirs+".pdf"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another donor's receipt: %d", resp.StatusCode)
		}
		resp, err = c.Get(app.URL + "/account/statements/" + time.Now().UTC().Format("2006") + ".pdf")
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(testenv.PDFText(t, pdf), "Total deductible amount: $15.00") {
			t.Fatal("statement download")
		}

		// Stripe's Customer Portal, for this member's customer.
		_, body = app.get(c, "/account")
		resp, _ = app.post(c, "/account/portal", url.Values{"csrf_token": {csrfField.FindStringSubmatch(body)[1]},
			"membership_id": {regexp.MustCompile(`name="membership_id" value="([^"]+)"`).FindStringSubmatch(body)[1]}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "https://") {
			t.Fatalf("portal: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		var portal *testenv.RecordedRequest
		for _, r := range app.Stripe.Requests() {
			if r.Path == "/v1/billing_portal/sessions" {
				portal = &r
			}
		}
		if portal == nil || portal.Form.Get("customer") != "cus_acc" || portal.Form.Get("return_url") != app.URL+"/account" {
			t.Fatalf("portal request %+v", portal)
		}

		// Signing out ends the session.
		resp, _ = app.post(c, "/account/sign-out", url.Values{"csrf_token": {csrfField.FindStringSubmatch(body)[1]}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", resp.StatusCode)
		}
		if _, body := app.get(c, "/account"); !strings.Contains(body, "Email me a sign-in link") {
			t.Fatal("still signed in after signing out")
		}
		if resp, _ := app.get(c, "/account/receipts/"+mine+".pdf"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("receipt after sign-out: %d", resp.StatusCode)
		}
	})
}

func TestSignInRequestsLimitedPerAddress(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	c := app.client()
	token := app.csrfToken(c, "/account")
	for i := 0; i < 4; i++ {
		resp, body := app.post(c, "/account/sign-in", url.Values{"csrf_token": {token}, "email": {"flood@example.com"}})
		want := 200
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("request %d: %d\n%s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := app.post(c, "/account/sign-in", url.Values{"csrf_token": {token}, "email": {"not an email"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="email-error"`) {
		t.Fatalf("bad address: %d", resp.StatusCode)
	}
}

// TestSignInRequestsLimitedPerIP: one address asking links for many
// emails is stopped after its burst of five.
func TestSignInRequestsLimitedPerIP(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	c := app.client()
	token := app.csrfToken(c, "/account")
	for i := 0; i < 6; i++ {
		resp, body := app.post(c, "/account/sign-in", url.Values{"csrf_token": {token}, "email": {fmt.Sprintf("reader%d@example.com", i)}})
		want := 200
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want || (want == 429 && resp.Header.Get("Retry-After") == "") {
			t.Fatalf("request %d: %d\n%s", i+1, resp.StatusCode, body)
		}
	}
}
