package main

import (
	"encoding/csv"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/imports"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/server"
	"github.com/indienews/donations/testenv"
)

// writeExport writes rows under the mapping's own headers (the first name
// each field goes by), as that system's export would.
func writeExport(t *testing.T, m imports.Mapping, fields []string, rows [][]string) string {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), m.Name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := csv.NewWriter(f)
	header := make([]string, len(fields))
	for i, field := range fields {
		header[i] = m.Fields[field][0]
	}
	w.Write(header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// history is a newsroom's past: donors donors, and gifts gifts among them
// over two years, a tenth receipted by the old system, and four broken
// rows among the gifts.
func history(t *testing.T, m imports.Mapping, donors, gifts int) (donorsCSV, giftsCSV string) {
	name := func(i int) []string { return []string{fmt.Sprintf("Reader%d", i), fmt.Sprintf("Surname%d", i)} }
	var drows [][]string
	for i := 0; i < donors; i++ {
		n := name(i)
		drows = append(drows, []string{fmt.Sprintf("reader%d@example.com", i), n[0], n[1], fmt.Sprintf("%d Main St", i), "Springfield", "IL", "62701", "US"})
	}
	donorsCSV = writeExport(t, m, []string{"email", "first_name", "last_name", "address_line1", "city", "state", "postal_code", "country"}, drows)
	var grows [][]string
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < gifts; i++ {
		d := i % donors
		n := name(d)
		method, elsewhere := "card", ""
		if i%7 == 0 {
			method = "check"
		}
		if i%10 == 0 {
			elsewhere = fmt.Sprintf("OLD-%d", i)
		}
		grows = append(grows, []string{fmt.Sprintf("g%d", i), fmt.Sprintf("reader%d@example.com", d), n[0], n[1], fmt.Sprintf("%d.00", 10+i%90), "USD",
			start.Add(time.Duration(i) * 20 * time.Minute).Format("2006-01-02"), method, fmt.Sprint(i), elsewhere})
	}
	grows = append(grows,
		[]string{"bad1", "not-an-email", "A", "B", "10.00", "USD", "2025-01-01", "card", "", ""},
		[]string{"bad2", "ok@example.com", "A", "B", "ten", "USD", "2025-01-01", "card", "", ""},
		[]string{"bad3", "ok@example.com", "A", "B", "10.00", "USD", "2999-01-01", "card", "", ""},
		[]string{"bad4", "ok@example.com", "A", "B", "10.00", "USD", "2025-01-01", "barter", "", ""},
	)
	giftsCSV = writeExport(t, m, []string{"id", "email", "first_name", "last_name", "amount", "currency", "date", "method", "reference", "receipted_elsewhere"}, grows)
	return donorsCSV, giftsCSV
}

// TestImportHistoryFromEachMapping: 10,000 donors and 30,000 past gifts
// from each shipped mapping's export: a dry run says what it would do and
// changes nothing; the import creates, merges by email and rejects each
// broken row with its reason; a gift the old system receipted gets no new
// receipt; a second run changes nothing; the books check clean.
func TestImportHistoryFromEachMapping(t *testing.T) {
	donors, gifts := 10000, 30000
	if testing.Short() {
		donors, gifts = 500, 1500
	}
	pg := testenv.PostgresSchema(t)
	for i, name := range []string{"template", "donorbox", "npsp"} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"DATA_DIR": t.TempDir()}
			if i == 0 {
				env["DATABASE_URL"] = pg // one mapping on Postgres, the others on the embedded default
			}
			m := imports.Mappings[name]
			donorsCSV, giftsCSV := history(t, m, donors, gifts)
			started := time.Now()
			code, out, stderr := runCmd(t, env, "import", "donors", donorsCSV, "--mapping", name, "--dry-run")
			if code != 0 || !strings.Contains(out, fmt.Sprintf("would create %d new donors", donors)) {
				t.Fatalf("dry run of the donors: exit %d\n%s%s", code, out, stderr)
			}
			code, out, stderr = runCmd(t, env, "import", "donors", donorsCSV, "--mapping", name)
			if code != 0 || !strings.Contains(out, fmt.Sprintf("created %d new donors, merged 0", donors)) {
				t.Fatalf("importing the donors: exit %d\n%s%s", code, out, stderr)
			}
			receipts := gifts - gifts/10
			code, out, _ = runCmd(t, env, "import", "gifts", giftsCSV, "--mapping", name, "--dry-run")
			if code != 1 || !strings.Contains(out, fmt.Sprintf("would record %d gifts (0 from new donors, %d merged into donors by email), 0 already imported, %d receipts to issue", gifts, gifts, receipts)) {
				t.Fatalf("dry run of the gifts: exit %d\n%s", code, out)
			}
			if c, o, _ := runCmd(t, env, "check"); c != 0 || !strings.Contains(o, "no receipts yet") {
				t.Fatalf("a dry run wrote something:\n%s", o)
			}
			code, out, _ = runCmd(t, env, "import", "gifts", giftsCSV, "--mapping", name)
			for _, want := range []string{
				fmt.Sprintf("recorded %d gifts", gifts), fmt.Sprintf("%d receipts issued", receipts), "4 rejected",
				`"not-an-email" is not an email address`, `amount "ten" is not an amount above zero`,
				"date 2999-01-01 is in the future", `payment method "barter" is not one of`,
			} {
				if code != 1 || !strings.Contains(out, want) {
					t.Fatalf("importing the gifts: exit %d, no %q in\n%s", code, want, out)
				}
			}
			took := time.Since(started)
			code, out, _ = runCmd(t, env, "import", "gifts", giftsCSV, "--mapping", name)
			if !strings.Contains(out, fmt.Sprintf("recorded 0 gifts (0 from new donors, 0 merged into donors by email), %d already imported, 0 receipts issued", gifts)) {
				t.Fatalf("a second run: exit %d\n%s", code, out)
			}
			code, out, _ = runCmd(t, env, "check")
			if code != 0 || !strings.Contains(out, "nothing wrong") {
				t.Fatalf("the books after the import: exit %d\n%s", code, out)
			}
			// A gift the old system receipted is on its donor's statement,
			// with that system's number, apart from the totals.
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			store, err := server.OpenStore(t.Context(), cfg, slog.New(slog.DiscardHandler), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			found, _, err := store.SearchDonors(t.Context(), "reader0@example.com", models.Page{Number: 1})
			if err != nil || len(found) == 0 {
				t.Fatalf("reader0: %v", err)
			}
			st, err := documents.StatementOf(t.Context(), store, cfg.Org, &found[0], 2024)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Join(documents.New("https://news.example", time.UTC).StatementLines(st), "\n")
			if !strings.Contains(lines, "receipted by the system we used before") || !strings.Contains(lines, "2024-01-01   $10.00   its receipt: OLD-0") {
				t.Fatalf("reader0's statement of 2024:\n%s", lines)
			}
			t.Logf("%s: %d donors and %d gifts imported in %s", name, donors, gifts, took.Round(time.Millisecond))
		})
	}
}
