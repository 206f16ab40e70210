package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/indienews/donations/testenv"
)

// tabTo presses Tab until the element with id has the focus, as a
// keyboard user moves through a page.
func tabTo(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	for i := 0; i < 80; i++ {
		if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)); got == id {
			return
		}
		do(t, ctx, "press Tab", chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("Tab never reached #%s", id)
}

// TestBrowserKeyboardGiftPassesTheChallenge: with the proof of work on
// (the default) and the site-wide limits at theirs, a reader using only
// the keyboard fills the form and presses Enter on the button; the page's
// worker has solved the challenge, the server admits it as solved (not
// through the no-JavaScript budget), and the reader lands on Checkout.
// axe finds nothing on the form, nor on the form sent back with the
// challenge's message beside the button.
func TestBrowserKeyboardGiftPassesTheChallenge(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, env: cardTestingDefaults()})
	ctx := testenv.Browser(t)
	do(t, ctx, "open the donate page", chromedp.Navigate(app.URL+"/donate"), chromedp.WaitVisible(`#donate-form`))
	testenv.Axe(t, ctx, "donate form with its challenge")

	tabTo(t, ctx, "amount-other")
	do(t, ctx, "type an amount", chromedp.KeyEvent("30"))
	tabTo(t, ctx, "email")
	do(t, ctx, "type an email", chromedp.KeyEvent("keys@example.com"))
	tabTo(t, ctx, "name")
	do(t, ctx, "type a name", chromedp.KeyEvent("Kay Board"))
	tabTo(t, ctx, "pay")
	do(t, ctx, "press Enter", chromedp.KeyEvent(kb.Enter))
	deadline := time.Now().Add(20 * time.Second)
	for {
		path, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
		if strings.HasPrefix(path, "/demo/checkout/") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Enter on the button did not reach Checkout (at %q)", path)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if amount := text(t, ctx, `#demo-amount`); amount != "$30.00" {
		t.Errorf("checkout amount %q", amount)
	}
	m := app.metricsText()
	if metricValue(m, `donations_donate_admitted_total{path="challenge"}`) != 1 || metricValue(m, `donations_donate_admitted_total{path="nojs"}`) != 0 {
		t.Fatalf("the form was not admitted on a solved challenge:\n%s", grepLines(m, "donations_donate"))
	}

	// A made-up solution comes back with the message by the button.
	do(t, ctx, "send a forged solution", chromedp.Navigate(app.URL+"/donate"), chromedp.WaitVisible(`#donate-form`),
		chromedp.SendKeys(`#email`, "keys@example.com"), chromedp.SendKeys(`#name`, "Kay Board"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("input[name=challenge]").value = "Zm9yZ2Vk"; document.getElementById("donate-form").submit()`),
		chromedp.WaitVisible(`#challenge-error`))
	if msg := text(t, ctx, `#challenge-error`); !strings.Contains(msg, "did not pass") {
		t.Errorf("challenge error %q", msg)
	}
	testenv.Axe(t, ctx, "donate form refused for its challenge")
}
