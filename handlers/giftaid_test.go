package handlers_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

var ukEnv = map[string]string{"RECEIPT_RULES": "uk", "CURRENCY": "gbp", "ORG_NAME": "The Ledger", "ORG_TAX_ID": "1234567"}

// TestGiftAidFromFormToClaim: a UK donor ticks Gift Aid on the form, which
// shows HMRC's declaration and asks for what it needs (each missing part
// named next to its field); the declaration is kept as worded; the gift is
// acknowledged with Gift Aid; the donor sees and cancels it on their page;
// an admin makes a claim and downloads its schedule, whose row is the
// gift; the claim is not made twice.
func TestGiftAidFromFormToClaim(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, env: ukEnv})
	c := app.client()
	token := app.csrfToken(c, "/donate")
	_, page := app.get(c, "/donate")
	for _, want := range []string{`name="giftaid"`, `name="giftaid_taxpayer"`, `name="giftaid_first_name"`, "I am a UK taxpayer and understand",
		"any donations I make in the future to The Ledger"} {
		if !strings.Contains(page, want) {
			t.Errorf("the uk donate form lacks %q", want)
		}
	}
	if strings.Contains(page, "tax-deductible") {
		t.Errorf("the uk donate form promises a tax deduction")
	}
	form := validForm(token)
	form.Set("amount", "50")
	form.Set("giftaid", "1")
	form.Set("address_line1", "12A High Street")
	form.Set("address_city", "Sheffield")
	form.Set("address_postal_code", "not a postcode")
	form.Set("address_country", "United Kingdom")
	resp, body := app.post(c, "/donate", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("Gift Aid without its details: %d", resp.StatusCode)
	}
	for field, msg := range map[string]string{"giftaid_taxpayer": "UK taxpayer", "giftaid_first_name": "first and last name",
		"address_postal_code": "UK postcode"} {
		m := regexp.MustCompile(`id="` + field + `-error">([^<]*)<`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(m[1], msg) {
			t.Errorf("no error %q next to %s: %v", msg, field, m)
		}
	}
	form.Set("giftaid_taxpayer", "1")
	form.Set("giftaid_title", "Ms")
	form.Set("giftaid_first_name", "Ada")
	form.Set("giftaid_last_name", "Lovelace-Byron")
	form.Set("address_postal_code", "s19 2bd")
	resp, _ = app.post(c, "/donate", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("Gift Aid donation: %d", resp.StatusCode)
	}
	path := strings.TrimPrefix(resp.Header.Get("Location"), app.URL)
	_, pay := app.get(c, path)
	if resp, _ = app.post(c, path+"/pay", url.Values{"csrf_token": {csrfField.FindStringSubmatch(pay)[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("demo pay: %d", resp.StatusCode)
	}
	rs := app.receipts(app.Config.FiscalYearStart.FiscalYear(time.Now(), app.Config.Location))
	if len(rs) != 1 || !rs[0].GiftAid || rs[0].WordingVersion != "uk-1" {
		t.Fatalf("acknowledgements %+v", rs)
	}

	donor := app.donorClient("reader@example.com")
	_, account := app.get(donor, "/account")
	if !strings.Contains(account, "You asked us to claim Gift Aid") || !strings.Contains(account, "I am a UK taxpayer") {
		t.Fatalf("the donor's page does not show the declaration:\n%s", account)
	}

	staff := app.staffClient("finance@ledger.example", models.RoleAdmin)
	// Staff see the declaration as made: who, where, when, how, the words.
	_, donorPage := app.get(staff, "/admin/donors/"+*rs[0].DonorID)
	for _, want := range []string{`id="gift-aid"`, "<strong>In force.</strong> Declared", "by Ms Ada Lovelace-Byron, 12A High Street",
		"(house 12A, postcode S19 2BD)", "Ticked on the donate form with a gift of £50.00, confirmed by its payment on", "I am a UK taxpayer and understand"} {
		if !strings.Contains(donorPage, want) {
			t.Errorf("the staff donor page lacks %q", want)
		}
	}
	_, reports := app.get(staff, "/admin/reports")
	if !strings.Contains(reports, "Waiting to be claimed: <strong>1</strong> donations, £50.00 (Gift Aid of £12.50)") {
		t.Fatalf("reports page:\n%s", reports)
	}
	claim := url.Values{"csrf_token": {csrfField.FindStringSubmatch(reports)[1]}, "from": {"2000-01-01"}, "to": {"2099-12-31"}}
	if resp, _ := app.post(staff, "/admin/reports/gift-aid", claim); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim: %d", resp.StatusCode)
	}
	_, reports = app.get(staff, "/admin/reports")
	link := regexp.MustCompile(`/admin/reports/gift-aid/[0-9a-f-]+\.csv`).FindString(reports)
	if link == "" || !strings.Contains(reports, "Claim made: £50.00") {
		t.Fatalf("no claim listed:\n%s", reports)
	}
	resp, csvBody := app.get(staff, link)
	rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if err != nil || resp.StatusCode != http.StatusOK || len(rows) != 2 ||
		strings.Join(rows[1][:5], "|") != "Ms|Ada|Lovelace Byron|12A|S19 2BD" || rows[1][8] != "50.00" || rows[1][5] != "" || rows[1][6] != "" {
		t.Fatalf("schedule %d: %q %v", resp.StatusCode, rows, err)
	}
	// Claimed once: a second claim of the same dates finds nothing.
	app.post(staff, "/admin/reports/gift-aid", claim)
	if _, reports = app.get(staff, "/admin/reports"); !strings.Contains(reports, "Nothing to claim") {
		t.Errorf("a second claim was not refused")
	}

	// The donor cancels; their page says so.
	_, account = app.get(donor, "/account")
	resp, _ = app.post(donor, "/account/gift-aid/cancel", url.Values{"csrf_token": {csrfField.FindStringSubmatch(account)[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", resp.StatusCode)
	}
	if _, account = app.get(donor, "/account"); !strings.Contains(account, "cancelled from today") || !strings.Contains(account, "no Gift Aid declaration in force") {
		t.Fatalf("after cancelling:\n%s", account)
	}
	d, err := app.Store.DonorByID(context.Background(), *rs[0].DonorID)
	if err != nil {
		t.Fatal(err)
	}
	if decl, err := app.Store.ActiveGiftAidDeclaration(context.Background(), d); err != nil || decl != nil {
		t.Fatalf("still active: %+v %v", decl, err)
	}
}

// TestStrangersDeclarationNeverReachesAClaim is the review's attack under
// RECEIPT_RULES=uk: the victim gives without Gift Aid; an attacker posts
// the form with the victim's email, ticks Gift Aid in their own name and
// abandons the checkout; the victim gives again without ticking it.
// Nothing of the victim's is claimed. A paid gift whose declaration names
// someone else than the donor is listed for staff to check before claiming.
func TestStrangersDeclarationNeverReachesAClaim(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{demo: true, env: ukEnv})
		give := func(c *http.Client, email, amount, name string, giftAid map[string]string, pay bool) {
			t.Helper()
			form := validForm(app.csrfToken(c, "/donate"))
			form.Set("email", email)
			form.Set("amount", amount)
			form.Set("name", name)
			for k, v := range giftAid {
				form.Set(k, v)
			}
			resp, body := app.post(c, "/donate", form)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("donate: %d\n%s", resp.StatusCode, body)
			}
			if !pay {
				return // abandoned at checkout
			}
			path := strings.TrimPrefix(resp.Header.Get("Location"), app.URL)
			_, page := app.get(c, path)
			if resp, _ := app.post(c, path+"/pay", url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("demo pay: %d", resp.StatusCode)
			}
		}
		declaration := func(first, last string) map[string]string {
			return map[string]string{"giftaid": "1", "giftaid_taxpayer": "1", "giftaid_first_name": first, "giftaid_last_name": last,
				"address_line1": "1 Fake Street", "address_city": "Leeds", "address_postal_code": "LS1 1AA", "address_country": "United Kingdom"}
		}
		victim, attacker := app.client(), app.client()
		give(victim, "reader@example.com", "10", "Ada Reader", nil, true)
		give(attacker, "reader@example.com", "5", "Mallory", declaration("Mallory", "Attacker"), false)
		give(victim, "reader@example.com", "20", "Ada Reader", nil, true)
		staff := app.staffClient("finance@ledger.example", models.RoleAdmin)
		if _, reports := app.get(staff, "/admin/reports"); !strings.Contains(reports, "Waiting to be claimed: <strong>0</strong> donations") {
			t.Fatalf("the victim's gifts wait to be claimed under the stranger's declaration:\n%s", reports)
		}
		d, err := app.Store.DonorByEmail(t.Context(), "reader@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if decl, err := app.Store.ActiveGiftAidDeclaration(t.Context(), d); err != nil || decl != nil {
			t.Fatalf("the victim's page would show the stranger's declaration: %+v %v", decl, err)
		}

		// A paid gift declared in another name is claimed, and listed.
		give(app.client(), "bea@example.com", "30", "Bea Payer", declaration("Ada", "Lovelace"), true)
		_, reports := app.get(staff, "/admin/reports")
		if !strings.Contains(reports, "Waiting to be claimed: <strong>1</strong> donations, £30.00") || !strings.Contains(reports, `id="gift-aid-name-checks"`) ||
			!strings.Contains(reports, "<td>Ada Lovelace</td>") || !strings.Contains(reports, "Bea Payer</a>") {
			t.Fatalf("the name check is not listed:\n%s", reports)
		}
		// The donor's own declaration in their own name is not listed, and
		// covers their next gift without the box ticked.
		own := app.client()
		give(own, "cy@example.com", "40", "Cy Own", declaration("Cy", "Own"), true)
		give(own, "cy@example.com", "15", "Cy Own", nil, true)
		_, reports = app.get(staff, "/admin/reports")
		if !strings.Contains(reports, "Waiting to be claimed: <strong>3</strong> donations, £85.00") || strings.Contains(reports, "<td>Cy Own</td>") {
			t.Fatalf("the donor's own declaration:\n%s", reports)
		}
	})
}
