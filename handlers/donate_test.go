package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

func TestDonatePageAndRedirect(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true})
	c := app.client()
	resp, _ := app.get(c, "/")
	if cookie := resp.Header.Get("Set-Cookie"); !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
		t.Errorf("csrf cookie not HttpOnly/SameSite=Lax: %s", cookie)
	}
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/donate" {
		t.Fatalf("GET / = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := app.get(c, "/donate")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /donate = %d", resp.StatusCode)
	}
	for _, name := range []string{"amount", "frequency", "email", "name", "address_line1", "address_line2", "address_city",
		"address_state", "address_postal_code", "address_country", "cover_fee", "dedication_type", "dedication_name", "anonymous", "csrf_token"} {
		if !strings.Contains(body, `name="`+name+`"`) {
			t.Errorf("donate form has no field %q", name)
		}
	}
	for _, want := range []string{"Support The Ledger", "Demo", "no money moves", `value="250"`, "2.9%", "$0.30"} {
		if !strings.Contains(body, want) {
			t.Errorf("donate page lacks %q", want)
		}
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-Id"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
}

func TestDonateCreatesCheckoutSessionOnStripeMock(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		c := app.client()
		form := validForm(app.csrfToken(c, "/donate"))
		form.Set("cover_fee", "1")
		form.Set("dedication_type", "memory")
		form.Set("dedication_name", "Grandma Jo")
		form["amount"] = []string{"25", ""} // a preset ticked, the other field empty
		resp, body := app.post(c, "/donate", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /donate = %d\n%s", resp.StatusCode, body)
		}
		loc := resp.Header.Get("Location")
		if !strings.HasPrefix(loc, "https://checkout.stripe.com/") {
			t.Fatalf("redirect to %q, want Stripe Checkout", loc)
		}
		var create *testenv.RecordedRequest
		for _, r := range app.Stripe.Requests() {
			if r.Method == "POST" && r.Path == "/v1/checkout/sessions" {
				create = &r
			}
		}
		if create == nil {
			t.Fatalf("no checkout session request reached stripe-mock: %+v", app.Stripe.Requests())
		}
		f := create.Form
		giftID := f.Get("client_reference_id")
		want := map[string]string{
			"mode": "payment", "submit_type": "donate", "customer_email": "reader@example.com",
			"line_items[0][quantity]":                              "1",
			"line_items[0][price_data][currency]":                  "usd",
			"line_items[0][price_data][unit_amount]":               "2606", // $25 + $1.06 to cover 2.9% + 30c
			"line_items[0][price_data][product_data][name]":        "Gift to The Ledger",
			"line_items[0][price_data][product_data][description]": "In memory of Grandma Jo",
			"metadata[gift_id]":                                    giftID,
			"metadata[fee_amount]":                                 "106",
			"payment_intent_data[metadata][gift_id]":               giftID,
			"success_url":                                          app.URL + "/donate/thanks?session_id={CHECKOUT_SESSION_ID}",
			"cancel_url":                                           app.URL + "/donate",
		}
		for k, v := range want {
			if got := f.Get(k); got != v {
				t.Errorf("Stripe received %s = %q, want %q", k, got, v)
			}
		}
		if create.IdempotencyKey != "gift:"+giftID+":checkout" {
			t.Errorf("Idempotency-Key = %q", create.IdempotencyKey)
		}
		if create.StripeVersion != "2023-10-16" {
			t.Errorf("Stripe-Version = %q", create.StripeVersion)
		}
		g, err := app.Store.GiftByID(context.Background(), giftID)
		if err != nil {
			t.Fatal(err)
		}
		if g.Status != models.GiftPending || g.Amount != 2500 || g.FeeAmount != 106 || g.TotalAmount != 2606 ||
			g.StripeSessionID == nil || !strings.HasPrefix(*g.StripeSessionID, "cs_") ||
			g.DedicationType != "memory" || g.DedicationName != "Grandma Jo" {
			t.Fatalf("pending gift: %+v", g)
		}
	})
}

func TestDonateTypedAmountWinsOverPreset(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	c := app.client()
	form := validForm(app.csrfToken(c, "/donate"))
	form["amount"] = []string{"50", "1,000"}
	resp, _ := app.post(c, "/donate", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d", resp.StatusCode)
	}
	reqs := app.Stripe.Requests()
	if got := reqs[len(reqs)-1].Form.Get("line_items[0][price_data][unit_amount]"); got != "100000" {
		t.Fatalf("unit_amount = %s, want 100000", got)
	}
}

func TestDonateInvalidFieldsNamedNextToTheField(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true})
	c := app.client()
	token := app.csrfToken(c, "/donate")
	cases := []struct {
		field, value, message string
	}{
		{"amount", "", "Choose an amount"},
		{"amount", "abc", "in digits"},
		{"amount", "4.99", "smallest gift"},
		{"amount", "25001", "contact us directly"},
		{"amount", "12.345", "at most 2 decimals"},
		{"frequency", "weekly", "how often"},
		{"email", "", "Enter your email"},
		{"email", "not-an-email", "name@example.com"},
		{"email", "a@b", "name@example.com"},
		{"name", "", "Enter your name"},
		{"name", strings.Repeat("n", 201), "too long"},
		{"name", "Bad\x00Name", "cannot print"},
		{"address_line1", strings.Repeat("x", 201), "too long"},
		{"address_city", "Springfield", "street address"},
		{"address_postal_code", strings.Repeat("9", 201), "too long"},
		{"address_country", "US\x07", "cannot print"},
		{"dedication_type", "friend", "dedication options"},
		{"dedication_type", "honor", "name of the person"},
		{"dedication_name", "Jo", "in honour of"},
	}
	for _, tc := range cases {
		t.Run(tc.field+"="+tc.value, func(t *testing.T) {
			form := validForm(token)
			form.Set(tc.field, tc.value)
			resp, body := app.post(c, "/donate", form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			errField := tc.field
			if tc.field == "address_city" {
				errField = "address_line1"
			}
			if tc.field == "dedication_type" && tc.value == "honor" {
				errField = "dedication_name"
			}
			if tc.field == "dedication_name" {
				errField = "dedication_type"
			}
			re := regexp.MustCompile(`id="` + errField + `-error">([^<]*)<`)
			m := re.FindStringSubmatch(body)
			if m == nil || !strings.Contains(strings.ToLower(m[1]), strings.ToLower(tc.message)) {
				t.Fatalf("no error %q next to %s; found %v", tc.message, errField, m)
			}
			// Assistive technology hears which field the message is about.
			if !regexp.MustCompile(`aria-describedby="[^"]*\b` + errField + `-error\b`).MatchString(body) {
				t.Errorf("the %s error is not tied to its field", errField)
			}
			// What the person typed is kept.
			if !strings.Contains(body, `value="reader@example.com"`) && tc.field != "email" {
				t.Errorf("email not kept in the re-rendered form")
			}
		})
	}
}

func TestDonateRequiresCSRFToken(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true})
	c := app.client()
	app.csrfToken(c, "/donate") // a cookie, but the wrong token
	form := validForm("forged")
	resp, body := app.post(c, "/donate", form)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "form has expired") {
		t.Fatalf("forged token: %d", resp.StatusCode)
	}
	fresh := app.client() // no cookie at all
	resp, _ = app.post(fresh, "/donate", validForm(""))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
}

// TestDonateRateLimitedPerIP: only attempts that would start a checkout
// count (a reader's typing mistakes do not); past the burst the form comes
// back with 429, what was typed and when to try again. The count is in the
// database, so both databases are tried.
func TestDonateRateLimitedPerIP(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{demo: true, env: map[string]string{"DONATE_RATE_PER_MINUTE": "1", "DONATE_RATE_BURST": "3"}})
		c := app.client()
		token := app.csrfToken(c, "/donate")
		bad := validForm(token)
		bad.Set("amount", "")
		for i := 0; i < 5; i++ {
			if resp, _ := app.post(c, "/donate", bad); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("mistake %d: %d", i+1, resp.StatusCode)
			}
		}
		form := validForm(token)
		form.Set("name", "Ada Tester")
		for i := 0; i < 3; i++ {
			if resp, body := app.post(c, "/donate", form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("attempt %d after five mistakes: %d\n%s", i+1, resp.StatusCode, body)
			}
		}
		resp, body := app.post(c, "/donate", form)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("fourth attempt: %d, want 429", resp.StatusCode)
		}
		if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Errorf("Retry-After = %q", ra)
		}
		if !strings.Contains(body, "try again") || !strings.Contains(body, `value="Ada Tester"`) {
			t.Errorf("429 form does not say when to try again or lost what was typed:\n%s", body)
		}
		// The form page itself is not limited.
		if resp, _ := app.get(c, "/donate"); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /donate after limit: %d", resp.StatusCode)
		}
	})
}

func TestStripeFailureRerendersCalmly(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","message":"SECRET STRIPE DETAIL"}}`))
	}))
	defer broken.Close()
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{stripeURL: broken.URL})
		c := app.client()
		resp, body := app.post(c, "/donate", validForm(app.csrfToken(c, "/donate")))
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", resp.StatusCode)
		}
		if strings.Contains(body, "SECRET STRIPE DETAIL") || !strings.Contains(body, "not been charged") {
			t.Fatalf("page shows Stripe's text or no calm message")
		}
		if !strings.Contains(body, `value="reader@example.com"`) {
			t.Fatalf("form values not kept")
		}
		// The gift that never reached Stripe was discarded.
		for _, r := range app.Stripe.Requests() {
			if id := r.Form.Get("client_reference_id"); id != "" {
				if _, err := app.Store.GiftByID(context.Background(), id); err == nil {
					t.Fatalf("gift %s survived a failed checkout", id)
				}
			}
		}
	})
}

// TestCanadianReceiptsNeedTheFullAddress: a Canadian receipt prints the
// donor's address, so under the CRA's rules the form asks for all of it,
// says which part is missing next to that part, and Checkout is told to
// collect the billing address; what the donor typed, second line and
// province included, is what the gift keeps.
func TestCanadianReceiptsNeedTheFullAddress(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{env: map[string]string{
		"RECEIPT_RULES": "ca", "CURRENCY": "cad", "ORG_TAX_ID": "123456789RR0001", "ORG_ADDRESS": "1 Press St, Toronto ON M5V 1A1",
		"RECEIPT_PLACE_OF_ISSUE": "Toronto, Ontario", "RECEIPT_SIGNATORY": "Jane Treasurer",
	}})
	c := app.client()
	token := app.csrfToken(c, "/donate")
	full := map[string]string{"address_line1": "12 Rue Saint-Paul", "address_line2": "Apt 4", "address_city": "Montréal",
		"address_state": "QC", "address_postal_code": "H2Y 1Z5", "address_country": "CA"}
	for _, missing := range []string{"address_line1", "address_city", "address_state", "address_postal_code", "address_country"} {
		form := validForm(token)
		for k, v := range full {
			if k != missing {
				form.Set(k, v)
			}
		}
		resp, body := app.post(c, "/donate", form)
		m := regexp.MustCompile(`id="` + missing + `-error">([^<]*)<`).FindStringSubmatch(body)
		if resp.StatusCode != http.StatusUnprocessableEntity || m == nil || !strings.Contains(m[1], "full address") {
			t.Errorf("without %s: %d, message %v", missing, resp.StatusCode, m)
		}
	}
	form := validForm(token)
	for k, v := range full {
		form.Set(k, v)
	}
	if resp, body := app.post(c, "/donate", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("full address: %d\n%s", resp.StatusCode, body)
	}
	reqs := app.Stripe.Requests()
	last := reqs[len(reqs)-1]
	if got := last.Form.Get("billing_address_collection"); got != "required" {
		t.Errorf("billing_address_collection = %q, want required", got)
	}
	g, err := app.Store.GiftByID(context.Background(), last.Form.Get("metadata[gift_id]"))
	if err != nil {
		t.Fatal(err)
	}
	if a := g.Address; a.Line2 != "Apt 4" || a.State != "QC" || !a.Complete() {
		t.Errorf("gift address %+v", a)
	}
}

// TestAmountMistakesSayWhatIsWrong: each mistake in the amount has its own
// sentence next to the field, the largest gift's links to the contact
// address, and another currency's sign is refused rather than read as the
// form's own.
func TestAmountMistakesSayWhatIsWrong(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{"ORG_CONTACT_EMAIL": "give@ledger.example"}})
	c := app.client()
	token := app.csrfToken(c, "/donate")
	for typed, want := range map[string]string{
		"-5":      "The amount cannot be negative",
		"25.555":  "Use at most 2 decimals, like 25.50.",
		"1e9":     "Type the amount in digits, like 25 or 25.00 (from $5.00 to $25,000.00).",
		"30000":   `The largest gift we can take online is $25,000.00. For more, please contact us directly. <a href="mailto:give@ledger.example">give@ledger.example</a>`,
		"€20":     "This form takes USD only: type the amount in USD, without \u201c€\u201d.",
		"2":       "The smallest gift we can take online is $5.00.",
		"1,00,00": "Type the amount in digits",
	} {
		form := validForm(token)
		form.Set("amount", typed)
		resp, body := app.post(c, "/donate", form)
		m := regexp.MustCompile(`id="amount-error">(.*?)</p>`).FindStringSubmatch(body)
		if resp.StatusCode != http.StatusUnprocessableEntity || m == nil || !strings.Contains(html.UnescapeString(m[1]), want) {
			t.Errorf("%q: %d, message %q, want %q", typed, resp.StatusCode, m, want)
		}
	}
	if n, err := app.Store.CheckoutsStarted(t.Context(), time.Time{}, time.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("%d checkouts from mistaken amounts (%v)", n, err)
	}
}
