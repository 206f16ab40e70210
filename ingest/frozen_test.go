package ingest_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/testenv"
)

// TestReceiptRendersTheSameAfterChanges issues a receipt, then changes the
// organisation's settings and the donor's details, and renders it again:
// the text is what it was on the day it was issued.
func TestReceiptRendersTheSameAfterChanges(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		pg, sqlitePath := testenv.DatabaseURLs(t, db)
		open := func(org string, rules string, base string) *models.Store {
			s, err := models.Open(ctx, models.Options{DatabaseURL: pg, SQLitePath: sqlitePath,
				Receipts: models.ReceiptSettings{Org: models.Org{Name: org, Address: org + " Street"}, FiscalYearStart: config.MonthDay{Month: time.January, Day: 1},
					Location: time.UTC, Rules: rules, VerifyBase: base + "/receipts/verify/"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			return s
		}
		render := func(s *models.Store, id string, base string) string {
			r, err := s.ReceiptByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := documents.New(base, nil).Receipt(&buf, r); err != nil {
				t.Fatal(err)
			}
			return testenv.PDFText(t, buf.Bytes())
		}
		before := open("The Old Ledger", "us", "https://news.example")
		h := &harness{t: t, store: before, v: payments.NewVerifier(secret)}
		res := h.deliver(testenv.EventAt(t, "evt_frozen", "checkout.session.completed", testenv.PaidSession(t, "cs_frozen", "", "frozen@example.com", 4200), t0))
		first := render(before, res.Receipt.ID, "https://news.example")
		before.Close()

		// A year on: new name, new rules, a new address for the server, and
		// the donor gives again under another name and address.
		after := open("The New Ledger", "ca", "https://give.new.example")
		defer after.Close()
		again := testenv.PaidSession(t, "cs_frozen2", "", "frozen@example.com", 100)
		again["customer_details"].(map[string]any)["name"] = "Renamed Donor"
		h.store = after
		h.deliver(testenv.EventAt(t, "evt_frozen2", "checkout.session.completed", again, t0.AddDate(1, 0, 0)))
		if second := render(after, res.Receipt.ID, "https://give.new.example"); second != first {
			t.Fatalf("receipt text changed:\nbefore: %s\nafter:  %s", first, second)
		}
		for _, want := range []string{"The Old Ledger", "Sample Donor", "No goods or services", "https://news.example/receipts/verify/"} {
			if !bytes.Contains([]byte(first), []byte(want)) {
				t.Errorf("receipt lacks %q: %s", want, first)
			}
		}
	})
}
