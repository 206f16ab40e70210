package handlers_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// syncBuffer collects log lines written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAccessLogHoldsNoSecrets: sign-in links, setup links and receipt
// codes are credentials; the access log names their route, never them.
func TestAccessLogHoldsNoSecrets(t *testing.T) {
	var logs syncBuffer
	app := newApp(t, "sqlite", appOptions{demo: true, logs: &logs})
	c := app.client()
	secret := "Sekr3tTok3nValue_abcdefghijklmnop"
	for _, path := range []string{"/account/sign-in/" + secret, "/admin/setup/" + secret, "/receipts/verify/" + secret, "/donate/restart/" + secret} {
		app.get(c, path)
	}
	out := logs.String()
	if strings.Contains(out, secret) {
		t.Fatalf("a token reached the log:\n%s", out)
	}
	for _, route := range []string{"/account/sign-in/:token", "/admin/setup/:token", "/receipts/verify/:code", "/donate/restart/:token"} {
		if !strings.Contains(out, "route="+route) {
			t.Errorf("the log does not name route %s:\n%s", route, out)
		}
	}
	if !strings.Contains(out, "path=/account/sign-in/[redacted]") {
		t.Errorf("the path is not logged redacted:\n%s", out)
	}
}

// TestNulBytesAreBadRequests: a NUL (or invalid UTF-8) in a path or a
// query is the client's mistake, answered 400; in a form, a 4xx with the
// form's own message; never a 500 from the database refusing it.
func TestNulBytesAreBadRequests(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{demo: true})
		c := app.client()
		for _, path := range []string{"/receipts/verify/%00", "/donate/thanks?session_id=%00", "/demo/checkout/%00",
			"/admin/donors?q=%00", "/account/sign-in/%00", "/donate?x=%ff%fe", "/admin/login?next=%00"} {
			resp, body := app.get(c, path)
			if resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "SQL") {
				t.Errorf("GET %s: %d, want 400", path, resp.StatusCode)
			}
		}
		token := app.csrfToken(c, "/admin/login")
		resp, _ := app.post(c, "/admin/login", url.Values{"csrf_token": {token}, "email": {"a\x00@example.org"}, "password": {"x"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST /admin/login with a NUL: %d, want 401", resp.StatusCode)
		}
		token = app.csrfToken(c, "/account")
		resp, _ = app.post(c, "/account/sign-in", url.Values{"csrf_token": {token}, "email": {"a@example.org\x00"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("POST /account/sign-in with a NUL: %d, want 422 (a message next to the field)", resp.StatusCode)
		}
	})
}

// TestRateLimitsKeyIPv6By64: an IPv6 client holds a whole /64, so the
// donate limit counts the /64, not each of its addresses.
func TestRateLimitsKeyIPv6By64(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{"TRUSTED_PROXIES": "127.0.0.1",
		"DONATE_RATE_PER_MINUTE": "1", "DONATE_RATE_BURST": "1"}})
	c := app.client()
	token := app.csrfToken(c, "/donate")
	post := func(from string) int {
		req, _ := http.NewRequest("POST", app.URL+"/donate", strings.NewReader(validForm(token).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("2001:db8:5:6::1"); code != http.StatusSeeOther {
		t.Fatalf("first gift: %d", code)
	}
	if code := post("2001:db8:5:6:ffff::2"); code != http.StatusTooManyRequests {
		t.Fatalf("another address in the same /64: %d, want 429", code)
	}
	if code := post("2001:db8:5:7::1"); code != http.StatusSeeOther {
		t.Fatalf("another /64: %d", code)
	}
}

// TestCurrencyIsCheckedAndTheChartEscaped: an event in a currency that is
// not an ISO 4217 code Stripe charges in is refused whole (a signed event
// once put markup on the staff dashboard through it); and the dashboard,
// built by html/template, escapes whatever a stored currency holds.
func TestCurrencyIsCheckedAndTheChartEscaped(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		markup := `"><img src=x onerror=alert(1)>`
		obj := testenv.PaidSession(t, "cs_evil", "", "evil@example.com", 250000)
		obj["currency"] = markup
		body := testenv.Event(t, "evt_evil", "checkout.session.completed", obj, "2023-10-16")
		if code, resp := app.deliver(body, testenv.Sign(body, webhookSecret, time.Now())); code != http.StatusUnprocessableEntity {
			t.Fatalf("an event in currency %q: %d %s, want 422", markup, code, resp)
		}
		if n := len(app.receipts(time.Now().Year())); n != 0 {
			t.Fatalf("%d receipts from a refused event", n)
		}
		// A row written by other means still cannot inject markup.
		now := time.Now().UTC()
		if _, err := app.Store.SQL().Exec(`INSERT INTO gifts (id, status, source, frequency, amount, fee_amount, total_amount, currency,
			email, name, paid_at, created_at, updated_at) VALUES ('g-evil', 'paid', 'stripe', 'once', 100, 0, 100, $1, 'e@example.com', 'E', $2, $2, $2)`, markup, now); err != nil {
			t.Fatal(err)
		}
		staff := app.staffClient("fin@ledger.example", models.RoleStaff)
		resp, page := app.get(staff, "/admin")
		if resp.StatusCode != 200 || strings.Contains(page, "<img src=x") {
			t.Fatalf("the dashboard printed a currency's markup (%d):\n%s", resp.StatusCode, page)
		}
	})
}

// TestCSRFIsCheckedByOriginAndToken: forms are refused when the browser
// says they come from another origin (a different scheme included, which
// gorilla/csrf's trusted origins let through), or without the token of
// their cookie; a token is masked afresh on every page; over https the
// cookie is __Host- prefixed.
func TestCSRFIsCheckedByOriginAndToken(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true})
	c := app.client()
	token := app.csrfToken(c, "/account")
	if other := app.csrfToken(c, "/account"); other == token {
		t.Fatal("the form token is not masked afresh per page")
	}
	host := strings.TrimPrefix(app.URL, "http://")
	post := func(token string, header map[string]string) int {
		req, _ := http.NewRequest("POST", app.URL+"/account/sign-in", strings.NewReader(url.Values{"csrf_token": {token}, "email": {"a@example.org"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, h := range map[string]map[string]string{
		"another site":             {"Origin": "https://evil.example"},
		"the host on https":        {"Origin": "https://" + host},
		"a cross-site fetch":       {"Sec-Fetch-Site": "cross-site"},
		"a same-site (not origin)": {"Sec-Fetch-Site": "same-site"},
	} {
		if code := post(token, h); code != http.StatusForbidden {
			t.Errorf("%s, with a valid token: %d, want 403", name, code)
		}
	}
	if code := post("", nil); code != http.StatusForbidden {
		t.Errorf("no token: %d", code)
	}
	if code := post(strings.Repeat("A", len(token)), nil); code != http.StatusForbidden {
		t.Errorf("a made-up token: %d", code)
	}
	if code := post(app.csrfToken(app.client(), "/account"), nil); code != http.StatusForbidden {
		t.Errorf("another visitor's token: %d", code)
	}
	if code := post(token, map[string]string{"Origin": app.URL, "Sec-Fetch-Site": "same-origin"}); code != http.StatusOK {
		t.Errorf("our own form: %d", code)
	}

	secure := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{"BASE_URL": "https://give.example.org", "DEMO": "true"}})
	resp, _ := secure.get(secure.client(), "/donate")
	cookie := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "__Host-csrf=") || !strings.Contains(cookie, "Secure") || !strings.Contains(cookie, "Path=/") ||
		strings.Contains(cookie, "Domain=") || !strings.Contains(cookie, "HttpOnly") {
		t.Errorf("over https the CSRF cookie is %q, want __Host-csrf, Secure, Path=/, HttpOnly, no Domain", cookie)
	}
}

// donorClient signs in the donor of email, as their emailed link would.
func (a *testApp) donorClient(email string) *http.Client {
	a.t.Helper()
	token, err := a.Store.IssueLoginToken(context.Background(), email)
	if err != nil {
		a.t.Fatal(err)
	}
	c := a.client()
	page := "/account/sign-in/" + token
	resp, _ := a.post(c, page, url.Values{"csrf_token": {a.csrfToken(c, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("donor sign-in: %d", resp.StatusCode)
	}
	return c
}

// TestAGiftNeverRewritesTheDonor: giving with Bob's email does not change
// Bob's name or address (nor his statement); the gift and its receipt keep
// what the giver typed. Bob changes his details on his own page, and an
// admin on his record, audited.
func TestAGiftNeverRewritesTheDonor(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		ctx := context.Background()
		bob := testenv.PaidSession(t, "cs_bob", "", "bob@example.com", 5000)
		bob["customer_details"].(map[string]any)["name"] = "Bob Donor"
		bob["customer_details"].(map[string]any)["address"] = map[string]any{"line1": "2 Elm St", "city": "Springfield", "postal_code": "11111", "country": "US"}
		app.deliverObject("evt_bob", "checkout.session.completed", bob)
		mallory := testenv.PaidSession(t, "cs_mal", "", "Bob@Example.com", 500)
		mallory["customer_details"].(map[string]any)["name"] = "Mallory Overwrite"
		mallory["customer_details"].(map[string]any)["address"] = map[string]any{"line1": "1 Attacker Way", "city": "Evil", "postal_code": "66666", "country": "US"}
		app.deliverObject("evt_mal", "checkout.session.completed", mallory)

		d, err := app.Store.DonorByEmail(ctx, "bob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if d.Name != "Bob Donor" || d.Address.Line1 != "2 Elm St" {
			t.Fatalf("a gift rewrote Bob's record: %q, %+v", d.Name, d.Address)
		}
		var names []string
		for _, r := range app.receipts(time.Now().In(app.Config.Location).Year()) {
			names = append(names, r.DonorName+" / "+r.DonorAddressLine1)
		}
		if strings.Join(names, "|") != "Bob Donor / 2 Elm St|Mallory Overwrite / 1 Attacker Way" {
			t.Fatalf("each receipt keeps what its gift said: %q", names)
		}

		// Bob, signed in, corrects his own details.
		c := app.donorClient("bob@example.com")
		_, page := app.get(c, "/account")
		token := csrfField.FindStringSubmatch(page)[1]
		resp, body := app.post(c, "/account/profile", url.Values{"csrf_token": {token}, "name": {"Robert Donor"}, "address_line1": {"3 Oak St"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter the town or city") {
			t.Fatalf("a partial address: %d", resp.StatusCode)
		}
		resp, _ = app.post(c, "/account/profile", url.Values{"csrf_token": {token}, "name": {"Robert Donor"},
			"address_line1": {"3 Oak St"}, "address_city": {"Shelbyville"}, "address_postal_code": {"22222"}, "address_country": {"US"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("saving Bob's details: %d", resp.StatusCode)
		}
		if _, page := app.get(c, "/account"); !strings.Contains(page, "Your details are saved.") || !strings.Contains(page, `value="3 Oak St"`) {
			t.Fatal("the saved details and their notice are not on Bob's page")
		}
		if _, page := app.get(c, "/account"); strings.Contains(page, "Your details are saved.") {
			t.Fatal("the notice shows more than once")
		}
		if d, _ := app.Store.DonorByEmail(ctx, "bob@example.com"); d.Name != "Robert Donor" || d.Address.City != "Shelbyville" {
			t.Fatalf("Bob's own change was not kept: %+v", d)
		}

		// An admin corrects it again; the audit log says who.
		admin := app.staffClient("fin@ledger.example", models.RoleAdmin)
		_, page = app.get(admin, "/admin/donors/"+d.ID)
		resp, _ = app.post(admin, "/admin/donors/"+d.ID+"/profile", url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]},
			"name": {"Robert B. Donor"}, "address_line1": {"3 Oak St"}, "address_city": {"Shelbyville"}, "address_country": {"US"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/donors/"+d.ID {
			t.Fatalf("admin edit: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if d, _ := app.Store.DonorByEmail(ctx, "bob@example.com"); d.Name != "Robert B. Donor" {
			t.Fatalf("the admin's change was not kept: %+v", d)
		}
		entries, _ := app.Store.AuditLog(ctx, 10)
		if len(entries) == 0 || entries[0].Action != "edited donor" || entries[0].StaffEmail != "fin@ledger.example" || entries[0].Detail != d.ID {
			t.Fatalf("no audit entry for the edit: %+v", entries)
		}
	})
}

// TestSignInRequestDoesTheSameWorkForAnyAddress: the request for a link
// writes the same thing, one queued job, whether or not the address ever
// gave; what differs (a token, an email) happens later, in the job. Before,
// a known address wrote an email and a job and an unknown one only read,
// which timing told apart.
func TestSignInRequestDoesTheSameWorkForAnyAddress(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		app.deliverObject("evt_known", "checkout.session.completed", testenv.PaidSession(t, "cs_known", "", "known@example.com", 1000))
		count := func(q string) int {
			var n int
			if err := app.Store.SQL().QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		footprint := func() [3]int {
			return [3]int{count(`SELECT COUNT(*) FROM river_job WHERE kind = 'sign_in_request'`),
				count(`SELECT COUNT(*) FROM email_messages`), count(`SELECT COUNT(*) FROM donor_login_tokens`)}
		}
		c := app.client()
		token := app.csrfToken(c, "/account")
		var deltas [][3]int
		for _, email := range []string{"known@example.com", "stranger@example.com"} {
			before := footprint()
			if resp, _ := app.post(c, "/account/sign-in", url.Values{"csrf_token": {token}, "email": {email}}); resp.StatusCode != 200 {
				t.Fatalf("%s: %d", email, resp.StatusCode)
			}
			after := footprint()
			deltas = append(deltas, [3]int{after[0] - before[0], after[1] - before[1], after[2] - before[2]})
		}
		if deltas[0] != [3]int{1, 0, 0} || deltas[1] != deltas[0] {
			t.Fatalf("rows written (jobs, emails, tokens): known %v, unknown %v; want one job each and nothing else", deltas[0], deltas[1])
		}
	})
}

// TestDecember31InLosAngeles: a gift at 18:00 on December 31 in Los
// Angeles (02:00 UTC on January 1) is numbered in 2025, and every date a
// person reads says December 31, 2025: the PDF, the verification page, the
// email, the statement and the report.
func TestDecember31InLosAngeles(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{mail: true, env: map[string]string{"TIMEZONE": "America/Los_Angeles"}})
	la, _ := time.LoadLocation("America/Los_Angeles")
	at := time.Date(2025, 12, 31, 18, 0, 0, 0, la)
	body := testenv.EventAt(t, "evt_nye", "checkout.session.completed", testenv.PaidSession(t, "cs_nye", "", "nye@example.com", 5000), at)
	if code, resp := app.deliver(body, testenv.Sign(body, webhookSecret, time.Now())); code != 200 {
		t.Fatalf("%d %s", code, resp)
	}
	rs := app.receipts(2025)
	if len(rs) != 1 || !strings.HasPrefix(rs[0].Number, "2025-") || rs[0].TimeZone != "America/Los_Angeles" {
		t.Fatalf("receipts of 2025: %+v", rs)
	}
	r := rs[0]
	var pdf bytes.Buffer
	if err := documents.New(app.URL, time.UTC).Receipt(&pdf, &r); err != nil {
		t.Fatal(err)
	}
	if text := testenv.PDFText(t, pdf.Bytes()); !strings.Contains(text, "Date of gift: December 31, 2025") || strings.Contains(text, "January 1, 2026") {
		t.Errorf("the PDF prints another day:\n%s", text)
	}
	if _, page := app.get(app.client(), "/receipts/verify/"+r.VerificationCode); !strings.Contains(page, r.IssuedAt.In(la).Format("January 2, 2006")) {
		t.Errorf("the verification page prints the issue date in another zone")
	}
	msgs := app.Mail.WaitFor(1, 30*time.Second)
	if text := app.Mail.Message(msgs[0].ID).Text; !strings.Contains(text, "on December 31, 2025") {
		t.Errorf("the email prints another day:\n%s", text)
	}
	d, _ := app.Store.DonorByEmail(context.Background(), "nye@example.com")
	staff := app.staffClient("fin@ledger.example", models.RoleStaff)
	resp, err := staff.Get(app.URL + "/admin/donors/" + d.ID + "/statements/2025.pdf")
	if err != nil {
		t.Fatal(err)
	}
	st, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if text := testenv.PDFText(t, st); !strings.Contains(text, r.Number+" 2025-12-31") {
		t.Errorf("the statement prints another day:\n%s", text)
	}
	_, rows := readCSV(t, staff, app.URL+"/admin/reports/receipts.csv?year=2025")
	if len(rows) != 2 || !strings.HasPrefix(rows[1][3], "2025-12-31T18:00:00-08:00") {
		t.Errorf("the report's gift date: %q", rows)
	}
}

// TestPretendReceiptsSayTest: a receipt paid in demo or Stripe test mode
// says "TEST — not a receipt" on its PDF and its verification page; one
// paid with real money does not.
func TestPretendReceiptsSayTest(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{mail: true})
	app.deliverObject("evt_test", "checkout.session.completed", testenv.PaidSession(t, "cs_test", "", "t@example.com", 1000))
	live := testenv.PaidSession(t, "cs_live", "", "l@example.com", 1000)
	live["livemode"] = true
	app.deliverObject("evt_live", "checkout.session.completed", live)
	rs := app.receipts(time.Now().In(app.Config.Location).Year())
	if len(rs) != 2 || rs[0].Livemode || !rs[1].Livemode {
		t.Fatalf("receipts: %+v", rs)
	}
	for i, r := range rs {
		test := i == 0
		_, page := app.get(app.client(), "/receipts/verify/"+r.VerificationCode)
		var pdf bytes.Buffer
		if err := documents.New(app.URL, nil).Receipt(&pdf, &r); err != nil {
			t.Fatal(err)
		}
		text := testenv.PDFText(t, pdf.Bytes())
		if strings.Contains(page, "TEST — not a receipt") != test || strings.Contains(text, "TEST — not a receipt") != test {
			t.Errorf("receipt %s (test mode: %v): verification page or PDF wrong about it", r.Number, test)
		}
		if strings.Contains(page, "valid as issued") == test {
			t.Errorf("receipt %s (test mode: %v): verification page says valid: %v", r.Number, test, !test)
		}
	}
	// The emails say it too: in the subject and on the first line.
	msgs := app.Mail.WaitFor(2, 30*time.Second)
	for _, s := range msgs {
		m := app.Mail.Message(s.ID)
		test := m.To[0].Address == "t@example.com"
		if strings.HasPrefix(m.Subject, "[TEST — not a receipt] ") != test || strings.HasPrefix(m.Text, "TEST — not a receipt") != test {
			t.Errorf("email to %s (test mode: %v): subject %q, text starts %q", m.To[0].Address, test, m.Subject, m.Text[:min(60, len(m.Text))])
		}
	}
	if len(msgs) != 2 {
		t.Errorf("%d emails, want 2", len(msgs))
	}
}

// countingReader yields n bytes of a multipart-looking body and counts
// what was taken from it.
type countingReader struct {
	left, read int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > r.left {
		n = r.left
	}
	for i := range p[:n] {
		p[i] = 'a'
	}
	r.left -= n
	r.read += n
	return int(n), nil
}

// TestBodiesAreCappedBeforeTheyAreRead: a 100 MB multipart post to a
// form (sent without a length, as a stream) is refused with 413 before
// any of it is stored, and nothing lands in the temporary directory; an
// upper-case form content type meets the same cap as a lower-case one.
func TestBodiesAreCappedBeforeTheyAreRead(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the multipart reader would spill files
	app := newApp(t, "sqlite", appOptions{demo: true})
	c := app.client()
	token := app.csrfToken(c, "/account")
	for _, path := range []string{"/account/sign-in", "/donate", "/admin/login"} {
		body := &countingReader{left: 100 << 20}
		req, _ := http.NewRequest(http.MethodPost, app.URL+path, io.MultiReader(
			strings.NewReader("--XYZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"+token+"\r\n--XYZ\r\n"+
				"Content-Disposition: form-data; name=\"email\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"), body))
		req.Header.Set("Content-Type", "Multipart/Form-Data; boundary=XYZ")
		req.Header.Set("Origin", app.URL)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v (the server should answer, not drop the connection)", path, err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(page), "Too much sent") {
			t.Fatalf("%s: 100 MB multipart: %d\n%s", path, resp.StatusCode, page)
		}
		if body.read > 8<<20 {
			t.Fatalf("%s: the client sent %d MB before the answer", path, body.read>>20)
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Fatalf("the temporary directory holds %d files after the refusals", len(entries))
	}
	big := url.Values{"csrf_token": {token}, "email": {strings.Repeat("a", 70<<10) + "@example.com"}}.Encode()
	for _, ct := range []string{"application/x-www-form-urlencoded", "APPLICATION/X-WWW-FORM-URLENCODED"} {
		req, _ := http.NewRequest(http.MethodPost, app.URL+"/account/sign-in", io.NopCloser(strings.NewReader(big))) // no length: streamed
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Origin", app.URL)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("a 70 KB form as %s: %d, want 413", ct, resp.StatusCode)
		}
	}
}
