package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/handlers"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/testenv"
)

const staffPassword = "correct horse battery"

// staffClient signs in a new account of role and returns its client.
func (a *testApp) staffClient(email, role string) *http.Client {
	a.t.Helper()
	if _, err := a.Store.AddStaff(context.Background(), email, staffPassword, role, models.CommandLine); err != nil {
		a.t.Fatal(err)
	}
	c := a.client()
	resp, body := a.post(c, "/admin/login", url.Values{"csrf_token": {a.csrfToken(c, "/admin/login")}, "email": {email}, "password": {staffPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("staff sign-in: %d\n%s", resp.StatusCode, body)
	}
	return c
}

// TestEveryAdminRouteRefusesTheWrongPeople walks the whole route table:
// anonymous requests never reach an /admin page, staff never reach an
// admin-only one.
func TestEveryAdminRouteRefusesTheWrongPeople(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	srv, err := handlers.New(handlers.Deps{Config: app.Config, Store: app.Store, Gateway: nopGateway{}, Verifier: nopVerifier{}})
	if err != nil {
		t.Fatal(err)
	}
	adminOnly := map[string]bool{
		"POST /admin/donors/:id/merge": true, "POST /admin/donors/:id/profile": true, "POST /admin/receipts/:file/resend": true, "POST /admin/receipts/:file/void": true, "POST /admin/receipts/:file/correct": true,
		"POST /admin/emails/:id/retry": true, "GET /admin/staff": true, "POST /admin/staff": true,
		"POST /admin/staff/disable": true, "GET /admin/audit": true, "POST /admin/reports/gift-aid": true,
		"GET /admin/webhooks": true, "POST /admin/webhooks": true, "GET /admin/webhooks/:id": true, "POST /admin/webhooks/:id/rotate": true, "POST /admin/webhooks/:id/disable": true,
		"POST /admin/webhooks/:id/enable": true, "POST /admin/webhooks/:id/test": true, "POST /admin/webhooks/:id/replay": true, "POST /admin/webhooks/:id/replay-range": true,
	}
	public := map[string]bool{"GET /admin/login": true, "POST /admin/login": true, "POST /admin/logout": true,
		"GET /admin/setup/:token": true, "POST /admin/setup/:token": true}
	staff := app.staffClient("staff@ledger.example", models.RoleStaff)
	_, page := app.get(staff, "/admin")
	token := csrfField.FindStringSubmatch(page)[1]
	checked := 0
	for _, rt := range srv.RouteTable() {
		method, path := rt[0], rt[1]
		if !strings.HasPrefix(path, "/admin") || public[method+" "+path] {
			continue
		}
		concrete := strings.NewReplacer(":id", "00000000-0000-0000-0000-000000000000", ":file", "x.pdf", ":token", "t").Replace(path)
		checked++
		// Anonymous, with and without a form token.
		anon := app.client()
		for _, form := range []url.Values{nil, {"csrf_token": {app.csrfToken(anon, "/admin/login")}}} {
			req, _ := http.NewRequest(method, app.URL+concrete, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := anon.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// With a valid form token the refusal must come from the sign-in
			// check itself, not from CSRF.
			refused := (resp.StatusCode == http.StatusUnauthorized && strings.Contains(string(b), "Please sign in")) ||
				(resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/admin/login")) ||
				(form == nil && resp.StatusCode == http.StatusForbidden && method != http.MethodGet)
			if !refused {
				t.Errorf("anonymous %s %s (form token: %v) answered %d", method, concrete, form != nil, resp.StatusCode)
			}
		}
		// A staff member on an admin-only route, with a valid form token.
		if adminOnly[method+" "+path] {
			req, _ := http.NewRequest(method, app.URL+concrete, strings.NewReader(url.Values{"csrf_token": {token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := staff.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "Only admins can do this.") {
				t.Errorf("staff %s %s answered %d, want 403 from the role check", method, concrete, resp.StatusCode)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d /admin routes checked", checked)
	}
}

// TestStaffLoginGrowingDelay: one message for every failure; a client's
// failures on one account earn it a delay that doubles, which the account's
// owner, signing in from another address, never meets.
func TestStaffLoginGrowingDelay(t *testing.T) {
	clock := newClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	app := newApp(t, "sqlite", appOptions{clock: clock, env: map[string]string{"TRUSTED_PROXIES": "127.0.0.1"}})
	if _, err := app.Store.AddStaff(context.Background(), "fin@ledger.example", staffPassword, models.RoleAdmin, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	c := app.client()
	token := app.csrfToken(c, "/admin/login")
	try := func(from, email, password string) (int, string, string) {
		req, _ := http.NewRequest("POST", app.URL+"/admin/login", strings.NewReader(url.Values{"csrf_token": {token},
			"email": {email}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
	}
	const attacker, owner = "203.0.113.9", "198.51.100.7"
	_, _, unknown := try(attacker, "nobody@ledger.example", "whatever password")
	_, _, wrong := try(attacker, "fin@ledger.example", "wrong password!!")
	msg := "That email and password do not match an active staff account."
	if !strings.Contains(unknown, msg) || !strings.Contains(wrong, msg) {
		t.Fatal("sign-in failures do not share one message")
	}
	for i := 0; i < 2; i++ { // three free failures on this account
		if code, _, _ := try(attacker, "fin@ledger.example", "wrong password!!"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+2, code)
		}
	}
	// Then a delay that doubles: 1 s, 2 s, 4 s.
	for _, wait := range []int{1, 2, 4} {
		code, retry, body := try(attacker, "fin@ledger.example", "wrong password!!")
		if code != http.StatusTooManyRequests || retry != fmt.Sprint(wait) || !strings.Contains(body, "Too many sign-in attempts") {
			t.Fatalf("during a %d s delay: %d, Retry-After %q", wait, code, retry)
		}
		clock.Advance(time.Duration(wait) * time.Second)
		if code, _, _ := try(attacker, "fin@ledger.example", "wrong password!!"); code != http.StatusUnauthorized {
			t.Fatalf("after the %d s delay: %d", wait, code)
		}
	}
	// The attacker's address is held up even with the right password...
	if code, _, _ := try(attacker, "fin@ledger.example", staffPassword); code != http.StatusTooManyRequests {
		t.Fatalf("the right password from the throttled address: %d", code)
	}
	// ...but the owner, from their own address, is not locked out.
	if code, _, _ := try(owner, "fin@ledger.example", staffPassword); code != http.StatusSeeOther {
		t.Fatalf("the owner from another address: %d, want 303", code)
	}
	// A success clears that address's failures on the account.
	for i := 0; i < 2; i++ {
		try(owner, "fin@ledger.example", "a mistyped password")
	}
	if code, _, _ := try(owner, "fin@ledger.example", staffPassword); code != http.StatusSeeOther {
		t.Fatalf("the owner after two typos: %d", code)
	}
	if code, _, _ := try(owner, "fin@ledger.example", "one more typo!"); code != http.StatusUnauthorized {
		t.Fatalf("after a success the count starts over: %d", code)
	}
	// Without a form token, nothing is even tried.
	resp, _ := app.post(app.client(), "/admin/login", url.Values{"email": {"fin@ledger.example"}, "password": {staffPassword}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login without CSRF token: %d", resp.StatusCode)
	}
	entries, _ := app.Store.AuditLog(context.Background(), 50)
	failed := 0
	for _, e := range entries {
		if e.Action == "sign-in failed" {
			failed++
		}
	}
	if failed != 10 {
		t.Fatalf("%d failed sign-ins in the audit log, want 10 (throttled attempts are not tried)", failed)
	}
}

// TestStaffLoginRaceIsCounted: 25 parallel sign-ins with wrong passwords
// from an address that already failed 10 times are counted as they start:
// at most the free attempts on the account are checked, and the rest wait.
// Before, all 25 were checked. The right password then waits out the
// delay like any other.
func TestStaffLoginRaceIsCounted(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		// The clock stands still, so no delay runs out during the burst.
		clock := newClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
		app := newApp(t, db, appOptions{clock: clock})
		if _, err := app.Store.AddStaff(context.Background(), "fin@ledger.example", staffPassword, models.RoleAdmin, models.CommandLine); err != nil {
			t.Fatal(err)
		}
		c := app.client()
		token := app.csrfToken(c, "/admin/login")
		for i := 0; i < 10; i++ {
			resp, _ := app.post(c, "/admin/login", url.Values{"csrf_token": {token}, "email": {fmt.Sprintf("guess%d@ledger.example", i)}, "password": {"a guessed password"}})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("seeding failure %d: %d", i, resp.StatusCode)
			}
		}
		codes := make(chan int, 25)
		var wg sync.WaitGroup
		for i := 0; i < 25; i++ {
			// All wrong: a success among them would rightly clear the
			// account's delay for this client, and let the rest be checked.
			password := "wrong password " + fmt.Sprint(i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := c.PostForm(app.URL+"/admin/login", url.Values{"csrf_token": {token}, "email": {"fin@ledger.example"}, "password": {password}})
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		checked := map[int]int{}
		for code := range codes {
			checked[code]++
		}
		if tried := 25 - checked[http.StatusTooManyRequests]; tried > models.SignInFreeAttempts {
			t.Fatalf("%d of 25 parallel attempts had their password checked (%v), want at most %d", tried, checked, models.SignInFreeAttempts)
		}
		// The right password waits too, until the delay has passed.
		right := url.Values{"csrf_token": {token}, "email": {"fin@ledger.example"}, "password": {staffPassword}}
		if resp, _ := app.post(c, "/admin/login", right); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("the right password during the delay: %d", resp.StatusCode)
		}
		clock.Advance(time.Hour)
		if resp, _ := app.post(c, "/admin/login", right); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the right password after the delay: %d", resp.StatusCode)
		}
	})
}

// TestStaffLoginThrottledPerIP: one address trying many accounts is
// stopped after 20 attempts, even with the right password at the end.
func TestStaffLoginThrottledPerIP(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	if _, err := app.Store.AddStaff(context.Background(), "fin@ledger.example", staffPassword, models.RoleAdmin, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	c := app.client()
	token := app.csrfToken(c, "/admin/login")
	for i := 0; i < 20; i++ {
		resp, _ := app.post(c, "/admin/login", url.Values{"csrf_token": {token}, "email": {fmt.Sprintf("guess%d@ledger.example", i)}, "password": {"a guessed password"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp, body := app.post(c, "/admin/login", url.Values{"csrf_token": {token}, "email": {"fin@ledger.example"}, "password": {staffPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many sign-in attempts") {
		t.Fatalf("21st attempt from one address: %d", resp.StatusCode)
	}
}

// TestStaffLoginThrottleHoldsAcrossInstances: failures counted by one
// server throttle the same account on another (or after a restart): the
// count lives in the database.
func TestStaffLoginThrottleHoldsAcrossInstances(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		if _, err := app.Store.AddStaff(context.Background(), "fin@ledger.example", staffPassword, models.RoleAdmin, models.CommandLine); err != nil {
			t.Fatal(err)
		}
		c := app.client()
		token := app.csrfToken(c, "/admin/login")
		for i := 0; i < 5; i++ {
			app.post(c, "/admin/login", url.Values{"csrf_token": {token}, "email": {"fin@ledger.example"}, "password": {"a wrong password"}})
		}
		other, err := handlers.New(handlers.Deps{Config: app.Config, Store: app.Store, Gateway: nopGateway{}, Verifier: nopVerifier{}})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(other.Handler())
		defer hs.Close()
		second := &testApp{t: t, URL: hs.URL, Store: app.Store, Config: app.Config}
		c2 := second.client()
		resp, body := second.post(c2, "/admin/login", url.Values{"csrf_token": {second.csrfToken(c2, "/admin/login")},
			"email": {"fin@ledger.example"}, "password": {staffPassword}})
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many sign-in attempts") {
			t.Fatalf("the other instance let the account try again: %d", resp.StatusCode)
		}
		// Another account from another client is not held up.
		if _, err := app.Store.AddStaff(context.Background(), "aud@ledger.example", staffPassword, models.RoleStaff, models.CommandLine); err != nil {
			t.Fatal(err)
		}
		if resp, _ := second.post(c2, "/admin/login", url.Values{"csrf_token": {second.csrfToken(c2, "/admin/login")},
			"email": {"aud@ledger.example"}, "password": {staffPassword}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("another account: %d", resp.StatusCode)
		}
	})
}

// seedLedger pays gifts in two currencies, refunds one partly and one
// fully, and returns what the reports must say.
func seedLedger(t *testing.T, app *testApp) {
	t.Helper()
	deliver := app.deliverObject
	a := testenv.PaidSession(t, "cs_r1", "", "ann@example.com", 10000)
	a["customer_details"].(map[string]any)["name"] = "@Ann Formula"
	deliver("evt_r1", "checkout.session.completed", a)
	deliver("evt_r2", "checkout.session.completed", testenv.PaidSession(t, "cs_r2", "", "bob@example.com", 2500))
	eur := testenv.PaidSession(t, "cs_r3", "", "ann.other@example.com", 4000)
	eur["currency"] = "eur"
	deliver("evt_r3", "checkout.session.completed", eur)
	deliver("evt_r4", "charge.refunded", testenv.Charge(t, "ch_r1", "pi_cs_r1", "", 10000, 3000))
	deliver("evt_r5", "charge.refunded", testenv.Charge(t, "ch_r2", "pi_cs_r2", "", 2500, 2500))
}

func readCSV(t *testing.T, c *http.Client, u string) (*http.Response, [][]string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v", u, err)
	}
	return resp, rows
}

func TestReportsCellByCell(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		seedLedger(t, app)
		c := app.staffClient("fin@ledger.example", models.RoleStaff)
		fy := time.Now().UTC().Year()
		resp, rows := readCSV(t, c, fmt.Sprintf("%s/admin/reports/receipts.csv?year=%d", app.URL, fy))
		if resp.Header.Get("Content-Disposition") != fmt.Sprintf(`attachment; filename="receipts-%d.csv"`, fy) {
			t.Errorf("Content-Disposition %q", resp.Header.Get("Content-Disposition"))
		}
		n := func(i int) string { return fmt.Sprintf("%d-%06d", fy, i) }
		// number, status, donor_name, frequency, amount, currency, deductible, replaces, void_reason
		want := [][]string{
			{n(1), "void", "'@Ann Formula", "once", "100.00", "usd", "100.00", "", "partially refunded ($30.00 of $100.00)"},
			{n(2), "void", "Sample Donor", "once", "25.00", "usd", "25.00", "", "refunded in full"},
			{n(3), "issued", "Sample Donor", "once", "40.00", "eur", "40.00", "", ""},
			{n(4), "issued", "'@Ann Formula", "once", "70.00", "usd", "70.00", n(1), ""},
		}
		cols := map[string]int{}
		for i, h := range rows[0] {
			cols[h] = i
		}
		if len(rows) != len(want)+1 {
			t.Fatalf("%d rows: %q", len(rows), rows)
		}
		for i, w := range want {
			got := rows[i+1]
			for j, name := range []string{"number", "status", "donor_name", "frequency", "amount", "currency", "deductible_amount", "replaces", "void_reason"} {
				if got[cols[name]] != w[j] {
					t.Errorf("row %d %s = %q, want %q", i+1, name, got[cols[name]], w[j])
				}
			}
		}
		// The other twelve columns, cell by cell.
		rest := []struct {
			email, payment string
			voided         bool
		}{{"ann@example.com", "pi_cs_r1", true}, {"bob@example.com", "pi_cs_r2", true},
			{"ann.other@example.com", "pi_cs_r3", false}, {"ann@example.com", "pi_cs_r1", false}}
		for i, w := range rest {
			got := rows[i+1]
			cell := func(name string) string { return got[cols[name]] }
			for _, name := range []string{"issued_at", "gift_date"} {
				if _, err := time.Parse(time.RFC3339, cell(name)); err != nil {
					t.Errorf("row %d %s = %q: %v", i+1, name, cell(name), err)
				}
			}
			if _, err := time.Parse(time.RFC3339, cell("voided_at")); (err == nil) != w.voided {
				t.Errorf("row %d voided_at = %q", i+1, cell("voided_at"))
			}
			for name, want := range map[string]string{"fiscal_year": fmt.Sprint(fy), "donor_email": w.email, "stripe_payment_id": w.payment,
				"fee_covered": "0.00", "benefit_value": "0.00", "donor_address_line1": "", "donor_address_city": "",
				"donor_address_postal_code": "", "donor_address_country": "", "donor_address_line2": "", "donor_address_state": "", "original_amount": "", "original_currency": "", "exchange_rate": "",
				"dedication_type": "", "dedication_name": "", "anonymous": "no",
				// Gifts through Stripe are by card, with no reference.
				"method": "card", "method_reference": "", "description": "", "appraiser": ""} {
				if cell(name) != want {
					t.Errorf("row %d %s = %q, want %q", i+1, name, cell(name), want)
				}
			}
		}
		if len(cols) != 34 {
			t.Errorf("%d columns, want 34: %q", len(cols), rows[0])
		}
		// A date range: today holds the four; a range last year holds none;
		// an end before its start is refused.
		today := time.Now().UTC().Format("2006-01-02")
		resp, byRange := readCSV(t, c, app.URL+"/admin/reports/receipts.csv?from="+today+"&to="+today)
		if fmt.Sprint(byRange) != fmt.Sprint(rows) || !strings.Contains(resp.Header.Get("Content-Disposition"), "receipts-"+today+"_"+today+".csv") {
			t.Errorf("today's range differs from the fiscal year's: %q", byRange)
		}
		if _, none := readCSV(t, c, app.URL+"/admin/reports/receipts.csv?from=2020-01-01&to=2020-12-31"); len(none) != 1 {
			t.Errorf("2020: %d rows", len(none))
		}
		if resp, _ := app.get(c, "/admin/reports/receipts.csv?from="+today+"&to=2020-01-01"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("reversed range answered %d", resp.StatusCode)
		}
		month := time.Now().UTC().Format("2006-01")
		_, rows = readCSV(t, c, fmt.Sprintf("%s/admin/reports/summary.csv?year=%d", app.URL, fy))
		wantSummary := [][]string{
			{"month", "currency", "gross", "refunds", "disputed", "net", "gifts", "new_members", "cancelled_members",
				"stripe_fees", "net_after_fees", "gifts_with_fees_known"},
			// No gift here has its balance transaction, so no fee is known
			// and the last column says so.
			{month, "eur", "40.00", "0.00", "0.00", "40.00", "1", "0", "0", "0.00", "40.00", "0"},
			{month, "usd", "125.00", "55.00", "0.00", "70.00", "2", "0", "0", "0.00", "70.00", "0"},
		}
		if fmt.Sprint(rows) != fmt.Sprint(wantSummary) {
			t.Fatalf("summary:\n got %q\nwant %q", rows, wantSummary)
		}
		// Staff see the gifts list with totals per currency for a filter.
		_, body := app.get(c, "/admin/gifts?frequency=once&min=30")
		if !strings.Contains(body, "USD: 1 gifts, $100.00, refunded $30.00") || !strings.Contains(body, "EUR: 1 gifts, €40.00") {
			t.Errorf("gift totals:\n%s", body)
		}
		if resp, _ := app.get(c, "/admin/gifts?min=abc"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("bad filter answered %d", resp.StatusCode)
		}
		if resp, _ := app.get(c, "/admin/reports/receipts.csv?year=20x6"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("bad year answered %d", resp.StatusCode)
		}
	})
}

func TestMergeKeepsEveryReceiptAndTotal(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		seedLedger(t, app)
		ctx := context.Background()
		ann, _ := app.Store.DonorByEmail(ctx, "ann@example.com")
		other, _ := app.Store.DonorByEmail(ctx, "ann.other@example.com")
		before := len(app.receipts(time.Now().UTC().Year()))
		totalBefore := giftTotal(t, app, ann.ID) + giftTotal(t, app, other.ID)
		if totalBefore == giftTotal(t, app, ann.ID) {
			t.Fatal("the merged record has no gifts: the test would prove nothing")
		}
		c := app.staffClient("admin@ledger.example", models.RoleAdmin)
		_, page := app.get(c, "/admin/donors/"+ann.ID)
		body := app.postRedirected(c, "/admin/donors/"+ann.ID+"/merge", url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}, "from_email": {"ann.other@example.com"}},
			"/admin/donors/"+ann.ID)
		if !strings.Contains(body, "moved 1 gifts, 1 receipts") {
			t.Fatalf("merge:\n%s", body)
		}
		rs, _ := app.Store.AllReceiptsOfDonor(ctx, ann.ID)
		if len(rs) != 3 || len(app.receipts(time.Now().UTC().Year())) != before {
			t.Fatalf("after merge: %d receipts of Ann, %d in all (was %d)", len(rs), len(app.receipts(time.Now().UTC().Year())), before)
		}
		if left, _ := app.Store.AllReceiptsOfDonor(ctx, other.ID); len(left) != 0 {
			t.Fatalf("receipts left on the merged record: %d", len(left))
		}
		// Searching no longer finds the merged record; the person is found once.
		_, body = app.get(c, "/admin/donors?q=ANN")
		if strings.Count(body, "/admin/donors/") != 1 || !strings.Contains(body, "ann@example.com") {
			t.Fatalf("search after merge:\n%s", body)
		}
		// The merged email still finds the person, and an old link to the
		// merged record leads to theirs.
		_, body = app.get(c, "/admin/donors?q=ann.other")
		if strings.Count(body, "/admin/donors/") != 1 || !strings.Contains(body, "/admin/donors/"+ann.ID) {
			t.Fatalf("search by the merged email:\n%s", body)
		}
		if resp, _ := app.get(c, "/admin/donors/"+other.ID); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/donors/"+ann.ID {
			t.Fatalf("merged record's page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Money moves whole: Ann's gifts now add up to both records' before.
		if got := giftTotal(t, app, ann.ID); got != totalBefore {
			t.Fatalf("Ann's gifts total %d after the merge, want %d", got, totalBefore)
		}
		entries, _ := app.Store.AuditLog(ctx, 10)
		if entries[0].Action != "merged donors" || entries[0].StaffEmail != "admin@ledger.example" {
			t.Fatalf("audit %+v", entries[0])
		}
	})
}

// TestAdminActionsOnReceiptsAndEmails: resend, void by hand, retry an
// unsent email, start the statements zip; each lands in the audit log.
func TestAdminActionsOnReceiptsAndEmails(t *testing.T) {
	app := newApp(t, "postgres", appOptions{})
	seedLedger(t, app)
	ctx := context.Background()
	c := app.staffClient("admin@ledger.example", models.RoleAdmin)
	bob, _ := app.Store.DonorByEmail(ctx, "ann.other@example.com")
	rs, _ := app.Store.AllReceiptsOfDonor(ctx, bob.ID)
	_, page := app.get(c, "/admin/donors/"+bob.ID)
	token := csrfField.FindStringSubmatch(page)[1]
	before, _ := app.Store.DonorEmails(ctx, bob.ID)
	body := app.postRedirected(c, "/admin/receipts/"+rs[0].ID+"/resend", url.Values{"csrf_token": {token}}, "/admin/donors/"+bob.ID)
	after, _ := app.Store.DonorEmails(ctx, bob.ID)
	if !strings.Contains(body, "will be sent again") || len(after) != len(before)+1 {
		t.Fatalf("resend: %d emails before, %d after", len(before), len(after))
	}
	if resp, _ := app.post(c, "/admin/receipts/"+rs[0].ID+"/void", url.Values{"csrf_token": {token}, "reason": {""}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("void without a reason: %d", resp.StatusCode)
	}
	body = app.postRedirected(c, "/admin/receipts/"+rs[0].ID+"/void", url.Values{"csrf_token": {token}, "reason": {"gift returned by cheque"}}, "/admin/donors/"+bob.ID)
	if !strings.Contains(body, "Void: voided by staff: gift returned by cheque") || !strings.Contains(body, "is void.") {
		t.Fatalf("void:\n%s", body)
	}
	if resp, _ := app.post(c, "/admin/receipts/"+rs[0].ID+"/void", url.Values{"csrf_token": {token}, "reason": {"again"}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("second void: %d", resp.StatusCode)
	}
	// An email kept as unsent is listed, and retried on request.
	msgs, _ := app.Store.DonorEmails(ctx, bob.ID)
	if err := app.Store.MarkEmailFailed(ctx, msgs[0].ID, models.EmailUnsent, "SMTP_URL is not configured"); err != nil {
		t.Fatal(err)
	}
	_, body = app.get(c, "/admin/emails")
	if !strings.Contains(body, "SMTP_URL is not configured") || !strings.Contains(body, "/admin/emails/"+msgs[0].ID+"/retry") {
		t.Fatalf("emails page:\n%s", body)
	}
	if resp, _ := app.post(c, "/admin/emails/"+msgs[0].ID+"/retry", url.Values{"csrf_token": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	if m, _ := app.Store.EmailByID(ctx, msgs[0].ID); m.Status != models.EmailQueued {
		t.Fatalf("after retry: %s", m.Status)
	}
	app.startExport(c, url.Values{"kind": {"statements"}, "year": {fmt.Sprint(time.Now().UTC().Year())}})
	var actions []string
	entries, _ := app.Store.AuditLog(ctx, 20)
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"resent receipt", "voided receipt", "retried email", "started report", "signed in"} {
		if !strings.Contains(strings.Join(actions, ","), want) {
			t.Errorf("audit log lacks %q: %v", want, actions)
		}
	}
}

// postRedirected posts a form that must succeed with a 303 to want (post,
// redirect, get), then loads that page and returns it: it shows what the
// action did, once.
func (a *testApp) postRedirected(c *http.Client, path string, form url.Values, want string) string {
	a.t.Helper()
	resp, body := a.post(c, path, form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		a.t.Fatalf("POST %s: %d to %q, want 303 to %s\n%s", path, resp.StatusCode, resp.Header.Get("Location"), want, body)
	}
	resp, page := a.get(c, want)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="notice"`) {
		a.t.Fatalf("GET %s after POST %s: %d, no notice", want, path, resp.StatusCode)
	}
	if _, again := a.get(c, want); strings.Contains(again, `id="notice"`) {
		a.t.Fatalf("the notice on %s shows twice", want)
	}
	return page
}

// giftTotal adds up a donor's paid gifts.
func giftTotal(t *testing.T, app *testApp, donorID string) int64 {
	t.Helper()
	gifts, err := app.Store.GiftsOfDonor(context.Background(), donorID)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, g := range gifts {
		sum += g.TotalAmount
	}
	return sum
}

// TestDonorWithManyGifts: a donor's page shows the newest 50 gifts, the
// totals of all of them, and a link to the gifts list filtered to them.
func TestDonorWithManyGifts(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	for i := 0; i < 55; i++ {
		app.deliverObject(fmt.Sprintf("evt_many_%d", i), "checkout.session.completed",
			testenv.PaidSession(t, fmt.Sprintf("cs_many_%d", i), "", "many@example.com", 1000))
	}
	donor, err := app.Store.DonorByEmail(context.Background(), "many@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c := app.staffClient("fin@ledger.example", models.RoleStaff)
	_, page := app.get(c, "/admin/donors/"+donor.ID)
	if !strings.Contains(page, "55 gifts, $550.00 (refunded $0.00)") || !strings.Contains(page, `<a href="/admin/gifts?donor=`+donor.ID+`">all 55 gifts</a>`) {
		t.Fatalf("donor page:\n%s", page)
	}
	giftsTable := page[strings.Index(page, "<h2>Gifts</h2>"):strings.Index(page, "<h2>Receipts</h2>")]
	if n := strings.Count(giftsTable, "<td>$10.00</td>"); n != 50 {
		t.Fatalf("%d gift rows on the donor page, want the newest 50", n)
	}
	_, list := app.get(c, "/admin/gifts?donor="+donor.ID)
	if !strings.Contains(list, "USD: 55 gifts, $550.00") || !strings.Contains(list, `name="donor" value="`+donor.ID+`"`) || !strings.Contains(list, "page=2") {
		t.Fatalf("gifts filtered to the donor:\n%s", list)
	}
}

// TestStaffAccountsPostRedirectGet: adding and disabling accounts answer
// 303 to the list, which says what happened once (a reload repeats
// nothing); a change that did not happen leaves no audit row.
func TestStaffAccountsPostRedirectGet(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	ctx := context.Background()
	c := app.staffClient("admin@ledger.example", models.RoleAdmin)
	token := app.csrfToken(c, "/admin/staff")
	page := app.postRedirected(c, "/admin/staff", url.Values{"csrf_token": {token}, "email": {"new@ledger.example"}, "role": {"staff"}}, "/admin/staff")
	m := regexp.MustCompile(`shown only now: ([A-Za-z0-9]+)`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the generated password is not shown:\n%s", page)
	}
	if resp, _ := app.post(app.client(), "/admin/login", url.Values{"csrf_token": {token}}); resp.StatusCode != http.StatusForbidden {
		t.Fatal("a form token worked without its cookie")
	}
	newcomer := app.client()
	if resp, _ := app.post(newcomer, "/admin/login", url.Values{"csrf_token": {app.csrfToken(newcomer, "/admin/login")},
		"email": {"new@ledger.example"}, "password": {m[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the shown password does not sign in: %d", resp.StatusCode)
	}
	page = app.postRedirected(c, "/admin/staff/disable", url.Values{"csrf_token": {token}, "email": {"new@ledger.example"}}, "/admin/staff")
	if !strings.Contains(page, "Disabled new@ledger.example.") {
		t.Fatalf("disable:\n%s", page)
	}
	before, _ := app.Store.AuditLog(ctx, 100)
	if resp, body := app.post(c, "/admin/staff/disable", url.Values{"csrf_token": {token}, "email": {"nobody@ledger.example"}}); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(body, "There is no staff account nobody@ledger.example.") {
		t.Fatalf("disabling an unknown account: %d", resp.StatusCode)
	}
	after, _ := app.Store.AuditLog(ctx, 100)
	if len(after) != len(before) {
		t.Fatalf("an audit row for a change that did not happen: %+v", after[0])
	}
}

// TestCorrectAndReissue: a receipt with a wrong name is cancelled, kept,
// and replaced by one with the corrected details that names it; the donor
// is emailed the new one once; the audit log says who. A resend of the new
// one stays a copy, not another receipt.
func TestCorrectAndReissue(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		ctx := context.Background()
		s := testenv.PaidSession(t, "cs_fix", "", "fix@example.com", 5000)
		s["customer_details"].(map[string]any)["name"] = "Jon Smiht"
		app.deliverObject("evt_fix", "checkout.session.completed", s)
		d, _ := app.Store.DonorByEmail(ctx, "fix@example.com")
		rs, _ := app.Store.AllReceiptsOfDonor(ctx, d.ID)
		c := app.staffClient("admin@ledger.example", models.RoleAdmin)
		_, page := app.get(c, "/admin/donors/"+d.ID)
		if !strings.Contains(page, `action="/admin/receipts/`+rs[0].ID+`/correct"`) || !strings.Contains(page, `value="Jon Smiht"`) {
			t.Fatal("no correct-and-reissue form filled with the receipt's details")
		}
		token := csrfField.FindStringSubmatch(page)[1]
		if resp, body := app.post(c, "/admin/receipts/"+rs[0].ID+"/correct", url.Values{"csrf_token": {token}, "name": {""}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "Enter the name") {
			t.Fatalf("no name: %d", resp.StatusCode)
		}
		body := app.postRedirected(c, "/admin/receipts/"+rs[0].ID+"/correct", url.Values{"csrf_token": {token}, "name": {"Jon Smith"},
			"address_line1": {"4 Elm St"}, "address_city": {"Springfield"}, "address_country": {"US"}}, "/admin/donors/"+d.ID)
		after, _ := app.Store.AllReceiptsOfDonor(ctx, d.ID)
		if len(after) != 2 || !strings.Contains(body, "is cancelled and replaced by "+after[0].Number) {
			t.Fatalf("after correcting: %d receipts\n%s", len(after), body)
		}
		newer, old := after[0], after[1]
		if old.Status != models.ReceiptVoid || old.VoidReason != "cancelled and replaced: corrected name and address" || old.DonorName != "Jon Smiht" ||
			newer.Status != models.ReceiptIssued || newer.Replaces != old.Number || newer.DonorName != "Jon Smith" ||
			newer.DonorAddressLine1 != "4 Elm St" || newer.Amount != 5000 {
			t.Fatalf("old %+v\nnew %+v", old, newer)
		}
		emails, _ := app.Store.DonorEmails(ctx, d.ID)
		replacements := 0
		for _, m := range emails {
			if m.Kind == models.EmailReplacement && m.ReceiptID != nil && *m.ReceiptID == newer.ID {
				replacements++
			}
		}
		if replacements != 1 {
			t.Fatalf("%d replacement emails for the corrected receipt", replacements)
		}
		entries, _ := app.Store.AuditLog(ctx, 5)
		if entries[0].Action != "corrected receipt" || !strings.Contains(entries[0].Detail, old.Number+" replaced by "+newer.Number) {
			t.Fatalf("audit: %+v", entries[0])
		}
		// Correcting the void original is refused; a resend is a copy.
		if resp, _ := app.post(c, "/admin/receipts/"+old.ID+"/correct", url.Values{"csrf_token": {token}, "name": {"X"}}); resp.StatusCode != http.StatusConflict {
			t.Fatalf("correcting a void receipt: %d", resp.StatusCode)
		}
		app.postRedirected(c, "/admin/receipts/"+newer.ID+"/resend", url.Values{"csrf_token": {token}}, "/admin/donors/"+d.ID)
		if again, _ := app.Store.AllReceiptsOfDonor(ctx, d.ID); len(again) != 2 {
			t.Fatalf("a resend issued a receipt: %d", len(again))
		}
	})
}

// TestFirstRunSignsInTheFirstAdmin: before any staff account exists, the
// sign-in page says where the setup link is; the setup form names its
// email field for password managers; completing it signs the new admin in
// and lands on the dashboard, with no second password prompt.
func TestFirstRunSignsInTheFirstAdmin(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	c := app.client()
	resp, page := app.get(c, "/admin")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("/admin signed out: %d", resp.StatusCode)
	}
	_, page = app.get(c, "/admin/login")
	if !strings.Contains(page, `id="no-staff"`) || !strings.Contains(page, "standard output") || !strings.Contains(page, "setup_url") {
		t.Fatalf("the sign-in page does not say where the setup link is:\n%s", page)
	}
	link, err := app.Store.CreateSetupLink(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, form := app.get(c, "/admin/setup/"+link)
	if !strings.Contains(form, `id="email" name="email" type="email" autocomplete="username"`) {
		t.Fatalf("the setup email field:\n%s", form)
	}
	resp, _ = app.post(c, "/admin/setup/"+link, url.Values{"csrf_token": {csrfField.FindStringSubmatch(form)[1]},
		"email": {"boss@ledger.example"}, "password": {staffPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" {
		t.Fatalf("setup: %d to %q, want the dashboard", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, page := app.get(c, "/admin"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Dashboard") {
		t.Fatalf("the new admin is not signed in: %d", resp.StatusCode)
	}
	if _, page := app.get(app.client(), "/admin/login"); strings.Contains(page, `id="no-staff"`) {
		t.Fatal("the sign-in page still says no staff account exists")
	}
}

// TestEmptyStaffPagesSaySo: on a newsroom's first day every staff page
// has words where its tables would be, and the dashboard, rather than
// eight zeros, lists the next steps: the settings still missing,
// connecting Stripe, embedding the box.
func TestEmptyStaffPagesSaySo(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{demo: true, env: map[string]string{"ORG_NAME": "", "ORG_TAX_ID": "", "ORG_ADDRESS": ""}})
	camp := &models.Campaign{Slug: "drive", Name: "Drive", GoalAmount: 100000, Currency: "usd", StartsAt: time.Now(), EndsAt: time.Now().AddDate(0, 1, 0)}
	if err := app.Store.SaveCampaign(t.Context(), camp, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	admin := app.staffClient("boss@ledger.example", models.RoleAdmin)
	emptyBody := regexp.MustCompile(`<tbody>\s*</tbody>`)
	for _, path := range []string{"/admin", "/admin/donors", "/admin/gifts", "/admin/members", "/admin/campaigns", "/admin/campaigns/" + camp.ID,
		"/admin/emails", "/admin/reports", "/admin/stories", "/admin/box", "/admin/batches"} {
		resp, page := app.get(admin, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if emptyBody.MatchString(page) {
			t.Errorf("%s has an empty table with no sentence:\n%s", path, page)
		}
	}
	_, page := app.get(admin, "/admin")
	for _, want := range []string{`id="next-steps"`, "ORG_NAME", "ORG_TAX_ID", "ORG_ADDRESS", "ORG_CONTACT_EMAIL", "tax-deductible",
		"STRIPE_SECRET_KEY", "donations stripe setup", `href="/admin/box"`, "No gifts yet"} {
		if !strings.Contains(page, want) {
			t.Errorf("the first day's dashboard lacks %q", want)
		}
	}
	// Once set and given to, the steps that are done go.
	full := newApp(t, "sqlite", appOptions{env: map[string]string{"ORG_CONTACT_EMAIL": "help@ledger.example", "ORG_WEBSITE_URL": "https://ledger.example"}})
	_, page = full.get(full.staffClient("boss@ledger.example", models.RoleAdmin), "/admin")
	if strings.Contains(page, "ORG_NAME") || strings.Contains(page, "ORG_TAX_ID") || strings.Contains(page, "STRIPE_SECRET_KEY") {
		t.Errorf("the dashboard asks for what is set:\n%s", page)
	}
}

// TestRefundsExportAddsUpToStripe: an $80 gift refunded $30, then up to
// $50 (Stripe reports the charge's refunded total each time), then the
// first event again under a new id, late: the export's refund rows add up
// to what Stripe says was refunded, $50, not $110.
func TestRefundsExportAddsUpToStripe(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		app.deliverObject("evt_p", "checkout.session.completed", testenv.PaidSession(t, "cs_two", "", "two@example.com", 8000))
		final := testenv.Charge(t, "ch_two", "pi_cs_two", "", 8000, 5000)
		app.deliverObject("evt_r1", "charge.refunded", testenv.Charge(t, "ch_two", "pi_cs_two", "", 8000, 3000))
		app.deliverObject("evt_r2", "charge.refunded", final)
		app.deliverObject("evt_r1_late", "charge.refunded", testenv.Charge(t, "ch_two", "pi_cs_two", "", 8000, 3000))
		_, rows := readCSV(t, app.staffClient("fin@ledger.example", models.RoleStaff), app.URL+"/admin/reports/adjustments.csv")
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		var sum int64
		var amounts []string
		for _, r := range rows[1:] {
			if r[col["kind"]] == "refund" {
				v, err := money.ParseMajor(r[col["amount"]], "usd")
				if err != nil {
					t.Fatal(err)
				}
				sum += v
				amounts = append(amounts, r[col["amount"]]+"/"+r[col["refunded_total"]])
			}
		}
		if stripe := int64(final["amount_refunded"].(int64)); sum != stripe {
			t.Fatalf("the export's refunds add up to %d, Stripe's charge says %d refunded (rows %v)", sum, stripe, amounts)
		}
	})
}
