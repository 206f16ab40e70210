package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

func TestHealthReadinessAndMetrics(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	c := app.client()
	ev := paidEvent(t, "evt_m", "cs_m", "", "m@example.com", 1000)
	if code, _ := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 {
		t.Fatal("delivery failed")
	}
	app.deliver(ev, testenv.Sign(ev, "whsec_wrong", time.Now())) // refused: bad signature
	resp, body := app.get(c, "/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	for _, want := range []string{
		`donations_webhook_events_total{result="applied",type="checkout.session.completed"} 1`,
		`donations_webhook_rejected_total{reason="signature"} 1`,
		`donations_http_requests_total{method="POST",route="/webhooks/stripe",status="200"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s\n%s", want, grepLines(body, "donations_"))
		}
	}
	if resp, body := app.get(c, "/readyz"); resp.StatusCode != 200 || !strings.Contains(body, `"database":"ok"`) {
		t.Fatalf("/readyz = %d %s", resp.StatusCode, body)
	}
	resp, body = app.get(c, "/no/such/page")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Page not found") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("404 page: %d", resp.StatusCode)
	}
	// Demo checkout does not exist once a Stripe key is set.
	if resp, _ := app.get(c, "/demo/checkout/cs_anything"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("demo checkout with a Stripe key: %d", resp.StatusCode)
	}
	resp, _ = app.get(c, "/static/")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("static directory listing: %d", resp.StatusCode)
	}
	if resp, body := app.get(c, "/static/donate.js"); resp.StatusCode != 200 || !strings.Contains(body, "donate-form") {
		t.Fatalf("static asset: %d", resp.StatusCode)
	}
	// With the database gone, readiness says so and health does not.
	app.Store.Close()
	if resp, body := app.get(c, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "unreachable") {
		t.Fatalf("/readyz without a database = %d %s", resp.StatusCode, body)
	}
	if resp, _ := app.get(c, "/healthz"); resp.StatusCode != 200 {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}
	// And a webhook answers 5xx so Stripe retries, without leaking SQL.
	ev2 := paidEvent(t, "evt_m2", "cs_m2", "", "m@example.com", 1000)
	code, body := app.deliver(ev2, testenv.Sign(ev2, webhookSecret, time.Now()))
	if code != http.StatusInternalServerError || strings.Contains(strings.ToLower(body), "sql") {
		t.Fatalf("webhook without a database: %d %s", code, body)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
