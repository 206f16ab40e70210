package handlers_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// englishWords are words that only English uses among the three
// languages: one of them on a French or Spanish page is a sentence nobody
// translated. ("page", "total", "date" are French too, so are left out.)
var englishWords = regexp.MustCompile(`(?i)\b(the|your|you|and|with|this|that|gift|gifts|receipt|receipts|please|enter|amount|monthly|yearly|thank|thanks|membership|member|back|choose|sign|link|cancel|payment|card|will|have|from|our|we|for|is|are|name|address|donate|donation|give|other|how|often|fee|listed|anonymous|dedication|honour|memory|again|start|found|check|nothing)\b`)

// allowed are texts that stay as they are in every language: the
// newsroom's and the donor's names, the programs named, each language's
// own name in the switcher.
var allowed = []string{"The Ledger", "Zoë Reader", "Gift Aid", "Stripe", "JavaScript", "English", "Français", "Español", "Supporter"}

var emailOrURL = regexp.MustCompile(`\S+@\S+|https?://\S+`)

// englishLeft reports the English words left in the page's text.
func englishLeft(t *testing.T, ctx context.Context) []string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title + "\n" + document.body.innerText + "\n" +
		[...document.querySelectorAll("[placeholder],[title],[aria-label],img[alt]")].map(e => (e.getAttribute("placeholder")||"") + " " + (e.getAttribute("title")||"") + " " + (e.getAttribute("aria-label")||"") + " " + (e.getAttribute("alt")||"")).join(" ")`))
	if err != nil {
		t.Fatal(err)
	}
	text = emailOrURL.ReplaceAllString(text, " ")
	for _, a := range allowed {
		text = strings.ReplaceAll(text, a, " ")
	}
	var left []string
	for _, line := range strings.Split(text, "\n") {
		if englishWords.MatchString(line) {
			left = append(left, strings.TrimSpace(line))
		}
	}
	return left
}

// TestEveryDonorPageInEachLanguage walks every page a donor sees in
// French and in Spanish, as the axe test walks them in English: the
// donate form (empty, with errors, with an amount typed the language's
// way), the demo checkout, the thank-you page, the donor page signed out
// and in, the cancel and restart pages, a campaign, the receipt check and
// a missing page. On each: the page's lang, its hreflang links, no
// English left, and axe's zero violations. The gift, the donor and the
// receipt keep the language.
func TestEveryDonorPageInEachLanguage(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, work: true, env: map[string]string{
		"APPEAL_TEXT": "Our reporters read the **public record**.", "APPEAL_TEXT_FR": "Nos journalistes lisent les **documents publics**.",
		"APPEAL_TEXT_ES":   "Nuestros periodistas leen los **documentos públicos**.",
		"MEMBERSHIP_TIERS": "Supporter|60|a tote bag|12", "ORG_CONTACT_EMAIL": "help@ledger.example",
		"PRIVACY_URL": "https://ledger.example/privacy", "TERMS_URL": "https://ledger.example/terms", "ORG_WEBSITE_URL": "https://ledger.example"}})
	camp := &models.Campaign{Slug: "drive", Name: "Drive", GoalAmount: 1000000, Currency: "usd", Intro: "Every gift is **doubled**.",
		IntroTranslations: map[string]string{"fr": "Chaque don est **doublé**.", "es": "Cada donación se **duplica**."},
		PresetAmounts:     "35, 70, 150", StartsAt: time.Now().AddDate(0, 0, -1), EndsAt: time.Now().AddDate(0, 1, 0)}
	if err := app.Store.SaveCampaign(t.Context(), camp, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, typed, paid, heading string
	}{
		{"fr", "25,50", "25,50\u00a0$", "Soutenez"},
		{"es", "25.50", "$25.50", "Apoye"},
	} {
		ctx := testenv.Browser(t) // a browser per language: the walk is long
		email := "reader-" + tc.lang + "@example.org"
		check := func(what string) {
			t.Helper()
			lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
			if err != nil || lang != tc.lang {
				t.Errorf("%s %s: <html lang=%q> (%v)", tc.lang, what, lang, err)
			}
			links, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('link[rel=alternate][hreflang]').length`))
			if err != nil || links != 3 {
				t.Errorf("%s %s: %d hreflang links, want 3 (%v)", tc.lang, what, links, err)
			}
			if left := englishLeft(t, ctx); len(left) > 0 {
				t.Errorf("%s %s: English left:\n  %s", tc.lang, what, strings.Join(left, "\n  "))
			}
			testenv.Axe(t, ctx, tc.lang+" "+what)
		}
		do(t, ctx, "the donate page", chromedp.Navigate(app.URL+"/donate?lang="+tc.lang), chromedp.WaitVisible(`#pay`))
		h1, err := chromedp.Run(ctx, chromedp.Text[string](`h1`))
		if err != nil || !strings.HasPrefix(h1, tc.heading) {
			t.Errorf("%s: the heading is %q (%v)", tc.lang, h1, err)
		}
		check("/donate")
		// The choice is kept: the next page comes in it without ?lang=.
		do(t, ctx, "a wrong form", chromedp.Navigate(app.URL+"/donate"), chromedp.WaitVisible(`#pay`),
			chromedp.SendKeys(`#email`, "ada@localhost"), chromedp.SendKeys(`#name`, "Ada"), chromedp.Click(`#pay`), chromedp.WaitVisible(`#error-summary`))
		check("/donate with errors")
		do(t, ctx, "a right form", clear(`#email`), chromedp.SendKeys(`#email`, email), clear(`#name`), chromedp.SendKeys(`#name`, "Zoë Reader"),
			chromedp.SendKeys(`#amount-other`, tc.typed), chromedp.Evaluate[chromedp.Void](`document.querySelector("#frequency-month").click()`),
			chromedp.Click(`#pay`), chromedp.WaitVisible(`#demo-pay`))
		check("the demo checkout")
		total, err := chromedp.Run(ctx, chromedp.Text[string](`#demo-amount`))
		if err != nil || total != tc.paid {
			t.Errorf("%s: typed %q, the checkout asks %q, want %q (%v)", tc.lang, tc.typed, total, tc.paid, err)
		}
		do(t, ctx, "pay", chromedp.Click(`#demo-pay`), chromedp.WaitVisible(`#receipt-number`))
		check("the thanks page")
		donor, err := app.Store.DonorByEmail(t.Context(), email)
		if err != nil || donor.Language != tc.lang {
			t.Fatalf("%s: the donor keeps language %q (%v)", tc.lang, donor.Language, err)
		}
		rs, err := app.Store.ReceiptsOfDonor(t.Context(), donor.ID, time.Now().UTC().Year())
		if err != nil || len(rs) != 1 || rs[0].Language != tc.lang || rs[0].Amount != 2550 {
			t.Errorf("%s: receipts %+v (%v), want one of 25.50 in %s", tc.lang, rs, err, tc.lang)
		}

		do(t, ctx, "the donor page", chromedp.Navigate(app.URL+"/account"), chromedp.WaitVisible(`#email`))
		check("/account, signed out")
		do(t, ctx, "ask for a link", chromedp.SendKeys(`#email`, email), chromedp.Submit(`#email`), chromedp.WaitVisible(`#signin-sent`))
		check("/account, link sent")
		signIn := mailedLink(t, ctx, app.URL, email, "/account/sign-in/")
		do(t, ctx, "the sign-in link", chromedp.Navigate(signIn), chromedp.WaitVisible(`#confirm-sign-in`))
		check("the sign-in confirmation")
		do(t, ctx, "sign in", chromedp.Click(`#confirm-sign-in`), chromedp.WaitVisible(`#profile-form`))
		check("/account, signed in")
		do(t, ctx, "a wrong profile", clear(`#profile-name`), chromedp.Click(`#save-profile`), chromedp.WaitVisible(`#profile-name-error`))
		check("/account profile with an error")
		do(t, ctx, "a wrong amount", chromedp.Navigate(app.URL+"/account"), chromedp.WaitVisible(`.member-amount input[name=amount]`),
			clear(`.member-amount input[name=amount]`), chromedp.SendKeys(`.member-amount input[name=amount]`, "beaucoup"), chromedp.Submit(`.member-amount input[name=amount]`),
			chromedp.WaitVisible(`#error-summary`))
		check("/account with a wrong membership amount")
		do(t, ctx, "the cancel page", chromedp.Navigate(follow(t, ctx, `a.cancel-membership`)), chromedp.WaitVisible(`#confirm-cancel`))
		check("the cancel page")
		do(t, ctx, "cancel", chromedp.Click(`#reason-unused`), chromedp.Click(`#confirm-cancel`), chromedp.WaitVisible(`.keep-membership`))
		check("/account with a cancelled membership")
		restart := mailedLink(t, ctx, app.URL, email, "/donate/restart/")
		do(t, ctx, "the restart page", chromedp.Navigate(restart), chromedp.WaitVisible(`#restart`))
		check("the restart page")
		do(t, ctx, "a campaign's page", chromedp.Navigate(app.URL+"/give/drive"), chromedp.WaitVisible(`#campaign-meter`))
		check("/give/drive")
		intro, err := chromedp.Run(ctx, chromedp.Text[string](`.campaign-intro`))
		if err != nil || !strings.Contains(intro, map[string]string{"fr": "doublé", "es": "duplica"}[tc.lang]) {
			t.Errorf("%s: the campaign intro reads %q (%v)", tc.lang, intro, err)
		}
		do(t, ctx, "the receipt check", chromedp.Navigate(app.URL+"/receipts/verify/NOSUCHCODE"), chromedp.WaitVisible(`#verify-unknown`))
		check("/receipts/verify, unknown")
		do(t, ctx, "a missing page", chromedp.Navigate(app.URL+"/no/such/page"), chromedp.WaitVisible(`h1`))
		check("the not-found page")
	}
}

// mailedLink waits (30 s at most) for a demo email to email holding a
// link under path, and returns the link.
func mailedLink(t *testing.T, ctx context.Context, base, email, path string) string {
	t.Helper()
	for range 300 {
		if link := mailboxLink(t, ctx, base, email, path); link != "" {
			return link
		}
		do(t, ctx, "wait", chromedp.Sleep(100*time.Millisecond))
	}
	t.Fatalf("no link under %s mailed to %s", path, email)
	return ""
}

// mailboxLink is the first link under path in the newest demo email to
// email, or "".
func mailboxLink(t *testing.T, ctx context.Context, base, email, path string) string {
	t.Helper()
	do(t, ctx, "the mailbox", chromedp.Navigate(base+"/demo/mailbox"), chromedp.WaitVisible(`#mailbox`))
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`[...document.querySelectorAll("#mailbox tbody tr")].filter(r => r.textContent.includes(%q)).map(r => r.querySelector("a").href)`, email)))
	if err != nil {
		t.Fatal(err)
	}
	for _, href := range ids {
		do(t, ctx, "a message", chromedp.Navigate(href), chromedp.WaitVisible(`pre.mail-text`))
		if link, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector('a[href*=%q]') || {}).href || ""`, path))); err == nil && link != "" {
			return link
		}
	}
	return ""
}
