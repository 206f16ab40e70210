package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestDemoMailboxKeepsEveryEmail: a newcomer in demo mode with no SMTP
// server gives, then asks for a sign-in link: both emails are on the demo
// mailbox page, linked from the banner, with their text, their links (the
// sign-in link works) and the receipt's PDF.
func TestDemoMailboxKeepsEveryEmail(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, work: true})
	c := app.client()
	_, page := app.get(c, "/donate")
	if !strings.Contains(page, `<a href="/demo/mailbox">mailbox</a>`) {
		t.Fatalf("the demo banner does not link the mailbox:\n%s", page)
	}
	resp, _ := app.post(c, "/donate", validForm(csrfField.FindStringSubmatch(page)[1]))
	checkout := strings.TrimPrefix(resp.Header.Get("Location"), app.URL)
	_, page = app.get(c, checkout)
	if resp, _ := app.post(c, checkout+"/pay", url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("demo pay: %d", resp.StatusCode)
	}
	signIn := app.client()
	if resp, _ := app.post(signIn, "/account/sign-in", url.Values{"csrf_token": {app.csrfToken(signIn, "/account")}, "email": {"reader@example.com"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("asking for a sign-in link: %d", resp.StatusCode)
	}

	row := regexp.MustCompile(`<a href="(/demo/mailbox/[^"/]+)">([^<]+)</a></td><td>([^<]+)</td>`)
	var rows [][]string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && len(rows) < 2; time.Sleep(100 * time.Millisecond) {
		_, body := app.get(c, "/demo/mailbox")
		rows = row.FindAllStringSubmatch(body, -1)
	}
	if len(rows) != 2 {
		t.Fatalf("mailbox rows: %q", rows)
	}
	byKind := map[string][]string{}
	for _, r := range rows {
		kind := "receipt"
		if strings.Contains(r[2], "Sign in") || strings.Contains(r[2], "sign in") || strings.Contains(r[2], "sign-in") {
			kind = "sign-in"
		}
		byKind[kind] = r
	}
	receipt, link := byKind["receipt"], byKind["sign-in"]
	if receipt == nil || link == nil || receipt[3] != "1 PDF" || link[3] != "—" {
		t.Fatalf("mailbox rows: %q", rows)
	}

	_, body := app.get(c, receipt[1])
	if !strings.Contains(body, "reader@example.com") || !strings.Contains(body, "Thank you for your gift of $25.00") {
		t.Errorf("receipt message page:\n%s", body)
	}
	pdfLink := regexp.MustCompile(`href="(` + regexp.QuoteMeta(receipt[1]) + `/[^"]+\.pdf)"`).FindStringSubmatch(body)
	if pdfLink == nil {
		t.Fatalf("no PDF link on the message page:\n%s", body)
	}
	resp, pdf := app.get(c, pdfLink[1])
	if resp.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(testenv.PDFText(t, []byte(pdf)), "Ada Reader") {
		t.Errorf("the attached PDF: %s", resp.Header.Get("Content-Type"))
	}

	_, body = app.get(c, link[1])
	signInURL := regexp.MustCompile(`<a href="(` + regexp.QuoteMeta(app.URL) + `/account/sign-in/[^"]+)"`).FindStringSubmatch(body)
	if signInURL == nil {
		t.Fatalf("no sign-in link on the message page:\n%s", body)
	}
	path := strings.TrimPrefix(signInURL[1], app.URL)
	_, confirm := app.get(signIn, path)
	if resp, _ := app.post(signIn, path, url.Values{"csrf_token": {csrfField.FindStringSubmatch(confirm)[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("following the mailbox's sign-in link: %d", resp.StatusCode)
	}
	if _, body := app.get(signIn, "/account"); !strings.Contains(body, "$25.00") {
		t.Errorf("the donor page after signing in:\n%s", body)
	}
}

// TestDemoMailboxExistsOnlyInDemoMode: with Stripe keys, or in demo mode
// with an SMTP server, there is no mailbox page and no banner link to it.
func TestDemoMailboxExistsOnlyInDemoMode(t *testing.T) {
	for name, o := range map[string]appOptions{"with Stripe keys": {work: true}, "demo with SMTP": {demo: true, mail: true}} {
		t.Run(name, func(t *testing.T) {
			app := newApp(t, "sqlite", o)
			c := app.client()
			for _, path := range []string{"/demo/mailbox", "/demo/mailbox/1", "/demo/mailbox/1/receipt.pdf"} {
				if resp, _ := app.get(c, path); resp.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
				}
			}
			if _, page := app.get(c, "/donate"); strings.Contains(page, "/demo/mailbox") {
				t.Errorf("the donate page links the mailbox")
			}
		})
	}
}

// TestPublicDemoMailboxShowsEachBrowserItsOwnMail: a demo shown on a
// public address (DEMO=true). The victim gives and pays; an attacker asks
// for a sign-in link in the victim's name and opens the mailbox: they see
// nothing of the victim's, and no sign-in link, not even by its number.
// The victim sees their receipt, and no sign-in link either.
func TestPublicDemoMailboxShowsEachBrowserItsOwnMail(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, work: true, env: map[string]string{"BASE_URL": "http://demo.example.org", "DEMO": "true"}})
	local := func(u string) string { return strings.TrimPrefix(u, "http://demo.example.org") }
	victim, attacker := app.client(), app.client()
	resp, _ := app.post(victim, "/donate", validForm(app.csrfToken(victim, "/donate")))
	checkout := local(resp.Header.Get("Location"))
	_, page := app.get(victim, checkout)
	if resp, _ := app.post(victim, checkout+"/pay", url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("demo pay: %d", resp.StatusCode)
	}
	if resp, _ := app.post(attacker, "/account/sign-in", url.Values{"csrf_token": {app.csrfToken(attacker, "/account")}, "email": {"reader@example.com"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("asking for a sign-in link: %d", resp.StatusCode)
	}
	// Both messages are made (the sign-in link too), whoever may see them.
	sent := func() int {
		ms, err := app.Store.Emails(t.Context(), models.EmailSent)
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}
	for deadline := time.Now().Add(30 * time.Second); sent() < 2 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if n := sent(); n != 2 {
		t.Fatalf("%d messages made, want the receipt and the sign-in link", n)
	}
	row := regexp.MustCompile(`<a href="(/demo/mailbox/[^"/]+)">([^<]+)</a>`)
	_, mine := app.get(victim, "/demo/mailbox")
	rows := row.FindAllStringSubmatch(mine, -1)
	if len(rows) != 1 || !strings.Contains(rows[0][2], "receipt") || strings.Contains(mine, "sign-in/") {
		t.Fatalf("the victim's mailbox: %q\n%s", rows, mine)
	}
	_, theirs := app.get(attacker, "/demo/mailbox")
	if row.MatchString(theirs) || strings.Contains(theirs, "reader@example.com") {
		t.Fatalf("the attacker's mailbox shows the victim's mail:\n%s", theirs)
	}
	for _, id := range []string{"1", "2", "3"} {
		if resp, _ := app.get(attacker, "/demo/mailbox/"+id); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("the attacker opened message %s: %d", id, resp.StatusCode)
		}
		if resp, body := app.get(victim, "/demo/mailbox/"+id); resp.StatusCode == http.StatusOK && strings.Contains(body, "/account/sign-in/") {
			t.Fatalf("message %s shows a sign-in link on a public demo", id)
		}
	}
	if resp, _ := app.get(attacker, rows[0][1]+"/receipt-"+"x.pdf"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the attacker fetched an attachment: %d", resp.StatusCode)
	}
}
