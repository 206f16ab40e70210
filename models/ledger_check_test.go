package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestCheckBooksFindsEachKindOfDamage: a sound ledger checks clean; then
// each kind of damage an auditor fears is made by hand, in the database,
// and check names it: a changed receipt, a gap, a replacement pointing
// nowhere, a receipt that no longer matches its gift, a stuck email.
func TestCheckBooksFindsEachKindOfDamage(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		for i := 1; i <= 4; i++ {
			g := &models.Gift{Frequency: "once", Amount: int64(1000 * i), Currency: "usd", Email: fmt.Sprintf("d%d@example.com", i), Name: "Donor"}
			if err := s.CreateGift(ctx, g); err != nil {
				t.Fatal(err)
			}
			sess := fmt.Sprintf("cs_%d", i)
			if err := s.AttachCheckoutSession(ctx, g.ID, sess); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ApplyEvent(ctx, event("evt_"+sess, "checkout.session.completed"), paid(sess, g.ID, g.Email, int64(1000*i), at)); err != nil {
				t.Fatal(err)
			}
		}
		c, err := s.CheckBooks(ctx)
		if err != nil || !c.OK || !strings.Contains(c.Summary, "fiscal year 2026: 4 receipts") || !strings.Contains(c.Summary, "$100.00 receipted, $100.00 in gifts") {
			t.Fatalf("a sound ledger: %+v, %v", c, err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if db == "postgres" {
				for i := 1; strings.Contains(q, "?"); i++ {
					q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
				}
			}
			if _, err := s.SQL().Exec(q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec("UPDATE receipts SET donor_name = 'Someone Else' WHERE number = '2026-000001'")
		exec("UPDATE receipts SET sequence = 7, number = '2026-000007' WHERE number = '2026-000003'")
		exec("UPDATE receipts SET replaces = '2026-000099' WHERE number = '2026-000002'")
		exec("UPDATE gifts SET refunded_amount = 500 WHERE id = (SELECT gift_id FROM receipts WHERE number = '2026-000004')")
		exec(`INSERT INTO email_messages (id, dedupe_key, kind, to_address, status, created_at, updated_at) VALUES ('m1', 'k1', 'receipt', 'd1@example.com', 'queued', ?, ?)`,
			time.Now().Add(-48*time.Hour).UTC(), time.Now().Add(-48*time.Hour).UTC())
		c, err = s.CheckBooks(ctx)
		if err != nil || c.OK {
			t.Fatalf("a damaged ledger passed: %+v, %v", c, err)
		}
		var got []string
		for _, f := range c.Findings {
			got = append(got, f.Kind+": "+f.Text)
		}
		for _, want := range []string{
			"seal: receipt 2026-000001 has changed since it was issued",
			"gap: fiscal year 2026: receipt numbers missing: 3, 5, 6",
			"chain: receipt 2026-000002 replaces a receipt that does not exist or is not void",
			"total: receipt 2026-000004 states $40.00, its gift's money net of refunds and disputes is $35.00",
			"total: USD: receipts in force add up to $100.00, their gifts net of refunds to $95.00",
			"outbox: 1 receipt emails queued for over a day",
		} {
			if !strings.Contains(strings.Join(got, "\n"), want) {
				t.Errorf("no finding %q in:\n%s", want, strings.Join(got, "\n"))
			}
		}
		// The result is kept for the dashboard.
		if err := s.RecordBookCheck(ctx, c); err != nil {
			t.Fatal(err)
		}
		last, err := s.LastBookCheck(ctx)
		if err != nil || last == nil || last.OK || len(last.Findings) != len(c.Findings) || last.ID != c.ID {
			t.Fatalf("last check: %+v, %v", last, err)
		}
	})
}
