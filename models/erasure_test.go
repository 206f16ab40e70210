package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// holding lists where needle still is in the store's database.
func holding(t *testing.T, s *models.Store, db, needle string) []string {
	t.Helper()
	return testenv.Holding(t, s.SQL(), db == "postgres", needle)
}

// TestErasureKeepsTheBooksTrue: a donor with gifts, a receipt, an email
// sent, a sign-in link and an audit entry naming them is erased. Their
// email is then in no table at all; their record and gifts read "erased
// donor #1"; the receipt the law keeps is still there with its name and
// address, sealed, until its retention date; the books check clean and
// the year's totals do not move. Once the retention has passed, the
// purge removes the rest, and the books still check.
func TestErasureKeepsTheBooksTrue(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		now := time.Now().UTC()
		clock := now
		s := openStoreAt(t, db, "", func() time.Time { return clock })
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		g := &models.Gift{Frequency: "once", Amount: 2500, Currency: "usd", Email: "erase_me.now@example.com", Name: "Erin Private",
			Address: models.Address{Line1: "9 Secret Lane", City: "Springfield", Country: "US"}, DedicationType: "memory", DedicationName: "Aunt Private"}
		if err := s.CreateGift(ctx, g); err != nil {
			t.Fatal(err)
		}
		res, err := s.ApplyEvent(ctx, event("evt_erase", "checkout.session.completed"), paid("cs_erase", g.ID, "erase_me.now@example.com", 2500, at))
		if err != nil || res.Receipt == nil {
			t.Fatal(err)
		}
		other := &models.Gift{Frequency: "once", Amount: 1000, Currency: "usd", Email: "stays@example.com", Name: "Stay Put"}
		if err := s.CreateGift(ctx, other); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyEvent(ctx, event("evt_stay", "checkout.session.completed"), paid("cs_stay", other.ID, "stays@example.com", 1000, at)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.IssueLoginToken(ctx, "erase_me.now@example.com"); err != nil {
			t.Fatal(err)
		}
		donor, err := s.DonorByID(ctx, *res.Receipt.DonorID)
		if err != nil {
			t.Fatal(err)
		}
		staff := models.Actor{Email: "fin@ledger.example"}
		if err := s.UpdateDonorProfile(ctx, donor.ID, models.DonorProfile{Name: "Erin Private", Address: g.Address}, &staff); err != nil {
			t.Fatal(err)
		}
		if len(holding(t, s, db, "erase_me.now@example.com")) == 0 {
			t.Fatal("the donor's email is nowhere before erasure: the scan reads nothing")
		}
		before, err := s.CheckBooks(ctx)
		if err != nil || !before.OK {
			t.Fatalf("before: %+v %v", before, err)
		}

		e, err := s.EraseDonor(ctx, donor.ID, staff, "letter of 2026-12-01, ID checked")
		if err != nil || e.Number != 1 || e.Kept != 1 || e.Name != "erased donor #1" {
			t.Fatalf("erasure: %+v %v", e, err)
		}
		if where := holding(t, s, db, "erase_me.now@example.com"); len(where) > 0 {
			t.Fatalf("the erased donor's email is still in %v", where)
		}
		for _, private := range []string{"Aunt Private", "Secret Lane"} {
			where := holding(t, s, db, private)
			for _, w := range where {
				if !strings.HasPrefix(w, "receipts.") {
					t.Errorf("%q is still in %s (only the kept receipt may hold it)", private, w)
				}
			}
		}
		if _, err := s.EraseDonor(ctx, donor.ID, staff, ""); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("erasing twice: %v", err)
		}
		// A later import does not bring them back.
		rep, err := s.ImportDonors(ctx, []models.ImportedDonor{{Line: 2, Email: "Erase_Me.Now@example.com", Name: "Erin Private"}}, false, nil)
		if err != nil || rep.Created != 0 || len(rep.Rejected) != 1 || !strings.Contains(rep.Rejected[0].Reason, "erased at their request") {
			t.Fatalf("importing an erased donor: %+v %v", rep, err)
		}
		d, err := s.DonorByID(ctx, donor.ID)
		if err != nil || d.Name != "erased donor #1" || d.Address.Line1 != "" {
			t.Fatalf("the donor record: %+v %v", d, err)
		}
		kept, err := s.ReceiptByID(ctx, res.Receipt.ID)
		if err != nil || kept.DonorName != "Erin Private" || kept.DonorAddressLine1 != "9 Secret Lane" || kept.DonorEmail != "" || kept.KeepUntil == nil ||
			kept.KeepUntil.Year() != 2034 {
			t.Fatalf("the kept receipt: %+v %v", kept, err)
		}
		after, err := s.CheckBooks(ctx)
		if err != nil || !after.OK || after.Summary != before.Summary {
			t.Fatalf("the books after erasure: %+v (before: %s) %v", after, before.Summary, err)
		}
		// The receipt's retention ends; the purge takes the rest. (The
		// other donor's receipt email went long ago.)
		if _, err := s.SQL().Exec("UPDATE email_messages SET status = 'sent' WHERE status = 'queued'"); err != nil {
			t.Fatal(err)
		}
		clock = kept.KeepUntil.Add(time.Hour)
		n, _, err := s.PurgeExpired(ctx)
		if err != nil || n != 1 {
			t.Fatalf("the purge: %d receipts, %v", n, err)
		}
		for _, private := range []string{"Erin Private", "Secret Lane"} {
			if where := holding(t, s, db, private); len(where) > 0 {
				t.Errorf("%q is still in %v after the purge", private, where)
			}
		}
		purged, err := s.CheckBooks(ctx)
		if err != nil || !purged.OK || !strings.Contains(purged.Summary, "$35.00 receipted, $35.00 in gifts") || !strings.Contains(purged.Summary, "1 receipts purged") {
			t.Fatalf("the books after the purge: %+v %v", purged, err)
		}
	})
}
