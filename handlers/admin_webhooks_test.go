package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

var shownSecret = regexp.MustCompile(`shown only now: (whsec_[A-Za-z0-9+/=]+)`)

// TestWebhookEndpointsInTheStaffArea: an admin adds an endpoint and sees
// its secret once; a bad address is named next to its field; rotating
// shows a new secret; disable, enable, a test event and a replay each
// redirect with a notice; staff who are not admins are refused.
func TestWebhookEndpointsInTheStaffArea(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	ctx := context.Background()
	admin := app.staffClient("admin@ledger.example", models.RoleAdmin)
	token := app.csrfToken(admin, "/admin/webhooks")

	for _, tc := range []struct{ url, want string }{
		{"", "Enter the address the events are posted to."},
		{"hooks.example.org/x", "Enter a full address"},
		{"https://10.0.0.7/hook", "not a public one"},
		{"https://localhost:8443/hook", "on this server"},
		{"https://user:pw@hooks.example.org/", "Leave the user name and password out"},
	} {
		resp, body := app.post(admin, "/admin/webhooks", url.Values{"csrf_token": {token}, "url": {tc.url}, "all": {"1"}})
		next := regexp.MustCompile(`id="url-error">([^<]*)`).FindStringSubmatch(html.UnescapeString(body))
		if resp.StatusCode != http.StatusUnprocessableEntity || next == nil || !strings.Contains(next[1], tc.want) {
			t.Errorf("%q: %d %q, want the error %q next to the field", tc.url, resp.StatusCode, next, tc.want)
		}
	}
	if resp, body := app.post(admin, "/admin/webhooks", url.Values{"csrf_token": {token}, "url": {"https://hooks.example.org/x"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="types-error"`) {
		t.Errorf("no event type chosen: %d", resp.StatusCode)
	}

	resp, _ := app.post(admin, "/admin/webhooks", url.Values{"csrf_token": {token}, "url": {"https://hooks.example.org/crm"},
		"description": {"CRM"}, "types": {models.EventGiftPaid, models.EventDonorCreated}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/webhooks/") {
		t.Fatalf("add: %d to %q", resp.StatusCode, loc)
	}
	_, page := app.get(admin, loc)
	page = html.UnescapeString(page)
	m := shownSecret.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the secret is not shown after adding:\n%s", page)
	}
	id := strings.TrimPrefix(loc, "/admin/webhooks/")
	e, err := app.Store.OutboundEndpointByID(ctx, id)
	if err != nil || e.Secret != m[1] || e.EventTypes != "gift.paid donor.created" {
		t.Fatalf("stored: %+v %v", e, err)
	}
	for _, p := range []string{loc, "/admin/webhooks"} {
		if _, again := app.get(admin, p); strings.Contains(html.UnescapeString(again), m[1]) || strings.Contains(again, "whsec_") {
			t.Fatalf("the secret shows again on %s", p)
		}
	}

	// Staff who are not admins see none of it.
	staff := app.staffClient("staff@ledger.example", models.RoleStaff)
	staffToken := app.csrfToken(staff, "/admin")
	if resp, _ := app.get(staff, "/admin/webhooks"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("staff GET /admin/webhooks: %d", resp.StatusCode)
	}
	if resp, _ := app.get(staff, loc); resp.StatusCode != http.StatusForbidden {
		t.Errorf("staff GET an endpoint: %d", resp.StatusCode)
	}
	for _, p := range []string{"/admin/webhooks", loc + "/rotate", loc + "/disable", loc + "/test", loc + "/replay", loc + "/replay-range"} {
		if resp, _ := app.post(staff, p, url.Values{"csrf_token": {staffToken}, "url": {"https://x.example.org/"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff POST %s: %d", p, resp.StatusCode)
		}
	}

	page = html.UnescapeString(app.postRedirected(admin, loc+"/rotate", url.Values{"csrf_token": {token}}, loc))
	r := shownSecret.FindStringSubmatch(page)
	if r == nil || r[1] == m[1] || !strings.Contains(page, "the previous secret signs too until") {
		t.Fatalf("rotate:\n%s", page)
	}
	if _, again := app.get(admin, loc); strings.Contains(html.UnescapeString(again), r[1]) {
		t.Fatal("the rotated secret shows again")
	}

	page = app.postRedirected(admin, loc+"/disable", url.Values{"csrf_token": {token}}, loc)
	if !strings.Contains(page, `id="endpoint-status">Disabled. Disabled by admin@ledger.example.`) {
		t.Fatalf("disable:\n%s", page)
	}
	if resp, body := app.post(admin, loc+"/test", url.Values{"csrf_token": {token}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Enable the endpoint before sending it a test event.") {
		t.Fatalf("a test event to a disabled endpoint: %d", resp.StatusCode)
	}
	page = app.postRedirected(admin, loc+"/enable", url.Values{"csrf_token": {token}}, loc)
	if !strings.Contains(page, `id="endpoint-status">Active`) {
		t.Fatalf("enable:\n%s", page)
	}

	page = app.postRedirected(admin, loc+"/test", url.Values{"csrf_token": {token}}, loc)
	log, total, err := app.Store.DeliveryLog(ctx, id, 0, 10)
	if err != nil || total != 1 || log[0].EventType != models.EventTestPing {
		t.Fatalf("after a test event: %+v %d %v", log, total, err)
	}
	if !strings.Contains(page, log[0].WebhookID) || !strings.Contains(page, "test.ping") {
		t.Fatalf("the delivery is not in the log:\n%s", page)
	}

	// Settled, then replayed: pending again, with its job.
	if ok, err := app.Store.ClaimDelivery(ctx, log[0].ID); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := app.Store.RecordDeliveryAttempt(ctx, log[0].ID, models.DeliveryResult{StatusCode: 500, GiveUp: true, Error: "answered 500"}); err != nil {
		t.Fatal(err)
	}
	app.postRedirected(admin, loc+"/replay", url.Values{"csrf_token": {token}, "delivery": {log[0].ID}}, loc)
	if log, _, _ = app.Store.DeliveryLog(ctx, id, 0, 10); log[0].Status != models.DeliveryPending {
		t.Fatalf("after replay: %+v", log[0])
	}
	if resp, _ := app.post(admin, loc+"/replay", url.Values{"csrf_token": {token}, "delivery": {"no-such-delivery"}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("replaying an unknown delivery: %d", resp.StatusCode)
	}
	if resp, body := app.post(admin, loc+"/replay-range", url.Values{"csrf_token": {token}, "from": {"2026-03-02T10:00"}, "to": {"2026-03-01T10:00"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="to-error">The end must come after the start.`) {
		t.Fatalf("a backwards range: %d", resp.StatusCode)
	}
	page = app.postRedirected(admin, loc+"/replay-range", url.Values{"csrf_token": {token}, "from": {"2000-01-01T00:00"}, "to": {"2100-01-01T00:00"}}, loc)
	if !strings.Contains(page, "Replaying 1 deliveries.") {
		t.Fatalf("range replay:\n%s", page)
	}
	if resp, _ := app.get(admin, "/admin/webhooks/00000000-0000-0000-0000-000000000000"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown endpoint: %d", resp.StatusCode)
	}
}

// TestWebhookPagesPassAxe: the endpoint list, with and without an error,
// and an endpoint page with a delivery in its log.
func TestWebhookPagesPassAxe(t *testing.T) {
	app := newApp(t, "postgres", appOptions{})
	ctx := testenv.Browser(t)
	if _, err := app.Store.AddStaff(t.Context(), "boss@ledger.example", staffPassword, models.RoleAdmin, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	e, err := app.Store.CreateOutboundEndpoint(t.Context(), "https://hooks.example.org/crm", "CRM", nil, models.CommandLine)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.SendTestEvent(t.Context(), e.ID, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "sign in", chromedp.Navigate(app.URL+"/admin"), chromedp.WaitVisible(`#password`),
		chromedp.SendKeys(`#email`, "boss@ledger.example"), chromedp.SendKeys(`#password`, staffPassword),
		chromedp.Submit(`#password`), chromedp.WaitVisible(`#active-members`))
	do(t, ctx, "/admin/webhooks", chromedp.Navigate(app.URL+"/admin/webhooks"), chromedp.WaitVisible(`#url`))
	testenv.Axe(t, ctx, "/admin/webhooks")
	do(t, ctx, "a bad address", chromedp.SendKeys(`#url`, "https://10.0.0.7/x"), chromedp.Submit(`#url`), chromedp.WaitVisible(`#url-error`))
	testenv.Axe(t, ctx, "/admin/webhooks with an error")
	do(t, ctx, "an endpoint", chromedp.Navigate(app.URL+"/admin/webhooks/"+e.ID), chromedp.WaitVisible(`#from`))
	testenv.Axe(t, ctx, "/admin/webhooks/:id")
}
