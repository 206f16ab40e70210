package handlers_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// checkoutsAtStripe counts the Checkout Sessions that reached stripe-mock.
func (a *testApp) checkoutsAtStripe() int {
	n := 0
	for _, r := range a.Stripe.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/checkout/sessions" {
			n++
		}
	}
	return n
}

// TestCardTestingMeasured is the card-testing script: 1,000 rapid donate
// attempts from one address, then 1,000 from 1,000 addresses with one
// email, and counts how many reach Stripe. A donor arriving during the
// attack still gets through.
func TestCardTestingMeasured(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{env: map[string]string{
		"DONATE_RATE_PER_MINUTE": "10", "DONATE_RATE_BURST": "3",
		"DONATE_EMAIL_PER_HOUR": "6", "DONATE_EMAIL_BURST": "3",
		"TRUSTED_PROXIES": "127.0.0.1",
	}})
	c := app.client()
	token := app.csrfToken(c, "/donate")
	attempt := func(ip, email string) int {
		form := validForm(token)
		form.Set("email", email)
		form.Set("amount", "5") // card testers use the smallest amount allowed
		req, _ := http.NewRequest(http.MethodPost, app.URL+"/donate", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// Each limit lets its burst through, then refills slowly; the bound
	// allows for the refill over the time the script took.
	bound := func(burst int, perSecond float64, took time.Duration) int {
		return burst + int(perSecond*took.Seconds()) + 1
	}

	start := time.Now()
	for i := 0; i < 1000; i++ {
		attempt("203.0.113.7", fmt.Sprintf("tester%d@example.net", i))
	}
	oneAddress := app.checkoutsAtStripe()
	if max := bound(3, 10.0/60, time.Since(start)); oneAddress < 1 || oneAddress > max {
		t.Fatalf("1,000 attempts from one address: %d reached Stripe, want 1..%d", oneAddress, max)
	}

	start = time.Now()
	for i := 0; i < 1000; i++ {
		attempt(fmt.Sprintf("198.51.%d.%d", i/250, i%250+1), "carder@example.net")
	}
	oneEmail := app.checkoutsAtStripe() - oneAddress
	if max := bound(3, 6.0/3600, time.Since(start)); oneEmail < 1 || oneEmail > max {
		t.Fatalf("1,000 attempts from 1,000 addresses with one email: %d reached Stripe, want 1..%d", oneEmail, max)
	}
	t.Logf("card testing: 1,000 attempts from one address -> %d checkouts at Stripe; 1,000 from 1,000 addresses with one email -> %d", oneAddress, oneEmail)

	// A real donor, during the attack, from their own address.
	if code := attempt("192.0.2.44", "reader@example.com"); code != http.StatusSeeOther {
		t.Fatalf("a real donor during the attack got %d, want 303 to Checkout", code)
	}
}

// fakeSiteverify answers as Turnstile's and hCaptcha's siteverify do: it
// passes the token "pass" sent with the right secret.
func fakeSiteverify(t *testing.T, calls *atomic.Int64) *httptest.Server {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.ParseForm() != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ok := r.PostForm.Get("secret") == "captcha-secret" && r.PostForm.Get("response") == "pass" && r.PostForm.Get("remoteip") != ""
		out := map[string]any{"success": ok}
		if !ok {
			out["error-codes"] = []string{"invalid-input-response"}
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(hs.Close)
	return hs
}

// TestCaptchaGuardsTheDonateForm: with CAPTCHA_PROVIDER set the form shows
// the widget, a missing or failed token gets a message next to it and
// never reaches Stripe, a passed one goes on to Checkout, and a provider
// that is down gives a calm 503.
func TestCaptchaGuardsTheDonateForm(t *testing.T) {
	for _, provider := range []string{"turnstile", "hcaptcha"} {
		t.Run(provider, func(t *testing.T) {
			var calls atomic.Int64
			verify := fakeSiteverify(t, &calls)
			app := newApp(t, "sqlite", appOptions{env: map[string]string{
				"CAPTCHA_PROVIDER": provider, "CAPTCHA_SITE_KEY": "site-key-1", "CAPTCHA_SECRET_KEY": "captcha-secret",
				"CAPTCHA_VERIFY_URL": verify.URL,
			}})
			field := map[string]string{"turnstile": "cf-turnstile-response", "hcaptcha": "h-captcha-response"}[provider]
			c := app.client()
			resp, page := app.get(c, "/donate")
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(page, `data-sitekey="site-key-1"`) || !strings.Contains(csp, "script-src 'self' https://") ||
				strings.Contains(csp, "unsafe-inline") {
				t.Fatalf("widget or CSP missing:\nCSP: %s", csp)
			}
			token := app.csrfToken(c, "/donate")
			for _, tc := range []struct{ token, why string }{{"", "missing"}, {"fail", "failed"}} {
				form := validForm(token)
				form.Set(field, tc.token)
				resp, body := app.post(c, "/donate", form)
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="captcha-error"`) ||
					!strings.Contains(body, `value="reader@example.com"`) {
					t.Fatalf("%s token: %d\n%s", tc.why, resp.StatusCode, body)
				}
			}
			if n := app.checkoutsAtStripe(); n != 0 {
				t.Fatalf("%d checkouts reached Stripe without a passed check", n)
			}
			form := validForm(token)
			form.Set(field, "pass")
			if resp, body := app.post(c, "/donate", form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("passed check: %d\n%s", resp.StatusCode, body)
			}
			if n := app.checkoutsAtStripe(); n != 1 {
				t.Fatalf("%d checkouts after a passed check, want 1", n)
			}
			if calls.Load() != 2 { // the empty token is refused without a call
				t.Errorf("siteverify called %d times, want 2", calls.Load())
			}
			verify.Close()
			if resp, body := app.post(c, "/donate", form); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "not been charged") {
				t.Fatalf("provider down: %d\n%s", resp.StatusCode, body)
			}
		})
	}
}

// TestSecurityHeadersAndEmbedding checks the headers' values: a CSP with
// no inline script, HSTS only under https, and frame-ancestors that let
// the FRAME_ANCESTORS sites embed the donate pages and nothing else.
func TestSecurityHeadersAndEmbedding(t *testing.T) {
	headers := func(app *testApp, path string) http.Header {
		resp, _ := app.get(app.client(), path)
		return resp.Header
	}
	plain := newApp(t, "sqlite", appOptions{demo: true})
	for _, path := range []string{"/donate", "/account", "/admin/login", "/healthz"} {
		h := headers(plain, path)
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("Strict-Transport-Security") != "" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s over http: %v", path, h)
		}
	}

	embed := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{
		"BASE_URL": "https://give.example.org", "DEMO": "true", "FRAME_ANCESTORS": "https://www.example.org https://news.example.com/"}})
	h := headers(embed, "/donate")
	if csp := h.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors https://www.example.org https://news.example.com") ||
		h.Get("X-Frame-Options") != "" || !strings.HasPrefix(h.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("embeddable donate page: %v", h)
	}
	if cookie := h.Get("Set-Cookie"); !strings.Contains(cookie, "SameSite=None") || !strings.Contains(cookie, "Secure") {
		t.Fatalf("an embedded form's CSRF cookie must be SameSite=None; Secure: %s", cookie)
	}
	_, page := embed.get(embed.client(), "/donate")
	if !strings.Contains(page, `target="_top"`) {
		t.Fatal("an embedded form must leave the frame for Checkout")
	}
	for _, path := range []string{"/account", "/admin/login"} {
		if h := headers(embed, path); !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("%s must not be embeddable: %v", path, h)
		}
	}
}
