package handlers_test

import (
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestMatchPoolsFollowTheRules runs one campaign with two pools through
// gifts at each rule's edge:
//
//	Knight Foundation: cap $1,000, $500 per donor, new monthly members
//	  counted at twelve times their first payment; the campaign's dates.
//	Local Bank: cap $300, no per-donor limit, from t2 on.
//
//	t1  ann  $600            Knight 500 (her limit); the bank not yet
//	t2  ann  $300            Knight 0 (limit), bank 300 (its cap)
//	t2b bob  $200, from an organisation: nothing
//	t3  carol $5 monthly     Knight 60 (twelve times; no tier at $60 a year)
//	t3b frank $120 yearly, tier benefit $25: Knight 95
//	t4  carol's 2nd payment  nothing (her year counted)
//	t5  dave $500            Knight 345: full
//	t6  erin $100            nothing: both full, and the form says no more
//	t7  dave refunded        Knight frees 345: erin gets 100
func TestMatchPoolsFollowTheRules(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{env: map[string]string{"MEMBERSHIP_TIERS": "Insider|100|a tote bag|25"}})
		now := time.Now().UTC().Truncate(time.Second)
		at := func(days int, minutes int) time.Time {
			return now.AddDate(0, 0, days).Add(time.Duration(minutes) * time.Minute)
		}
		camp := &models.Campaign{Slug: "match", Name: "Match month", GoalAmount: 500000, Currency: "usd",
			StartsAt: at(-10, 0), EndsAt: at(10, 0)}
		if err := app.Store.SaveCampaign(t.Context(), camp, models.CommandLine); err != nil {
			t.Fatal(err)
		}
		knight := &models.MatchPool{CampaignID: camp.ID, Funder: "Knight Foundation", Cap: 100000, PerDonorLimit: 50000,
			StartsAt: camp.StartsAt, EndsAt: camp.EndsAt, MonthlyTimesTwelve: true}
		bank := &models.MatchPool{CampaignID: camp.ID, Funder: "Local Bank", Cap: 30000, StartsAt: at(-8, 0), EndsAt: camp.EndsAt}
		for _, p := range []*models.MatchPool{knight, bank} {
			if err := app.Store.AddMatchPool(t.Context(), p, models.CommandLine); err != nil {
				t.Fatal(err)
			}
		}
		c := app.client()
		n := 0
		// as is "", "org" (from an organisation) or "anonymous".
		give := func(email string, dollars int64, frequency string, paid time.Time, as string) *models.Gift {
			t.Helper()
			n++
			form := validForm(app.csrfToken(c, "/donate?campaign=match"))
			form.Set("email", email)
			form.Set("amount", fmt.Sprint(dollars))
			form.Set("frequency", frequency)
			form.Set("campaign", "match")
			switch as {
			case "org":
				form.Set("from_organisation", "1")
			case "anonymous":
				form.Set("anonymous", "1")
			}
			resp, _ := app.post(c, "/donate", form)
			g := giftOfSession(t, app, resp.Header.Get("Location"))
			if frequency == "once" {
				app.deliverAt(fmt.Sprintf("evt_m%d", n), "checkout.session.completed",
					testenv.PaidSession(t, *g.StripeSessionID, g.ID, email, dollars*100), paid)
			} else {
				sub := fmt.Sprintf("sub_m%d", n)
				app.deliverAt(fmt.Sprintf("evt_m%d_sub", n), "customer.subscription.created", testenv.Subscription(t, testenv.SubscriptionSpec{
					ID: sub, Customer: "cus_" + sub, Status: "active", Interval: frequency, Amount: dollars * 100,
					PeriodEnd: paid.AddDate(0, 1, 0), Started: paid, GiftID: g.ID}), paid)
				app.deliverAt(fmt.Sprintf("evt_m%d_in", n), "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_" + sub,
					Subscription: sub, Customer: "cus_" + sub, Charge: "ch_" + sub, PaymentIntent: "pi_" + sub, BillingReason: "subscription_create",
					Amount: dollars * 100, Paid: true, Email: email, Interval: frequency, GiftID: g.ID}), paid)
			}
			got, err := app.Store.GiftByID(t.Context(), g.ID)
			if err != nil || got.Status != models.GiftPaid {
				t.Fatalf("gift %s: %+v %v", email, got, err)
			}
			return got
		}
		ann1 := give("ann@example.com", 600, "once", at(-9, 0), "")
		ann2 := give("ann@example.com", 300, "once", at(-8, 0), "")
		bob := give("bob@example.com", 200, "once", at(-8, 5), "org")
		carol := give("carol@example.com", 5, "month", at(-7, 0), "")
		frank := give("frank@example.com", 120, "year", at(-7, 5), "")
		// carol's second monthly payment.
		carolM, err := app.Store.GiftByID(t.Context(), carol.ID)
		if err != nil || carolM.MembershipID == nil {
			t.Fatalf("carol's membership: %+v %v", carolM, err)
		}
		ms, _ := app.Store.MembershipByID(t.Context(), *carolM.MembershipID)
		app.deliverAt("evt_carol2", "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_carol2", Subscription: ms.StripeSubscriptionID,
			Customer: ms.StripeCustomerID, Charge: "ch_carol2", PaymentIntent: "pi_carol2", BillingReason: "subscription_cycle", Amount: 500,
			Paid: true, Email: "carol@example.com", Interval: "month"}), at(-6, 0))
		if _, page := app.get(c, "/donate?campaign=match"); !strings.Contains(page, "Your gift will be matched by Knight Foundation.") {
			t.Errorf("the form does not offer Knight's match while it has room")
		}
		dave := give("dave@example.com", 500, "once", at(-5, 0), "")
		if _, page := app.get(c, "/donate?campaign=match"); strings.Contains(page, "will be matched") || strings.Contains(page, "from_organisation") {
			t.Errorf("the form still offers a match with both pools full")
		}
		erin := give("erin@example.com", 100, "once", at(-4, 0), "anonymous")

		matched := func() map[string]string {
			t.Helper()
			ms, err := app.Store.MatchesOfCampaign(t.Context(), camp.ID)
			if err != nil {
				t.Fatal(err)
			}
			name := map[string]string{knight.ID: "knight", bank.ID: "bank"}
			out := map[string]string{}
			for gift, pools := range ms {
				for pool, amount := range pools {
					out[gift] += fmt.Sprintf("%s=%d ", name[pool], amount/100)
				}
			}
			return out
		}
		want := map[*models.Gift]string{ann1: "knight=500 ", ann2: "bank=300 ", bob: "", carol: "knight=60 ", frank: "knight=95 ",
			dave: "knight=345 ", erin: ""}
		who := map[*models.Gift]string{ann1: "ann's first", ann2: "ann's second", bob: "bob (organisation)", carol: "carol's first (monthly)",
			frank: "frank (yearly, $25 benefit)", dave: "dave", erin: "erin"}
		got := matched()
		for g, w := range want {
			if got[g.ID] != w {
				t.Errorf("%s: matched %q, want %q", who[g], got[g.ID], w)
			}
		}
		var others int
		for id := range got {
			found := false
			for g := range want {
				found = found || g.ID == id
			}
			if !found {
				others++
			}
		}
		if others != 0 {
			t.Errorf("%d other gifts matched (carol's second payment must not be): %v", others, got)
		}

		// dave's gift is refunded: Knight's room goes to erin's, after it.
		app.deliverAt("evt_dave_refund", "charge.refunded", testenv.Charge(t, "ch_dave", "pi_"+*dave.StripeSessionID, "", 50000, 50000), at(-3, 0))
		got = matched()
		if got[dave.ID] != "" || got[erin.ID] != "knight=100 " {
			t.Fatalf("after dave's refund: dave %q, erin %q", got[dave.ID], got[erin.ID])
		}
		if _, page := app.get(c, "/donate?campaign=match"); !strings.Contains(page, "Your gift will be matched by Knight Foundation.") {
			t.Errorf("the refund's room is not offered again")
		}

		// The funders' report: each gift, each pool, the totals.
		staff := app.staffClient("fin@ledger.example", models.RoleStaff)
		resp, body := app.get(staff, "/admin/campaigns/"+camp.ID+"/report.csv")
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || resp.StatusCode != 200 || len(rows) != 1+8+2+1 {
			t.Fatalf("report %d (%v):\n%s", resp.StatusCode, err, body)
		}
		if strings.Join(rows[0], ",") != "row,date,donor,email,donor_type,amount,matched,projected,matched_by_Knight Foundation,matched_by_Local Bank,cap,remaining,donors,new_donors,gross" {
			t.Errorf("header %v", rows[0])
		}
		line := func(i int) string { return strings.Join(append(rows[i][:1:1], rows[i][3:10]...), ",") }
		for i, want := range []string{
			"gift,ann@example.com,new,600.00,500.00,0.00,500.00,0.00",
			"gift,ann@example.com,new,300.00,300.00,0.00,0.00,300.00",
			"gift,bob@example.com,new,200.00,0.00,0.00,0.00,0.00",
			// carol's $5 a month counts as $60, of which her two payments
			// brought $10: $50 is projected.
			"gift,carol@example.com,new,5.00,60.00,50.00,60.00,0.00",
			"gift,frank@example.com,new,120.00,95.00,0.00,95.00,0.00",
			"gift,carol@example.com,new,5.00,0.00,0.00,0.00,0.00",
			"gift,dave@example.com,new,0.00,0.00,0.00,0.00,0.00",
			"gift,,new,100.00,100.00,0.00,100.00,0.00", // anonymous: no email
		} {
			if got := line(i + 1); got != want {
				t.Errorf("line %d: %s, want %s", i+1, got, want)
			}
		}
		// The report goes to the funder: a donor who gave anonymously is not named.
		if rows[8][2] != "Anonymous" || strings.Contains(body, "erin") || strings.Contains(body, "Ada Reader,,") {
			t.Errorf("the anonymous gift's row: %v", rows[8])
		}
		if got := strings.Join(rows[9], ","); got != "pool,,Knight Foundation,,,,755.00,50.00,755.00,,1000.00,245.00,,," {
			t.Errorf("Knight's row: %s", got)
		}
		if got := strings.Join(rows[10], ","); got != "pool,,Local Bank,,,,300.00,0.00,,300.00,300.00,0.00,,," {
			t.Errorf("the bank's row: %s", got)
		}
		if got := strings.Join(rows[11], ","); got != "total,,,,,1330.00,1055.00,50.00,,,,,6,6,1830.00" {
			t.Errorf("totals: %s", got)
		}

		// carol sets her membership to cancel: her year is no longer
		// counted ahead. Each of her payments is matched as it came, and
		// the $50 projected goes back to Knight's room.
		app.deliverAt("evt_carol_cancel", "customer.subscription.updated", testenv.Subscription(t, testenv.SubscriptionSpec{
			ID: ms.StripeSubscriptionID, Customer: ms.StripeCustomerID, Status: "active", Interval: "month", Amount: 500,
			PeriodEnd: at(1, 0), Started: at(-7, 0), CancelAtPeriodEnd: true}), at(-2, 0))
		got = matched()
		if got[carol.ID] != "knight=5 " {
			t.Fatalf("carol's first payment after she cancelled: %q, want knight=5", got[carol.ID])
		}
		uses, err := app.Store.PoolUses(t.Context(), camp.ID)
		if err != nil || uses[0].Matched != 70500 || uses[0].Projected != 0 || uses[0].Remaining != 29500 {
			t.Fatalf("Knight's pool after carol cancelled: %+v %v", uses[0], err)
		}
	})
}

// TestThanksPageNamesTheGiftTheDriveAndTheWayBack: a reader comes from an
// article to a matched drive and covers the card fee. The header leads
// back to the newsroom by its name; the thank-you page gives the gift
// itself (not the fee) as the gift, names the drive and the funder's
// match, and leads back to the article.
func TestThanksPageNamesTheGiftTheDriveAndTheWayBack(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{"ORG_NAME": "The Riverton Ledger", "ORG_WEBSITE_URL": "https://news.example.org"}})
	now := time.Now().UTC()
	camp := &models.Campaign{Slug: "drive", Name: "the year-end drive", GoalAmount: 500000, Currency: "usd", StartsAt: now.AddDate(0, 0, -1), EndsAt: now.AddDate(0, 0, 10)}
	if err := app.Store.SaveCampaign(t.Context(), camp, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	pool := &models.MatchPool{CampaignID: camp.ID, Funder: "Knight Foundation", Cap: 100000, StartsAt: camp.StartsAt, EndsAt: camp.EndsAt}
	if err := app.Store.AddMatchPool(t.Context(), pool, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	c := app.client()
	article := "https://news.example.org/2026/12/city-hall"
	_, page := app.get(c, "/donate?campaign=drive&article="+url.QueryEscape(article))
	if !strings.Contains(page, `<a href="https://news.example.org" class="back">Back to The Riverton Ledger</a>`) {
		t.Fatalf("the header's way back:\n%s", page)
	}
	form := validForm(csrfField.FindStringSubmatch(page)[1])
	form.Set("amount", "50")
	form.Set("cover_fee", "1")
	form.Set("campaign", "drive")
	form.Set("article", article)
	resp, _ := app.post(c, "/donate", form)
	checkout := strings.TrimPrefix(resp.Header.Get("Location"), app.URL)
	_, pay := app.get(c, checkout)
	resp, _ = app.post(c, checkout+"/pay", url.Values{"csrf_token": {csrfField.FindStringSubmatch(pay)[1]}})
	_, thanks := app.get(c, strings.TrimPrefix(resp.Header.Get("Location"), app.URL))
	for _, want := range []string{
		`Your gift of <strong id="gift-amount">$50.00</strong>`,
		`It counts toward the year-end drive. <strong class="match">Knight Foundation matches it with $51.81.</strong>`, // all it raised, the fee it covers too
		`<a href="` + article + `" id="back-to-article">Back to the article you were reading</a>`,
	} {
		if !strings.Contains(thanks, want) {
			t.Errorf("the thank-you page lacks %s:\n%s", want, thanks)
		}
	}
}
