package documents

import (
	"fmt"
	"io"
	"strings"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// Receipt renders one receipt from its frozen snapshot.
func (r *Renderer) Receipt(w io.Writer, rec *models.Receipt) error {
	rules, _, _ := strings.Cut(rec.WordingVersion, "-")
	loc := r.LocationOf(rec)
	title := "Receipt " + rec.Number
	if rules == "uk" {
		title = "Acknowledgement " + rec.Number
	}
	if !rec.Livemode {
		title = testMark + " " + rec.Number
	}
	d, err := r.newDoc(title, rules)
	if err != nil {
		return err
	}
	if !rec.Livemode {
		// Demo or Stripe test mode: no money moved, and it must not pass for
		// a tax receipt anywhere it is printed or forwarded.
		d.setColor(180, 0, 0)
		d.write(testMark, 16, true)
		d.write("Made in demo or Stripe test mode: no money moved. This is not a receipt for tax purposes.", 10, false)
		d.setColor(0, 0, 0)
		d.gap(2)
	}
	cur := rec.Currency
	amt := func(v int64) string { return money.Display(v, cur) }

	d.write(rec.OrgName, 16, true)
	if rec.OrgAddress != "" {
		d.write(rec.OrgAddress, 10, false)
	}
	if rec.OrgTaxID != "" {
		d.field(models.TaxIDLabel(rules), rec.OrgTaxID)
	}
	d.gap(4)
	heading := "Donation receipt"
	switch rules {
	case "ca":
		heading = "Official receipt for income tax purposes"
	case "uk":
		// The UK has no official donation receipt: this must not look
		// like one.
		heading = "Thank you for your gift"
	}
	if !rec.Livemode {
		d.write(testMark, 14, true)
		d.write("In live mode this reads: "+heading, 9, false)
	} else {
		d.write(heading, 14, true)
	}
	if rec.Status == models.ReceiptVoid {
		d.setColor(180, 0, 0)
		d.write("VOID — this "+docWord(rules)+" is cancelled: "+rec.VoidReasonText(), 13, true)
		d.setColor(0, 0, 0)
	}
	if rec.Replaces != "" {
		d.write("This "+docWord(rules)+" replaces "+docWord(rules)+" "+rec.Replaces+", which is cancelled.", 10, true)
	}
	d.rule()
	d.field(titleCase(docWord(rules))+" number", rec.Number)
	d.field("Date issued", date(rec.IssuedAt, loc, r.dayFirst(rules)))
	if rules == "ca" && rec.PlaceOfIssue != "" {
		d.field("Place of issue", rec.PlaceOfIssue)
	}
	d.field("Date of gift", date(rec.GiftDate, loc, r.dayFirst(rules)))
	d.gap(2)
	donor := rec.DonorName
	if strings.TrimSpace(donor) == "" {
		// A gift that came through Stripe alone may have no name (never
		// under the CRA's rules: such a receipt waits for it).
		donor = rec.DonorEmail
	}
	d.field("Donor", donor)
	if a := strings.Join(rec.DonorAddress().Lines(), ", "); a != "" {
		d.field("Address", a)
	}
	d.gap(2)
	kind := models.PaymentKind(rec.Frequency)
	inKind := rec.Method == models.MethodStock || rec.Method == models.MethodInKind
	switch {
	case !inKind:
		d.field("Amount received", amt(rec.Amount)+" ("+kind+")")
	case rules == "ca":
		d.field("Gift received", rec.Description)
		d.field("Fair market value", amt(rec.Amount))
	case rec.Method == models.MethodStock && rules != "uk":
		// IRS: the charity describes a non-cash gift; the donor values it.
		d.field("Gift received", rec.Description)
		d.field("Value, for information only", amt(rec.Amount)+" (the donor determines the deductible value)")
	case rules == "uk":
		d.field("Gift received", rec.Description)
		if rec.Amount > 0 {
			d.field("Value", amt(rec.Amount))
		}
	default:
		d.field("Gift received", rec.Description)
		d.field("Value", "not stated by us: the donor determines the value of goods given")
	}
	if rec.Appraiser != "" {
		d.field("Appraised by", rec.Appraiser)
	}
	if m := models.MethodLabel(rec.Method); m != "" && !inKind {
		if rec.MethodReference != "" {
			m += " no. " + rec.MethodReference
		}
		d.field("Paid by", m)
	}
	if rec.Converted() {
		// "50.00 USD", not "$50.00": beside Canadian dollars a bare $
		// would mislead.
		d.field("Paid as", fmt.Sprintf("%s %s, converted at %s %s per %s, the rate at which it was received",
			money.FormatMajor(rec.OriginalAmount, rec.OriginalCurrency), strings.ToUpper(rec.OriginalCurrency), rec.ExchangeRate,
			strings.ToUpper(rec.Currency), strings.ToUpper(rec.OriginalCurrency)))
	}
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
	switch rules {
	case "ca":
		d.field("Eligible amount of gift for tax purposes", amt(rec.DeductibleAmount))
	case "uk":
		if rec.GiftAid {
			d.field("Gift Aid", "claimed at your request: we reclaim 25p from HMRC for every £1 you gave")
		}
	default:
		if !inKind {
			d.field("Deductible amount", amt(rec.DeductibleAmount))
		}
	}
	d.gap(4)
	d.write(statement(rules, rec), 10, false)
	if rules == "ca" {
		d.gap(2)
		if len(rec.SignaturePNG) > 0 {
			d.image("signature-"+rec.SignatureID, rec.SignaturePNG, 40, 15)
		}
		if rec.Signatory != "" {
			d.field("Authorised signature", rec.Signatory)
		}
		d.write("Canada Revenue Agency: canada.ca/charities-giving", 9, false)
	}
	d.gap(4)
	d.rule()
	d.write(fmt.Sprintf("Verify this %s: %s (code %s)", docWord(rules), r.VerifyURL(rec), rec.VerificationCode), 8, false)
	return d.output(w)
}

// docWord is what the rule set calls the document: in the UK there are
// no donation receipts, only acknowledgements.
func docWord(rules string) string {
	if rules == "uk" {
		return "acknowledgement"
	}
	return "receipt"
}

func titleCase(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// statement is the wording the rule set requires.
func statement(rules string, rec *models.Receipt) string {
	switch rules {
	case "ca":
		return "This is an official receipt for income tax purposes."
	case "uk":
		out := "This acknowledges your gift with thanks. It is not a tax receipt: the UK has none for donations, " +
			"and you need none to give with Gift Aid."
		if rec.GiftAidNote != "" {
			out += " We cannot claim Gift Aid on this gift: " + rec.GiftAidNote + "."
		}
		return out
	case "generic":
		if rec.BenefitValue > 0 {
			return "The deductible amount is the amount received less the value of the benefits provided."
		}
		return "Thank you for your gift. No goods or services were provided in exchange."
	}
	if rec.BenefitValue > 0 && rec.WordingVersion == "us-1" {
		// The words receipts were issued with before us-2: kept, so that
		// they print as they did.
		return fmt.Sprintf("In exchange for this contribution, %s was provided, with a good-faith estimated value of %s. "+
			"The amount deductible for federal income tax purposes is limited to the excess of the contribution over that value.",
			rec.BenefitDescription, money.Display(rec.BenefitValue, rec.Currency))
	}
	if rec.BenefitValue > 0 {
		// The description is the newsroom's own words ("Tote bag and two
		// events"): it stands after a colon, so any text reads right.
		return fmt.Sprintf("In exchange for this contribution we provided goods or services with a good-faith estimated value of %s: %s. "+
			"The amount deductible for federal income tax purposes is limited to the excess of the contribution over that value.",
			money.Display(rec.BenefitValue, rec.Currency), strings.TrimRight(strings.TrimSpace(rec.BenefitDescription), "."))
	}
	return "No goods or services were provided in exchange for this contribution."
}
