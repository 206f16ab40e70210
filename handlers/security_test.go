package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// syncBuffer collects log lines written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAccessLogHoldsNoSecrets: sign-in links, setup links and receipt
// codes are credentials; the access log names their route, never them.
func TestAccessLogHoldsNoSecrets(t *testing.T) {
	var logs syncBuffer
	app := newApp(t, "sqlite", appOptions{demo: true, logs: &logs})
	c := app.client()
	secret := "Sekr3tTok3nValue_abcdefghijklmnop"
	for _, path := range []string{"/account/sign-in/" + secret, "/admin/setup/" + secret, "/receipts/verify/" + secret} {
		app.get(c, path)
	}
	out := logs.String()
	if strings.Contains(out, secret) {
		t.Fatalf("a token reached the log:\n%s", out)
	}
	for _, route := range []string{"/account/sign-in/:token", "/admin/setup/:token", "/receipts/verify/:code"} {
		if !strings.Contains(out, "route="+route) {
			t.Errorf("the log does not name route %s:\n%s", route, out)
		}
	}
	if !strings.Contains(out, "path=/account/sign-in/[redacted]") {
		t.Errorf("the path is not logged redacted:\n%s", out)
	}
}

// TestNulBytesAreBadRequests: a NUL (or invalid UTF-8) anywhere in a path,
// a query or a form is the client's mistake, answered 400, never a 500
// from the database refusing it.
func TestNulBytesAreBadRequests(t *testing.T) {
	forEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{demo: true})
		c := app.client()
		for _, path := range []string{"/receipts/verify/%00", "/donate/thanks?session_id=%00", "/demo/checkout/%00",
			"/admin/donors?q=%00", "/account/sign-in/%00", "/donate?x=%ff%fe", "/admin/login?next=%00"} {
			resp, body := app.get(c, path)
			if resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "SQL") {
				t.Errorf("GET %s: %d, want 400", path, resp.StatusCode)
			}
		}
		token := app.csrfToken(c, "/admin/login")
		resp, _ := app.post(c, "/admin/login", url.Values{"csrf_token": {token}, "email": {"a\x00@example.org"}, "password": {"x"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /admin/login with a NUL: %d, want 400", resp.StatusCode)
		}
		token = app.csrfToken(c, "/account")
		resp, _ = app.post(c, "/account/sign-in", url.Values{"csrf_token": {token}, "email": {"a@example.org\x00"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /account/sign-in with a NUL: %d, want 400", resp.StatusCode)
		}
	})
}

// TestRateLimitsKeyIPv6By64: an IPv6 client holds a whole /64, so the
// donate limit counts the /64, not each of its addresses.
func TestRateLimitsKeyIPv6By64(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{"TRUSTED_PROXIES": "127.0.0.1",
		"DONATE_RATE_PER_MINUTE": "1", "DONATE_RATE_BURST": "1"}})
	c := app.client()
	token := app.csrfToken(c, "/donate")
	post := func(from string) int {
		req, _ := http.NewRequest("POST", app.URL+"/donate", strings.NewReader(validForm(token).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("2001:db8:5:6::1"); code != http.StatusSeeOther {
		t.Fatalf("first gift: %d", code)
	}
	if code := post("2001:db8:5:6:ffff::2"); code != http.StatusTooManyRequests {
		t.Fatalf("another address in the same /64: %d, want 429", code)
	}
	if code := post("2001:db8:5:7::1"); code != http.StatusSeeOther {
		t.Fatalf("another /64: %d", code)
	}
}

// TestCurrencyIsCheckedAndTheChartEscaped: an event in a currency that is
// not an ISO 4217 code Stripe charges in is refused whole (a signed event
// once put markup on the staff dashboard through it); and the dashboard,
// built by html/template, escapes whatever a stored currency holds.
func TestCurrencyIsCheckedAndTheChartEscaped(t *testing.T) {
	forEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		markup := `"><img src=x onerror=alert(1)>`
		obj := testenv.PaidSession(t, "cs_evil", "", "evil@example.com", 250000)
		obj["currency"] = markup
		body := testenv.Event(t, "evt_evil", "checkout.session.completed", obj, "2023-10-16")
		if code, resp := app.deliver(body, testenv.Sign(body, webhookSecret, time.Now())); code != http.StatusUnprocessableEntity {
			t.Fatalf("an event in currency %q: %d %s, want 422", markup, code, resp)
		}
		if n := len(app.receipts(time.Now().Year())); n != 0 {
			t.Fatalf("%d receipts from a refused event", n)
		}
		// A row written by other means still cannot inject markup.
		now := time.Now().UTC()
		if _, err := app.Store.SQL().Exec(`INSERT INTO gifts (id, status, source, frequency, amount, fee_amount, total_amount, currency,
			email, name, paid_at, created_at, updated_at) VALUES ('g-evil', 'paid', 'stripe', 'once', 100, 0, 100, $1, 'e@example.com', 'E', $2, $2, $2)`, markup, now); err != nil {
			t.Fatal(err)
		}
		staff := app.staffClient("fin@ledger.example", models.RoleStaff)
		resp, page := app.get(staff, "/admin")
		if resp.StatusCode != 200 || strings.Contains(page, "<img src=x") {
			t.Fatalf("the dashboard printed a currency's markup (%d):\n%s", resp.StatusCode, page)
		}
	})
}
