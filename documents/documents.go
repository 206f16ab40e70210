// Package documents renders receipts and year-end statements as PDF. A
// receipt renders from its frozen snapshot, never from live settings or
// donor data, so one issued years ago renders the same text today; a
// statement lists a year's frozen receipts under the organisation as the
// newest of them froze it, addressed to the donor as they are now. It embeds
// its fonts (DejaVu Sans for Latin, Greek and Cyrillic; Droid Sans Fallback
// for Chinese, Japanese and Korean), both under free licences, so names
// such as "Zoë Łukasz 王芳" print correctly. It does no I/O but writing.
package documents

import (
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVu []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuBold []byte
	//go:embed fonts/DroidSansFallbackFull.ttf
	droidFallback []byte
)

// Renderer writes PDFs; VerifyBase is the public address receipts point
// auditors to (BASE_URL + /receipts/verify/). Dates print in each
// receipt's frozen time zone, or in Location (TIMEZONE) for receipts from
// before zones were kept.
type Renderer struct {
	VerifyBase string
	Location   *time.Location
	zones      sync.Map // time zone name -> *time.Location, loaded once
}

// LocationOf is the time zone rec's dates print in.
func (r *Renderer) LocationOf(rec *models.Receipt) *time.Location {
	if rec.TimeZone == "" {
		return r.Location
	}
	if loc, ok := r.zones.Load(rec.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc := rec.Location(r.Location)
	r.zones.Store(rec.TimeZone, loc)
	return loc
}

// VerifyURL is the verification address printed on rec: the one frozen at
// issue, or today's for a receipt issued before addresses were kept.
func (r *Renderer) VerifyURL(rec *models.Receipt) string {
	if rec.VerifyURL != "" {
		return rec.VerifyURL
	}
	return r.VerifyBase + rec.VerificationCode
}

// New returns a renderer whose receipts link to baseURL's verify page and
// whose dates print in loc (nil: UTC) when a receipt froze none.
func New(baseURL string, loc *time.Location) *Renderer {
	if loc == nil {
		loc = time.UTC
	}
	return &Renderer{VerifyBase: strings.TrimRight(baseURL, "/") + "/receipts/verify/", Location: loc}
}

// doc wraps one fpdf document with our fonts and a cursor.
type doc struct {
	pdf *fpdf.Fpdf
	// The 4 MB CJK font is parsed only for documents that need it: most
	// receipts never do, and parsing it is most of a PDF's cost.
	cjkLoaded bool
}

func newDoc(title string) *doc {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetTitle(title, true)
	pdf.SetCreator("donations", true)
	pdf.AddUTF8FontFromBytes("body", "", dejaVu)
	pdf.AddUTF8FontFromBytes("body", "B", dejaVuBold)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.AddPage()
	return &doc{pdf: pdf}
}

// isCJK reports whether r needs the fallback font.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// write flows text at the current position, switching to the fallback font
// for runs of CJK characters, and ends the line.
func (d *doc) write(text string, size float64, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	lh := size * 0.5
	var run []rune
	cjk := false
	flush := func() {
		if len(run) == 0 {
			return
		}
		if cjk {
			if !d.cjkLoaded {
				d.pdf.AddUTF8FontFromBytes("cjk", "", droidFallback)
				d.cjkLoaded = true
			}
			d.pdf.SetFont("cjk", "", size)
		} else {
			d.pdf.SetFont("body", style, size)
		}
		d.pdf.Write(lh, string(run))
		run = run[:0]
	}
	for _, r := range text {
		if c := isCJK(r); c != cjk {
			flush()
			cjk = c
		}
		run = append(run, r)
	}
	flush()
	d.pdf.Ln(lh + 1)
}

// field writes "label: value" on one line.
func (d *doc) field(label, value string) {
	d.pdf.SetFont("body", "B", 10)
	d.pdf.Write(5.5, label+": ")
	d.write(value, 10, false)
}

func (d *doc) gap(mm float64) { d.pdf.Ln(mm) }

func (d *doc) rule() {
	y := d.pdf.GetY()
	d.pdf.SetDrawColor(180, 180, 180)
	d.pdf.Line(20, y, 195.9, y)
	d.pdf.Ln(3)
}

func (d *doc) output(w io.Writer) error {
	if err := d.pdf.Error(); err != nil {
		return err
	}
	return d.pdf.Output(w)
}

// date is a day as a person reads it, in the zone that decided it.
func date(t time.Time, loc *time.Location) string { return t.In(loc).Format("January 2, 2006") }

// testMark is what a receipt paid with pretend money says of itself.
const testMark = "TEST — not a receipt"

func address(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// Receipt renders one receipt from its frozen snapshot.
func (r *Renderer) Receipt(w io.Writer, rec *models.Receipt) error {
	rules, _, _ := strings.Cut(rec.WordingVersion, "-")
	loc := r.LocationOf(rec)
	title := "Receipt " + rec.Number
	if !rec.Livemode {
		title = testMark + " " + rec.Number
	}
	d := newDoc(title)
	if !rec.Livemode {
		// Demo or Stripe test mode: no money moved, and it must not pass for
		// a tax receipt anywhere it is printed or forwarded.
		d.pdf.SetTextColor(180, 0, 0)
		d.write(testMark, 16, true)
		d.write("Made in demo or Stripe test mode: no money moved. This is not a receipt for tax purposes.", 10, false)
		d.pdf.SetTextColor(0, 0, 0)
		d.gap(2)
	}
	cur := rec.Currency
	amt := func(v int64) string { return money.Display(v, cur) }

	d.write(rec.OrgName, 16, true)
	if rec.OrgAddress != "" {
		d.write(rec.OrgAddress, 10, false)
	}
	if rec.OrgTaxID != "" {
		d.field(taxIDLabel(rules), rec.OrgTaxID)
	}
	d.gap(4)
	heading := "Donation receipt"
	if rules == "ca" {
		heading = "Official receipt for income tax purposes"
	}
	if !rec.Livemode {
		d.write(testMark, 14, true)
		d.write("In live mode this reads: "+heading, 9, false)
	} else {
		d.write(heading, 14, true)
	}
	if rec.Status == models.ReceiptVoid {
		d.pdf.SetTextColor(180, 0, 0)
		d.write("VOID — this receipt is cancelled: "+rec.VoidReason, 13, true)
		d.pdf.SetTextColor(0, 0, 0)
	}
	if rec.Replaces != "" {
		d.write("This receipt replaces receipt "+rec.Replaces+", which is cancelled.", 10, true)
	}
	d.rule()
	d.field("Receipt number", rec.Number)
	d.field("Date issued", date(rec.IssuedAt, loc))
	if rules == "ca" && rec.PlaceOfIssue != "" {
		d.field("Place of issue", rec.PlaceOfIssue)
	}
	d.field("Date of gift", date(rec.GiftDate, loc))
	d.gap(2)
	d.field("Donor", rec.DonorName)
	if a := address(rec.DonorAddressLine1, rec.DonorAddressCity, rec.DonorAddressPostalCode, rec.DonorAddressCountry); a != "" {
		d.field("Address", a)
	}
	d.gap(2)
	kind := map[string]string{"month": "monthly membership payment", "year": "yearly membership payment"}[rec.Frequency]
	if kind == "" {
		kind = "gift"
	}
	d.field("Amount received", amt(rec.Amount)+" ("+kind+")")
	if rec.FeeCovered > 0 {
		d.field("Of which the donor chose to cover card fees", amt(rec.FeeCovered))
	}
	if rec.BenefitValue > 0 {
		label := "Goods or services provided"
		if rules == "ca" {
			label = "Advantage received"
		}
		d.field(label, rec.BenefitDescription+", valued at "+amt(rec.BenefitValue))
	}
	deductLabel := "Deductible amount"
	if rules == "ca" {
		deductLabel = "Eligible amount of gift for tax purposes"
	}
	d.field(deductLabel, amt(rec.DeductibleAmount))
	d.gap(4)
	d.write(statement(rules, rec), 10, false)
	if rules == "ca" {
		d.gap(2)
		if rec.Signatory != "" {
			d.field("Authorised signature", rec.Signatory)
		}
		d.write("Canada Revenue Agency: canada.ca/charities-giving", 9, false)
	}
	d.gap(4)
	d.rule()
	d.write(fmt.Sprintf("Verify this receipt: %s (code %s)", r.VerifyURL(rec), rec.VerificationCode), 8, false)
	return d.output(w)
}

// statement is the wording the rule set requires.
// taxIDLabel names the organisation's number as the rule set does.
func taxIDLabel(rules string) string {
	switch rules {
	case "ca":
		return "Charity registration number"
	case "generic":
		return "Tax ID"
	}
	return "Tax ID (EIN)"
}

func statement(rules string, rec *models.Receipt) string {
	switch rules {
	case "ca":
		return "This is an official receipt for income tax purposes."
	case "generic":
		if rec.BenefitValue > 0 {
			return "The deductible amount is the amount received less the value of the benefits provided."
		}
		return "Thank you for your gift. No goods or services were provided in exchange."
	}
	if rec.BenefitValue > 0 {
		return fmt.Sprintf("In exchange for this contribution, %s was provided, with a good-faith estimated value of %s. "+
			"The amount deductible for federal income tax purposes is limited to the excess of the contribution over that value.",
			rec.BenefitDescription, money.Display(rec.BenefitValue, rec.Currency))
	}
	return "No goods or services were provided in exchange for this contribution."
}

// Statement is one donor's year.
type Statement struct {
	OrgName, OrgAddress, OrgTaxID string
	Rules                         string // the receipts' rule set: us, ca or generic
	DonorName, DonorAddress       string
	FiscalYear                    int
	Receipts                      []models.Receipt
}

// Org is what a statement prints about the organisation.
type Org struct{ Name, Address, TaxID string }

// NewStatement assembles a donor's statement from their receipts of a year.
func NewStatement(org Org, donor *models.Donor, fy int, rs []models.Receipt) Statement {
	addr := address(donor.Address.Line1, donor.Address.City, donor.Address.PostalCode, donor.Address.Country)
	st := Statement{OrgName: org.Name, OrgAddress: org.Address, OrgTaxID: org.TaxID,
		DonorName: donor.Name, DonorAddress: addr, FiscalYear: fy, Receipts: rs}
	// The organisation as the year's newest receipt froze it: a statement
	// of a past year reads the same after the settings change.
	var newest *models.Receipt
	for i := range rs {
		if newest == nil || rs[i].IssuedAt.After(newest.IssuedAt) {
			newest = &rs[i]
		}
	}
	if newest != nil {
		st.OrgName, st.OrgAddress, st.OrgTaxID = newest.OrgName, newest.OrgAddress, newest.OrgTaxID
		st.Rules, _, _ = strings.Cut(newest.WordingVersion, "-")
	}
	return st
}

// Test reports a statement of pretend money only: every receipt on it was
// made in demo or Stripe test mode.
func (st Statement) Test() bool {
	for _, r := range st.Receipts {
		if r.Livemode {
			return false
		}
	}
	return len(st.Receipts) > 0
}

// counts says whether r adds to the total: in force, and real money (or
// the whole statement is a test one).
func (st Statement) counts(r *models.Receipt) bool {
	return r.Status == models.ReceiptIssued && (r.Livemode || st.Test())
}

// Total is the deductible sum of the year's receipts in force, per
// currency (voids, and test receipts beside real ones, excluded).
func (st Statement) Total() map[string]int64 {
	out := map[string]int64{}
	for i := range st.Receipts {
		if r := &st.Receipts[i]; st.counts(r) {
			out[r.Currency] += r.DeductibleAmount
		}
	}
	return out
}

// TotalText writes Total for people: "$150.00" or "$150.00 + €20.00".
func (st Statement) TotalText() string {
	totals := st.Total()
	if len(totals) == 0 {
		return money.Display(0, "usd")
	}
	var parts []string
	for _, cur := range sortedKeys(totals) {
		parts = append(parts, money.Display(totals[cur], cur))
	}
	return strings.Join(parts, " + ")
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Statement renders a year-end statement: every receipt of the fiscal
// year, voids shown as void and left out of the total.
func (r *Renderer) Statement(w io.Writer, st Statement) error {
	title := fmt.Sprintf("Giving statement %d", st.FiscalYear)
	if st.Test() {
		title = testMark + ": " + title
	}
	d := newDoc(title)
	if st.Test() {
		d.pdf.SetTextColor(180, 0, 0)
		d.write(testMark, 16, true)
		d.write("Every gift on it was made in demo or Stripe test mode: no money moved.", 10, false)
		d.pdf.SetTextColor(0, 0, 0)
		d.gap(2)
	}
	d.write(st.OrgName, 16, true)
	if st.OrgAddress != "" {
		d.write(st.OrgAddress, 10, false)
	}
	if st.OrgTaxID != "" {
		d.field(taxIDLabel(st.Rules), st.OrgTaxID)
	}
	d.gap(4)
	d.write(fmt.Sprintf("Year-end giving statement, fiscal year %d", st.FiscalYear), 14, true)
	d.field("Donor", st.DonorName)
	if st.DonorAddress != "" {
		d.field("Address", st.DonorAddress)
	}
	d.rule()
	for _, rec := range st.Receipts {
		day := rec.GiftDate.In(r.LocationOf(&rec)).Format("2006-01-02")
		line := fmt.Sprintf("%s   %s   %s   deductible %s", rec.Number, day,
			money.Display(rec.Amount, rec.Currency), money.Display(rec.DeductibleAmount, rec.Currency))
		if rec.Status == models.ReceiptVoid {
			line = fmt.Sprintf("%s   %s   %s   VOID (%s), not counted", rec.Number, day,
				money.Display(rec.Amount, rec.Currency), rec.VoidReason)
		} else if rec.Replaces != "" {
			line += "   (replaces " + rec.Replaces + ")"
		}
		if !st.counts(&rec) && rec.Status == models.ReceiptIssued {
			line += "   TEST, not counted"
		}
		d.write(line, 10, false)
	}
	if len(st.Receipts) == 0 {
		d.write("No gifts this year.", 10, false)
	}
	d.rule()
	d.field("Total deductible amount", st.TotalText())
	d.gap(3)
	d.write("Each receipt listed was issued separately and can be checked at the address printed on it.", 9, false)
	return d.output(w)
}

// PlainPage writes lines on one page with the same fonts and nothing else:
// the baseline the statements benchmark compares Statement against.
func PlainPage(w io.Writer, lines []string) error {
	d := newDoc("baseline")
	for _, l := range lines {
		d.write(l, 10, false)
	}
	return d.output(w)
}
