package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/server"
	"github.com/indienews/donations/testenv"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndExitCodes(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir()}
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"migrate", "--nope"}, 2, "", "flag provided but not defined"},
		{[]string{"serve", "extra"}, 2, "", "unexpected argument"},
		{[]string{"--port", "1"}, 2, "", "flag provided but not defined"},
		{[]string{"receipts"}, 2, "", "expected a subcommand"},
		{[]string{"receipts", "export"}, 2, "", "--year YYYY"},
		{[]string{"receipts", "export", "--year", "x"}, 2, "", "invalid value"},
		{[]string{"receipts", "export", "--year", "2026", "--from", "2026-01-01"}, 2, "", "not both"},
		{[]string{"receipts", "export", "--from", "2026-02-01", "--to", "2026-01-01"}, 2, "", "before"},
		{[]string{"campaign"}, 2, "", "expected a subcommand: report"},
		{[]string{"campaign", "report"}, 2, "", "expected one campaign address"},
		{[]string{"stories", "export"}, 2, "", "--from and --to are required"},
		{[]string{"stories", "export", "--from", "2026-02-01", "--to", "2026-01-01"}, 2, "", "before"},
		{[]string{"retention"}, 2, "", "expected a subcommand"},
		{[]string{"retention", "export"}, 2, "", "--from and --to are required"},
		{[]string{"retention", "export", "--from", "2026-13", "--to", "2026-12"}, 2, "", "want a month such as 2026-01"},
		{[]string{"retention", "export", "--from", "2026-05", "--to", "2026-01"}, 2, "", "before"},
		{[]string{"help"}, 0, "Usage:", ""},
		{[]string{"version"}, 0, "donations ", ""},
	}
	for _, c := range cases {
		code, stdout, stderr := runCmd(t, env, c.args...)
		if code != c.code || !strings.Contains(stdout, c.stdout) || !strings.Contains(stderr, c.stderr) {
			t.Errorf("donations %v: exit %d\nstdout: %s\nstderr: %s\nwant exit %d, stdout ~ %q, stderr ~ %q",
				c.args, code, stdout, stderr, c.code, c.stdout, c.stderr)
		}
		if c.code == 2 && !strings.Contains(stderr, "Usage:") {
			t.Errorf("donations %v: usage not printed", c.args)
		}
	}
}

// TestServingNeedsTheWebhookSecret: a Stripe key alone runs the commands
// (`donations stripe setup` makes the secret), but not the server.
func TestServingNeedsTheWebhookSecret(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir(), "STRIPE_SECRET_KEY": "sk_test_1", "ADDR": "127.0.0.1:0", "METRICS_ADDR": "off"}
	if code, _, stderr := runCmd(t, env, "serve"); code != 1 || !strings.Contains(stderr, "STRIPE_WEBHOOK_SECRET") {
		t.Fatalf("serve with a key and no webhook secret: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCmd(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate with a key and no webhook secret: exit %d\n%s", code, stderr)
	}
}

func TestInvalidConfigurationNamesTheVariable(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"CURRENCY": "dollars"}, []string{"CURRENCY"}},
		{map[string]string{"FISCAL_YEAR_START": "13-01"}, []string{"FISCAL_YEAR_START"}},
		{map[string]string{"DONATION_MIN": "abc"}, []string{"DONATION_MIN"}},
		{map[string]string{"DONATION_MIN": "100", "DONATION_MAX": "50"}, []string{"DONATION_MAX"}},
		{map[string]string{"PRESET_AMOUNTS": "10,lots"}, []string{"PRESET_AMOUNTS"}},
		{map[string]string{"FEE_PERCENT": "150"}, []string{"FEE_PERCENT"}},
		{map[string]string{"BASE_URL": "localhost:8080"}, []string{"BASE_URL"}},
		{map[string]string{"APP_ENV": "staging"}, []string{"APP_ENV"}},
		{map[string]string{"DATABASE_URL": "mysql://x"}, []string{"DATABASE_URL"}},
		{map[string]string{"TIMEZONE": "Mars/Base"}, []string{"TIMEZONE"}},
		{map[string]string{"APP_ENV": "production"}, []string{"STRIPE_SECRET_KEY", "SECRET_KEY", "BASE_URL"}},
	}
	for _, c := range cases {
		c.env["DATA_DIR"] = t.TempDir()
		code, _, stderr := runCmd(t, c.env, "migrate")
		if code != 1 {
			t.Errorf("%v: exit %d, want 1", c.env, code)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr does not name %s:\n%s", c.env, w, stderr)
			}
		}
	}
}

func TestMigrateOnBothDatabases(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			pg, sqlitePath := testenv.DatabaseURLs(t, db)
			env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": strings.TrimSuffix(sqlitePath, "/donations.db")}
			for i := 0; i < 2; i++ {
				code, out, stderr := runCmd(t, env, "migrate")
				if code != 0 || !strings.Contains(out, "schema up to date on "+db) {
					t.Fatalf("migrate run %d: exit %d\n%s\n%s", i+1, code, out, stderr)
				}
				if applied := strings.Contains(stderr, "migration applied"); applied != (i == 0) {
					t.Fatalf("migrate run %d: applied=%v\n%s", i+1, applied, stderr)
				}
			}
		})
	}
}

func TestDatabasePasswordNeverLogged(t *testing.T) {
	got := server.DatabaseName(&config.Config{DatabaseURL: "postgres://app:s3cret@db.internal:5432/donations?sslmode=require"})
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "db.internal") {
		t.Fatalf("databaseName = %q", got)
	}
}

// seed records paid gifts straight through the ledger's event path.
func seed(t *testing.T, env map[string]string, gifts []seedGift) {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	store, err := server.OpenStore(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for i, g := range gifts {
		_, err := store.ApplyEvent(context.Background(),
			models.EventRecord{ID: fmt.Sprintf("evt_seed_%d", i), Type: "checkout.session.completed", APIVersion: "2023-10-16", Created: g.at},
			models.CheckoutPaid{CheckoutPayment: models.CheckoutPayment{
				SessionID: fmt.Sprintf("cs_seed_%d", i), PaymentIntentID: fmt.Sprintf("pi_seed_%d", i),
				AmountTotal: g.amount, Currency: "usd", Email: g.email, Name: g.name, At: g.at,
				Address: models.Address{Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
			}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

type seedGift struct {
	name, email string
	amount      int64
	at          time.Time
}

func TestReceiptsExportCSV(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			pg, sqlitePath := testenv.DatabaseURLs(t, db)
			env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": strings.TrimSuffix(sqlitePath, "/donations.db"),
				"ORG_NAME": "The Ledger"}
			seed(t, env, []seedGift{
				{"Zoë Łukasz 王芳", "zoe@example.com", 1250, time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)},
				{`=HYPERLINK("http://evil.example","click")`, "evil@example.com", 100000, time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)},
				{"Ann, \"Quoted\" Donor", "ann@example.com", 2606, time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)},
			})
			code, out, stderr := runCmd(t, env, "receipts", "export", "--year", "2026")
			if code != 0 {
				t.Fatalf("export: %d %s", code, stderr)
			}
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatalf("not valid CSV: %v\n%s", err, out)
			}
			want := [][]string{
				{"number", "status", "issued_at", "gift_date", "fiscal_year", "donor_name", "donor_email",
					"donor_address_line1", "donor_address_city", "donor_address_postal_code", "donor_address_country",
					"frequency", "amount", "currency", "deductible_amount", "fee_covered", "benefit_value",
					"stripe_payment_id", "replaces", "void_reason", "voided_at", "donor_address_line2", "donor_address_state", "original_amount", "original_currency", "exchange_rate",
					"gift_amount", "dedication_type", "dedication_name", "anonymous", "method", "method_reference", "description", "appraiser"},
				{"2026-000001", "issued", "*", "2026-01-02T10:00:00Z", "2026", `'=HYPERLINK("http://evil.example","click")`, "evil@example.com",
					"1 Main St", "Springfield", "12345", "US", "once", "1000.00", "usd", "1000.00", "0.00", "0.00", "pi_seed_1", "", "", "", "", "", "", "", "", "1000.00", "", "", "no", "card", "", "", ""},
				{"2026-000002", "issued", "*", "2026-03-04T05:06:07Z", "2026", `Ann, "Quoted" Donor`, "ann@example.com",
					"1 Main St", "Springfield", "12345", "US", "once", "26.06", "usd", "26.06", "0.00", "0.00", "pi_seed_2", "", "", "", "", "", "", "", "", "26.06", "", "", "no", "card", "", "", ""},
			}
			if len(rows) != len(want) {
				t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), out)
			}
			for i := range want {
				for j := range want[i] {
					if want[i][j] == "*" {
						if _, err := time.Parse(time.RFC3339, rows[i][j]); err != nil {
							t.Errorf("row %d %s = %q, not RFC 3339", i, want[0][j], rows[i][j])
						}
						continue
					}
					if rows[i][j] != want[i][j] {
						t.Errorf("row %d column %s = %q, want %q", i, want[0][j], rows[i][j], want[i][j])
					}
				}
			}
			// The 2025 gift is in fiscal year 2025, with its own sequence.
			_, out, _ = runCmd(t, env, "receipts", "export", "--year", "2025")
			if !strings.Contains(out, "2025-000001,issued") || !strings.Contains(out, "Zoë Łukasz 王芳") {
				t.Errorf("2025 export:\n%s", out)
			}
			// A refund on a payment we never saw is reported, and one on ours
			// voids and replaces its receipt in the export.
			cfg, _ := config.Load(func(k string) string { return env[k] })
			store, err := server.OpenStore(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, ref := range []models.ChargeRef{{ChargeID: "ch_never_seen"}, {PaymentIntentID: "pi_seed_2"}} {
				_, err := store.ApplyEvent(context.Background(),
					models.EventRecord{ID: fmt.Sprintf("evt_refund_%d", i), Type: "charge.refunded", APIVersion: "2023-10-16", Created: time.Now()},
					models.ChargeRefunded{ChargeRef: ref, Amount: 2606, AmountRefunded: 606, Currency: "usd"})
				if err != nil {
					t.Fatal(err)
				}
			}
			store.Close()
			code, out, _ = runCmd(t, env, "adjustments", "export", "--unmatched")
			rows, _ = csv.NewReader(strings.NewReader(out)).ReadAll()
			if code != 0 || len(rows) != 2 || rows[1][1] != "refund" || rows[1][2] != "no" || rows[1][4] != "ch_never_seen" || rows[1][7] != "6.06" {
				t.Errorf("unmatched adjustments export: %d %q", code, rows)
			}
			_, out, _ = runCmd(t, env, "receipts", "export", "--year", "2026")
			rows, _ = csv.NewReader(strings.NewReader(out)).ReadAll()
			col := map[string]int{}
			for i, name := range rows[0] {
				col[name] = i
			}
			if len(rows) != 4 || rows[2][1] != "void" || rows[2][col["void_reason"]] != "partially refunded ($6.06 of $26.06)" ||
				rows[3][0] != "2026-000003" || rows[3][1] != "issued" || rows[3][col["amount"]] != "20.00" || rows[3][col["replaces"]] != "2026-000002" {
				t.Errorf("export after a partial refund: %q", rows)
			}
			// A date range crosses fiscal years.
			_, out, _ = runCmd(t, env, "receipts", "export", "--from", "2025-12-31", "--to", "2026-01-02")
			if n := strings.Count(out, "\n"); n != 3 {
				t.Errorf("range export has %d lines, want header + 2:\n%s", n, out)
			}
		})
	}
}

// TestServeAnswersAndShutsDownGracefully starts the server, checks health,
// then stops it while a request is still arriving: the request finishes.
func TestServeAnswersAndShutsDownGracefully(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			pg, sqlitePath := testenv.DatabaseURLs(t, db)
			metricsAddr := freeAddr(t)
			env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": strings.TrimSuffix(sqlitePath, "/donations.db"), "ADDR": "127.0.0.1:0",
				"METRICS_ADDR": metricsAddr}
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			var logs, stdout bytes.Buffer
			ctx, stop := context.WithCancel(context.Background())
			ready := make(chan string, 1)
			done := make(chan error, 1)
			go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), &stdout, ready) }()
			var addr string
			select {
			case addr = <-ready:
			case err := <-done:
				t.Fatalf("serve ended: %v", err)
			}
			for path, want := range map[string]string{"/healthz": `"status":"ok"`, "/readyz": `"database":"ok"`} {
				resp, err := http.Get("http://" + addr + path)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
					t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
				}
			}
			// Metrics are on METRICS_ADDR only, not on the public address.
			if resp, err := http.Get("http://" + addr + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
				t.Errorf("public /metrics: %v %v", resp, err)
			}
			if resp, err := http.Get("http://" + metricsAddr + "/metrics"); err != nil || resp.StatusCode != 200 {
				t.Errorf("/metrics on METRICS_ADDR: %v %v", resp, err)
			}
			// No BASE_URL: every link follows the port the server got, the
			// demo checkout's and the setup link's alike.
			if loc := demoCheckoutLocation(t, "http://"+addr); !strings.HasPrefix(loc, "http://"+addr+"/demo/checkout/") {
				t.Errorf("Continue to payment leads to %q, not to this server (%s)", loc, addr)
			}
			if !strings.Contains(logs.String(), "http://"+addr+"/admin/setup/") {
				t.Errorf("the setup link does not point at %s:\n%s", addr, logs.String())
			}
			// And it stands apart on standard output, where a newcomer looks.
			if out := stdout.String(); !strings.Contains(out, "No staff account yet. To create the first admin, open within an hour:\n\n    http://"+addr+"/admin/setup/") {
				t.Errorf("standard output lacks the setup link:\n%s", out)
			}
			// A webhook whose body is still on its way when SIGTERM comes.
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			body := `{"id":"evt_x"}`
			fmt.Fprintf(conn, "POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:5])
			time.Sleep(100 * time.Millisecond)
			stop()
			time.Sleep(100 * time.Millisecond)
			fmt.Fprint(conn, body[5:])
			resp, err := http.ReadResponse(bufioReader(conn), nil)
			if err != nil {
				t.Fatalf("in-flight request lost on shutdown: %v", err)
			}
			if resp.StatusCode != http.StatusBadRequest { // unsigned: refused, but answered
				t.Fatalf("in-flight request answered %d", resp.StatusCode)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve returned %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("serve did not stop after its context ended")
			}
			for _, want := range []string{"msg=serving", "database=\"" + db, "stripe=\"demo (no money moves)\"", "shutting down", "msg=stopped", "/admin/setup/"} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %q:\n%s", want, logs.String())
				}
			}
		})
	}
}

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }

// csrfField finds a form's token in a page.
var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// browserClient keeps cookies and shows each redirect, as the tests need.
func browserClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// csrfToken opens page with c and returns its form's CSRF token.
func csrfToken(t *testing.T, c *http.Client, page string) string {
	t.Helper()
	resp, err := c.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on %s: %d\n%s", page, resp.StatusCode, body)
	}
	return string(m[1])
}

// freeAddr is a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// demoCheckoutLocation gives a demo gift through the form at base and
// returns where "Continue to payment" sends the donor.
func demoCheckoutLocation(t *testing.T, base string) string {
	t.Helper()
	c := browserClient()
	token := csrfToken(t, c, base+"/donate")
	resp, err := c.PostForm(base+"/donate", url.Values{"csrf_token": {token}, "amount": {"25"}, "frequency": {"once"},
		"email": {"port@example.com"}, "name": {"Port Test"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("donate: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// TestReconcileAgainstStripeMock runs `donations reconcile` against
// stripe-mock: the listing requests are valid for Stripe's API, and what
// stripe-mock returns (a sample event of a type we do not handle, in no
// API version of ours) is applied the webhook's way and reported as
// skipped, with the reason.
func TestReconcileAgainstStripeMock(t *testing.T) {
	rec := testenv.NewRecorder(t, testenv.StripeMock(t))
	pg, sqlitePath := testenv.DatabaseURLs(t, "sqlite")
	env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": strings.TrimSuffix(sqlitePath, "/donations.db"),
		"STRIPE_SECRET_KEY": "sk_test_123", "STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_API_BASE": rec.URL}
	start := time.Now()
	code, out, stderr := runCmd(t, env, "reconcile", "--since", "24h")
	if code != 0 {
		t.Fatalf("reconcile: exit %d\n%s\n%s", code, out, stderr)
	}
	var listedEvents, listedSessions bool
	for _, r := range rec.Requests() {
		sec, _ := strconv.ParseInt(r.Form.Get("created[gte]"), 10, 64)
		window := start.Sub(time.Unix(sec, 0))
		switch r.Path {
		case "/v1/events":
			listedEvents = window > 23*time.Hour && window < 25*time.Hour && r.Form.Get("limit") == "100"
		case "/v1/checkout/sessions":
			listedSessions = r.Form.Get("status") == "complete" && window > 23*time.Hour && window < 25*time.Hour
		}
	}
	if !listedEvents || !listedSessions {
		t.Fatalf("listing requests: %+v", rec.Requests())
	}
	if !strings.Contains(out, "seen 1, new 0, already known 0, skipped 1") || !strings.Contains(out, "(plan.created): ignored: no handler for plan.created") {
		t.Fatalf("summary:\n%s", out)
	}
	if code, _, stderr := runCmd(t, map[string]string{"DATA_DIR": t.TempDir()}, "reconcile"); code != 1 || !strings.Contains(stderr, "STRIPE_SECRET_KEY") {
		t.Fatalf("reconcile in demo mode: %d %s", code, stderr)
	}
	if code, _, _ := runCmd(t, env, "reconcile", "--since", "2000h"); code != 2 {
		t.Fatalf("--since beyond 30 days: exit %d", code)
	}
}

// TestStatementsSend queues each donor's statement once, however often it
// runs, and a dry run queues nothing.
func TestStatementsSend(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			pg, sqlitePath := testenv.DatabaseURLs(t, db)
			env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": strings.TrimSuffix(sqlitePath, "/donations.db")}
			at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
			seed(t, env, []seedGift{{"Ann", "ann@example.com", 1000, at}, {"Ann", "ann@example.com", 2000, at}, {"Bob", "bob@example.com", 500, at}})
			code, out, stderr := runCmd(t, env, "statements", "send", "--year", "2026", "--dry-run")
			if code != 0 || !strings.Contains(out, "dry run: 2 donors") || !strings.Contains(out, "Ann <ann@example.com>") {
				t.Fatalf("dry run: %d %s %s", code, out, stderr)
			}
			for i, want := range []string{"queued 2 statements", "queued 0 statements for fiscal year 2026 (2 donors; 2 were queued before)"} {
				code, out, stderr = runCmd(t, env, "statements", "send", "--year", "2026")
				if code != 0 || !strings.Contains(out, want) {
					t.Fatalf("run %d: %d %q %s", i+1, code, out, stderr)
				}
			}
			// A dry run after a real one says nothing is left to send.
			code, out, _ = runCmd(t, env, "statements", "send", "--year", "2026", "--dry-run")
			if code != 0 || !strings.Contains(out, "0 would be sent now (2 were queued before)") {
				t.Fatalf("dry run after sending: %d %s", code, out)
			}
			if code, _, _ := runCmd(t, env, "statements", "send"); code != 2 {
				t.Fatalf("without --year: exit %d", code)
			}
		})
	}
}

func TestStaffCommands(t *testing.T) {
	pg, sqlitePath := testenv.DatabaseURLs(t, "postgres")
	env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": strings.TrimSuffix(sqlitePath, "/donations.db")}
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, stderr := run("a long enough password\n", "staff", "add", "--email", "Fin@Example.org", "--role", "admin"); code != 0 || !strings.Contains(out, "added Fin@Example.org as admin") {
		t.Fatalf("add: %d %s %s", code, out, stderr)
	}
	code, out, _ := run("", "staff", "add", "--email", "aud@example.org")
	if code != 0 || !strings.Contains(out, "password (shown only now): ") {
		t.Fatalf("add with a generated password: %d %s", code, out)
	}
	if code, _, stderr := run("short\n", "staff", "add", "--email", "x@example.org"); code != 1 || !strings.Contains(stderr, "at least 12") {
		t.Fatalf("short password: %d %s", code, stderr)
	}
	if code, _, _ := run("", "staff", "add", "--email", "y@example.org", "--role", "owner"); code != 2 {
		t.Fatalf("bad role: %d", code)
	}
	if code, _, _ := run("", "staff", "disable", "--email", "aud@example.org"); code != 0 {
		t.Fatal("disable")
	}
	code, out, _ = run("", "staff", "list")
	if code != 0 || !strings.Contains(out, "fin@example.org\tadmin\tactive") || !strings.Contains(out, "aud@example.org\tstaff\tdisabled") {
		t.Fatalf("list: %q", out)
	}
	if code, _, _ := run("", "staff", "promote"); code != 2 {
		t.Fatal("unknown subcommand")
	}
}

// TestRetentionExportCSV: two memberships told as subscription states (one
// monthly member who doubles, one yearly who ends with a reason) give the
// months' figures on stdout, on both databases.
func TestRetentionExportCSV(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			pg, sqlitePath := testenv.DatabaseURLs(t, db)
			env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": strings.TrimSuffix(sqlitePath, "/donations.db"), "ORG_NAME": "The Ledger"}
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			store, err := server.OpenStore(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
			if err != nil {
				t.Fatal(err)
			}
			day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }
			for i, s := range []struct {
				sub, status, interval, feedback string
				amount                          int64
				at                              time.Time
				deleted                         bool
			}{
				{"sub_m", "active", "month", "", 1000, day(1, 5), false},
				{"sub_y", "active", "year", "", 24000, day(1, 9), false},
				{"sub_m", "active", "month", "", 2000, day(2, 7), false},
				{"sub_y", "canceled", "year", "unused", 24000, day(3, 2), true},
			} {
				_, err := store.ApplyEvent(context.Background(),
					models.EventRecord{ID: fmt.Sprintf("evt_r%d", i), Type: "customer.subscription.updated", APIVersion: "2023-10-16", Created: s.at},
					models.SubscriptionChanged{SubscriptionState: models.SubscriptionState{SubscriptionID: s.sub, Status: s.status,
						Amount: s.amount, Currency: "usd", Interval: s.interval, CurrentPeriodEnd: s.at.AddDate(0, 1, 0), StartedAt: day(1, 5),
						Deleted: s.deleted, CancelReason: map[bool]string{true: "cancellation_requested"}[s.deleted], CancelFeedback: s.feedback}})
				if err != nil {
					t.Fatal(err)
				}
			}
			store.Close()
			code, out, stderr := runCmd(t, env, "retention", "export", "--from", "2026-01", "--to", "2026-03")
			if code != 0 {
				t.Fatalf("export: %d %s", code, stderr)
			}
			want := "month,currency,members_start,new,reactivated,churned,members_end,mrr_start,mrr_new,mrr_reactivation,mrr_expansion,mrr_contraction,mrr_churn,mrr_end,failed_payments,recovered,churn_reasons\n" +
				"2026-01,usd,0,2,0,0,2,0.00,30.00,0.00,0.00,0.00,0.00,30.00,0,0,\n" +
				"2026-02,usd,2,0,0,0,2,30.00,0.00,0.00,10.00,0.00,0.00,40.00,0,0,\n" +
				"2026-03,usd,2,0,0,1,1,40.00,0.00,0.00,0.00,0.00,20.00,20.00,0,0,unused=1\n"
			if out != want {
				t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
			}
		})
	}
}

// TestCampaignReportCommand: the funders' report of a campaign with one
// pool and one matched gift, on stdout; an unknown campaign says so.
func TestCampaignReportCommand(t *testing.T) {
	pg, sqlitePath := testenv.DatabaseURLs(t, "sqlite")
	env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": strings.TrimSuffix(sqlitePath, "/donations.db"), "ORG_NAME": "The Ledger"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	store, err := server.OpenStore(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	camp := &models.Campaign{Slug: "drive", Name: "Drive", GoalAmount: 100000, Currency: "usd", StartsAt: start, EndsAt: start.AddDate(0, 2, 0)}
	if err := store.SaveCampaign(context.Background(), camp, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	if err := store.AddMatchPool(context.Background(), &models.MatchPool{CampaignID: camp.ID, Funder: "=Funder", Cap: 3000,
		StartsAt: camp.StartsAt, EndsAt: camp.EndsAt}, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	g := &models.Gift{Frequency: "once", Amount: 5000, Currency: "usd", Email: "ann@example.com", Name: "Ann", CampaignID: &camp.ID}
	if err := store.CreateGift(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	at := start.AddDate(0, 0, 3)
	if _, err := store.ApplyEvent(context.Background(), models.EventRecord{ID: "evt_c1", Type: "checkout.session.completed", APIVersion: "2023-10-16", Created: at},
		models.CheckoutPaid{CheckoutPayment: models.CheckoutPayment{SessionID: "cs_c1", ClientReferenceID: g.ID, PaymentIntentID: "pi_c1",
			AmountTotal: 5000, Currency: "usd", Email: "ann@example.com", Name: "Ann", At: at}}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	code, out, stderr := runCmd(t, env, "campaign", "report", "drive")
	want := "row,date,donor,email,donor_type,amount,matched,projected,matched_by_'=Funder,cap,remaining,donors,new_donors,gross\n" +
		"gift,2026-11-04,Ann,ann@example.com,new,50.00,30.00,0.00,30.00,,,,,\n" +
		"pool,,'=Funder,,,,30.00,0.00,30.00,30.00,0.00,,,\n" +
		"total,,,,,50.00,30.00,0.00,,,,1,1,50.00\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d\n%s\nwant:\n%s\n%s", code, out, want, stderr)
	}
	if code, _, stderr := runCmd(t, env, "campaign", "report", "nope"); code == 0 || !strings.Contains(stderr, "nope") {
		t.Errorf("an unknown campaign: exit %d %s", code, stderr)
	}
}

// TestMemoryLimitApplied: MEMORY_LIMIT becomes the runtime's limit, unless
// GOMEMLIMIT set one first (the runtime then reports a limit already).
func TestMemoryLimitApplied(t *testing.T) {
	for _, c := range []struct {
		setting   string
		had, want int64
	}{
		{"", math.MaxInt64, 64 << 20},
		{"200MiB", math.MaxInt64, 200 << 20},
		{"off", math.MaxInt64, math.MaxInt64},
		{"200MiB", 1 << 30, 1 << 30}, // GOMEMLIMIT=1GiB wins
	} {
		limit, percent := c.had, 100
		a := &app{getenv: func(k string) string {
			return map[string]string{"MEMORY_LIMIT": c.setting, "DATA_DIR": t.TempDir()}[k]
		}, stderr: io.Discard, setMemoryLimit: func(n int64) int64 {
			old := limit
			if n >= 0 {
				limit = n
			}
			return old
		}, setGCPercent: func(n int) int { old := percent; percent = n; return old }}
		if _, _, ok := a.load(); !ok || limit != c.want || percent != 50 {
			t.Errorf("MEMORY_LIMIT=%q with %d set before: %d, want %d (GC percent %d)", c.setting, c.had, limit, c.want, percent)
		}
	}
	// GOGC set: the collector keeps it.
	percent := 100
	a := &app{getenv: func(k string) string { return map[string]string{"GOGC": "200", "DATA_DIR": t.TempDir()}[k] },
		stderr: io.Discard, setGCPercent: func(n int) int { old := percent; percent = n; return old }}
	if _, _, ok := a.load(); !ok || percent != 100 {
		t.Errorf("GOGC=200 in the environment: the percent was set to %d", percent)
	}
}
