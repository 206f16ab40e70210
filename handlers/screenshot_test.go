package handlers_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/indienews/donations/testenv"
)

// TestDonatePageFitsTheFirstScreen looks at /donate on a laptop
// (1280×900) and a phone (390×844): on the laptop the amount, how often,
// the email, the name and the pay button are all on the first screen; on
// the phone nothing is wider than the screen. SCREENSHOT_DIR=dir keeps a
// full-page PNG of each (donate-laptop.png, donate-phone.png).
func TestDonatePageFitsTheFirstScreen(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{
		"APPEAL_TEXT":   "Our reporters read the **public record** so you don't have to.\\nEvery gift pays for it.",
		"PRESET_IMPACT": "50=pays for a public-records request", "MEMBERSHIP_TIERS": "Supporter|60|a tote bag|12"}})
	ctx := testenv.Browser(t)
	for _, size := range []struct {
		name string
		w, h int64
	}{{"laptop", 1280, 900}, {"phone", 390, 844}, {"small-phone", 375, 667}} {
		do(t, ctx, "open the donate page at "+size.name, chromedp.EmulateViewport(size.w, size.h),
			chromedp.Navigate(app.URL+"/donate"), chromedp.WaitVisible(`#pay`))
		bottom, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("#pay").getBoundingClientRect().bottom + window.scrollY`))
		if err != nil {
			t.Fatal(err)
		}
		width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: the pay button ends %.0f px down; the page is %.0f px wide", size.name, bottom, width)
		if size.name == "laptop" && bottom > float64(size.h) {
			t.Errorf("on a laptop the pay button ends %.0f px down, below the first %d px", bottom, size.h)
		}
		// On a phone the first screen reaches the amount, how often and the
		// start of the details, and the button is within a screen and a half.
		if size.name != "laptop" {
			if bottom > 1.5*float64(size.h) {
				t.Errorf("at %s the pay button ends %.0f px down, past a screen and a half (%.0f px)", size.name, bottom, 1.5*float64(size.h))
			}
			for _, sel := range []string{"#amount-other", "#frequency-month", "#email"} {
				top, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("`+sel+`").getBoundingClientRect().top + window.scrollY`))
				if top > float64(size.h) {
					t.Errorf("at %s %s starts %.0f px down, below the first screen", size.name, sel, top)
				}
			}
		}
		if width > float64(size.w) {
			t.Errorf("at %s the page is %.0f px wide, wider than the screen's %d", size.name, width, size.w)
		}
		if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
			if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				_ = os.WriteFile(filepath.Join(dir, "donate-"+size.name+".png"), shot, 0o644)
			}
		}
	}
}
