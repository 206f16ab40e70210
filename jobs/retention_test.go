package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestRetentionOverTenYears: one donor a year, each giving once, from
// 2016 to 2026. The nightly run in December 2026, with donors erased
// after seven years without a gift, erases those whose last gift is
// before December 2019 and purges the receipts whose seven years after
// the end of their fiscal year have passed; the others stay whole. The books check
// clean before and after, and staff can see what next month will bring.
func TestRetentionOverTenYears(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
		clock := now
		pg, sqlitePath := testenv.DatabaseURLs(t, db)
		s, err := models.Open(ctx, models.Options{DatabaseURL: pg, SQLitePath: sqlitePath, Now: func() time.Time { return clock },
			Receipts: models.ReceiptSettings{Org: models.Org{Name: "The Ledger"}, FiscalYearStart: config.MonthDay{Month: time.January, Day: 1}, Location: time.UTC}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for y := 2016; y <= 2026; y++ {
			at := time.Date(y, 6, 1, 12, 0, 0, 0, time.UTC)
			clock = at
			g := &models.Gift{Frequency: "once", Amount: 1000, Currency: "usd", Email: fmt.Sprintf("d%d@example.com", y), Name: fmt.Sprintf("Donor %d", y)}
			if err := s.CreateGift(ctx, g); err != nil {
				t.Fatal(err)
			}
			sess := fmt.Sprintf("cs_%d", y)
			if err := s.AttachCheckoutSession(ctx, g.ID, sess); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ApplyEvent(ctx, models.EventRecord{ID: "evt_" + sess, Type: "checkout.session.completed", Created: at},
				models.CheckoutPaid{CheckoutPayment: models.CheckoutPayment{SessionID: sess, ClientReferenceID: g.ID, PaymentIntentID: "pi_" + sess,
					AmountTotal: 1000, Currency: "usd", Email: g.Email, Name: g.Name, At: at}}); err != nil {
				t.Fatal(err)
			}
		}
		clock = now
		if _, err := s.SQL().Exec("UPDATE email_messages SET status = 'sent'"); err != nil {
			t.Fatal(err)
		}
		before, err := s.CheckBooks(ctx)
		if err != nil || !before.OK {
			t.Fatalf("before: %+v %v", before, err)
		}
		plan, err := s.RetentionBy(ctx, now, 7)
		if err != nil || plan.Donors != 4 {
			t.Fatalf("what tonight's run will erase: %+v %v", plan, err)
		}
		w := &retentionWorker{store: s, years: 7, now: func() time.Time { return now }, log: slog.New(slog.DiscardHandler)}
		if err := w.Work(ctx, &river.Job[RetentionArgs]{}); err != nil {
			t.Fatal(err)
		}
		var erased, purged int
		s.SQL().QueryRow("SELECT COUNT(*) FROM donors WHERE erased_at IS NOT NULL").Scan(&erased)
		s.SQL().QueryRow("SELECT COUNT(*) FROM receipts WHERE purged_at IS NOT NULL").Scan(&purged)
		// Erased: 2016 to 2019 (no gift since 4 December 2019). Purged: the
		// receipts of fiscal years 2016 to 2018 (kept until 1 January of
		// their year plus eight); 2019's is kept until 2027.
		if erased != 4 || purged != 3 {
			t.Fatalf("after tonight: %d donors erased, %d receipts purged; want 4 and 3", erased, purged)
		}
		for y := 2016; y <= 2026; y++ {
			where := testenv.Holding(t, s.SQL(), db == "postgres", fmt.Sprintf("d%d@example.com", y))
			if gone := len(where) == 0; gone != (y <= 2019) {
				t.Errorf("donor of %d: still in %v", y, where)
			}
		}
		after, err := s.CheckBooks(ctx)
		if err != nil || !after.OK || !strings.Contains(after.Summary, "$110.00 receipted, $110.00 in gifts") {
			t.Fatalf("after: %+v %v", after, err)
		}
		// What staff see for next month: 2019's receipt, kept until 1
		// January 2027, goes then; no other donor reaches seven years.
		next, err := s.RetentionBy(ctx, now.AddDate(0, 1, 0), 7)
		if err != nil || next.Donors != 0 || next.Receipts != 1 {
			t.Fatalf("next month: %+v %v", next, err)
		}
		// A second run changes nothing.
		if err := w.Work(ctx, &river.Job[RetentionArgs]{}); err != nil {
			t.Fatal(err)
		}
		s.SQL().QueryRow("SELECT COUNT(*) FROM donors WHERE erased_at IS NOT NULL").Scan(&erased)
		if erased != 4 {
			t.Fatalf("a second run erased %d donors in all", erased)
		}
	})
}
