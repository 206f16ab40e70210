package handlers_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

// FuzzDonateForm posts arbitrary form values: the answer is a redirect to
// checkout or the form again with a message, never a 5xx or a panic.
func FuzzDonateForm(f *testing.F) {
	f.Add("25", "once", "a@example.com", "Ann", "", "", "1 Main St", "1", "Springfield", "12345", "US", "")
	f.Add("", "month", "", "", "honor", "", "", "", "", "", "", "1")
	f.Add("1,000.50", "year", "x@y.z", "Zoë 王芳", "memory", "Jo", "\x00", "on", "Zürich", "8001", "ch", "on")
	f.Add("=HYPERLINK(\"x\")", "weekly", "<script>", strings.Repeat("n", 300), "friend", "Jo", "", "yes", "<b>", strings.Repeat("9", 50), "USA", "maybe")
	app := newApp(f, "sqlite", appOptions{demo: true, env: map[string]string{"DONATE_RATE_BURST": "1000000", "DONATE_EMAIL_BURST": "1000000"}})
	get := httptest.NewRecorder()
	app.Handler.ServeHTTP(get, httptest.NewRequest("GET", "/donate", nil))
	cookie := get.Header().Get("Set-Cookie")
	token := csrfField.FindStringSubmatch(get.Body.String())[1]
	f.Fuzz(func(t *testing.T, amount, frequency, email, name, dedicationType, dedicationName, line1, coverFee, city, postal, country, anonymous string) {
		form := url.Values{"csrf_token": {token}, "amount": {amount}, "frequency": {frequency}, "email": {email},
			"name": {name}, "dedication_type": {dedicationType}, "dedication_name": {dedicationName},
			"address_line1": {line1}, "cover_fee": {coverFee}, "address_city": {city}, "address_postal_code": {postal},
			"address_country": {country}, "anonymous": {anonymous}}
		req := httptest.NewRequest("POST", "/donate", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", strings.Split(cookie, ";")[0])
		rec := httptest.NewRecorder()
		app.Handler.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusSeeOther, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("status %d for %q\n%s", rec.Code, form.Encode(), rec.Body.String())
		}
		if rec.Code == http.StatusUnprocessableEntity && strings.Contains(rec.Body.String(), "<script>") {
			t.Fatal("unescaped input in the re-rendered form")
		}
	})
}

// FuzzWebhook sends arbitrary bodies and signature headers, some signed
// correctly: the answer is 200 or a 4xx, never a 5xx or a panic.
func FuzzWebhook(f *testing.F) {
	seed := testenv.Event(f, "evt_seed", "checkout.session.completed",
		testenv.PaidSession(f, "cs_seed", "", "seed@example.com", 1000), "2023-10-16")
	f.Add(seed, "", true)
	f.Add(seed, "t=1,v1=00", false)
	f.Add([]byte(`{"id":"evt_1","type":"invoice.paid","api_version":"2023-10-16","data":{"object":{"id":"in_1","amount_paid":-5}}}`), "", true)
	f.Add([]byte(`{"id":"evt_2","type":"charge.refunded","api_version":"2023-10-16","data":{"object":{"id":"ch_1","amount_refunded":99999999999}}}`), "", true)
	f.Add([]byte(`{"id":"evt_3","type":"customer.subscription.deleted","api_version":"2023-10-16","data":{"object":{"id":"sub_x","items":{"data":[{}]}}}}`), "", true)
	f.Add([]byte(`not json`), "garbage", false)
	// An event of another API version (or of none: a body without its
	// api_version) is a notice, and the webhook retrieves its object from
	// Stripe. Here Stripe answers at once that no such object exists, as it
	// would for a made-up id: the event then changes nothing (200). (Were
	// Stripe down, a 503 would be right so that Stripe retries; that is
	// TestWebhookInTheAccountsOwnVersion's. stripe-mock is not used here:
	// it answers every id, and the fuzzer's made-up objects send the
	// client into retries that outlast a short fuzz run.)
	f.Add([]byte(`{"id":"evt_2","type":"charge.refunded","ahi_version":"2023-10-16","data":{"object":{"id":"ch_1","amount_refunded":99999999999}}}`), "", true)
	missing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such object"}}`))
	}))
	f.Cleanup(missing.Close)
	app := newApp(f, "sqlite", appOptions{stripeURL: missing.URL})
	f.Fuzz(func(t *testing.T, body []byte, header string, sign bool) {
		if sign {
			header = testenv.Sign(body, webhookSecret, time.Now())
		}
		req := httptest.NewRequest("POST", "/webhooks/stripe", bytes.NewReader(body))
		req.Header.Set("Stripe-Signature", header)
		rec := httptest.NewRecorder()
		app.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && (rec.Code < 400 || rec.Code >= 500) {
			t.Fatalf("status %d for signed=%v body %q\n%s", rec.Code, sign, body, rec.Body.String())
		}
	})
}
