package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestBrowserBatchByKeyboard: finance enters a deposit of five cheques and
// a donor-advised fund's grant without touching the mouse: the slip's
// total, then each gift (email, name, amount, how it was paid, its number,
// Enter), the running total after each; a batch that does not add up
// will not close, one that does closes; the cheques get receipts, the
// fund's grant (US rules) a note why it gets none. Every page passes axe.
func TestBrowserBatchByKeyboard(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
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
	type entry struct{ email, name, amount, method, ref string }
	entries := []entry{
		{"ann@example.com", "Ann Reader", "10.00", "", "1001"},
		{"bo@example.com", "Bo Reader", "20.00", "", "1002"},
		{"cy@example.com", "Cy Reader", "30.00", "", "1003"},
		{"di@example.com", "Di Reader", "40.00", "", "1004"},
		{"ed@example.com", "Ed Reader", "50.00", "", "1005"},
		{"grants@fund.example", "A Giving Fund", "100.00", "D", "G-9"},
	}
	for i, e := range entries {
		// The email field has the focus on each return; the method is
		// left at Cheque, or chosen by typing its first letter.
		do(t, ctx, "enter "+e.name,
			chromedp.WaitVisible(`#email`),
			chromedp.KeyEvent(e.email+"\t"+e.name+"\t"+e.amount+"\t"+e.method+"\t"+e.ref+"\r"),
			chromedp.WaitVisible(`#notice`),
		)
		if notice := text(t, ctx, `#notice`); !strings.Contains(notice, e.name) {
			t.Fatalf("after %s: %q", e.name, notice)
		}
		if i == 2 {
			// Not adding up yet: closing is refused, next to the button.
			do(t, ctx, "close too early", chromedp.Focus(`#close-batch`), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`#close-error`))
			if msg := text(t, ctx, `#close-error`); !strings.Contains(msg, "$60.00, the deposit to $250.00") {
				t.Fatalf("closing a batch that does not add up: %q", msg)
			}
			if remaining := text(t, ctx, `#batch-remaining`); remaining != "$190.00" {
				t.Fatalf("still to enter: %q", remaining)
			}
			do(t, ctx, "back to entering", chromedp.Focus(`#email`))
		}
	}
	testenv.Axe(t, ctx, "a full batch")
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#batch-gifts tbody tr")].map(r => r.textContent)`))
	if err != nil || len(rows) != 6 {
		t.Fatalf("the batch's gifts: %q %v", rows, err)
	}
	all := strings.Join(rows, "\n")
	for _, want := range []string{"Cheque 1003", fmt.Sprintf("%d-000003", time.Now().Year()), "Donor-advised fund or foundation grant G-9", "none (a fund's grant"} {
		if !strings.Contains(all, want) {
			t.Errorf("the batch's gifts lack %q:\n%s", want, all)
		}
	}
	do(t, ctx, "close", chromedp.Focus(`#close-batch`), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`#batch-closed`))
	if remaining := text(t, ctx, `#batch-remaining`); remaining != "$0.00" {
		t.Fatalf("a closed batch still lacks %q", remaining)
	}
	// The receipts are the newsroom's, numbered in its one book, and the
	// books check clean.
	c, err := app.Store.CheckBooks(t.Context())
	if err != nil || !c.OK || !strings.Contains(c.Summary, fmt.Sprintf("fiscal year %d: 5 receipts", time.Now().Year())) {
		t.Fatalf("the books after the batch: %+v %v", c, err)
	}
}
