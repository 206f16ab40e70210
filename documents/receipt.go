package documents

import (
	"io"
	"strings"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// Receipt renders one receipt from its frozen snapshot, in the language
// it froze (rec.Language; "" is English, as receipts issued before
// languages printed), or in both of a bilingual Canadian receipt's
// ("en,fr"): then every label and sentence stands in each.
func (r *Renderer) Receipt(w io.Writer, rec *models.Receipt) error {
	rules, _, _ := strings.Cut(rec.WordingVersion, "-")
	loc := r.LocationOf(rec)
	v, err := r.voiceOf(rec.Language)
	if err != nil {
		return err
	}
	// "receipt" or, in the UK, where there are no donation receipts,
	// "ack"(nowledgement): the prefix of the messages that name the document.
	doc := "doc.receipt."
	if rules == "uk" {
		doc = "doc.ack."
	}
	title := v.t(doc+"title", "Number", rec.Number)
	if !rec.Livemode {
		title = v.t("doc.test.mark") + " " + rec.Number
	}
	d, err := r.newDoc(title, rules, v)
	if err != nil {
		return err
	}
	if !rec.Livemode {
		// Demo or Stripe test mode: no money moved, and it must not pass for
		// a tax receipt anywhere it is printed or forwarded.
		d.setColor(180, 0, 0)
		d.write(v.t("doc.test.mark"), 16, true)
		d.each(v.each("doc.test.receipt_note"), 10, false)
		d.setColor(0, 0, 0)
		d.gap(2)
	}
	cur := rec.Currency
	amt := func(minor int64) string { return v.in(cash(minor, cur)) }
	dayFirst := r.dayFirst(rules)

	d.write(rec.OrgName, 16, true)
	if rec.OrgAddress != "" {
		d.write(rec.OrgAddress, 10, false)
	}
	if rec.OrgTaxID != "" {
		d.field(v.in(taxIDLabel(rules)), rec.OrgTaxID)
	}
	d.gap(4)
	heading := "doc.heading.donation"
	switch rules {
	case "ca":
		heading = "doc.heading.ca"
	case "uk":
		// The UK has no official donation receipt: this must not look
		// like one.
		heading = "doc.heading.uk"
	}
	if !rec.Livemode {
		d.write(v.t("doc.test.mark"), 14, true)
		d.each(v.each("doc.test.live_reads", "Heading", message(heading)), 9, false)
	} else {
		d.each(v.each(heading), 14, true)
	}
	if rec.Status == models.ReceiptVoid {
		d.setColor(180, 0, 0)
		d.each(v.each(doc+"void", "Reason", voidReason(rec)), 13, true)
		d.setColor(0, 0, 0)
	}
	if rec.Replaces != "" {
		d.each(v.each(doc+"replaces", "Number", rec.Replaces), 10, true)
	}
	d.rule()
	d.field(v.t(doc+"number"), rec.Number)
	d.field(v.t("doc.date_issued"), v.in(dateOf(rec.IssuedAt, loc, dayFirst)))
	if rules == "ca" && rec.PlaceOfIssue != "" {
		d.field(v.t("doc.place_of_issue"), rec.PlaceOfIssue)
	}
	d.field(v.t("doc.gift_date"), v.in(dateOf(rec.GiftDate, loc, dayFirst)))
	d.gap(2)
	donor := rec.DonorName
	if strings.TrimSpace(donor) == "" {
		// A gift that came through Stripe alone may have no name (never
		// under the CRA's rules: such a receipt waits for it).
		donor = rec.DonorEmail
	}
	d.field(v.t("doc.donor"), donor)
	if a := strings.Join(rec.DonorAddress().Lines(), ", "); a != "" {
		d.field(v.t("doc.address"), a)
	}
	d.gap(2)
	kind := paymentKind(rec.Frequency)
	inKind := rec.Method == models.MethodStock || rec.Method == models.MethodInKind
	switch {
	case !inKind:
		d.field(v.t("doc.amount_received"), v.in(func(p *locale.Printer) string {
			return p.Money(rec.Amount, cur) + " (" + kind(p) + ")"
		}))
	case rules == "ca":
		d.field(v.t("doc.gift_received"), rec.Description)
		d.field(v.t("doc.fair_market_value"), amt(rec.Amount))
	case rec.Method == models.MethodStock && rules != "uk":
		// IRS: the charity describes a non-cash gift; the donor values it.
		d.field(v.t("doc.gift_received"), rec.Description)
		d.field(v.t("doc.value_for_information"), v.t("doc.value_donor_determines", "Amount", cash(rec.Amount, cur)))
	case rules == "uk":
		d.field(v.t("doc.gift_received"), rec.Description)
		if rec.Amount > 0 {
			d.field(v.t("doc.value"), amt(rec.Amount))
		}
	default:
		d.field(v.t("doc.gift_received"), rec.Description)
		d.field(v.t("doc.value"), v.t("doc.value_not_stated"))
	}
	if rec.Appraiser != "" {
		d.field(v.t("doc.appraised_by"), rec.Appraiser)
	}
	if models.MethodLabel(rec.Method) != "" && !inKind {
		m := methodLabel(rec.Method)
		if rec.MethodReference != "" {
			m = message("doc.method_reference", "Method", m, "Reference", rec.MethodReference)
		}
		d.field(v.t("doc.paid_by"), v.in(m))
	}
	if rec.Converted() {
		// "50.00 USD", not "$50.00": beside Canadian dollars a bare $
		// would mislead.
		orig := strings.ToUpper(rec.OriginalCurrency)
		d.field(v.t("doc.paid_as"), v.t("doc.paid_as_value",
			"Original", inLang(func(p *locale.Printer) string { return p.Amount(rec.OriginalAmount, rec.OriginalCurrency) + " " + orig }),
			"Rate", decimal(rec.ExchangeRate), "Currency", strings.ToUpper(rec.Currency), "OriginalCurrency", orig))
	}
	if rec.FeeCovered > 0 {
		d.field(v.t("doc.fee_covered"), amt(rec.FeeCovered))
	}
	if rec.BenefitValue > 0 {
		label := "doc.benefit.goods"
		if rules == "ca" {
			label = "doc.benefit.advantage"
		}
		d.field(v.t(label), v.t("doc.benefit.valued", "Description", rec.BenefitDescription, "Amount", cash(rec.BenefitValue, cur)))
	}
	switch rules {
	case "ca":
		d.field(v.t("doc.eligible_amount"), amt(rec.DeductibleAmount))
	case "uk":
		if rec.GiftAid {
			d.field(v.t("doc.gift_aid"), v.t("doc.gift_aid_claimed"))
		}
	default:
		if !inKind {
			d.field(v.t("doc.deductible_amount"), amt(rec.DeductibleAmount))
		}
	}
	d.gap(4)
	var words []string
	for _, p := range v.ps {
		words = append(words, wording(p, rules, rec))
	}
	d.each(words, 10, false)
	if rules == "ca" {
		d.gap(2)
		if len(rec.SignaturePNG) > 0 {
			d.image("signature-"+rec.SignatureID, rec.SignaturePNG, 40, 15)
		}
		if rec.Signatory != "" {
			d.field(v.t("doc.signature"), rec.Signatory)
		}
		d.each(v.each("doc.cra"), 9, false)
	}
	d.gap(4)
	d.rule()
	d.each(v.each(doc+"verify", "URL", r.VerifyURL(rec), "Code", rec.VerificationCode), 8, false)
	return d.output(w)
}

// wording is the statement the rule set requires, in p's language.
func wording(p *locale.Printer, rules string, rec *models.Receipt) string {
	switch rules {
	case "ca":
		return p.T("doc.wording.ca")
	case "uk":
		out := p.T("doc.wording.uk")
		if rec.GiftAidNote != "" {
			out += " " + p.T("doc.wording.uk_no_gift_aid", "Note", rec.GiftAidNote)
		}
		return out
	case "generic":
		if rec.BenefitValue > 0 {
			return p.T("doc.wording.generic_benefit")
		}
		return p.T("doc.wording.generic")
	}
	if rec.BenefitValue > 0 && rec.WordingVersion == "us-1" {
		// The words receipts were issued with before us-2: kept, so that
		// they print as they did.
		return p.T("doc.wording.us1_benefit", "Description", rec.BenefitDescription, "Amount", p.Money(rec.BenefitValue, rec.Currency))
	}
	if rec.BenefitValue > 0 {
		// The description is the newsroom's own words ("Tote bag and two
		// events"): it stands after a colon, so any text reads right.
		return p.T("doc.wording.us_benefit", "Amount", p.Money(rec.BenefitValue, rec.Currency),
			"Description", strings.TrimRight(strings.TrimSpace(rec.BenefitDescription), "."))
	}
	return p.T("doc.wording.us")
}
