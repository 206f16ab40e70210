package models_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestBatchOfChequesIsReceiptedFromTheSameBook: a deposit of five cheques,
// cash and a donor-advised fund's grant, entered after a Stripe gift:
// the cheques and cash take the next numbers of the same fiscal year, the
// grant (US rules) gets none; the batch closes only when its gifts match
// the deposit, and then takes no more; the books check clean, and the
// receipt says how it was paid.
func TestBatchOfChequesIsReceiptedFromTheSameBook(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		g := &models.Gift{Frequency: "once", Amount: 2000, Currency: "usd", Email: "web@example.com", Name: "Web Donor"}
		if err := s.CreateGift(ctx, g); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyEvent(ctx, event("evt_web", "checkout.session.completed"), paid("cs_web", g.ID, g.Email, 2000, at)); err != nil {
			t.Fatal(err)
		}
		staff := models.Actor{Email: "fin@ledger.example", IP: "192.0.2.1"}
		if _, err := s.CreateBatch(ctx, 0, "usd", at, "", staff); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("a batch of nothing: %v", err)
		}
		b, err := s.CreateBatch(ctx, 26000, "usd", at.AddDate(0, 0, 1), "Deposit slip 88", staff)
		if err != nil {
			t.Fatal(err)
		}
		home := models.Address{Line1: "1 Elm St", City: "Springfield", State: "IL", PostalCode: "62701", Country: "US"}
		var numbers, ids []string
		for i := 1; i <= 5; i++ {
			_, r, err := s.AddToBatch(ctx, b.ID, models.BatchEntry{Email: fmt.Sprintf("cheque%d@example.com", i), Name: fmt.Sprintf("Reader %d", i),
				Address: home, Amount: int64(1000 * i), ReceivedOn: at, Method: models.MethodCheque, Reference: fmt.Sprint(1000 + i)}, staff)
			if err != nil || r == nil {
				t.Fatalf("cheque %d: %+v %v", i, r, err)
			}
			numbers, ids = append(numbers, r.Number), append(ids, r.ID)
		}
		_, cash, err := s.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "cash@example.com", Name: "Cash Giver", Amount: 1000, ReceivedOn: at, Method: models.MethodCash}, staff)
		if err != nil || cash == nil {
			t.Fatal(err)
		}
		numbers = append(numbers, cash.Number)
		if got := strings.Join(numbers, " "); got != "2026-000002 2026-000003 2026-000004 2026-000005 2026-000006 2026-000007" {
			t.Fatalf("the batch's receipts are not the next numbers of the book: %s", got)
		}
		if err := s.CloseBatch(ctx, b.ID, staff); !errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), "$160.00, the deposit to $260.00") {
			t.Fatalf("closing a batch short of its deposit: %v", err)
		}
		if _, _, err := s.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "x@example.com", Amount: 100, ReceivedOn: at, Method: "bitcoin"}, staff); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("an unknown method: %v", err)
		}
		grant, none, err := s.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "daf@fidelity.example", Name: "A Giving Fund", Amount: 10000,
			ReceivedOn: at, Method: models.MethodGrant, Reference: "G-77"}, staff)
		if err != nil || none != nil || grant.Status != models.GiftPaid {
			t.Fatalf("a donor-advised fund's grant under US rules: %+v %+v %v", grant, none, err)
		}
		v, err := s.BatchByID(ctx, b.ID)
		if err != nil || v.Entered != 26000 || v.Remaining() != 0 || len(v.Gifts) != 7 || v.Receipts != 6 {
			t.Fatalf("the batch: %+v %v", v, err)
		}
		if err := s.CloseBatch(ctx, b.ID, staff); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "late@example.com", Amount: 100, ReceivedOn: at, Method: models.MethodCash}, staff); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a gift added to a closed batch: %v", err)
		}
		// Each receipt is emailed to its donor, once; the grant's fund gets none.
		var emails, toFund int
		s.SQL().QueryRow("SELECT COUNT(*) FROM email_messages WHERE kind = 'receipt' AND to_address LIKE 'cheque%' OR to_address = 'cash@example.com'").Scan(&emails)
		s.SQL().QueryRow("SELECT COUNT(*) FROM email_messages WHERE to_address = 'daf@fidelity.example'").Scan(&toFund)
		if emails != 6 || toFund != 0 {
			t.Fatalf("receipt emails: %d to the batch's donors (want 6), %d to the fund (want 0)", emails, toFund)
		}
		if c, err := s.CheckBooks(ctx); err != nil || !c.OK || !strings.Contains(c.Summary, "fiscal year 2026: 7 receipts") {
			t.Fatalf("the books after the batch: %+v %v", c, err)
		}
		r, err := s.ReceiptByID(ctx, ids[2])
		if err != nil {
			t.Fatal(err)
		}
		var pdf bytes.Buffer
		if err := documents.New("https://news.example", nil).Receipt(&pdf, r); err != nil {
			t.Fatal(err)
		}
		if text := testenv.PDFText(t, pdf.Bytes()); !strings.Contains(text, "Paid by: Cheque no. 1003") || !strings.Contains(text, "Amount received: $30.00") {
			t.Fatalf("the cheque's receipt:\n%s", text)
		}
	})
}

// TestStockAndGoodsUnderEachRuleSet: shares and goods go in a batch but
// not in its deposit. Under US rules the receipt describes them: a
// stock's value for information only, goods without a value, nothing
// deductible stated. Under Canadian rules an in-kind gift needs its
// appraiser, and its receipt states the fair market value as the eligible
// amount.
func TestStockAndGoodsUnderEachRuleSet(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		staff := models.Actor{Email: "fin@ledger.example"}
		home := models.Address{Line1: "12 Rue Saint-Paul", City: "Montréal", State: "QC", PostalCode: "H2Y 1Z5", Country: "CA"}
		pdfText := func(r *models.Receipt) string {
			var pdf bytes.Buffer
			if err := documents.New("https://news.example", nil).Receipt(&pdf, r); err != nil {
				t.Fatal(err)
			}
			return testenv.PDFText(t, pdf.Bytes())
		}

		us := openStore(t, db, "")
		b, err := us.CreateBatch(ctx, 10000, "usd", at, "", staff)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := us.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "c@example.com", Name: "Cheque", Amount: 10000, ReceivedOn: at, Method: models.MethodCheque, Reference: "7"}, staff); err != nil {
			t.Fatal(err)
		}
		if _, _, err := us.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "s@example.com", Name: "Shareholder", Amount: 500000, ReceivedOn: at, Method: models.MethodStock}, staff); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("stock without saying which: %v", err)
		}
		_, stock, err := us.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "s@example.com", Name: "Shareholder", Amount: 500000, ReceivedOn: at,
			Method: models.MethodStock, Description: "120 shares of Acme Corp (ACME)", ValuedOn: at}, staff)
		if err != nil || stock == nil || stock.DeductibleAmount != 0 {
			t.Fatalf("a US stock gift: %+v %v", stock, err)
		}
		text := pdfText(stock)
		if !strings.Contains(text, "Gift received: 120 shares of Acme Corp (ACME), valued on 2026-03-04") || !strings.Contains(text, "Value, for information only: $5,000.00") || strings.Contains(text, "Deductible amount") {
			t.Fatalf("a US stock gift's receipt:\n%s", text)
		}
		_, goods, err := us.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "g@example.com", Name: "Giver", Amount: 30000, ReceivedOn: at,
			Method: models.MethodInKind, Description: "A laptop for the newsroom"}, staff)
		if err != nil || goods == nil || goods.Amount != 0 {
			t.Fatalf("a US in-kind gift: %+v %v", goods, err)
		}
		if text := pdfText(goods); !strings.Contains(text, "not stated by us") || strings.Contains(text, "$300.00") {
			t.Fatalf("a US in-kind gift's receipt:\n%s", text)
		}
		// Only the cheque is in the deposit.
		if err := us.CloseBatch(ctx, b.ID, staff); err != nil {
			t.Fatalf("closing a deposit of one cheque, with shares and goods beside it: %v", err)
		}
		if c, err := us.CheckBooks(ctx); err != nil || !c.OK {
			t.Fatalf("the books: %+v %v", c, err)
		}

		pg, sqlitePath := testenv.DatabaseURLs(t, db)
		ca, err := models.Open(ctx, models.Options{DatabaseURL: pg, SQLitePath: sqlitePath, Receipts: models.ReceiptSettings{Rules: "ca",
			Org: models.Org{Name: "The Ledger", TaxID: "123456789RR0001", Address: "1 Press St"}, FiscalYearStart: config.MonthDay{Month: time.January, Day: 1}, Location: time.UTC}})
		if err != nil {
			t.Fatal(err)
		}
		defer ca.Close()
		if _, err := ca.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		cb, err := ca.CreateBatch(ctx, 100, "cad", at, "", staff)
		if err != nil {
			t.Fatal(err)
		}
		entry := models.BatchEntry{Email: "k@example.ca", Name: "Kind Donor", Address: home, Amount: 30000, ReceivedOn: at,
			Method: models.MethodInKind, Description: "A laptop for the newsroom"}
		if _, _, err := ca.AddToBatch(ctx, cb.ID, entry, staff); !errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), "appraiser") {
			t.Fatalf("a Canadian in-kind gift without its appraiser: %v", err)
		}
		entry.Appraiser = "Jo Appraiser, 5 Rue King, Montréal"
		_, r, err := ca.AddToBatch(ctx, cb.ID, entry, staff)
		if err != nil || r == nil || r.DeductibleAmount != 30000 {
			t.Fatalf("a Canadian in-kind gift: %+v %v", r, err)
		}
		if text := pdfText(r); !strings.Contains(text, "Fair market value: CA$300.00") || !strings.Contains(text, "Appraised by: Jo Appraiser") || !strings.Contains(text, "Eligible amount of gift for tax purposes: CA$300.00") {
			t.Fatalf("a Canadian in-kind receipt:\n%s", text)
		}
	})
}

// TestBatchGiftCountsTowardsItsCampaign: a cheque entered for a drive
// counts in its total and is matched from its pool, like an online gift.
func TestBatchGiftCountsTowardsItsCampaign(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		staff := models.Actor{Email: "fin@ledger.example"}
		at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		c := &models.Campaign{Slug: "year-end", Name: "Year-end", GoalAmount: 100000, Currency: "usd", StartsAt: at.AddDate(0, 0, -1), EndsAt: at.AddDate(0, 1, 0)}
		if err := s.SaveCampaign(ctx, c, staff); err != nil {
			t.Fatal(err)
		}
		if err := s.AddMatchPool(ctx, &models.MatchPool{CampaignID: c.ID, Funder: "A Foundation", Cap: 50000, StartsAt: c.StartsAt, EndsAt: c.EndsAt}, staff); err != nil {
			t.Fatal(err)
		}
		b, err := s.CreateBatch(ctx, 7500, "usd", at, "", staff)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "c@example.com", Name: "Cheque Giver", Amount: 7500, ReceivedOn: at,
			Method: models.MethodCheque, Reference: "55", CampaignID: "no-such-campaign"}, staff); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("a campaign that does not exist: %v", err)
		}
		if _, _, err := s.AddToBatch(ctx, b.ID, models.BatchEntry{Email: "c@example.com", Name: "Cheque Giver", Amount: 7500, ReceivedOn: at,
			Method: models.MethodCheque, Reference: "55", CampaignID: c.ID}, staff); err != nil {
			t.Fatal(err)
		}
		p, err := s.CampaignProgress(ctx, c)
		if err != nil || p.Raised != 7500 || p.Gifts != 1 {
			t.Fatalf("the drive's progress: %+v %v", p, err)
		}
		matched, err := s.MatchesOfCampaign(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, byCur := range matched {
			for _, v := range byCur {
				total += v
			}
		}
		if total != 7500 {
			t.Fatalf("matched %d of the cheque, want 7500: %v", total, matched)
		}
	})
}
