package handlers_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
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
	// /metrics is not on the public address: only on METRICS_ADDR's listener.
	if resp, _ := app.get(c, "/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("public /metrics = %d, want 404", resp.StatusCode)
	}
	metrics := httptest.NewServer(app.Server.MetricsHandler())
	defer metrics.Close()
	resp, err := http.Get(metrics.URL + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/metrics on its own listener: %v %v", resp, err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(raw)
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
	if resp, body := app.get(c, "/static/app.js"); resp.StatusCode != 200 || !strings.Contains(body, "donate-form") {
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

// TestMetricsBehindToken: with METRICS_TOKEN, the public address serves
// /metrics to a scraper bearing it and to nobody else.
func TestMetricsBehindToken(t *testing.T) {
	token := "3c9a0f1b7e5d42a8b6c1e0f9d8a7b6c5"
	app := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{"METRICS_TOKEN": token}})
	// In a fixed order, the scraper last: the refusals before it are
	// requests it then sees counted.
	for _, c := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer wrong", 401}, {"Basic " + token, 401}, {"Bearer " + token, 200}} {
		auth, want := c.auth, c.want
		req, _ := http.NewRequest("GET", app.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 200) != strings.Contains(string(b), "donations_http_requests_total") {
			t.Errorf("Authorization %q: %d, want %d", auth, resp.StatusCode, want)
		}
	}
}

// TestMetricsListenerBeyondLoopbackAsksForTheToken: METRICS_ADDR on every
// interface serves /metrics only to a scraper bearing METRICS_TOKEN.
func TestMetricsListenerBeyondLoopbackAsksForTheToken(t *testing.T) {
	token := "3c9a0f1b7e5d42a8b6c1e0f9d8a7b6c5"
	app := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{"METRICS_TOKEN": token, "METRICS_ADDR": "0.0.0.0:0"}})
	hs := httptest.NewServer(app.Server.MetricsHandler())
	defer hs.Close()
	for auth, want := range map[string]int{"": 401, "Bearer wrong": 401, "Bearer " + token: 200} {
		req, _ := http.NewRequest("GET", hs.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Authorization %q on the metrics listener: %d, want %d", auth, resp.StatusCode, want)
		}
	}
}

// TestDonatePageHeadFaviconAndCompression: HEAD answers like GET; the
// favicon is there; HTML, CSS and JavaScript go out compressed to clients
// that accept it; the page describes itself; and /donate with everything
// it loads is under 50 KB on the wire, all from this server.
func TestDonatePageHeadFaviconAndCompression(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true})
	req, _ := http.NewRequest("HEAD", app.URL+"/donate", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("HEAD /donate: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	for path, typ := range map[string]string{"/favicon.ico": "image/x-icon", "/favicon.svg": "image/svg+xml"} {
		resp, err := http.Get(app.URL + path)
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != typ {
			t.Errorf("%s: %v %v", path, resp, err)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	// What a browser fetches for /donate, compressed as it asks.
	wire := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", app.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return len(b), resp.Header.Get("Content-Encoding")
	}
	_, page := app.get(app.client(), "/donate")
	if !strings.Contains(page, `<meta name="description" content="Support The Ledger`) {
		t.Errorf("no meta description")
	}
	total := 0
	assets := regexp.MustCompile(`(?:src|href)="(/[^"]*)"`).FindAllStringSubmatch(page, -1)
	fetched := map[string]bool{"/donate": true}
	for _, a := range append([][]string{{"", "/donate"}}, assets...) {
		path := a[1]
		if strings.HasPrefix(path, "/demo/") || strings.HasPrefix(path, "/account") || strings.HasPrefix(path, "/#") || path == "/" {
			continue // links, not loads
		}
		if fetched[path] && path != "/donate" {
			continue
		}
		fetched[path] = true
		n, enc := wire(path)
		if (strings.HasSuffix(path, ".css") || strings.Contains(path, ".css?") || strings.HasSuffix(path, ".js") || path == "/donate") && enc != "gzip" {
			t.Errorf("%s went out uncompressed (%d bytes)", path, n)
		}
		total += n
	}
	if third := regexp.MustCompile(`(?:src|href)="https?://`).FindAllString(page, -1); len(third) > 0 {
		t.Errorf("the donate page loads from elsewhere: %q", third)
	}
	t.Logf("/donate and its assets: %d bytes on the wire (%d requests)", total, len(fetched))
	if total > 50*1024 {
		t.Errorf("/donate weighs %d bytes with its assets, over 50 KB", total)
	}
}
