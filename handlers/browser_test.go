package handlers_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// text reads the visible text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// waitFor polls the page until js is true, for at most ten seconds.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
	}
	t.Fatalf("waiting for %s: %s never held", what, js)
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestBrowserDemoGift walks the demo path as a donor does, in headless
// Chromium: choose an amount, fill the form, pay on the demo page, and see
// the thank-you page with a receipt number.
func TestBrowserDemoGift(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, mail: true})
	ctx := testenv.Browser(t)

	do(t, ctx, "open the donate page", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible(`#donate-form`))
	if banner := text(t, ctx, `.demo-banner`); !strings.Contains(banner, "no money moves") {
		t.Errorf("demo banner = %q", banner)
	}
	// Type an amount of one's own: the script unticks the presets and shows
	// what covering the fee adds.
	do(t, ctx, "choose an amount", chromedp.SendKeys(`#amount-other`, "40"), chromedp.Click(`#cover_fee`))
	// $40 + 2.9% + 30c: ceil(4030 / 0.971) = 4151, so the fee adds $1.51.
	if fee := text(t, ctx, `#fee-amount`); !strings.Contains(fee, "$1.51") || !strings.Contains(fee, "$41.51") {
		t.Errorf("fee text = %q, want $1.51 and $41.51", fee)
	}
	do(t, ctx, "fill the form",
		chromedp.SendKeys(`#email`, "browser@example.com"),
		chromedp.SendKeys(`#name`, "Zoë Browser"),
		chromedp.Click(`details.address summary`),
		chromedp.SendKeys(`#address_line1`, "1 Main St"),
		chromedp.SendKeys(`#address_city`, "Springfield"),
		chromedp.SendKeys(`#address_country`, "US"),
		chromedp.Click(`details.options summary`),
		chromedp.Click(`input[name=dedication_type][value=honor]`),
		chromedp.SendKeys(`#dedication_name`, "Jo"),
	)
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "donate.png"), shot, 0o644)
		}
	}
	do(t, ctx, "submit", chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(`#demo-pay`))
	if amount := text(t, ctx, `#demo-amount`); amount != "$41.51" {
		t.Errorf("demo checkout amount = %q, want $41.51", amount)
	}
	// What the donor chose comes back: the gift and the fee apart, the
	// dedication, the public listing.
	for sel, want := range map[string]string{`#choice-gift`: "$40.00", `#choice-fee`: "$1.51", `#choice-dedication`: "In honour of Jo",
		`#choice-listing`: "Listed as a supporter"} {
		if got := text(t, ctx, sel); got != want {
			t.Errorf("demo checkout %s = %q, want %q", sel, got, want)
		}
	}
	do(t, ctx, "pay on the demo page", chromedp.Click(`#demo-pay`), chromedp.WaitVisible(`#receipt-number`))
	want := fmt.Sprintf("%d-000001", time.Now().UTC().Year())
	if receipt := text(t, ctx, `#receipt-number`); receipt != want {
		t.Errorf("receipt number = %q, want %s", receipt, want)
	}
	if thanks := text(t, ctx, `main`); !strings.Contains(thanks, "Thank you, Zoë Browser!") || !strings.Contains(thanks, "$41.51") ||
		!strings.Contains(thanks, "In honour of Jo") || !strings.Contains(thanks, "Card fee you cover") {
		t.Errorf("thank-you page text: %q", thanks)
	}
	rs := app.receipts(time.Now().UTC().Year())
	if len(rs) != 1 || rs[0].DonorName != "Zoë Browser" || rs[0].DonorAddressCity != "Springfield" || rs[0].FeeCovered != 151 {
		t.Fatalf("receipt in the ledger: %+v", rs)
	}

	// Later, the donor signs in with the link emailed to them and
	// downloads their receipt.
	receiptMail := app.Mail.Message(app.Mail.WaitFor(1, 30*time.Second)[0].ID)
	if !strings.Contains(receiptMail.Text, "That is $40.00, and the $1.51 card fee you chose to cover.") ||
		!strings.Contains(receiptMail.Text, "In honour of Jo.") {
		t.Errorf("the receipt email does not give back what the donor chose:\n%s", receiptMail.Text)
	}
	do(t, ctx, "ask for a sign-in link",
		chromedp.Navigate(app.URL+"/account"),
		chromedp.SendKeys(`#email`, "browser@example.com"),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`#signin-sent`),
	)
	link := app.emailedLink("browser@example.com", 2)
	do(t, ctx, "sign in", chromedp.Navigate(link), chromedp.Click(`#confirm-sign-in`), chromedp.WaitVisible(`a.receipt-pdf`))
	if page := text(t, ctx, `main`); !strings.Contains(page, "Hello, Zoë") || !strings.Contains(page, want) {
		t.Errorf("account page: %q", page)
	}
	// Fetch the download link with the browser's own session cookie.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const r = await fetch(document.querySelector("a.receipt-pdf").href);
		const b = new Uint8Array(await r.arrayBuffer());
		let s = ""; for (const x of b) s += String.fromCharCode(x);
		return r.headers.get("content-type") + "|" + btoa(s);
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("downloading the receipt: %v", err)
	}
	kind, data, _ := strings.Cut(got, "|")
	pdf, err := base64.StdEncoding.DecodeString(data)
	if err != nil || kind != "application/pdf" {
		t.Fatalf("download: %s %v", kind, err)
	}
	if text := testenv.PDFText(t, pdf); !strings.Contains(text, "Receipt number: "+want) || !strings.Contains(text, "Zoë Browser") {
		t.Fatalf("downloaded receipt text:\n%s", text)
	}
}

// TestBrowserShowsFieldErrors submits a wrong form in the browser and
// checks the message sits by the field, tied to it for screen readers.
func TestBrowserShowsFieldErrors(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true})
	ctx := testenv.Browser(t)
	do(t, ctx, "submit a wrong email",
		chromedp.Navigate(app.URL+"/donate"),
		chromedp.WaitVisible(`#donate-form`),
		chromedp.SendKeys(`#email`, "ada@localhost"), // the browser's check lets it through; ours does not
		chromedp.SendKeys(`#name`, "Ada"),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`#email-error`),
	)
	emailErr := text(t, ctx, `#email-error`)
	described, err := chromedp.Run(ctx, chromedp.AttributeValue(`#email`, "aria-describedby"))
	if err != nil {
		t.Fatal(err)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(`#name`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(emailErr, "name@example.com") || !strings.Contains(described.Value, "email-error") || kept != "Ada" {
		t.Fatalf("error %q, aria-describedby %+v, name kept %q", emailErr, described, kept)
	}
	// The obvious mistakes the browser catches itself, before any request:
	// a minus sign, letters, three decimals, an email without an @.
	for _, tc := range [][2]string{{"#amount-other", "-5"}, {"#amount-other", "1e9"}, {"#amount-other", "25.555"}, {"#email", "not-an-email"}} {
		valid, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const f = document.querySelector("`+tc[0]+`"); f.value = "`+tc[1]+`"; const ok = f.checkValidity(); f.value = ""; return ok; })()`))
		if err != nil || valid {
			t.Errorf("%s = %q passes the browser's check (%v)", tc[0], tc[1], err)
		}
	}
	for _, ok := range []string{"25", "1,000.50", "$25.00", " 40 "} {
		valid, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const f = document.querySelector("#amount-other"); f.value = "`+ok+`"; const v = f.checkValidity(); f.value = ""; return v; })()`))
		if !valid {
			t.Errorf("the browser refuses the amount %q, which we take", ok)
		}
	}
}

// TestBrowserStaffFindsDonorAndDownloadsReport: a staff member signs in,
// searches a donor, opens the dashboard, and downloads the receipts CSV.
func TestBrowserStaffFindsDonorAndDownloadsReport(t *testing.T) {
	app := newApp(t, "postgres", appOptions{work: true})
	seedLedger(t, app)
	if _, err := app.Store.AddStaff(t.Context(), "fin@ledger.example", staffPassword, "staff", models.CommandLine); err != nil {
		t.Fatal(err)
	}
	ctx := testenv.Browser(t)
	do(t, ctx, "sign in",
		chromedp.Navigate(app.URL+"/admin"),
		chromedp.WaitVisible(`#password`),
		chromedp.SendKeys(`#email`, "fin@ledger.example"),
		chromedp.SendKeys(`#password`, staffPassword),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`#active-members`),
	)
	if dash := text(t, ctx, `main`); !strings.Contains(dash, "Dashboard") || !strings.Contains(dash, "$70.00") {
		t.Errorf("dashboard: %q", dash)
	}
	// A chart per currency paid in, each with its 24 bars; the latest
	// gifts include the one refunded since.
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`["USD", "EUR"].map(c => document.querySelectorAll("#chart-" + c + " svg rect").length)`))
	if err != nil || len(bars) != 2 || bars[0] != 24 || bars[1] != 24 {
		t.Errorf("charts: %v %v", bars, err)
	}
	// The figures in tiles: net (gross less refunds) per currency and the
	// number of gifts, this month and this fiscal year; members.
	tiles, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll("#tiles .stat")].map(
		li => [li.id, li.querySelector(".value").textContent + " | " + li.querySelector(".label").textContent]))`))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"month-net-usd": "$70.00 | Net this month (USD)", "month-net-eur": "€40.00 | Net this month (EUR)",
		"month-gifts": "3 | Gifts this month", "year-gifts": "3 | Gifts in fiscal year " + fmt.Sprint(time.Now().UTC().Year()),
		"active-members": "0 | Active members", "new-members": "0 | New members this month", "mrr": "$0.00 | Monthly recurring revenue"} {
		if tiles[id] != want {
			t.Errorf("tile %s = %q, want %q (all: %q)", id, tiles[id], want, tiles)
		}
	}
	// The chart's figures, as a table a screen reader and a keyboard can
	// read; its y-axis labelled from nothing to the highest month.
	table, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#chart-table-USD tbody tr")].map(r => r.textContent)`))
	if err != nil || len(table) != 24 || !strings.HasSuffix(table[23], "$125.00") || !strings.HasPrefix(table[23], time.Now().Format("January 2006")) {
		t.Errorf("chart table: %q %v", table, err)
	}
	axis, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#chart-USD svg text[text-anchor=end]")].map(e => e.textContent)`))
	if err != nil || strings.Join(axis, " ") != "$0.00 $62.50 $125.00" {
		t.Errorf("y-axis ticks: %q %v", axis, err)
	}
	if current, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".admin-nav [aria-current=page]").textContent`)); err != nil || current != "Dashboard" {
		t.Errorf("the navigation marks %q as the current page (%v)", current, err)
	}
	if latest := text(t, ctx, `#latest-gifts`); !strings.Contains(latest, "refunded") || !strings.Contains(latest, "€40.00") {
		t.Errorf("latest gifts: %q", latest)
	}
	do(t, ctx, "search a donor",
		chromedp.Navigate(app.URL+"/admin/donors"),
		chromedp.WaitVisible(`#q`),
		chromedp.SendKeys(`#q`, "BOB@"),
		chromedp.Submit(`#q`),
	)
	// The list of all donors is on the page before the search too: wait
	// for the answer to the search itself.
	waitFor(t, ctx, "the search's answer", `location.search.includes("q=BOB") && !!document.querySelector("#donors")`)
	if list := text(t, ctx, `#donors`); !strings.Contains(list, "bob@example.com") || strings.Contains(list, "ann@example.com") {
		t.Fatalf("search result: %q", list)
	}
	do(t, ctx, "open the donor", chromedp.Click(`#donors a`), chromedp.WaitVisible(`#donor-name`))
	// The receipts report of the year is made in the background; its page
	// offers the file once it is done.
	do(t, ctx, "make the receipts report", chromedp.Navigate(app.URL+"/admin/reports"), chromedp.WaitVisible(`#download-receipts`),
		chromedp.Click(`#download-receipts`), chromedp.WaitVisible(`#export-progress`))
	waitFor(t, ctx, "the report's download link", `!!document.querySelector("#export-link") && !document.querySelector("#export-download").hidden`)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const r = await fetch(document.querySelector("#export-link").href);
		return r.headers.get("content-disposition") + "|" + await r.text();
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	disposition, body, _ := strings.Cut(got, "|")
	if !strings.Contains(disposition, "receipts-") || !strings.HasPrefix(body, "number,status,") || !strings.Contains(body, "'@Ann Formula") {
		t.Fatalf("downloaded report: %s\n%s", disposition, body)
	}
}

// TestDonatePageComesBackFromTheBackForwardCache: a reader fills in the
// form, follows a link away and comes back: the browser restores the page
// from its back/forward cache (no reload, what they typed still there),
// and the form's token is still good.
func TestDonatePageComesBackFromTheBackForwardCache(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true})
	ctx := testenv.Browser(t)
	do(t, ctx, "fill in the form", chromedp.Navigate(app.URL+"/donate"), chromedp.WaitVisible(`#donate-form`),
		chromedp.SendKeys(`#email`, "back@example.com"), chromedp.SendKeys(`#name`, "Bea Back"),
		chromedp.Evaluate[chromedp.Void](`window.stillHere = "yes"`))
	do(t, ctx, "leave", chromedp.Navigate(app.URL+"/receipts/verify/NOSUCHCODE"), chromedp.WaitVisible(`#verify-unknown`))
	// history.back() after this call returns, not NavigateBack: a page
	// restored from the cache fires no load event to wait on.
	do(t, ctx, "come back", chromedp.Evaluate[chromedp.Void](`setTimeout(() => history.back(), 0)`))
	deadline := time.Now().Add(10 * time.Second)
	for {
		here, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname === "/donate" && document.readyState === "complete"`))
		if here || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	restored, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.stillHere || "reloaded"`))
	if err != nil || restored != "yes" {
		t.Fatalf("the donate page was not restored from the back/forward cache: %q %v", restored, err)
	}
	// chromedp's view of the DOM does not follow a restore from the
	// cache: the page is read and driven by script.
	if email, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("email").value`)); email != "back@example.com" {
		t.Errorf("email after coming back: %q", email)
	}
	do(t, ctx, "continue to payment", chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.getElementById("pay").click(), 0)`))
	deadline = time.Now().Add(10 * time.Second)
	for {
		path, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
		if strings.HasPrefix(path, "/demo/checkout/") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restored form did not reach the demo checkout (at %q): its token was refused?", path)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
