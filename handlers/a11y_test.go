package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// The accessibility tests run axe-core in Chromium on every page a donor
// or a staff member sees, with errors shown and without, at a phone's
// width (testenv.Browser) and a laptop's. Zero violations at WCAG 2.0 and
// 2.1 A and AA, and axe's best practices.

// clear empties a field, as selecting its text and deleting it would.
func clear(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + "`" + sel + "`" + `).value = ""`)
}

// follow reads the href of the first link matching sel.
func follow(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+"`"+sel+"`"+`) || {}).href || ""`))
	if err != nil || href == "" {
		t.Fatalf("no link %s: %v", sel, err)
	}
	return href
}

// TestDonorPagesPassAxe: the donate page (empty and with errors), the
// demo checkout, the thanks page, the demo mailbox and a message, the
// donor page signed out (and with an error), the sign-in confirmation,
// the donor page signed in, its profile form with an error, the receipt
// check, and the not-found page.
func TestDonorPagesPassAxe(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, work: true, env: map[string]string{
		"APPEAL_TEXT": "Our reporters read the **public record** so you don't have to.", "PRESET_IMPACT": "50=pays for a public-records request",
		"MEMBERSHIP_TIERS": "Supporter|60|a tote bag|12", "ORG_CONTACT_EMAIL": "help@ledger.example",
		"PRIVACY_URL": "https://ledger.example/privacy", "TERMS_URL": "https://ledger.example/terms", "ORG_WEBSITE_URL": "https://ledger.example"}})
	ctx := testenv.Browser(t)
	for _, size := range [][2]int64{{1280, 900}, {390, 844}} {
		do(t, ctx, "the donate page", chromedp.EmulateViewport(size[0], size[1]), chromedp.Navigate(app.URL+"/donate"), chromedp.WaitVisible(`#pay`))
		testenv.Axe(t, ctx, "/donate")
	}
	// An address the browser's own check lets through, which ours refuses.
	do(t, ctx, "a wrong form", chromedp.SendKeys(`#email`, "ada@localhost"), chromedp.SendKeys(`#name`, "Ada"), chromedp.Click(`#pay`), chromedp.WaitVisible(`#error-summary`))
	testenv.Axe(t, ctx, "/donate with errors")
	do(t, ctx, "a right form",
		clear(`#email`), chromedp.SendKeys(`#email`, "a.very.long.address.for.wrapping@newsroom-supporters.example.org"),
		clear(`#name`), chromedp.SendKeys(`#name`, "Zoë Reader"), chromedp.Evaluate[chromedp.Void](`document.querySelector("#frequency-month").click()`), chromedp.Click(`#cover_fee`),
		chromedp.Click(`details.options summary`), chromedp.Click(`input[name=dedication_type][value=memory]`), chromedp.SendKeys(`#dedication_name`, "Jo"),
		chromedp.Click(`#pay`), chromedp.WaitVisible(`#demo-pay`))
	testenv.Axe(t, ctx, "the demo checkout")
	width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
	if err != nil || width > 390 {
		t.Errorf("on a 390 px phone the demo checkout is %.0f px wide (%v)", width, err)
	}
	do(t, ctx, "pay", chromedp.Click(`#demo-pay`), chromedp.WaitVisible(`#receipt-number`))
	testenv.Axe(t, ctx, "the thanks page")

	do(t, ctx, "ask for a sign-in link", chromedp.Navigate(app.URL+"/account"), chromedp.WaitVisible(`#email`))
	testenv.Axe(t, ctx, "/account, signed out")
	do(t, ctx, "a wrong email", chromedp.SendKeys(`#email`, "nope"), chromedp.Submit(`#email`), chromedp.WaitVisible(`#email-error`))
	testenv.Axe(t, ctx, "/account with an error")
	do(t, ctx, "a right email", clear(`#email`), chromedp.SendKeys(`#email`, "a.very.long.address.for.wrapping@newsroom-supporters.example.org"),
		chromedp.Submit(`#email`), chromedp.WaitVisible(`#signin-sent`))
	testenv.Axe(t, ctx, "/account, link sent")

	do(t, ctx, "the mailbox", chromedp.Navigate(app.URL+"/demo/mailbox"), chromedp.WaitVisible(`#mailbox`))
	for i := 0; i < 300; i++ {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#mailbox tbody tr").length`))
		if err == nil && n == 2 {
			break
		}
		do(t, ctx, "reload the mailbox", chromedp.Sleep(100e6), chromedp.Reload(), chromedp.WaitVisible(`#mailbox`))
	}
	testenv.Axe(t, ctx, "/demo/mailbox")
	do(t, ctx, "a message", chromedp.Navigate(follow(t, ctx, `#mailbox a[href*="/demo/mailbox/"]`)), chromedp.WaitVisible(`pre.mail-text`))
	testenv.Axe(t, ctx, "a mailbox message")
	do(t, ctx, "the sign-in message", chromedp.Navigate(app.URL+"/demo/mailbox"), chromedp.WaitVisible(`#mailbox`))
	signIn := ""
	for _, id := range []string{"1", "2"} {
		do(t, ctx, "message "+id, chromedp.Navigate(app.URL+"/demo/mailbox/"+id), chromedp.WaitVisible(`pre.mail-text`))
		if h, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('a[href*="/account/sign-in/"]') || {}).href || ""`)); err == nil && h != "" {
			signIn = h
		}
	}
	if signIn == "" {
		t.Fatal("no sign-in link in the mailbox")
	}
	do(t, ctx, "the sign-in link", chromedp.Navigate(signIn), chromedp.WaitVisible(`#confirm-sign-in`))
	testenv.Axe(t, ctx, "the sign-in confirmation")
	do(t, ctx, "sign in", chromedp.Click(`#confirm-sign-in`), chromedp.WaitVisible(`#profile-form`))
	testenv.Axe(t, ctx, "/account, signed in")
	do(t, ctx, "a wrong profile", clear(`#profile-name`), chromedp.Click(`#save-profile`), chromedp.WaitVisible(`#profile-name-error`))
	testenv.Axe(t, ctx, "/account profile with an error")
	do(t, ctx, "a wrong amount", chromedp.Navigate(app.URL+"/account"), chromedp.WaitVisible(`.member-amount input[name=amount]`),
		clear(`.member-amount input[name=amount]`), chromedp.SendKeys(`.member-amount input[name=amount]`, "lots"), chromedp.Submit(`.member-amount input[name=amount]`),
		chromedp.WaitVisible(`#error-summary`))
	testenv.Axe(t, ctx, "/account with a wrong membership amount")
	do(t, ctx, "the cancel page", chromedp.Navigate(follow(t, ctx, `a.cancel-membership`)), chromedp.WaitVisible(`#confirm-cancel`))
	testenv.Axe(t, ctx, "the cancel page")
	do(t, ctx, "cancel", chromedp.Click(`#reason-unused`), chromedp.Click(`#confirm-cancel`), chromedp.WaitVisible(`.keep-membership`))
	testenv.Axe(t, ctx, "/account with a cancelled membership")
	restart := ""
	for i := 0; i < 300 && restart == ""; i++ {
		do(t, ctx, "the mailbox", chromedp.Navigate(app.URL+"/demo/mailbox"), chromedp.WaitVisible(`#mailbox`))
		ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#mailbox a")].filter(a => a.textContent.includes("cancelled")).map(a => a.href)`))
		if err == nil && len(ids) > 0 {
			do(t, ctx, "the cancellation email", chromedp.Navigate(ids[0]), chromedp.WaitVisible(`pre.mail-text`))
			restart = follow(t, ctx, `a[href*="/donate/restart/"]`)
			break
		}
		do(t, ctx, "wait", chromedp.Sleep(100e6))
	}
	do(t, ctx, "the restart page", chromedp.Navigate(restart), chromedp.WaitVisible(`#restart`))
	testenv.Axe(t, ctx, "the restart page")

	camp := &models.Campaign{Slug: "drive", Name: "Year-end drive", GoalAmount: 1000000, Currency: "usd", Intro: "Every gift is **doubled**.",
		PresetAmounts: "35, 70, 150", StartsAt: time.Now().AddDate(0, 0, -1), EndsAt: time.Now().AddDate(0, 1, 0)}
	if err := app.Store.SaveCampaign(t.Context(), camp, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "a campaign's page", chromedp.Navigate(app.URL+"/give/drive"), chromedp.WaitVisible(`#campaign-meter`))
	testenv.Axe(t, ctx, "/give/drive")
	do(t, ctx, "the receipt check", chromedp.Navigate(app.URL+"/receipts/verify/NOSUCHCODE"), chromedp.WaitVisible(`#verify-unknown`))
	testenv.Axe(t, ctx, "/receipts/verify, unknown")
	do(t, ctx, "a missing page", chromedp.Navigate(app.URL+"/no/such/page"), chromedp.WaitVisible(`h1`))
	testenv.Axe(t, ctx, "the not-found page")
}

// TestDetailsPagePassesAxe: the page where a donor completes a held
// receipt's address, with a missing province named, and after.
func TestDetailsPagePassesAxe(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{mail: true, env: canadianEnv})
	app.deliverObject("evt_held", "checkout.session.completed",
		testenv.InCurrency(testenv.PaidSession(t, "cs_held", "", "zoe@example.ca", 5000), "cad"))
	msgs := app.Mail.WaitFor(1, 30e9)
	link := detailsLink.FindString(app.Mail.Message(msgs[0].ID).Text)
	ctx := testenv.Browser(t)
	do(t, ctx, "the details page", chromedp.Navigate(link), chromedp.WaitVisible(`#address_line1`))
	testenv.Axe(t, ctx, "the details page")
	do(t, ctx, "no province", chromedp.SendKeys(`#address_line1`, "12 Rue Saint-Paul"), chromedp.SendKeys(`#address_city`, "Montréal"),
		chromedp.SendKeys(`#address_postal_code`, "H2Y 1Z5"), chromedp.SetValue(`#address_country`, "CA"),
		chromedp.Submit(`#address_line1`), chromedp.WaitVisible(`#address_state-error`))
	testenv.Axe(t, ctx, "the details page with an error")
}

// TestStaffPagesPassAxe: first-run setup (with an error), sign-in (with an
// error), then every page of the staff area as an admin, with a form in
// error where there is one.
func TestStaffPagesPassAxe(t *testing.T) {
	app := newApp(t, "postgres", appOptions{})
	ctx := testenv.Browser(t)
	setup, err := app.Store.CreateSetupLink(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "first-run setup", chromedp.Navigate(app.URL+"/admin/setup/"+setup), chromedp.WaitVisible(`#password`))
	testenv.Axe(t, ctx, "/admin/setup")
	do(t, ctx, "a short password", chromedp.SendKeys(`#email`, "boss@ledger.example"), chromedp.SendKeys(`#password`, "short"),
		chromedp.Submit(`#password`), chromedp.WaitVisible(`#password-error`))
	testenv.Axe(t, ctx, "/admin/setup with an error")

	seedLedger(t, app)
	if _, err := app.Store.AddStaff(t.Context(), "boss@ledger.example", staffPassword, models.RoleAdmin, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "sign-in page", chromedp.Navigate(app.URL+"/admin"), chromedp.WaitVisible(`#password`))
	testenv.Axe(t, ctx, "/admin/login")
	do(t, ctx, "a wrong password", chromedp.SendKeys(`#email`, "boss@ledger.example"), chromedp.SendKeys(`#password`, "wrong password"),
		chromedp.Submit(`#password`), chromedp.WaitVisible(`#error-summary`))
	testenv.Axe(t, ctx, "/admin/login with an error")
	do(t, ctx, "sign in", clear(`#password`), chromedp.SendKeys(`#password`, staffPassword), chromedp.Submit(`#password`), chromedp.WaitVisible(`#active-members`))

	for _, size := range [][2]int64{{1280, 900}, {390, 844}} {
		do(t, ctx, "the dashboard", chromedp.EmulateViewport(size[0], size[1]), chromedp.Reload(), chromedp.WaitVisible(`#active-members`))
		testenv.Axe(t, ctx, "/admin")
	}
	for _, p := range []struct{ path, wait string }{
		{"/admin/donors", "#q"}, {"/admin/donors?q=ann", "#donors"}, {"/admin/gifts", "main table"}, {"/admin/emails", "main table"},
		{"/admin/members", "#retention-download"}, {"/admin/campaigns", "#new-campaign"}, {"/admin/stories", "#stories-period"}, {"/admin/box", "#snippet-default"}, {"/admin/campaigns/new", "#campaign-form"},
		{"/admin/reports", "#download-receipts"}, {"/admin/staff", "#email"}, {"/admin/audit", "main table"},
	} {
		do(t, ctx, p.path, chromedp.Navigate(app.URL+p.path), chromedp.WaitVisible(p.wait))
		testenv.Axe(t, ctx, p.path)
		if p.path == "/admin/donors?q=ann" {
			do(t, ctx, "a donor", chromedp.Navigate(follow(t, ctx, `#donors a`)), chromedp.WaitVisible(`#donor-name`))
			testenv.Axe(t, ctx, "/admin/donors/:id")
			do(t, ctx, "a wrong profile", clear(`#profile-name`), chromedp.Click(`#save-profile`),
				chromedp.WaitVisible(`#profile-name-error`))
			testenv.Axe(t, ctx, "/admin/donors/:id with an error")
		}
	}
	do(t, ctx, "a wrong campaign", chromedp.Navigate(app.URL+"/admin/campaigns/new"), chromedp.WaitVisible(`#campaign-form`),
		chromedp.Click(`#save-campaign`), chromedp.WaitVisible(`#error-summary`))
	testenv.Axe(t, ctx, "/admin/campaigns/new with errors")
	camp := &models.Campaign{Slug: "drive", Name: "Year-end drive", GoalAmount: 1000000, Currency: "usd",
		StartsAt: time.Now().AddDate(0, 0, -1), EndsAt: time.Now().AddDate(0, 1, 0)}
	if err := app.Store.SaveCampaign(t.Context(), camp, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "a campaign's page", chromedp.Navigate(app.URL+"/admin/campaigns/"+camp.ID), chromedp.WaitVisible(`#pool-form`))
	testenv.Axe(t, ctx, "/admin/campaigns/:id")
	do(t, ctx, "a wrong pool", chromedp.Click(`#add-pool`), chromedp.WaitVisible(`#funder-error`))
	testenv.Axe(t, ctx, "/admin/campaigns/:id with a wrong pool")
	do(t, ctx, "add a wrong staff member", chromedp.Navigate(app.URL+"/admin/staff"), chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "not-an-email"), chromedp.Submit(`#email`), chromedp.WaitVisible(`#email-error`))
	testenv.Axe(t, ctx, "/admin/staff with an error")
	if !strings.Contains(text(t, ctx, `#email-error`), "@") {
		t.Errorf("staff email error: %q", text(t, ctx, `#email-error`))
	}
}
