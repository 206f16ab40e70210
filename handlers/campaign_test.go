package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// giftOfSession is the gift a Checkout session was made for.
func giftOfSession(t *testing.T, app *testApp, location string) *models.Gift {
	t.Helper()
	for _, r := range app.Stripe.Requests() {
		if r.Method == "POST" && r.Path == "/v1/checkout/sessions" {
			if id := r.Form.Get("client_reference_id"); id != "" {
				g, err := app.Store.GiftByID(context.Background(), id)
				if err == nil && g.Status == models.GiftPending && strings.Contains(location, "checkout") {
					return g
				}
			}
		}
	}
	t.Fatalf("no pending gift for %s", location)
	return nil
}

// TestCampaignFromStaffFormToMeter: an admin creates a campaign (each wrong
// field named), its short address leads to the form with its intro, its
// presets and its meter; a gift made there carries the campaign, and the
// meter counts it once paid, net of a partial refund. An unknown campaign
// is a 404, and a closed one still takes gifts, for the general fund.
func TestCampaignFromStaffFormToMeter(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{env: map[string]string{"TIMEZONE": "UTC"}})
		admin := app.staffClient("boss@ledger.example", models.RoleAdmin)
		_, page := app.get(admin, "/admin/campaigns/new")
		token := csrfField.FindStringSubmatch(page)[1]
		today := time.Now().UTC()
		form := url.Values{"csrf_token": {token}, "name": {""}, "slug": {"Year End!"}, "goal": {"lots"},
			"starts": {today.Format("2006-01-02")}, "ends": {today.AddDate(0, 0, -1).Format("2006-01-02")}, "presets": {"35, 70, 1000000"}}
		resp, body := app.post(admin, "/admin/campaigns", form)
		for _, want := range []string{`id="name-error"`, `id="slug-error"`, `id="goal-error"`, `id="ends-error">The last day is before the first.`,
			`id="presets-error"`, `id="error-summary"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the wrong form lacks %s", want)
			}
		}
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong form: %d", resp.StatusCode)
		}
		form.Set("name", "Year-end drive")
		form.Set("slug", "year-end")
		form.Set("goal", "10000")
		form.Set("ends", today.AddDate(0, 1, 0).Format("2006-01-02"))
		form.Set("presets", "35, 70, 150")
		form.Set("intro", "Every gift is **doubled** until December 31.")
		if resp, _ := app.post(admin, "/admin/campaigns", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		if resp, body := app.post(admin, "/admin/campaigns", form); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "Another campaign has the address /give/year-end.") {
			t.Errorf("a second campaign at the same address: %d", resp.StatusCode)
		}

		c := app.client()
		resp, _ = app.get(c, "/give/year-end")
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/donate?campaign=year-end" {
			t.Fatalf("/give/year-end: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, page = app.get(c, "/donate?campaign=year-end")
		for _, want := range []string{`<h2 id="campaign-name">Year-end drive</h2>`, "<strong>doubled</strong>", `value="35"`, `value="150"`,
			`<strong>$0.00</strong> raised of the $10,000.00 goal (0%)`, `<input type="hidden" name="campaign" value="year-end">`} {
			if !strings.Contains(page, want) {
				t.Errorf("the campaign's page lacks %s", want)
			}
		}
		if resp, _ := app.get(c, "/give/no-such-drive"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown campaign: %d", resp.StatusCode)
		}
		if resp, _ := app.get(c, "/donate?campaign=no-such-drive"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown campaign's form: %d", resp.StatusCode)
		}

		give := validForm(csrfField.FindStringSubmatch(page)[1])
		give.Set("amount", "70")
		give.Set("campaign", "year-end")
		resp, _ = app.post(c, "/donate", give)
		g := giftOfSession(t, app, resp.Header.Get("Location"))
		camp, err := app.Store.CampaignBySlug(t.Context(), "year-end")
		if err != nil || g.CampaignID == nil || *g.CampaignID != camp.ID {
			t.Fatalf("the gift does not carry the campaign: %+v %v", g, err)
		}
		app.deliverObject("evt_camp_paid", "checkout.session.completed", testenv.PaidSession(t, *g.StripeSessionID, g.ID, g.Email, 7000))
		app.deliverObject("evt_camp_refund", "charge.refunded", testenv.Charge(t, "ch_camp", "pi_"+*g.StripeSessionID, "", 7000, 2000))
		_, page = app.get(c, "/give/year-end")
		_, page = app.get(c, "/donate?campaign=year-end")
		if !strings.Contains(page, `<strong>$50.00</strong> raised of the $10,000.00 goal (0%)`) ||
			!regexp.MustCompile(`<progress id="campaign-meter" max="1000000" value="5000"`).MatchString(page) {
			t.Errorf("the meter after a $70 gift refunded $20:\n%s", regexp.MustCompile(`(?s)<section class="campaign".*?</section>`).FindString(page))
		}
		// A match pool, added by an admin: each wrong field named, then listed.
		_, edit := app.get(admin, "/admin/campaigns/"+camp.ID)
		pool := url.Values{"csrf_token": {csrfField.FindStringSubmatch(edit)[1]}, "funder": {""}, "cap": {"0"}, "per_donor": {"x"},
			"pool_starts": {today.Format("2006-01-02")}, "pool_ends": {today.AddDate(0, 0, -2).Format("2006-01-02")}}
		resp, body = app.post(admin, "/admin/campaigns/"+camp.ID+"/pools", pool)
		for _, want := range []string{`id="funder-error"`, `id="cap-error"`, `id="per_donor-error"`, `id="pool_ends-error">The last day is before the first.`} {
			if !strings.Contains(body, want) {
				t.Errorf("the wrong pool form lacks %s", want)
			}
		}
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a wrong pool: %d", resp.StatusCode)
		}
		pool = url.Values{"csrf_token": pool["csrf_token"], "funder": {"Knight Foundation"}, "cap": {"5000"}, "per_donor": {"1000"}, "monthly": {"1"}}
		if resp, _ := app.post(admin, "/admin/campaigns/"+camp.ID+"/pools", pool); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add a pool: %d", resp.StatusCode)
		}
		if _, edit := app.get(admin, "/admin/campaigns/"+camp.ID); !strings.Contains(edit, `<th scope="row">Knight Foundation</th>`) ||
			!strings.Contains(edit, "$1,000.00") || !strings.Contains(edit, "Twelve times the first payment") {
			t.Errorf("the pool is not listed:\n%s", edit)
		}
		_, list := app.get(admin, "/admin/campaigns")
		if !strings.Contains(list, "$50.00 (0%)") || !strings.Contains(list, "/give/year-end") || !strings.Contains(list, "Running") {
			t.Errorf("staff list:\n%s", list)
		}

		// A campaign that has ended: its page works, says so, and a gift
		// made there goes to the general fund.
		form.Set("name", "Spring drive")
		form.Set("slug", "spring")
		form.Set("starts", today.AddDate(0, -3, 0).Format("2006-01-02"))
		form.Set("ends", today.AddDate(0, -2, 0).Format("2006-01-02"))
		if resp, _ := app.post(admin, "/admin/campaigns", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save the spring drive: %d", resp.StatusCode)
		}
		_, page = app.get(c, "/donate?campaign=spring")
		if !strings.Contains(page, `id="campaign-closed"`) {
			t.Errorf("a closed campaign's page does not say so")
		}
		give.Set("campaign", "spring")
		resp, _ = app.post(c, "/donate", give)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("giving on a closed campaign's page: %d", resp.StatusCode)
		}
		if g := giftOfSession(t, app, resp.Header.Get("Location")); g.CampaignID != nil {
			t.Errorf("a gift after the campaign ended carries it")
		}
	})
}

// TestCampaignCountsMembershipPaymentsWithinItsDates: a monthly membership
// started through a campaign counts its first payment and a later one
// made while the campaign runs, not one made after it ended.
func TestCampaignCountsMembershipPaymentsWithinItsDates(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		now := time.Now().UTC()
		camp := &models.Campaign{Slug: "drive", Name: "Drive", GoalAmount: 100000, Currency: "usd",
			StartsAt: now.AddDate(0, 0, -1), EndsAt: now.AddDate(0, 0, 40)}
		if err := app.Store.SaveCampaign(t.Context(), camp, models.CommandLine); err != nil {
			t.Fatal(err)
		}
		c := app.client()
		form := validForm(app.csrfToken(c, "/donate?campaign=drive"))
		form.Set("frequency", "month")
		form.Set("amount", "20")
		form.Set("campaign", "drive")
		resp, _ := app.post(c, "/donate", form)
		g := giftOfSession(t, app, resp.Header.Get("Location"))
		inv := func(id, reason string, at time.Time) {
			app.deliverAt("evt_"+id, "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: id, Subscription: "sub_cd", Customer: "cus_cd",
				Charge: "ch_" + id, PaymentIntent: "pi_" + id, BillingReason: reason, Amount: 2000, Paid: true, Email: g.Email,
				Interval: "month", GiftID: g.ID}), at)
		}
		app.deliverAt("evt_cd_sub", "customer.subscription.created", testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_cd",
			Customer: "cus_cd", Status: "active", Interval: "month", Amount: 2000, PeriodEnd: now.AddDate(0, 1, 0), Started: now, GiftID: g.ID}), now)
		inv("in_cd1", "subscription_create", now)
		inv("in_cd2", "subscription_cycle", now.AddDate(0, 0, 30))
		inv("in_cd3", "subscription_cycle", now.AddDate(0, 0, 60))
		p, err := app.Store.CampaignProgress(t.Context(), camp)
		if err != nil || p.Raised != 4000 || p.Gifts != 2 || p.Donors != 1 {
			t.Fatalf("progress %+v %v, want $40.00 from two payments of one donor", p, err)
		}
	})
}
