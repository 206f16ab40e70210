package handlers_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/reports"
	"github.com/indienews/donations/testenv"
)

// TestBrowserBatchByKeyboard: under each rule set, finance enters a
// deposit of five cheques, a gift of shares and a donor-advised fund's
// grant without touching the mouse: the slip's total, then each gift
// (email, name, amount, how it was paid, its number, the address; for
// shares what they are), Enter, the running total after each. A batch
// that does not add up will not close; one that does closes. The cheques
// get receipts, the shares a receipt that describes them, the fund's
// grant a receipt except under US rules. Every page passes axe.
func TestBrowserBatchByKeyboard(t *testing.T) {
	for _, rs := range []struct {
		rules string
		env   map[string]string
		sign  string
	}{
		{"us", map[string]string{}, "$"},
		{"ca", canadianEnv, "CA$"},
		{"uk", ukEnv, "£"},
	} {
		t.Run(rs.rules, func(t *testing.T) {
			env := maps.Clone(rs.env)
			app := newApp(t, "sqlite", appOptions{env: env})
			if _, err := app.Store.AddStaff(t.Context(), "fin@ledger.example", staffPassword, "staff", models.CommandLine); err != nil {
				t.Fatal(err)
			}
			ctx := testenv.Browser(t)
			do(t, ctx, "sign in by keyboard",
				chromedp.Navigate(app.URL+"/admin/login"),
				chromedp.WaitVisible(`#password`),
				chromedp.Focus(`#email`),
				chromedp.KeyEvent("fin@ledger.example\t"+staffPassword+"\r"),
				chromedp.WaitVisible(`#tiles`),
			)
			do(t, ctx, "open a batch: the slip's total, then Enter",
				chromedp.Navigate(app.URL+"/admin/batches"),
				chromedp.WaitVisible(`#total`),
				chromedp.KeyEvent("250.00\r"), // the total field has the focus
				chromedp.WaitVisible(`#entry-form`),
			)
			testenv.Axe(t, ctx, "a new batch")
			addr := "\t1 Elm St\tSpringfield\tON\tK1A 0B1\tCA"
			type entry struct{ email, name, amount, method, ref, more string }
			entries := []entry{
				{"ann@example.com", "Ann Reader", "10.00", "", "1001", addr},
				{"bo@example.com", "Bo Reader", "20.00", "", "1002", addr},
				{"cy@example.com", "Cy Reader", "30.00", "", "1003", addr},
				{"di@example.com", "Di Reader", "40.00", "", "1004", addr},
				{"ed@example.com", "Ed Reader", "50.00", "", "1005", addr},
				// Shares: S for Stock, no number, the address, then what they are.
				{"sam@example.com", "Sam Holder", "5000.00", "S", "", addr + "\t120 shares of Acme Corp (ACME)"},
				{"grants@fund.example", "A Giving Fund", "100.00", "D", "G-9", addr},
			}
			for i, e := range entries {
				// The email field has the focus on each return; the method is
				// left at Cheque, or chosen by typing its first letter.
				do(t, ctx, "enter "+e.name,
					chromedp.WaitVisible(`#email`),
					chromedp.KeyEvent(e.email+"\t"+e.name+"\t"+e.amount+"\t"+e.method+"\t"+e.ref+e.more+"\r"),
				)
				// The page after this entry (not the one before it, whose
				// notice names the previous gift) says what was entered.
				waitFor(t, ctx, "the notice of "+e.name, fmt.Sprintf(`(document.querySelector("#notice")?.textContent || "").includes(%q)`, e.name))
				if i == 2 {
					// Not adding up yet: closing is refused, next to the button.
					do(t, ctx, "close too early", chromedp.Focus(`#close-batch`), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`#close-error`))
					if msg := text(t, ctx, `#close-error`); !strings.Contains(msg, rs.sign+"60.00, the deposit to "+rs.sign+"250.00") {
						t.Fatalf("closing a batch that does not add up: %q", msg)
					}
					if remaining := text(t, ctx, `#batch-remaining`); remaining != rs.sign+"190.00" {
						t.Fatalf("still to enter: %q", remaining)
					}
				}
			}
			testenv.Axe(t, ctx, "a full batch")
			rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#batch-gifts tbody tr")].map(r => r.textContent)`))
			if err != nil || len(rows) != 7 {
				t.Fatalf("the batch's gifts: %q %v", rows, err)
			}
			year := time.Now().Year()
			all := strings.Join(rows, "\n")
			want := []string{"Cheque 1003", fmt.Sprintf("%d-000003", year), "Stock or other securities", "Donor-advised fund or foundation grant G-9"}
			if rs.rules == "us" {
				want = append(want, "none (a fund's grant")
			}
			for _, w := range want {
				if !strings.Contains(all, w) {
					t.Errorf("the batch's gifts lack %q:\n%s", w, all)
				}
			}
			do(t, ctx, "close", chromedp.Focus(`#close-batch`), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`#batch-closed`))
			if remaining := text(t, ctx, `#batch-remaining`); remaining != rs.sign+"0.00" {
				t.Fatalf("a closed batch still lacks %q", remaining)
			}
			// The receipts, from the newsroom's one book; the books check clean.
			receipts := map[string]int{"us": 6, "ca": 7, "uk": 7}[rs.rules]
			c, err := app.Store.CheckBooks(t.Context())
			if err != nil || !c.OK || !strings.Contains(c.Summary, fmt.Sprintf("fiscal year %d: %d receipts", year, receipts)) {
				t.Fatalf("the books after the batch: %+v %v", c, err)
			}
			// The receipts CSV marks each gift by how it came.
			period, _, err := reports.ParsePeriod(fmt.Sprint(year), "", "", time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			var csvOut bytes.Buffer
			if err := reports.WriteReceiptsCSV(t.Context(), &csvOut, app.Store, period, time.UTC); err != nil {
				t.Fatal(err)
			}
			table, err := csv.NewReader(&csvOut).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			byMethod := map[string]int{}
			col := slices.Index(table[0], "method")
			for _, r := range table[1:] {
				byMethod[r[col]]++
			}
			wantMethods := map[string]int{"cheque": 5, "stock": 1, "grant": 1}
			if rs.rules == "us" {
				delete(wantMethods, "grant")
			}
			if !maps.Equal(byMethod, wantMethods) {
				t.Errorf("the receipts CSV's methods: %v, want %v", byMethod, wantMethods)
			}
			// The shares' receipt says what they were, as the rule set wants.
			var stockID string
			if err := app.Store.SQL().QueryRow("SELECT id FROM receipts WHERE method = 'stock'").Scan(&stockID); err != nil {
				t.Fatal(err)
			}
			r, err := app.Store.ReceiptByID(t.Context(), stockID)
			if err != nil {
				t.Fatal(err)
			}
			text := receiptText(t, r)
			wantPDF := map[string]string{"us": "Value, for information only: $5,000.00", "ca": "Fair market value: CA$5,000.00", "uk": "Value: £5,000.00"}[rs.rules]
			if !strings.Contains(text, "Gift received: 120 shares of Acme Corp (ACME)") || !strings.Contains(text, wantPDF) {
				t.Errorf("the shares' receipt under %s rules:\n%s", rs.rules, text)
			}
		})
	}
}

// receiptText renders a receipt and reads it back with pdftotext.
func receiptText(t *testing.T, r *models.Receipt) string {
	t.Helper()
	var buf bytes.Buffer
	if err := documents.New("https://news.example", nil).Receipt(&buf, r); err != nil {
		t.Fatal(err)
	}
	return testenv.PDFText(t, buf.Bytes())
}
