package handlers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

func rawGet(t *testing.T, u string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestDonateBoxScriptAndMeter: box.js and a campaign's meter carry an
// ETag and a public Cache-Control, answer 304 when nothing changed, set
// no cookie, and allow exactly the news site's origin. The meter is made
// at most once per three seconds: a gift shows after that, not before.
// The script is under 6 KB gzipped.
func TestDonateBoxScriptAndMeter(t *testing.T) {
	clock := newClock(time.Now().UTC())
	app := newApp(t, "sqlite", appOptions{clock: clock, env: map[string]string{"NEWS_SITE_ORIGINS": "https://news.example"}})
	resp, body := rawGet(t, app.URL+"/box.js", map[string]string{"Accept-Encoding": "gzip"})
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || etag == "" ||
		resp.Header.Get("Cache-Control") != "public, max-age=3600" || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("box.js: %d %v", resp.StatusCode, resp.Header)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" || len(body) > 6*1024 {
		t.Errorf("box.js is %d bytes on the wire (%s), want gzip under 6 KB", len(body), resp.Header.Get("Content-Encoding"))
	}
	if zr, err := gzip.NewReader(bytes.NewReader(body)); err != nil {
		t.Error(err)
	} else if js, _ := io.ReadAll(zr); !bytes.Contains(js, []byte("data-donations-box")) {
		t.Error("box.js is not the box's script")
	} else {
		// Its words come in each language, the site's default first.
		for _, w := range []string{`var WORDS = {"en":{`, `"fr":{"closed":" (terminée)"`, `"Donner chaque mois"`, `"Donar cada mes"`} {
			if !bytes.Contains(js, []byte(w)) {
				t.Errorf("box.js lacks %s", w)
			}
		}
	}
	if resp, _ := rawGet(t, app.URL+"/box.js", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("box.js again: %d, want 304", resp.StatusCode)
	}

	camp := &models.Campaign{Slug: "drive", Name: "Drive", GoalAmount: 100000, Currency: "usd",
		StartsAt: clock.Now().AddDate(0, 0, -1), EndsAt: clock.Now().AddDate(0, 1, 0)}
	if err := app.Store.SaveCampaign(t.Context(), camp, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	meter := app.URL + "/box/meter/drive.json"
	resp, body = rawGet(t, meter, map[string]string{"Origin": "https://news.example"})
	etag = resp.Header.Get("ETag")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://news.example" || etag == "" ||
		resp.Header.Get("Vary") != "Origin" || resp.Header.Get("Set-Cookie") != "" || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "public, max-age=3") ||
		!bytes.Contains(body, []byte(`"raised":0,"goal":100000`)) {
		t.Fatalf("meter: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	// Its figures as each language writes them.
	if !bytes.Contains(body, []byte(`"fr":{"raised":"0,00`+"\u00a0"+`$","goal":"1`+"\u00a0"+`000,00`+"\u00a0"+`$"}`)) {
		t.Errorf("the meter lacks its French figures:\n%s", body)
	}
	if resp, _ := rawGet(t, meter, map[string]string{"Origin": "https://evil.example"}); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the meter allows another origin")
	}
	if resp, _ := rawGet(t, meter, map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("meter again: %d, want 304", resp.StatusCode)
	}
	if resp, _ := rawGet(t, app.URL+"/box/meter/nope.json", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown meter: %d", resp.StatusCode)
	}

	// A gift: the meter shows it once it is older than three seconds.
	c := app.client()
	form := validForm(app.csrfToken(c, "/donate?campaign=drive"))
	form.Set("campaign", "drive")
	form.Set("amount", "50")
	resp, _ = app.post(c, "/donate", form)
	g := giftOfSession(t, app, resp.Header.Get("Location"))
	app.deliverObject("evt_box", "checkout.session.completed", testenv.PaidSession(t, *g.StripeSessionID, g.ID, g.Email, 5000))
	if _, body := rawGet(t, meter, nil); !bytes.Contains(body, []byte(`"raised":0,`)) {
		t.Errorf("the meter was made again within three seconds:\n%s", body)
	}
	clock.Advance(4 * time.Second)
	resp, body = rawGet(t, meter, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"raised":5000,`)) || resp.Header.Get("ETag") == etag {
		t.Errorf("after four seconds: %d\n%s", resp.StatusCode, body)
	}
}

// TestDonateBoxOnANewsPage puts the staff page's snippet on a page of
// another origin (the news site) in Chromium: the script adds amount
// buttons that open our form with the amount, the campaign and the
// article, and the meter; the news page gets no cookie; the plain link
// works without JavaScript through the Referer.
func TestDonateBoxOnANewsPage(t *testing.T) {
	var mu sync.Mutex
	article := ""
	news := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="es-US"><head><title>City hall</title></head><body><main><h1>City hall</h1><p>Story.</p>`+article+`</main></body></html>`)
	}))
	t.Cleanup(news.Close)
	app := newApp(t, "sqlite", appOptions{env: map[string]string{"NEWS_SITE_ORIGINS": news.URL}})
	camp := &models.Campaign{Slug: "drive", Name: "Drive", GoalAmount: 100000, Currency: "usd", PresetAmounts: "35, 70",
		StartsAt: time.Now().AddDate(0, 0, -1), EndsAt: time.Now().AddDate(0, 1, 0)}
	if err := app.Store.SaveCampaign(t.Context(), camp, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	staff := app.staffClient("fin@ledger.example", models.RoleStaff)
	_, page := app.get(staff, "/admin/box")
	m := regexp.MustCompile(`(?s)<code id="snippet-drive">(.*?)</code>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no snippet for the campaign:\n%s", page)
	}
	mu.Lock()
	article = html.UnescapeString(m[1])
	mu.Unlock()

	ctx := testenv.Browser(t)
	// The page is read by script: chromedp's own view of the DOM loses
	// track of it once box.js adds its <style> element.
	do(t, ctx, "the article", chromedp.Navigate(news.URL+"/2026/11/city-hall"))
	waitFor(t, ctx, "the box's buttons and meter", `!!document.querySelector(".donations-box-amount") && !!document.querySelector(".donations-box-meter")`)
	hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".donations-box a")].map(a => a.href)`))
	if err != nil {
		t.Fatal(err)
	}
	want := app.URL + "/donate?article=" + strings.ReplaceAll(strings.ReplaceAll(news.URL, ":", "%3A"), "/", "%2F") + "%2F2026%2F11%2Fcity-hall&campaign=drive"
	// The article is in Spanish: the box speaks it, and opens the form in it.
	if len(hrefs) != 4 || hrefs[0] != want+"&lang=es" || hrefs[1] != want+"&amount=35&frequency=once&lang=es" || hrefs[3] != want+"&frequency=month&lang=es" {
		t.Fatalf("box links: %q, want %q…", hrefs, want)
	}
	if meter, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".donations-box-meter").textContent`)); !strings.Contains(meter, "$0.00 recaudados de la meta de $1,000.00") {
		t.Errorf("meter: %q", meter)
	}
	if monthly, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".donations-box-monthly").textContent`)); monthly != "Donar cada mes" {
		t.Errorf("the monthly button reads %q", monthly)
	}
	if cookie, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil || cookie != "" {
		t.Errorf("the news page has cookies: %q %v", cookie, err)
	}
	// A phone's taps: every link of the box is at least 44 px each way.
	sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[...document.querySelectorAll(".donations-box-amounts a")].flatMap(a => { const r = a.getBoundingClientRect(); return [r.width, r.height]; })`))
	if err != nil || len(sizes) != 6 {
		t.Fatalf("box link sizes %v %v", sizes, err)
	}
	for _, v := range sizes {
		if v < 44 {
			t.Errorf("a box link is %.0f px, under 44: %v", v, sizes)
		}
	}

	// From a newsletter: the article's utm_ parameters go with the gift.
	do(t, ctx, "the article from a newsletter", chromedp.Navigate(news.URL+"/2026/11/city-hall?utm_source=newsletter&utm_medium=email&utm_campaign=dec+drive&other=x"))
	waitFor(t, ctx, "the box's buttons", `!!document.querySelector(".donations-box-amount")`)
	hrefs, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".donations-box a")].map(a => a.href)`))
	if err != nil || !strings.HasSuffix(hrefs[1], "&amount=35&frequency=once&lang=es&utm_source=newsletter&utm_medium=email&utm_campaign=dec%20drive") || strings.Contains(hrefs[1], "other") {
		t.Fatalf("box links from a newsletter: %q %v", hrefs, err)
	}
	do(t, ctx, "an amount", chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.querySelector(".donations-box-amount").click(), 0)`))
	waitFor(t, ctx, "the form", `location.pathname === "/donate" && !!document.getElementById("donate-form")`)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector("#amount-35").checked + "", document.querySelector("input[name=article]").value]`))
	if err != nil || got[0] != "true" || got[1] != news.URL+"/2026/11/city-hall" {
		t.Errorf("the form from the box: %q %v", got, err)
	}
	if utm, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("input[name^=utm_]")].map(i => i.name + "=" + i.value).join("&")`)); err != nil ||
		utm != "utm_source=newsletter&utm_medium=email&utm_campaign=dec-drive" { // cleaned as any tag is
		t.Errorf("the form from the box carries %q (%v)", utm, err)
	}

	// Without JavaScript: the plain link, and the Referer names the article.
	c := app.client()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", app.URL+"/give/drive", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("GET", app.URL+resp.Header.Get("Location"), nil)
	req.Header.Set("Referer", news.URL+"/2026/11/city-hall")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `<input type="hidden" name="article" value="`+news.URL+`/2026/11/city-hall">`) {
		t.Errorf("the Referer did not name the article")
	}
}
