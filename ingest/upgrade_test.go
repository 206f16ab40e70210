package ingest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/reports"
	"github.com/indienews/donations/testenv"
)

// A release writes its upgrade fixture with
//
//	go test ./ingest -run TestUpgradeKeepsTheBooks -upgrade-fixture v0.4.0
//
// (a database per dialect, made through the real ingest path, and what its
// books say); every later release must read it and say the same.
var upgradeFixture = flag.String("upgrade-fixture", "", "write this release's upgrade fixture (e.g. v0.4.0) under testdata/upgrade")

const schemaMark = "__SCHEMA__"

// fillBooks puts a newsroom's year in the store through the webhook's
// path: a gift partly refunded, a member's year with a dispute won, a
// member who left, a campaign gift, a Gift Aid gift and one refunded in
// full (a void, and a replacement).
func fillBooks(t *testing.T, h *harness) {
	ctx := context.Background()
	for _, s := range story(t) {
		h.deliver(testenv.EventAt(t, s.id, s.typ, s.object, s.at))
	}
	for _, ev := range lifecycle(t, 1, "") {
		h.deliver(ev)
	}
	c := &models.Campaign{Slug: "year-end", Name: "Year-end drive", GoalAmount: 500000, Currency: "gbp",
		StartsAt: t0, EndsAt: t0.AddDate(1, 0, 0)}
	if err := h.store.SaveCampaign(ctx, c, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	cg := &models.Gift{Frequency: models.FrequencyOnce, Amount: 2500, Currency: "gbp", Email: "drive@example.co.uk", Name: "Dee Drive", CampaignID: &c.ID}
	if err := h.store.CreateGift(ctx, cg); err != nil {
		t.Fatal(err)
	}
	h.deliver(testenv.EventAt(t, "evt_up_drive", "checkout.session.completed",
		testenv.InCurrency(testenv.PaidSession(t, "cs_up_drive", cg.ID, "drive@example.co.uk", 2500), "gbp"), t0.Add(48*time.Hour)))
	g := &models.Gift{Frequency: models.FrequencyOnce, Amount: 5000, Currency: "gbp", Email: "jo@example.co.uk", Name: "Jo Smith-Jones", Address: ukHome}
	decl := models.NewGiftAidDeclaration(g.Email, "Ms", "Jo", "Smith-Jones", ukHome, "The Ledger UK")
	if err := h.store.CreateGiftWithDeclaration(ctx, g, decl); err != nil {
		t.Fatal(err)
	}
	paid := time.Now().UTC().Add(time.Minute).Truncate(time.Second)
	h.deliver(testenv.EventAt(t, "evt_up_ga", "checkout.session.completed",
		testenv.InCurrency(testenv.PaidSession(t, "cs_up_ga", g.ID, "jo@example.co.uk", 5000), "gbp"), paid))
	h.deliver(testenv.EventAt(t, "evt_up_full", "checkout.session.completed",
		testenv.InCurrency(testenv.PaidSession(t, "cs_up_full", "", "back@example.co.uk", 3000), "gbp"), t0.Add(72*time.Hour)))
	h.deliver(testenv.EventAt(t, "evt_up_fullrefund", "charge.refunded",
		testenv.InCurrency(testenv.Charge(t, "ch_up_full", "pi_cs_up_full", "", 3000, 3000), "gbp"), t0.Add(96*time.Hour)))
}

// books is what finance reads from a store: the ledger, the receipts CSV
// of every year with receipts, each donor's statement, and the totals.
func books(t *testing.T, s *models.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	b.WriteString(ledger(t, s))
	// Gift Aid: the declarations, and which receipts claim it.
	var lines []string
	rows, err := s.SQL().Query(`SELECT d.email, d.postcode, d.house, r.number, r.gift_aid
		FROM receipts r LEFT JOIN giftaid_declarations d ON d.email = r.donor_email ORDER BY r.number`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var email, postcode, house *string
		var number string
		var claimed bool
		if err := rows.Scan(&email, &postcode, &house, &number, &claimed); err != nil {
			t.Fatal(err)
		}
		if email != nil {
			lines = append(lines, fmt.Sprintf("%s %s %s %s %v", number, *email, *postcode, *house, claimed))
		}
	}
	rows.Close()
	fmt.Fprintf(&b, "\ngift aid:\n  %s\n", strings.Join(lines, "\n  "))
	campaigns, err := s.Campaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range campaigns {
		p, err := s.CampaignProgress(ctx, &campaigns[i])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "campaign %s: %+v\n", campaigns[i].Slug, p)
	}
	var years []int
	rows, err = s.SQL().Query("SELECT DISTINCT fiscal_year FROM receipts")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			t.Fatal(err)
		}
		years = append(years, y)
	}
	rows.Close()
	slices.Sort(years)
	r := documents.New("https://news.example", nil)
	for _, y := range years {
		p, _, err := reports.ParsePeriod(fmt.Sprint(y), "", "", time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\nreceipts %d:\n", y)
		var csvOut bytes.Buffer
		if err := reports.WriteReceiptsCSV(ctx, &csvOut, s, p, time.UTC); err != nil {
			t.Fatal(err)
		}
		b.WriteString(releasedColumns(t, csvOut.Bytes()))
		donors, err := s.DonorsWithReceipts(ctx, y)
		if err != nil {
			t.Fatal(err)
		}
		for i := range donors {
			st, err := documents.StatementOf(ctx, s, models.Org{Name: "The Ledger UK"}, &donors[i], y)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "statement %d of %s: %s\n  %s\n", y, donors[i].Email, st.TotalText(), strings.Join(r.StatementLines(st), "\n  "))
		}
	}
	return b.String()
}

// v040Columns are the receipts CSV's columns in v0.4.0: the books compare
// those, so a column added since is not a difference.
var v040Columns = []string{"number", "status", "issued_at", "gift_date", "fiscal_year", "donor_name", "donor_email",
	"donor_address_line1", "donor_address_city", "donor_address_postal_code", "donor_address_country",
	"frequency", "amount", "currency", "deductible_amount", "fee_covered", "benefit_value",
	"stripe_payment_id", "replaces", "void_reason", "voided_at", "donor_address_line2", "donor_address_state",
	"original_amount", "original_currency", "exchange_rate", "gift_amount", "dedication_type", "dedication_name", "anonymous"}

// releasedColumns keeps v0.4.0's columns of a receipts CSV, in its order.
func releasedColumns(t *testing.T, data []byte) string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("the receipts CSV: %v", err)
	}
	at := map[string]int{}
	for i, h := range rows[0] {
		at[h] = i
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	for _, r := range rows {
		keep := make([]string, len(v040Columns))
		for i, c := range v040Columns {
			j, ok := at[c]
			if !ok {
				t.Fatalf("the receipts CSV lost v0.4.0's column %s", c)
			}
			keep[i] = r[j]
		}
		w.Write(keep)
	}
	w.Flush()
	return out.String()
}

// TestUpgradeKeepsTheBooks: each release's database, made by that release
// on each dialect, is migrated by this one; its books (receipts CSV,
// statements, totals, ledger) read exactly as that release read them, and
// donations check finds nothing wrong.
func TestUpgradeKeepsTheBooks(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "upgrade", "v*"))
	if *upgradeFixture == "" && len(dirs) == 0 {
		t.Fatal("no upgrade fixtures under testdata/upgrade")
	}
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		if *upgradeFixture != "" {
			writeFixture(t, db, filepath.Join("testdata", "upgrade", *upgradeFixture))
			return
		}
		for _, dir := range dirs {
			t.Run(filepath.Base(dir), func(t *testing.T) {
				want, err := os.ReadFile(filepath.Join(dir, "books-"+db+".txt"))
				if err != nil {
					t.Fatal(err)
				}
				s := loadFixture(t, db, dir)
				if _, err := s.Migrate(context.Background()); err != nil {
					t.Fatalf("migrating %s's database: %v", filepath.Base(dir), err)
				}
				// Its receipts are sealed as they stood, and the books check clean.
				if c, err := s.CheckBooks(context.Background()); err != nil || !c.OK {
					t.Fatalf("donations check on %s's upgraded books: %+v, %v", filepath.Base(dir), c, err)
				}
				if got := books(t, s); got != string(want) {
					t.Fatalf("after the upgrade the books differ:\n%s\n--- %s's books ---\n%s", got, filepath.Base(dir), want)
				}
			})
		}
	})
}

// writeFixture makes this release's database on db and writes it, with
// its books, into dir.
func writeFixture(t *testing.T, db, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, db, ukSettings())
	fillBooks(t, h)
	if err := os.WriteFile(filepath.Join(dir, "books-"+db+".txt"), []byte(books(t, h.store)), 0o644); err != nil {
		t.Fatal(err)
	}
	if db == "sqlite" {
		out := filepath.Join(dir, "sqlite.db")
		os.Remove(out)
		if _, err := h.store.SQL().Exec("VACUUM INTO ?", out); err != nil {
			t.Fatal(err)
		}
		return
	}
	schema := schemaOf(t, h.store)
	dump, err := exec.Command("pg_dump", "--no-owner", "--no-privileges", "-n", schema, testenv.PostgresURL()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	dump = bytes.ReplaceAll(dump, []byte(schema), []byte(schemaMark))
	// The test's schema exists already when the dump is loaded.
	dump = bytes.Replace(dump, []byte("CREATE SCHEMA "+schemaMark+";\n"), nil, 1)
	if err := os.WriteFile(filepath.Join(dir, "postgres.sql"), dump, 0o644); err != nil {
		t.Fatal(err)
	}
}

// schemaOf is the Postgres schema a test store works in.
func schemaOf(t *testing.T, s *models.Store) string {
	var schema string
	if err := s.SQL().QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	return schema
}

// loadFixture opens a release's database from dir, as it was, unmigrated.
func loadFixture(t *testing.T, db, dir string) *models.Store {
	ctx := context.Background()
	pgURL, sqlitePath := testenv.DatabaseURLs(t, db)
	if db == "sqlite" {
		data, err := os.ReadFile(filepath.Join(dir, "sqlite.db"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sqlitePath, data, 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		dump, err := os.ReadFile(filepath.Join(dir, "postgres.sql"))
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(pgURL)
		if err != nil {
			t.Fatal(err)
		}
		schema := u.Query().Get("search_path")
		cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", testenv.PostgresURL())
		cmd.Stdin = bytes.NewReader(bytes.ReplaceAll(dump, []byte(schemaMark), []byte(schema)))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
	}
	rs := ukSettings()
	rs.FiscalYearStart, rs.Location = config.MonthDay{Month: time.January, Day: 1}, time.UTC
	// The store's clock stands at the evening the fixtures were made
	// (v0.4.0's on 2026-12-04, its emails queued at 17:29 UTC): the
	// fixture's queued emails have no worker to send them, and on a real
	// clock the books check would call them stuck a day later.
	made := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	s, err := models.Open(ctx, models.Options{DatabaseURL: pgURL, SQLitePath: sqlitePath, Receipts: rs, Now: func() time.Time { return made }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
