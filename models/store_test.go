package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// openStore opens a migrated store on a fresh database of kind db.
func openStore(t *testing.T, db string, fyStart string) *models.Store {
	t.Helper()
	return openStoreAt(t, db, fyStart, nil)
}

// openStoreAt is openStore with the test's own clock (nil: the real one).
func openStoreAt(t *testing.T, db string, fyStart string, now func() time.Time) *models.Store {
	t.Helper()
	pgURL, sqlitePath := testenv.DatabaseURLs(t, db)
	md := config.MonthDay{Month: time.January, Day: 1}
	if fyStart == "07-01" {
		md = config.MonthDay{Month: time.July, Day: 1}
	}
	s, err := models.Open(context.Background(), models.Options{
		DatabaseURL: pgURL, SQLitePath: sqlitePath, Now: now,
		Receipts: models.ReceiptSettings{Org: models.Org{Name: "The Ledger", TaxID: "12-3456789", Address: "1 Press St"},
			FiscalYearStart: md, Location: time.UTC},
	})
	if err != nil {
		t.Fatalf("open %s: %v", db, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", db, err)
	}
	return s
}

func TestMigrateIsIdempotent(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		s := openStore(t, db, "")
		applied, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v", applied)
		}
	})
}

func paid(session, giftID, email string, amount int64, at time.Time) models.CheckoutPaid {
	return models.CheckoutPaid{CheckoutPayment: models.CheckoutPayment{
		SessionID: session, ClientReferenceID: giftID, PaymentIntentID: "pi_" + session,
		AmountTotal: amount, Currency: "usd", Email: email, Name: "Payment Link Donor", At: at,
	}}
}

func event(id, typ string) models.EventRecord {
	return models.EventRecord{ID: id, Type: typ, APIVersion: "2023-10-16", Created: time.Now()}
}

func TestFormGiftPaidOnceWithFrozenReceipt(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		g := &models.Gift{Frequency: "once", Amount: 2500, FeeAmount: 106, Currency: "usd", Email: " Zoe@Example.com ",
			Name: "Zoë Łukasz 王芳", Address: models.Address{Line1: "1 Main St", City: "Springfield", Country: "US"}}
		if err := s.CreateGift(ctx, g); err != nil {
			t.Fatal(err)
		}
		if err := s.AttachCheckoutSession(ctx, g.ID, "cs_1"); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		res, err := s.ApplyEvent(ctx, event("evt_1", "checkout.session.completed"), paid("cs_1", g.ID, "zoe@example.com", 2606, at))
		if err != nil {
			t.Fatal(err)
		}
		if res.Duplicate || res.Receipt == nil {
			t.Fatalf("first delivery: %+v", res)
		}
		r := res.Receipt
		if r.Number != "2026-000001" || r.Amount != 2606 || r.FeeCovered != 106 || r.DeductibleAmount != 2606 ||
			r.DonorName != "Zoë Łukasz 王芳" || r.DonorEmail != "zoe@example.com" || r.DonorAddressCity != "Springfield" ||
			r.OrgName != "The Ledger" || r.OrgTaxID != "12-3456789" || !r.GiftDate.Equal(at) || r.Status != models.ReceiptIssued ||
			r.StripePaymentID != "pi_cs_1" || len(r.VerificationCode) != 20 {
			t.Fatalf("receipt not frozen as expected: %+v", r)
		}

		again, err := s.ApplyEvent(ctx, event("evt_1", "checkout.session.completed"), paid("cs_1", g.ID, "zoe@example.com", 2606, at))
		if err != nil || !again.Duplicate || again.Receipt != nil {
			t.Fatalf("duplicate delivery: %+v, %v", again, err)
		}
		// A different event for the same payment (async succeeded after
		// completed) must not issue a second receipt.
		other, err := s.ApplyEvent(ctx, event("evt_2", "checkout.session.async_payment_succeeded"), paid("cs_1", g.ID, "zoe@example.com", 2606, at))
		if err != nil || other.Duplicate || other.Receipt != nil {
			t.Fatalf("second event for a paid gift: %+v, %v", other, err)
		}
		gr, err := s.GiftBySession(ctx, "cs_1")
		if err != nil {
			t.Fatal(err)
		}
		if gr.Gift.Status != models.GiftPaid || gr.Gift.DonorID == nil || gr.Receipt == nil || gr.Receipt.Number != r.Number {
			t.Fatalf("gift after payment: %+v receipt %+v", gr.Gift, gr.Receipt)
		}
		if n := countReceipts(t, s, 2026); n != 1 {
			t.Fatalf("%d receipts, want 1", n)
		}
		// A streamed receipt (reports) carries every column a loaded one does.
		// (Collected first: the callback must not use the store, as on SQLite
		// the cursor holds the only connection.)
		var streamed []models.Receipt
		_ = s.EachReceipt(ctx, models.ReceiptPeriod{FiscalYear: 2026}, func(r *models.Receipt) error {
			streamed = append(streamed, *r)
			return nil
		})
		if len(streamed) != 1 {
			t.Fatalf("streamed %d receipts, want 1", len(streamed))
		}
		for _, got := range streamed {
			want, _ := s.ReceiptByID(ctx, got.ID)
			if diff := streamedDiff(got, *want); diff != "" {
				t.Errorf("streamed receipt differs from the loaded one: %s", diff)
			}
			// A statement's receipts are read whole, every field as gorm
			// loads it.
			ofDonor, err := s.ReceiptsOfDonor(ctx, *got.DonorID, 2026)
			if err != nil || len(ofDonor) != 1 {
				t.Fatalf("receipts of the donor: %d, %v", len(ofDonor), err)
			}
			if diff := wholeDiff(ofDonor[0], *want); diff != "" || want.Seal == "" || want.Language == "" {
				t.Errorf("the donor's receipt differs from the loaded one (seal %q, language %q): %s", want.Seal, want.Language, diff)
			}
		}
		out, err := s.EventOutcome(ctx, "evt_2")
		if err != nil || out != fmt.Sprintf("gift %s already paid", g.ID) {
			t.Fatalf("outcome of evt_2 = %q, %v", out, err)
		}
	})
}

// streamedDiff names the fields in which a receipt streamed by EachReceipt
// differs from the same receipt loaded whole, leaving out those the stream
// does not read (the seal, the signature, what erasure keeps).
func streamedDiff(got, want models.Receipt) string {
	norm := func(r *models.Receipt) {
		r.VerifyURL, r.Language, r.SignatureID, r.SignaturePNG, r.GiftAidNote = "", "", "", nil, ""
		r.DonorEmailDigest, r.KeepUntil, r.PurgedAt, r.Seal = "", nil, nil, ""
		r.IssuedAt, r.GiftDate = r.IssuedAt.UTC(), r.GiftDate.UTC()
		if r.VoidedAt != nil {
			v := r.VoidedAt.UTC()
			r.VoidedAt = &v
		}
	}
	norm(&got)
	norm(&want)
	if reflect.DeepEqual(got, want) {
		return ""
	}
	return fmt.Sprintf("\n got %+v\nwant %+v", got, want)
}

// wholeDiff names the fields in which two receipts differ, their times
// compared as instants.
func wholeDiff(got, want models.Receipt) string {
	norm := func(r *models.Receipt) {
		r.SignaturePNG = nil
		r.IssuedAt, r.GiftDate = r.IssuedAt.UTC(), r.GiftDate.UTC()
		for _, t := range []**time.Time{&r.VoidedAt, &r.KeepUntil, &r.PurgedAt} {
			if *t != nil {
				v := (*t).UTC()
				*t = &v
			}
		}
	}
	norm(&got)
	norm(&want)
	if reflect.DeepEqual(got, want) {
		return ""
	}
	return fmt.Sprintf("\n got %+v\nwant %+v", got, want)
}

func countReceipts(t *testing.T, s *models.Store, fy int) int {
	t.Helper()
	n := 0
	if err := s.EachReceipt(context.Background(), models.ReceiptPeriod{FiscalYear: fy}, func(*models.Receipt) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPaymentLinkSessionWithoutLocalRowIsRecorded(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		res, err := s.ApplyEvent(ctx, event("evt_pl", "checkout.session.completed"), paid("cs_pl", "", "Link@Example.com", 5000, time.Now()))
		if err != nil || res.Receipt == nil {
			t.Fatalf("payment link event: %+v, %v", res, err)
		}
		gr, err := s.GiftBySession(ctx, "cs_pl")
		if err != nil {
			t.Fatal(err)
		}
		if gr.Gift.Source != models.SourceStripe || gr.Gift.TotalAmount != 5000 || gr.Gift.Email != "link@example.com" ||
			gr.Gift.Name != "Payment Link Donor" || gr.Gift.Status != models.GiftPaid {
			t.Fatalf("gift from event: %+v", gr.Gift)
		}
		// A bank debit through a link: the completed session records the
		// gift; the later success finds that row (its own insert makes
		// nothing) and pays it, once.
		later := paid("cs_pl_debit", "", "debit@example.com", 2500, time.Now())
		if _, err := s.ApplyEvent(ctx, event("evt_pl_c", "checkout.session.completed"), models.CheckoutProcessing{CheckoutPayment: later.CheckoutPayment}); err != nil {
			t.Fatal(err)
		}
		first, err := s.GiftBySession(ctx, "cs_pl_debit")
		if err != nil || first.Gift.Status != models.GiftProcessing {
			t.Fatalf("after the completed session: %+v %v", first.Gift, err)
		}
		res, err = s.ApplyEvent(ctx, event("evt_pl_s", "checkout.session.async_payment_succeeded"), later)
		if err != nil || res.Receipt == nil || res.Receipt.GiftID != first.Gift.ID {
			t.Fatalf("the success: %+v %v (gift %s)", res, err, first.Gift.ID)
		}
		var gifts int
		err = s.EachReceipt(ctx, models.ReceiptPeriod{FiscalYear: res.Receipt.FiscalYear}, func(r *models.Receipt) error {
			if r.StripePaymentID == "pi_cs_pl_debit" {
				gifts++
			}
			return nil
		})
		if err != nil || gifts != 1 {
			t.Fatalf("receipts for the debit: %d %v", gifts, err)
		}
	})
}

func TestDelayedPaymentThenSuccessOrFailure(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		for i, final := range []string{"succeeded", "failed"} {
			g := &models.Gift{Frequency: "once", Amount: 1000, Currency: "usd", Email: "bank@example.com", Name: "Bank Debit"}
			if err := s.CreateGift(ctx, g); err != nil {
				t.Fatal(err)
			}
			sess := fmt.Sprintf("cs_async_%d", i)
			if err := s.AttachCheckoutSession(ctx, g.ID, sess); err != nil {
				t.Fatal(err)
			}
			p := paid(sess, g.ID, "bank@example.com", 1000, time.Now())
			res, err := s.ApplyEvent(ctx, event("evt_c"+sess, "checkout.session.completed"), models.CheckoutProcessing{CheckoutPayment: p.CheckoutPayment})
			if err != nil || res.Receipt != nil {
				t.Fatalf("unpaid completion: %+v %v", res, err)
			}
			if gr, _ := s.GiftBySession(ctx, sess); gr.Gift.Status != models.GiftProcessing {
				t.Fatalf("after unpaid completion status = %s", gr.Gift.Status)
			}
			var eff models.Effect = p
			if final == "failed" {
				eff = models.CheckoutFailed{CheckoutPayment: p.CheckoutPayment}
			}
			res, err = s.ApplyEvent(ctx, event("evt_f"+sess, "checkout.session.async_payment_"+final), eff)
			if err != nil {
				t.Fatal(err)
			}
			gr, _ := s.GiftBySession(ctx, sess)
			want := map[string]string{"succeeded": models.GiftPaid, "failed": models.GiftFailed}[final]
			if gr.Gift.Status != want || (final == "succeeded") != (gr.Receipt != nil) {
				t.Fatalf("after async %s: status %s receipt %v", final, gr.Gift.Status, gr.Receipt)
			}
		}
	})
}

func TestFiscalYearNamedByTheYearItEnds(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "07-01")
		cases := []struct {
			at   time.Time
			want string
		}{
			{time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC), "2026-000001"},
			{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), "2027-000001"},
			{time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), "2027-000002"},
		}
		for i, c := range cases {
			res, err := s.ApplyEvent(ctx, event(fmt.Sprintf("evt_fy%d", i), "checkout.session.completed"),
				paid(fmt.Sprintf("cs_fy%d", i), "", "fy@example.com", 1000, c.at))
			if err != nil {
				t.Fatal(err)
			}
			if res.Receipt.Number != c.want {
				t.Errorf("gift on %s: receipt %s, want %s", c.at.Format(time.DateOnly), res.Receipt.Number, c.want)
			}
		}
	})
}

func TestRejectedEventStoresNothing(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		bad := paid("cs_bad", "", "x@example.com", 0, time.Now())
		_, err := s.ApplyEvent(ctx, event("evt_bad", "checkout.session.completed"), bad)
		if !errors.Is(err, models.ErrRejected) {
			t.Fatalf("err = %v, want ErrRejected", err)
		}
		if _, err := s.EventOutcome(ctx, "evt_bad"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("rejected event was stored: %v", err)
		}
		// The number it did not take is still the first.
		res, err := s.ApplyEvent(ctx, event("evt_ok", "checkout.session.completed"), paid("cs_ok", "", "x@example.com", 100, time.Now()))
		if err != nil || res.Receipt.Sequence != 1 {
			t.Fatalf("next receipt: %+v %v", res.Receipt, err)
		}
	})
}
