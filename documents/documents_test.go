package documents

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

func sample() *models.Receipt {
	return &models.Receipt{
		Number: "2026-000042", Status: models.ReceiptIssued, IssuedAt: time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC),
		GiftDate: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC), DonorName: "Zoë Łukasz 王芳", DonorEmail: "zoe@example.com",
		DonorAddressLine1: "1 Main St", DonorAddressCity: "Springfield", DonorAddressCountry: "US",
		Amount: 2606, Currency: "usd", FeeCovered: 106, DeductibleAmount: 2606, Frequency: "once",
		OrgName: "The Ledger", OrgTaxID: "12-3456789", OrgAddress: "1 Press St, Springfield",
		WordingVersion: "us-1", VerificationCode: "ABCDEFGHIJKLMNOPQRST", Livemode: true,
	}
}

func TestReceiptPDFText(t *testing.T) {
	r := New("https://news.example/", nil)
	cases := []struct {
		name   string
		edit   func(*models.Receipt)
		want   []string
		absent []string
	}{
		{"us, no benefit", func(*models.Receipt) {}, []string{"The Ledger", "Tax ID (EIN): 12-3456789", "Donation receipt",
			"Receipt number: 2026-000042", "Date issued: March 5, 2026", "Date of gift: March 4, 2026", "Zoë Łukasz 王芳",
			"1 Main St, Springfield, US", "Amount received: $26.06 (gift)", "cover card fees: $1.06", "Deductible amount: $26.06",
			"No goods or services were provided", "https://news.example/receipts/verify/ABCDEFGHIJKLMNOPQRST"}, []string{"VOID"}},
		{"us, membership benefit", func(r *models.Receipt) {
			r.Frequency, r.BenefitDescription, r.BenefitValue, r.DeductibleAmount = "month", "Tote bag", 208, 2398
		}, []string{"monthly membership payment", "Tote bag, valued at $2.08", "Deductible amount: $23.98", "good-faith estimated value of $2.08"},
			[]string{"No goods or services", "TEST"}},
		// us-2 words the benefit so that any description reads right
		// (us-1's "Tote bag and two events was provided" did not).
		{"us-2, a benefit of several things", func(r *models.Receipt) {
			r.WordingVersion, r.Frequency, r.BenefitDescription, r.BenefitValue, r.DeductibleAmount = "us-2", "month", "Tote bag and two events.", 209, 2397
		}, []string{"In exchange for this contribution we provided goods or services with a", "good-faith estimated value of $2.09: Tote bag and two events."},
			[]string{"was provided", "events..", "No goods or services"}},
		{"void", func(r *models.Receipt) { r.Status, r.VoidReason = models.ReceiptVoid, "refunded in full" },
			[]string{"VOID", "refunded in full"}, nil},
		{"replacement", func(r *models.Receipt) { r.Replaces = "2026-000041" },
			[]string{"replaces receipt 2026-000041"}, nil},
		{"test mode", func(r *models.Receipt) { r.Livemode = false },
			[]string{"TEST — not a receipt", "no money moved", "not a receipt for tax purposes", "In live mode this reads: Donation receipt"}, nil},
		// The number and fiscal year follow TIMEZONE, and so do the dates a
		// person reads: 18:00 on December 31 in Los Angeles is 02:00 UTC on
		// January 1.
		{"dates in the frozen time zone", func(r *models.Receipt) {
			r.Number, r.TimeZone = "2025-000900", "America/Los_Angeles"
			r.GiftDate = time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
			r.IssuedAt = time.Date(2026, 1, 1, 2, 0, 5, 0, time.UTC)
		}, []string{"Receipt number: 2025-000900", "Date issued: December 31, 2025", "Date of gift: December 31, 2025"},
			[]string{"January 1, 2026"}},
		{"ca", func(r *models.Receipt) {
			r.WordingVersion, r.PlaceOfIssue, r.Signatory, r.OrgTaxID = "ca-1", "Toronto, Ontario", "Jane Treasurer", "123456789RR0001"
			r.DonorAddressLine1, r.DonorAddressLine2, r.DonorAddressCity = "12 Rue Saint-Paul", "Apt 4", "Montréal"
			r.DonorAddressState, r.DonorAddressPostalCode, r.DonorAddressCountry = "QC", "H2Y 1Z5", "CA"
		}, []string{"Official receipt for income tax purposes", "Address: 12 Rue Saint-Paul, Apt 4, Montréal, QC, H2Y 1Z5, CA", "Charity registration number: 123456789RR0001", "Place of issue: Toronto, Ontario",
			"Eligible amount of gift for tax purposes: $26.06", "Authorised signature: Jane Treasurer", "canada.ca/charities-giving"}, nil},
		// A gift paid in US dollars to a Canadian charity: the receipt is in
		// Canadian dollars, at what Stripe settled, with the original and
		// the rate beside it.
		{"ca, converted", func(r *models.Receipt) {
			r.WordingVersion, r.PlaceOfIssue, r.Signatory, r.OrgTaxID = "ca-1", "Toronto, Ontario", "Jane Treasurer", "123456789RR0001"
			r.Amount, r.Currency, r.FeeCovered, r.DeductibleAmount = 6856, "cad", 0, 6856
			r.OriginalAmount, r.OriginalCurrency, r.ExchangeRate = 5000, "usd", "1.3712"
		}, []string{"Amount received: CA$68.56 (gift)", "Paid as: 50.00 USD, converted at 1.3712 CAD per USD",
			"Eligible amount of gift for tax purposes: CA$68.56"}, []string{"Amount received: $50.00"}},
		// The UK has no donation receipt: an acknowledgement that says so,
		// with Gift Aid when the donor asked for it.
		{"uk", func(r *models.Receipt) {
			r.WordingVersion, r.OrgTaxID, r.Currency, r.GiftAid = "uk-1", "1234567", "gbp", true
		}, []string{"Thank you for your gift", "Acknowledgement number: 2026-000042", "Registered charity number: 1234567",
			"Amount received: £26.06", "Gift Aid: claimed at your request", "It is not a tax receipt", "Verify this acknowledgement"},
			[]string{"Deductible", "Donation receipt", "Receipt number", "Tax ID", "official receipt"}},
		// No name: a US receipt names the donor by their email rather than
		// print "Donor:" and nothing.
		{"no name", func(r *models.Receipt) { r.DonorName = "" }, []string{"Donor: zoe@example.com"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := sample()
			c.edit(rec)
			var buf bytes.Buffer
			if err := r.Receipt(&buf, rec); err != nil {
				t.Fatal(err)
			}
			text := testenv.PDFText(t, buf.Bytes())
			for _, w := range c.want {
				if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("PDF text lacks %q:\n%s", w, text)
				}
			}
			for _, a := range c.absent {
				if strings.Contains(text, a) {
					t.Errorf("PDF text has %q", a)
				}
			}
		})
	}
}

func BenchmarkReceiptPDF(b *testing.B) {
	r := New("https://news.example", nil)
	rec := sample()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := r.Receipt(&buf, rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}

// TestStatementTakesTheYearsFrozenOrganisation: a statement prints the
// organisation as the year's newest receipt froze it, with the number
// labelled by that receipt's rule set, whatever the settings say today.
func TestStatementTakesTheYearsFrozenOrganisation(t *testing.T) {
	old, newer := *sample(), *sample()
	old.OrgName, old.IssuedAt = "The Older Name", old.IssuedAt.AddDate(0, -1, 0)
	newer.Number, newer.OrgName, newer.OrgTaxID, newer.WordingVersion = "2026-000043", "The Ledger Society", "1234-5678 RR0001", "ca-1"
	st := NewStatement(models.Org{Name: "Renamed Since", Address: "Elsewhere", TaxID: "99-9999999"},
		&models.Donor{Name: "Zoë Łukasz 王芳"}, 2026, []models.Receipt{old, newer})
	var buf bytes.Buffer
	if err := New("https://news.example", nil).Statement(&buf, st); err != nil {
		t.Fatal(err)
	}
	text := testenv.PDFText(t, buf.Bytes())
	for _, want := range []string{"The Ledger Society", "Charity registration number: 1234-5678 RR0001", "2026-000042", "2026-000043"} {
		if !strings.Contains(text, want) {
			t.Errorf("statement lacks %q:\n%s", want, text)
		}
	}
	for _, absent := range []string{"Renamed Since", "99-9999999"} {
		if strings.Contains(text, absent) {
			t.Errorf("statement prints today's %q", absent)
		}
	}
}

// TestCanadianStatementSaysEligibleAndSummary: a ca year's statement speaks
// of the eligible amount and says it is a summary, not an official receipt.
func TestCanadianStatementSaysEligibleAndSummary(t *testing.T) {
	rec := sample()
	rec.WordingVersion, rec.Currency = "ca-1", "cad"
	st := NewStatement(models.Org{Name: "Le Registre"}, &models.Donor{Name: "Zoë"}, 2026, []models.Receipt{*rec})
	var buf bytes.Buffer
	if err := New("https://news.example", nil).Statement(&buf, st); err != nil {
		t.Fatal(err)
	}
	text := testenv.PDFText(t, buf.Bytes())
	for _, want := range []string{"eligible CA$26.06", "Total eligible amount", "not itself an official receipt"} {
		if !strings.Contains(text, want) {
			t.Errorf("statement lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "deductible") {
		t.Errorf("a ca statement says deductible:\n%s", text)
	}
}

// pngOf is a small signature-like PNG.
func pngOf(t *testing.T, w, h int) []byte {
	// A stroke on a transparent ground, as signatures are scanned.
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for dy := 0; dy < 3; dy++ {
			img.SetNRGBA(x, h/2+x%7+dy, color.NRGBA{A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSignatureOnCanadianReceipts: the frozen signature image is drawn on
// a ca receipt above the signatory's name, and on no other.
func TestSignatureOnCanadianReceipts(t *testing.T) {
	for _, rules := range []string{"ca-1", "us-1"} {
		rec := sample()
		rec.WordingVersion, rec.Signatory, rec.SignatureID, rec.SignaturePNG = rules, "Jane Treasurer", "abc", pngOf(t, 120, 40)
		var buf bytes.Buffer
		if err := New("https://news.example", nil).Receipt(&buf, rec); err != nil {
			t.Fatal(err)
		}
		if has := bytes.Contains(buf.Bytes(), []byte("/Subtype /Image")); has != (rules == "ca-1") {
			t.Errorf("%s receipt: image drawn %v", rules, has)
		}
	}
}

// TestStatementNeverAddsAcrossCurrencies: a year of gifts in two
// currencies has a total per currency, and no sum of the two.
func TestStatementNeverAddsAcrossCurrencies(t *testing.T) {
	usd, eur := *sample(), *sample()
	eur.Number, eur.Amount, eur.Currency, eur.DeductibleAmount = "2026-000043", 2000, "eur", 2000
	st := NewStatement(models.Org{}, &models.Donor{Name: "Ann"}, 2026, []models.Receipt{usd, eur})
	if got := st.TotalText(); got != "€20.00 (EUR); $26.06 (USD)" {
		t.Errorf("TotalText = %q", got)
	}
	var buf bytes.Buffer
	if err := New("https://news.example", nil).Statement(&buf, st); err != nil {
		t.Fatal(err)
	}
	text := testenv.PDFText(t, buf.Bytes())
	for _, want := range []string{"Total deductible amount in EUR: €20.00", "Total deductible amount in USD: $26.06", "never added together"} {
		if !strings.Contains(text, want) {
			t.Errorf("statement lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "46.06") {
		t.Errorf("statement adds dollars and euros:\n%s", text)
	}
}

// BenchmarkStatementPDF renders a twelve-receipt statement: compare it
// with BenchmarkPlainPage, the same lines on a plain page.
func BenchmarkStatementPDF(b *testing.B) {
	r := New("https://news.example", nil)
	st := benchStatement()
	var buf bytes.Buffer
	i := 0
	for b.Loop() {
		buf.Reset()
		i++
		st.DonorName = benchName(i)
		if err := r.Statement(&buf, st); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlainPage(b *testing.B) {
	r := New("https://news.example", nil)
	st := benchStatement()
	var buf bytes.Buffer
	i := 0
	for b.Loop() {
		buf.Reset()
		i++
		st.DonorName = benchName(i)
		if err := r.PlainPage(&buf, r.StatementLines(st)); err != nil {
			b.Fatal(err)
		}
	}
}

// benchStatement is a statement like the ones cmd/benchreport measures.
func benchStatement() Statement {
	st := Statement{Org: models.Org{Name: "The Ledger", Address: "1 Press St", TaxID: "12-3456789"},
		DonorName: "Zoë Łukasz", DonorAddress: "1 Main St, Springfield", FiscalYear: 2026}
	for i := 0; i < 12; i++ {
		st.Receipts = append(st.Receipts, models.Receipt{Number: fmt.Sprintf("2026-%06d", i+1), Status: models.ReceiptIssued,
			Amount: 1500, DeductibleAmount: 1500, Currency: "usd", GiftDate: time.Date(2026, time.Month(i+1), 3, 0, 0, 0, 0, time.UTC),
			Livemode: true})
	}
	return st
}

// benchName is a different donor's name for each i, as in a year-end run:
// the glyphs a statement needs change from one to the next.
func benchName(i int) string {
	first := []string{"Zoë", "Łukasz", "Amélie", "Jürgen", "Siobhán", "Ngozi", "Mateo", "Aroha", "Björn", "Camille"}
	last := []string{"Kowalski", "Okafor", "Nguyễn", "Fitzgerald", "Müller", "Haddad", "Castillo"}
	return first[i%len(first)] + " " + last[(i/len(first))%len(last)]
}

// TestZeroStatementIsInTheYearsCurrency: a donor whose receipts of the
// year are all void gets a zero total in the currency they gave in,
// under each rule set, read back from the PDF.
func TestZeroStatementIsInTheYearsCurrency(t *testing.T) {
	for _, c := range []struct{ rules, wording, cur, want string }{
		{"ca", "ca-1", "cad", "CA$0.00"}, {"uk", "uk-1", "gbp", "£0.00"}, {"us", "us-2", "usd", "$0.00"}, {"generic", "generic-1", "eur", "€0.00"},
	} {
		r := *sample()
		r.Currency, r.WordingVersion, r.Status, r.VoidReason = c.cur, c.wording, models.ReceiptVoid, "refunded in full"
		st := NewStatement(models.Org{Name: "The Ledger"}, &models.Donor{Name: "Ann"}, 2026, []models.Receipt{r})
		if got := st.TotalText(); got != c.want {
			t.Errorf("%s: TotalText = %q, want %q", c.rules, got, c.want)
		}
		var buf bytes.Buffer
		if err := New("https://news.example", nil).Statement(&buf, st); err != nil {
			t.Fatal(err)
		}
		if text := testenv.PDFText(t, buf.Bytes()); !strings.Contains(text, c.want) || (c.cur != "usd" && strings.Contains(text, " $0.00")) {
			t.Errorf("%s statement: want %s\n%s", c.rules, c.want, text)
		}
	}
}

// TestPaperAndDatesFollowTheRuleSet: US receipts on Letter with "March
// 5, 2026"; Canadian and UK ones on A4 with "5 March 2026"; PAPER_SIZE
// and DATE_STYLE (the renderer's Paper and DateStyle) override both.
func TestPaperAndDatesFollowTheRuleSet(t *testing.T) {
	letter, a4 := "/MediaBox [0 0 612 792]", "/MediaBox [0 0 595.28 841.89]"
	for _, c := range []struct {
		wording, paper, style, box, date string
	}{
		{"us-2", "", "", letter, "Date issued: March 5, 2026"},
		{"ca-1", "", "", a4, "Date issued: 5 March 2026"},
		{"uk-1", "", "", a4, "Date issued: 5 March 2026"},
		{"ca-1", "letter", "month-day", letter, "Date issued: March 5, 2026"},
		{"us-2", "a4", "day-month", a4, "Date issued: 5 March 2026"},
	} {
		r := New("https://news.example", nil)
		r.Paper, r.DateStyle = c.paper, c.style
		rec := sample()
		rec.WordingVersion = c.wording
		var buf bytes.Buffer
		if err := r.Receipt(&buf, rec); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(buf.Bytes(), []byte(c.box)) {
			t.Errorf("%s (paper %q): not on %s", c.wording, c.paper, c.box)
		}
		if text := testenv.PDFText(t, buf.Bytes()); !strings.Contains(text, c.date) {
			t.Errorf("%s (style %q): no %q in\n%s", c.wording, c.style, c.date, text)
		}
		var st bytes.Buffer
		s := NewStatement(models.Org{Name: "The Ledger"}, &models.Donor{Name: "Ann"}, 2026, []models.Receipt{*rec})
		if err := r.Statement(&st, s); err != nil || !bytes.Contains(st.Bytes(), []byte(c.box)) {
			t.Errorf("%s statement (paper %q): not on %s (%v)", c.wording, c.paper, c.box, err)
		}
	}
}
