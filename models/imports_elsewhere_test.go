package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestDonorsWithGiftsReceiptedElsewhere: the year's one query names
// exactly the donors whose own list of gifts receipted elsewhere is not
// empty, on both databases: a gift of another year, or one the old
// system did not receipt, names no one.
func TestDonorsWithGiftsReceiptedElsewhere(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		day := func(y int, m time.Month) time.Time { return time.Date(y, m, 10, 12, 0, 0, 0, time.UTC) }
		rows := []models.ImportedGift{
			{Line: 2, Key: "old:1", Email: "ann@example.com", Name: "Ann", Amount: 5000, Currency: "usd", Date: day(2026, time.March), Method: "check", ReceiptedElsewhere: "OLD-1"},
			{Line: 3, Key: "old:2", Email: "ben@example.com", Name: "Ben", Amount: 2500, Currency: "usd", Date: day(2026, time.April), Method: "check"},
			{Line: 4, Key: "old:3", Email: "cat@example.com", Name: "Cat", Amount: 7000, Currency: "usd", Date: day(2025, time.May), Method: "check", ReceiptedElsewhere: "OLD-3"},
		}
		if _, err := s.ImportGifts(ctx, rows, false, nil); err != nil {
			t.Fatal(err)
		}
		who, err := s.DonorsWithGiftsReceiptedElsewhere(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"ann@example.com", "ben@example.com", "cat@example.com"} {
			d, err := s.DonorByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			gs, err := s.GiftsReceiptedElsewhere(ctx, d.ID, 2026)
			if err != nil {
				t.Fatal(err)
			}
			if who[d.ID] != (len(gs) > 0) {
				t.Errorf("%s: named %v by the year's query, %d gifts receipted elsewhere by their own", email, who[d.ID], len(gs))
			}
		}
		if len(who) != 1 {
			t.Errorf("the year's query named %d donors, want 1 (Ann): %v", len(who), who)
		}
	})
}
