package handlers_test

import (
	"encoding/csv"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestStoriesBringGifts: gifts started from articles and tagged links
// keep the article (off the news site: "other"; query and fragment
// dropped) and the utm_ values, cleaned; the report counts them by
// article, campaign and source, with donors, first-time donors, gross,
// net and memberships started, on the staff page and as CSV.
func TestStoriesBringGifts(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{env: map[string]string{"NEWS_SITE_ORIGINS": "https://news.example"}})
		c := app.client()
		n := 0
		give := func(landing string, edit func(url.Values), email string, dollars int64, frequency string) *models.Gift {
			t.Helper()
			n++
			_, page := app.get(c, landing)
			form := url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}, "amount": {fmtInt(dollars)}, "frequency": {frequency},
				"email": {email}, "name": {"Reader " + email[:1]}}
			for _, h := range hiddenField.FindAllStringSubmatch(page, -1) {
				if h[1] != "csrf_token" {
					form.Set(h[1], html.UnescapeString(h[2]))
				}
			}
			if edit != nil {
				edit(form)
			}
			resp, _ := app.post(c, "/donate", form)
			g := giftOfSession(t, app, resp.Header.Get("Location"))
			id := "evt_s" + fmtInt(int64(n))
			if frequency == "once" {
				app.deliverObject(id, "checkout.session.completed", testenv.PaidSession(t, *g.StripeSessionID, g.ID, email, dollars*100))
			} else {
				sub := "sub_s" + fmtInt(int64(n))
				app.deliverObject(id+"_sub", "customer.subscription.created", testenv.Subscription(t, testenv.SubscriptionSpec{ID: sub,
					Customer: "cus_" + sub, Status: "active", Interval: frequency, Amount: dollars * 100, PeriodEnd: time.Now().AddDate(0, 1, 0),
					Started: time.Now(), GiftID: g.ID}))
				app.deliverObject(id+"_in", "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_" + sub, Subscription: sub,
					Customer: "cus_" + sub, Charge: "ch_" + sub, PaymentIntent: "pi_" + sub, BillingReason: "subscription_create",
					Amount: dollars * 100, Paid: true, Email: email, Interval: frequency, GiftID: g.ID}))
			}
			got, err := app.Store.GiftByID(t.Context(), g.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		article := "/donate?article=" + url.QueryEscape("https://NEWS.example/2026/11/city-hall?utm_x=1#comments") + "&utm_source=Newsletter&utm_medium=email"
		g1 := give(article, nil, "ann@example.com", 50, "once")
		if g1.SourceURL != "https://news.example/2026/11/city-hall" || g1.UTMSource != "newsletter" || g1.UTMMedium != "email" {
			t.Fatalf("the first gift's source: %q %q %q", g1.SourceURL, g1.UTMSource, g1.UTMMedium)
		}
		give(article, nil, "ann@example.com", 25, "once")
		give(article, nil, "bob@example.com", 10, "month")
		g4 := give("/donate?article="+url.QueryEscape("https://evil.example/spam?x=<script>"), nil, "cy@example.com", 20, "once")
		g5 := give("/donate", func(f url.Values) {
			f.Set("article", "javascript:alert(1)")
			f.Set("utm_source", "<script>")
			f.Set("utm_campaign", "=cmd|' /C calc'!A0")
		}, "di@example.com", 5, "once")
		if g4.SourceURL != "other" || g5.SourceURL != "other" || g5.UTMSource != "script" || strings.ContainsAny(g5.UTMCampaign, "=|'!") {
			t.Errorf("strangers' links kept: %q, %q %q %q", g4.SourceURL, g5.SourceURL, g5.UTMSource, g5.UTMCampaign)
		}

		day := time.Now().In(app.Config.Location).Format("2006-01-02")
		staff := app.staffClient("fin@ledger.example", models.RoleStaff)
		_, page := app.get(staff, "/admin/stories?from="+day+"&to="+day)
		if !strings.Contains(page, `<a href="https://news.example/2026/11/city-hall">https://news.example/2026/11/city-hall</a>`) {
			t.Errorf("the article is not linked:\n%s", page)
		}
		_, body := app.get(staff, "/admin/reports/stories.csv?from="+day+"&to="+day)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rows[1:] {
			got[r[0]+" "+r[1]] = strings.Join(r[2:], ",")
		}
		for key, want := range map[string]string{
			"article https://news.example/2026/11/city-hall": "usd,3,2,2,85.00,85.00,1",
			"article other":             "usd,2,2,2,25.00,25.00,0",
			"campaign (no campaign)":    "usd,5,4,4,110.00,110.00,1",
			"source newsletter / email": "usd,3,2,2,85.00,85.00,1",
			"source (direct)":           "usd,1,1,1,20.00,20.00,0",
			"source script / ":          "usd,1,1,1,5.00,5.00,0",
		} {
			if got[key] != want {
				t.Errorf("%s: %q, want %q", key, got[key], want)
			}
		}
		if len(got) != 6 {
			t.Errorf("rows: %v", got)
		}
	})
}

// hiddenField finds a form's hidden inputs (name, value).
var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }
