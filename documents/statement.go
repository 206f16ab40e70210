package documents

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/indienews/donations/locale"
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
	// Language is what it prints in: the donor's ("fr"), "" for the
	// renderer's default language (English without a catalog).
	Language string
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
		DonorName: donor.Name, DonorAddress: addr, FiscalYear: fy, Receipts: rs, Language: donor.Language}
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
// for tax: the CRA's "eligible amount", elsewhere "deductible" (the last
// part of its messages' ids).
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
func (st Statement) TotalText() string { return st.totalText(money.Display) }

// totalText is TotalText with amounts written by display.
func (st Statement) totalText(display func(int64, string) string) string {
	totals := st.Total()
	if len(totals) == 0 {
		// Nothing in force (every receipt voided): a zero, in the currency
		// the year's gifts were made in, never a dollar sign by default.
		return display(0, st.currency())
	}
	if len(totals) == 1 {
		for cur, v := range totals {
			return display(v, cur)
		}
	}
	var parts []string
	for _, cur := range sortedKeys(totals) {
		parts = append(parts, display(totals[cur], cur)+" ("+strings.ToUpper(cur)+")")
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
// year, voids shown as void and left out of the total, in st.Language.
func (r *Renderer) Statement(w io.Writer, st Statement) error {
	v, err := r.statementVoice(st)
	if err != nil {
		return err
	}
	year := strconv.Itoa(st.FiscalYear)
	title := v.t("doc.statement.title", "Year", year)
	if st.Test() {
		title = v.t("doc.test.mark") + ": " + title
	}
	d, err := r.newDoc(title, st.Rules, v)
	if err != nil {
		return err
	}
	r.drawStatement(d, v, st)
	return d.output(w)
}

func (r *Renderer) statementVoice(st Statement) (voice, error) {
	lang := st.Language
	if lang == "" {
		lang = r.defaultLanguage()
	}
	return r.voiceOf(lang)
}

// StatementLines is the text a statement prints, line by line, without
// its layout: what the statements benchmark sets on a plain page.
func (r *Renderer) StatementLines(st Statement) []string {
	v, err := r.statementVoice(st)
	if err != nil {
		return nil
	}
	d := &doc{record: &[]string{}, sep: v.sep()}
	r.drawStatement(d, v, st)
	return *d.record
}

func (r *Renderer) drawStatement(d *doc, v voice, st Statement) {
	if st.Test() {
		d.setColor(180, 0, 0)
		d.write(v.t("doc.test.mark"), 16, true)
		d.each(v.each("doc.statement.test_note"), 10, false)
		d.setColor(0, 0, 0)
		d.gap(2)
	}
	d.write(st.Org.Name, 16, true)
	if st.Org.Address != "" {
		d.write(st.Org.Address, 10, false)
	}
	if st.Org.TaxID != "" {
		d.field(v.in(taxIDLabel(st.Rules)), st.Org.TaxID)
	}
	d.gap(4)
	d.each(v.each("doc.statement.heading", "Year", strconv.Itoa(st.FiscalYear)), 14, true)
	d.field(v.t("doc.donor"), st.DonorName)
	if st.DonorAddress != "" {
		d.field(v.t("doc.address"), st.DonorAddress)
	}
	d.rule()
	amt := func(minor int64, cur string) string { return v.in(cash(minor, cur)) }
	deductible := v.t("doc.statement." + st.deductibleWord())
	for _, rec := range st.Receipts {
		day := rec.GiftDate.In(r.LocationOf(&rec)).Format("2006-01-02")
		line := fmt.Sprintf("%s   %s   %s   %s %s", rec.Number, day, amt(rec.Amount, rec.Currency), deductible,
			amt(rec.DeductibleAmount, rec.Currency))
		if st.Rules == "uk" {
			line = fmt.Sprintf("%s   %s   %s", rec.Number, day, amt(rec.Amount, rec.Currency))
			if rec.GiftAid {
				line += "   " + v.t("doc.statement.with_gift_aid")
			}
		}
		if rec.Status == models.ReceiptVoid {
			line = fmt.Sprintf("%s   %s   %s   %s", rec.Number, day, amt(rec.Amount, rec.Currency),
				v.t("doc.statement.void", "Reason", voidReason(&rec)))
		} else if rec.Replaces != "" {
			line += "   " + v.t("doc.statement.replaces", "Number", rec.Replaces)
		}
		if !st.counts(&rec) && rec.Status == models.ReceiptIssued {
			line += "   " + v.t("doc.statement.test_not_counted")
		}
		d.write(line, 10, false)
	}
	if len(st.Receipts) == 0 {
		d.write(v.t("doc.statement.no_gifts"), 10, false)
	}
	d.rule()
	if totals := st.Total(); len(totals) > 1 {
		for _, cur := range sortedKeys(totals) {
			d.field(v.t("doc.statement.total_in."+st.deductibleWord(), "Currency", strings.ToUpper(cur)), amt(totals[cur], cur))
		}
		d.each(v.each("doc.statement.currencies_apart"), 9, false)
	} else {
		d.field(v.t("doc.statement.total."+st.deductibleWord()), v.in(func(p *locale.Printer) string { return st.totalText(p.Money) }))
	}
	if len(st.Elsewhere) > 0 {
		d.gap(2)
		d.each(v.each("doc.statement.elsewhere"), 10, true)
		for _, g := range st.Elsewhere {
			day := "?"
			if g.PaidAt != nil {
				day = g.PaidAt.In(r.Location).Format("2006-01-02")
			}
			d.write(fmt.Sprintf("%s   %s   %s", day, amt(g.TotalAmount, g.Currency),
				v.t("doc.statement.its_receipt", "Number", g.ReceiptedElsewhere)), 10, false)
		}
		d.each(v.each("doc.statement.elsewhere_note"), 9, false)
	}
	if st.Rules == "ca" {
		d.each(v.each("doc.statement.ca_summary"), 9, false)
	}
	d.gap(3)
	d.each(v.each("doc.statement.each_verified"), 9, false)
}
