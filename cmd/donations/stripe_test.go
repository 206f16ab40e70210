package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/testenv"
)

// newDouble is Stripe for setup: stripe-mock validating every call, with
// webhook endpoints and portal configurations kept as Stripe keeps them.
func newDouble(t *testing.T) *testenv.StripeDouble {
	d := testenv.NewStripeDouble(t, testenv.StripeMock(t))
	d.Collection("/v1/webhook_endpoints", "we_double_")
	d.Collection("/v1/billing_portal/configurations", "bpc_double_")
	return d
}

func writes(d *testenv.StripeDouble) []string {
	var out []string
	for _, c := range d.Calls() {
		if !strings.HasPrefix(c, "GET ") {
			out = append(out, c)
		}
	}
	return out
}

// TestStripeSetup: one command checks the key, creates the webhook
// endpoint (pinned to our version, exactly our events) and the portal
// configuration, prints the lines for .env once; a dry run changes
// nothing, and so does a second run.
func TestStripeSetup(t *testing.T) {
	d := newDouble(t)
	env := map[string]string{"DATA_DIR": t.TempDir(), "STRIPE_SECRET_KEY": "sk_test_setup", "STRIPE_API_BASE": d.URL,
		"BASE_URL": "https://give.example.org", "CURRENCY": "cad", "ORG_NAME": "The Ledger"}

	code, out, stderr := runCmd(t, env, "stripe", "setup", "--dry-run")
	if code != 0 || !strings.Contains(out, "would change: create webhook endpoint at https://give.example.org/webhooks/stripe, API version 2023-10-16") ||
		!strings.Contains(out, "would change: create a Customer Portal configuration") || !strings.Contains(out, "dry run: nothing was changed") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	if w := writes(d); len(w) != 0 {
		t.Fatalf("a dry run wrote to Stripe: %v", w)
	}
	// The account's currency is not CURRENCY's: said so.
	if !strings.Contains(out, "warning: CURRENCY is cad but the account settles in usd") {
		t.Errorf("no currency warning:\n%s", out)
	}

	code, out, stderr = runCmd(t, env, "stripe", "setup")
	if code != 0 || !strings.Contains(out, "STRIPE_WEBHOOK_SECRET=whsec_double_1") || !strings.Contains(out, "STRIPE_PORTAL_CONFIGURATION=bpc_double_1") {
		t.Fatalf("setup: exit %d\n%s\n%s", code, out, stderr)
	}
	eps := d.Objects("/v1/webhook_endpoints")
	if len(eps) != 1 || eps[0]["url"] != "https://give.example.org/webhooks/stripe" || eps[0]["api_version"] != "2023-10-16" {
		t.Fatalf("endpoints: %v", eps)
	}
	var events []string
	for _, e := range eps[0]["enabled_events"].([]any) {
		events = append(events, e.(string))
	}
	slices.Sort(events)
	if !slices.Equal(events, payments.HandledEvents()) || len(events) != 16 {
		t.Fatalf("enabled events %v, want %v", events, payments.HandledEvents())
	}
	cfgs := d.Objects("/v1/billing_portal/configurations")
	f, _ := cfgs[0]["features"].(map[string]any)
	cancel, _ := f["subscription_cancel"].(map[string]any)
	if len(cfgs) != 1 || cancel["mode"] != "at_period_end" || cancel["enabled"] != true ||
		cancel["cancellation_reason"].(map[string]any)["enabled"] != true || f["payment_method_update"].(map[string]any)["enabled"] != true {
		t.Fatalf("portal configuration: %v", cfgs)
	}

	// A second run, with the printed lines in .env, changes nothing.
	env["STRIPE_WEBHOOK_SECRET"], env["STRIPE_PORTAL_CONFIGURATION"] = "whsec_double_1", "bpc_double_1"
	before := len(writes(d))
	code, out, _ = runCmd(t, env, "stripe", "setup")
	if code != 0 || !strings.Contains(out, "nothing to change") || strings.Contains(out, "STRIPE_WEBHOOK_SECRET=") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	if w := writes(d); len(w) != before {
		t.Fatalf("a second run wrote to Stripe: %v", w[before:])
	}
}

// TestStripeSetupRepairs: an endpoint pinned to another version is
// replaced (its version cannot be changed), one missing events is updated,
// never duplicated.
func TestStripeSetupRepairs(t *testing.T) {
	d := newDouble(t)
	env := map[string]string{"DATA_DIR": t.TempDir(), "STRIPE_SECRET_KEY": "sk_test_setup", "STRIPE_API_BASE": d.URL, "BASE_URL": "https://give.example.org"}
	post := func(path string, form url.Values) {
		req, _ := http.NewRequest("POST", d.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("sk_test_setup", "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("seeding %s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	post("/v1/webhook_endpoints", url.Values{"url": {"https://give.example.org/webhooks/stripe"}, "api_version": {"2020-08-27"},
		"enabled_events[0]": {"charge.refunded"}})
	post("/v1/webhook_endpoints", url.Values{"url": {"https://elsewhere.example/hook"}, "enabled_events[0]": {"*"}})
	code, out, stderr := runCmd(t, env, "stripe", "setup")
	if code != 0 || !strings.Contains(out, `changed: delete webhook endpoint we_double_1`) || !strings.Contains(out, `pinned to API version "2020-08-27"`) ||
		!strings.Contains(out, "STRIPE_WEBHOOK_SECRET=whsec_double_3") {
		t.Fatalf("replacing a mis-pinned endpoint: exit %d\n%s\n%s", code, out, stderr)
	}
	var ours []map[string]any
	for _, e := range d.Objects("/v1/webhook_endpoints") {
		if e["url"] == "https://give.example.org/webhooks/stripe" {
			ours = append(ours, e)
		}
	}
	if len(ours) != 1 || ours[0]["api_version"] != "2023-10-16" || len(d.Objects("/v1/webhook_endpoints")) != 2 {
		t.Fatalf("endpoints after: %v", d.Objects("/v1/webhook_endpoints"))
	}
	// Someone unticks an event and disables it in the Dashboard: updated.
	post("/v1/webhook_endpoints/"+ours[0]["id"].(string), url.Values{"enabled_events[0]": {"invoice.paid"}, "disabled": {"true"}})
	code, out, _ = runCmd(t, env, "stripe", "setup")
	if code != 0 || !strings.Contains(out, "changed: update webhook endpoint "+ours[0]["id"].(string)) || strings.Contains(out, "create webhook") {
		t.Fatalf("repairing the events: exit %d\n%s", code, out)
	}
}

// TestStripeSetupRefusals: live keys need https, and a restricted key
// is told which permission it lacks.
func TestStripeSetupRefusals(t *testing.T) {
	d := newDouble(t)
	env := map[string]string{"DATA_DIR": t.TempDir(), "STRIPE_SECRET_KEY": "sk_live_setup", "STRIPE_API_BASE": d.URL, "BASE_URL": "http://give.example.org"}
	if code, _, stderr := runCmd(t, env, "stripe", "setup"); code != 1 || !strings.Contains(stderr, "live key needs an https BASE_URL") {
		t.Fatalf("live key on http: exit %d %s", code, stderr)
	}
	if len(d.Calls()) != 0 {
		t.Fatalf("refused, yet it called Stripe: %v", d.Calls())
	}
	env["STRIPE_SECRET_KEY"], env["BASE_URL"] = "rk_test_restricted", "https://give.example.org"
	d.Forbid("/v1/webhook_endpoints", "rak_webhook_write")
	code, _, stderr := runCmd(t, env, "stripe", "setup")
	if code != 1 || !strings.Contains(stderr, `lacks the permission "rak_webhook_write"`) || !strings.Contains(stderr, "webhook endpoints") {
		t.Fatalf("restricted key: exit %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, map[string]string{"DATA_DIR": t.TempDir()}, "stripe", "setup"); code != 1 || !strings.Contains(stderr, "STRIPE_SECRET_KEY is not set") {
		t.Fatalf("no key: exit %d %s", code, stderr)
	}
}
