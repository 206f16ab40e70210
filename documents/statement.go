package documents

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// Statement is one donor's year.
type Statement struct {
	Org                     models.Org
	Rules                   string // the receipts' rule set: us, ca or generic
	DonorName, DonorAddress string
	FiscalYear              int
	Receipts                []models.Receipt
	// Elsewhere are the year's gifts another system receipted before the
	// newsroom moved (imported with that system's receipt number): listed,
	// apart from the totals of the receipts above.
	Elsewhere []models.Gift
}

// StatementSource reads what a statement lists; *models.Store is one.
type StatementSource interface {
	ReceiptsOfDonor(ctx context.Context, donorID string, fy int) ([]models.Receipt, error)
	GiftsReceiptedElsewhere(ctx context.Context, donorID string, fy int) ([]models.Gift, error)
}

// StatementOf assembles donor's statement of fiscal year fy from the
// ledger: the one way the staff area, the donor's page and the email
// build a statement.
func StatementOf(ctx context.Context, src StatementSource, org models.Org, donor *models.Donor, fy int) (Statement, error) {
	rs, err := src.ReceiptsOfDonor(ctx, donor.ID, fy)
	if err != nil {
		return Statement{}, fmt.Errorf("statement of %s for %d: %w", donor.ID, fy, err)
	}
	st := NewStatement(org, donor, fy, rs)
	if st.Elsewhere, err = src.GiftsReceiptedElsewhere(ctx, donor.ID, fy); err != nil {
		return Statement{}, fmt.Errorf("statement of %s for %d: %w", donor.ID, fy, err)
	}
	return st, nil
}

// NewStatement assembles a donor's statement from their receipts of a year.
func NewStatement(org models.Org, donor *models.Donor, fy int, rs []models.Receipt) Statement {
	addr := strings.Join(donor.Address.Lines(), ", ")
	st := Statement{Org: org,
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
		st.Org = models.Org{Name: newest.OrgName, Address: newest.OrgAddress, TaxID: newest.OrgTaxID}
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

// deductibleWord is what the rule set calls the part of a gift that counts
// for tax: the CRA's "eligible amount", elsewhere "deductible".
func (st Statement) deductibleWord() string {
	switch st.Rules {
	case "ca":
		return "eligible"
	case "uk":
		return "given" // no tax deduction in the UK: what was given
	}
	return "deductible"
}

// Total is the deductible sum of the year's receipts in force, per
// currency (voids, and test receipts beside real ones, excluded).
func (st Statement) Total() map[string]int64 {
	out := map[string]int64{}
	for i := range st.Receipts {
		if r := &st.Receipts[i]; st.counts(r) {
			if st.Rules == "uk" {
				out[r.Currency] += r.Amount // what was given: nothing is deducted
			} else {
				out[r.Currency] += r.DeductibleAmount
			}
		}
	}
	return out
}

// TotalText writes Total for people: "$150.00", or for a year of gifts in
// several currencies one total per currency, "$150.00 (USD); €20.00 (EUR)":
// amounts in different currencies are never added together.
func (st Statement) TotalText() string {
	totals := st.Total()
	if len(totals) == 0 {
		// Nothing in force (every receipt voided): a zero, in the currency
		// the year's gifts were made in, never a dollar sign by default.
		return money.Display(0, st.currency())
	}
	if len(totals) == 1 {
		for cur, v := range totals {
			return money.Display(v, cur)
		}
	}
	var parts []string
	for _, cur := range sortedKeys(totals) {
		parts = append(parts, money.Display(totals[cur], cur)+" ("+strings.ToUpper(cur)+")")
	}
	return strings.Join(parts, "; ")
}

// currency is the year's: its receipts', else the rule set's own.
func (st Statement) currency() string {
	if len(st.Receipts) > 0 {
		return st.Receipts[0].Currency
	}
	switch st.Rules {
	case "ca":
		return "cad"
	case "uk":
		return "gbp"
	}
	return "usd"
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
	d, err := r.newDoc(title, st.Rules)
	if err != nil {
		return err
	}
	r.drawStatement(d, st)
	return d.output(w)
}

// StatementLines is the text a statement prints, line by line, without
// its layout: what the statements benchmark sets on a plain page.
func (r *Renderer) StatementLines(st Statement) []string {
	d := &doc{record: &[]string{}}
	r.drawStatement(d, st)
	return *d.record
}

func (r *Renderer) drawStatement(d *doc, st Statement) {
	if st.Test() {
		d.setColor(180, 0, 0)
		d.write(testMark, 16, true)
		d.write("Every gift on it was made in demo or Stripe test mode: no money moved.", 10, false)
		d.setColor(0, 0, 0)
		d.gap(2)
	}
	d.write(st.Org.Name, 16, true)
	if st.Org.Address != "" {
		d.write(st.Org.Address, 10, false)
	}
	if st.Org.TaxID != "" {
		d.field(models.TaxIDLabel(st.Rules), st.Org.TaxID)
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
		line := fmt.Sprintf("%s   %s   %s   %s %s", rec.Number, day, money.Display(rec.Amount, rec.Currency), st.deductibleWord(),
			money.Display(rec.DeductibleAmount, rec.Currency))
		if st.Rules == "uk" {
			line = fmt.Sprintf("%s   %s   %s", rec.Number, day, money.Display(rec.Amount, rec.Currency))
			if rec.GiftAid {
				line += "   with Gift Aid"
			}
		}
		if rec.Status == models.ReceiptVoid {
			line = fmt.Sprintf("%s   %s   %s   VOID (%s), not counted", rec.Number, day,
				money.Display(rec.Amount, rec.Currency), rec.VoidReasonText())
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
	if totals := st.Total(); len(totals) > 1 {
		for _, cur := range sortedKeys(totals) {
			d.field("Total "+st.deductibleWord()+" amount in "+strings.ToUpper(cur), money.Display(totals[cur], cur))
		}
		d.write("Gifts in different currencies are totalled separately, never added together.", 9, false)
	} else {
		d.field("Total "+st.deductibleWord()+" amount", st.TotalText())
	}
	if len(st.Elsewhere) > 0 {
		d.gap(2)
		d.write("Also given this year, receipted by the system we used before:", 10, true)
		for _, g := range st.Elsewhere {
			day := "?"
			if g.PaidAt != nil {
				day = g.PaidAt.In(r.Location).Format("2006-01-02")
			}
			d.write(fmt.Sprintf("%s   %s   its receipt: %s", day, money.Display(g.TotalAmount, g.Currency), g.ReceiptedElsewhere), 10, false)
		}
		d.write("These gifts are not in the total above: their own receipts state them.", 9, false)
	}
	if st.Rules == "ca" {
		d.write("This statement summarises your official receipts listed above; it is not itself an official receipt for income tax purposes.", 9, false)
	}
	d.gap(3)
	d.write("Each receipt listed was issued separately and can be checked at the address printed on it.", 9, false)
}

// WriteStatementsZip writes each donor's statement of fiscal year fy as
// one PDF in a zip, calling each after every statement (for progress; an
// error from it stops the zip).
func (r *Renderer) WriteStatementsZip(ctx context.Context, w io.Writer, src StatementSource, org models.Org, donors []models.Donor, fy int, each func() error) error {
	z := zip.NewWriter(w)
	for i := range donors {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := StatementOf(ctx, src, org, &donors[i], fy)
		if err != nil {
			return err
		}
		f, err := z.Create(fmt.Sprintf("statement-%d-%s.pdf", fy, donors[i].ID))
		if err != nil {
			return err
		}
		if err := r.Statement(f, st); err != nil {
			return fmt.Errorf("statement of %s for %d: %w", donors[i].ID, fy, err)
		}
		if each != nil {
			if err := each(); err != nil {
				return err
			}
		}
	}
	return z.Close()
}
