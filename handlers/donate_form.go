package handlers

import (
	"errors"
	"fmt"
	"html/template"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// The donate form: what was typed, checked, and what the page shows.

// donateForm is the donate form as the person typed it; kept as text so a
// re-rendered form shows exactly what they entered.
type donateForm struct {
	Amount         string // the chosen amount: a typed one wins over a preset
	OtherAmount    string // what the "other amount" field held
	Frequency      string
	Email          string
	Name           string
	Address        models.Address
	CoverFee       bool
	DedicationType string
	DedicationName string
	Anonymous      bool
	// Gift Aid (uk): the declaration and what HMRC needs with it.
	GiftAid                                         bool
	GiftAidTitle, GiftAidFirstName, GiftAidLastName string
	GiftAidTaxpayer                                 bool
	// Campaign is the slug of the campaign the form gives through;
	// FromOrganisation: the gift comes from a company or organisation,
	// which match funds do not match.
	Campaign         string
	FromOrganisation bool
	// DeclineBenefits: a member said no thanks to the tier's benefits.
	DeclineBenefits bool
	// Where the gift started, carried as hidden fields.
	From attribution
}
type presetOption struct {
	Value, Label string
	Impact       string // what this amount does, from PRESET_IMPACT
	Checked      bool
}

// errorLink is one entry of a form's error summary: the message, linking
// to the field it is about (GOV.UK's pattern).
type errorLink struct{ Field, Message string }

// tierLine is a membership tier as the form shows it.
type tierLine struct{ Name, Threshold, Benefit string }

// anyBenefit: some tier brings something, which a member may decline.
func anyBenefit(tiers []models.Tier) bool {
	for _, t := range tiers {
		if t.ValuePerYear > 0 {
			return true
		}
	}
	return false
}

type donateData struct {
	page
	Form          donateForm
	Errors        fieldErrors
	Notice        string
	Presets       []presetOption
	AddressFields []addressField
	// AddressRequired: the rule set's receipts must print a full address
	// (Canada); AddressOpen shows the fields unfolded.
	AddressRequired, AddressOpen bool
	CurrencyUpper                string
	// MoneyBefore, MoneyAfter and Decimal are how app.js writes amounts
	// in the page's language.
	MoneyBefore, MoneyAfter, Decimal string
	Exponent                         int
	Min, Max                         string
	FeeBasisPoints                   int64
	FeeFixed                         int64
	FeeDescription                   string
	FeeExample                       string
	Captcha                          *captchaWidget // nil: no human check
	// Challenge: the page solves a proof of work before it is sent.
	Challenge bool
	// OverMax: the amount is above the largest gift online; the message
	// links to the contact address.
	OverMax bool
	// Declinable: a tier brings benefits, so the form offers no thanks.
	Declinable bool
	// HasImpact: some preset says what it does (PRESET_IMPACT).
	HasImpact bool
	// AmountPattern lets the browser catch an amount the server would
	// refuse for its form (a minus sign, letters, too many decimals)
	// before it is sent; the server still says why.
	AmountPattern string
	// AmountExample is 25 as the page's language types it with decimals
	// ("25.00", "25,00").
	AmountExample string
	// Embedded: the form leaves the frame on submit, since Checkout
	// refuses to open inside one.
	Embedded bool
	// UK: the form offers Gift Aid, with HMRC's declaration as worded.
	UK             bool
	GiftAidWording string
	// Appeal is what the money does (APPEAL_TEXT, Markdown made safe);
	// Promise says what the donor receives, true for the rule set.
	Appeal  template.HTML
	Promise string
	Tiers   []tierLine
	// ErrorList is Errors in the form's order, for the summary at the top.
	ErrorList      []errorLink
	DedicationOpen bool
	// Campaign: the drive this form gives to, with its meter.
	Campaign *campaignView
}

// fieldOrder is the donate form's fields from top to bottom, with the id
// each error summary link goes to.
var fieldOrder = [][2]string{
	{"amount", "amount-other"}, {"frequency", "frequency-once"}, {"email", "email"}, {"name", "name"},
	{"address_line1", "address_line1"}, {"address_line2", "address_line2"}, {"address_city", "address_city"},
	{"address_state", "address_state"}, {"address_postal_code", "address_postal_code"}, {"address_country", "address_country"},
	{"giftaid_title", "giftaid_title"}, {"giftaid_first_name", "giftaid_first_name"}, {"giftaid_last_name", "giftaid_last_name"},
	{"giftaid_taxpayer", "giftaid_taxpayer"}, {"dedication_type", "dedication-none"}, {"dedication_name", "dedication_name"},
	{"captcha", "captcha"}, {"challenge", "pay"},
}

// errorList orders a form's errors as its fields are.
func errorList(errs fieldErrors) []errorLink {
	var out []errorLink
	seen := map[string]bool{}
	for _, f := range fieldOrder {
		if msg, ok := errs[f[0]]; ok {
			out = append(out, errorLink{Field: f[1], Message: msg})
			seen[f[0]] = true
		}
	}
	for name, msg := range errs { // any other, last
		if !seen[name] {
			out = append(out, errorLink{Field: name, Message: msg})
		}
	}
	return out
}

// captchaWidget is what the page needs to show the provider's widget.
type captchaWidget struct {
	Class, SiteKey, Script string
}

const (
	maxNameLen    = 200
	maxAddressLen = 200
	maxEmailLen   = 254
)

// parseDonateForm reads the posted fields. A person may both tick a preset
// and type an amount (without JavaScript they cannot untick); the typed
// "other amount" comes last in the form and wins.
func (s *Server) parseDonateForm(c *gin.Context) donateForm {
	f := donateForm{
		Frequency:        strings.TrimSpace(c.PostForm("frequency")),
		Email:            strings.TrimSpace(c.PostForm("email")),
		Name:             strings.TrimSpace(c.PostForm("name")),
		Address:          addressForm(c),
		CoverFee:         checked(c.PostForm("cover_fee")),
		DedicationType:   strings.TrimSpace(c.PostForm("dedication_type")),
		DedicationName:   strings.TrimSpace(c.PostForm("dedication_name")),
		Anonymous:        checked(c.PostForm("anonymous")),
		GiftAid:          checked(c.PostForm("giftaid")),
		GiftAidTitle:     strings.TrimSpace(c.PostForm("giftaid_title")),
		GiftAidFirstName: strings.TrimSpace(c.PostForm("giftaid_first_name")),
		GiftAidLastName:  strings.TrimSpace(c.PostForm("giftaid_last_name")),
		GiftAidTaxpayer:  checked(c.PostForm("giftaid_taxpayer")),
		Campaign:         strings.ToLower(strings.TrimSpace(c.PostForm("campaign"))),
		FromOrganisation: checked(c.PostForm("from_organisation")),
		DeclineBenefits:  checked(c.PostForm("decline_benefits")),
	}
	f.From = s.attributionOf(c.PostForm)
	amounts := c.PostFormArray("amount")
	for _, a := range amounts {
		if a = strings.TrimSpace(a); a != "" {
			f.Amount = a
		}
	}
	// The last "amount" value is the text field's when both were sent.
	if len(amounts) > 1 {
		f.OtherAmount = strings.TrimSpace(amounts[len(amounts)-1])
	} else if f.Amount != "" {
		f.OtherAmount = f.Amount
	}
	if f.Frequency == "" {
		f.Frequency = models.FrequencyOnce
	}
	return f
}

// validDonation is a checked form, ready to become a gift.
type validDonation struct {
	amount int64 // the gift itself, minor units
	fee    int64 // added when the donor covers the fee
	form   donateForm
}

func (s *Server) validateDonation(p *locale.Printer, f donateForm) (validDonation, fieldErrors) {
	errs := fieldErrors{}
	cur := s.cfg.Currency
	amount, err := money.ParseMajor(p.Canonical(f.Amount, cur), cur)
	if errors.Is(err, money.ErrEmpty) {
		errs["amount"] = p.T("donate.error.amount")
	} else if msg := s.amountProblem(p, amount, err, cur, "gift"); msg != "" {
		errs["amount"] = msg
	}
	switch f.Frequency {
	case models.FrequencyOnce, models.FrequencyMonth, models.FrequencyYear:
	default:
		errs["frequency"] = p.T("donate.error.frequency")
	}
	if f.Email == "" {
		errs["email"] = p.T("donate.error.email")
	} else if !validEmail(f.Email) {
		errs["email"] = p.T("form.email.invalid")
	}
	if msg := checkTextAs(p, f.Name, maxNameLen, true, "form.enter.yourname"); msg != "" {
		errs["name"] = msg
	}
	checkAddress(p, errs, f.Address, s.fullAddress())
	switch f.DedicationType {
	case "":
		if f.DedicationName != "" {
			errs["dedication_type"] = p.T("donate.error.dedication.type")
		}
	case "honor", "memory":
		if f.DedicationName == "" {
			errs["dedication_name"] = p.T("donate.error.dedication.name")
		}
	default:
		errs["dedication_type"] = p.T("donate.error.dedication.option")
	}
	if f.DedicationName != "" {
		if msg := checkText(p, f.DedicationName, maxNameLen, false); msg != "" {
			errs["dedication_name"] = msg
		}
	}
	if s.cfg.ReceiptRules == "uk" && f.GiftAid {
		checkGiftAid(p, errs, f)
	}
	if len(errs) > 0 {
		return validDonation{}, errs
	}
	v := validDonation{amount: amount, form: f}
	if f.CoverFee {
		v.fee = s.cfg.Fee.CoverAmount(amount)
	}
	return v, nil
}
func (s *Server) donateData(c *gin.Context, f donateForm, errs fieldErrors) donateData {
	cur := s.cfg.Currency
	p := s.printer(c)
	d := donateData{
		page: s.basePage(c), Form: f, Errors: errs,
		CurrencyUpper: strings.ToUpper(cur), Exponent: money.Exponent(cur),
		Min: p.Money(s.cfg.DonationMin, cur), Max: p.Money(s.cfg.DonationMax, cur),
		FeeBasisPoints: s.cfg.Fee.BasisPoints, FeeFixed: s.cfg.Fee.FixedMinor,
		FeeDescription: feeDescription(p, s.cfg.Fee, cur),
		Embedded:       len(s.cfg.FrameAncestors) > 0,
		Challenge:      !s.cfg.Challenge.Off,
		OverMax:        errs["amount"] != "" && errs["amount"] == s.overMax(p, cur, "gift"),
		AmountPattern:  amountPattern(p, money.Exponent(cur)),
		AmountExample:  p.Amount(2500, cur),
		Declinable:     anyBenefit(s.cfg.Tiers),
	}
	if s.captcha != nil {
		d.Captcha = &captchaWidget{Class: s.cfg.Captcha.Class, SiteKey: s.cfg.Captcha.SiteKey, Script: s.cfg.Captcha.Script}
	}
	// What goes around a number when this language writes an amount: "$"
	// before in English, " $" after in French.
	zero, plain := p.Money(0, cur), p.Amount(0, cur)
	if i := strings.Index(zero, plain); i >= 0 {
		d.MoneyBefore, d.MoneyAfter = zero[:i], zero[i+len(plain):]
	}
	d.Decimal = "."
	if p.DecimalComma(cur) {
		d.Decimal = ","
	}
	chosen := f.Amount
	if f.OtherAmount != "" {
		chosen = ""
	}
	example := int64(0)
	presets := s.cfg.PresetAmounts
	if f.Campaign != "" {
		if camp, err := s.store.CampaignBySlug(c.Request.Context(), f.Campaign); err == nil {
			if d.Campaign, err = s.campaignView(c, camp); err != nil {
				s.logger(c).Error("campaign meter", "campaign", camp.Slug, "err", err)
			}
			if ps := camp.Presets(); len(ps) > 0 {
				presets = ps
			}
		}
	}
	pr := p
	for _, p := range presets {
		plain := money.FormatMajor(p, cur)
		plain = strings.TrimSuffix(strings.TrimSuffix(plain, "00"), ".")
		// Whole amounts read better without cents on a button: "$25", not "$25.00".
		label := wholeMoney(pr, p, cur)
		opt := presetOption{Value: plain, Label: label, Impact: s.cfg.Brand.Impact[p], Checked: chosen == plain}
		d.Presets = append(d.Presets, opt)
		d.HasImpact = d.HasImpact || opt.Impact != ""
		if opt.Checked || (example == 0 && p >= 2500) {
			example = p
		}
	}
	if example > 0 {
		fee := s.cfg.Fee.CoverAmount(example)
		d.FeeExample = p.T("donate.fee.example", "Gift", p.Money(example, cur), "Fee", p.Money(fee, cur))
	}
	d.AddressFields = addressFields(p, f.Address, errs)
	d.AddressRequired = s.fullAddress()
	d.AddressOpen = d.AddressRequired || len(f.Address.Lines()) > 0 || f.GiftAid
	if d.UK = s.cfg.ReceiptRules == "uk"; d.UK {
		d.GiftAidWording = models.GiftAidWording(s.cfg.Org.Name)
	}
	d.Appeal, d.Promise, d.ErrorList = s.appeal[s.lang(c)], s.promise(c), errorList(errs)
	d.DedicationOpen = f.DedicationType != "" || f.DedicationName != "" || errs["dedication_type"] != "" || errs["dedication_name"] != ""
	for _, t := range s.cfg.Tiers {
		d.Tiers = append(d.Tiers, tierLine{Name: t.Name, Threshold: p.Money(t.MinPerYear, cur), Benefit: t.Description})
	}
	for _, af := range d.AddressFields {
		d.AddressOpen = d.AddressOpen || af.Error != ""
	}
	return d
}

// HMRC's schedule takes at most 35 characters of a name and 4 of a title.
const (
	maxGiftAidName  = 35
	maxGiftAidTitle = 4
)

// checkGiftAid adds what a Gift Aid declaration is missing: the donor's
// first and last name, their home address with its postcode, and their
// confirmation that they pay UK tax.
func checkGiftAid(p *locale.Printer, errs fieldErrors, f donateForm) {
	for field, v := range map[string]string{"giftaid_first_name": f.GiftAidFirstName, "giftaid_last_name": f.GiftAidLastName} {
		if msg := checkTextAs(p, v, maxGiftAidName, true, "giftaid.error.name"); msg != "" {
			errs[field] = msg
		}
	}
	if msg := checkText(p, f.GiftAidTitle, maxGiftAidTitle, false); msg != "" {
		errs["giftaid_title"] = msg
	}
	if !f.GiftAidTaxpayer {
		errs["giftaid_taxpayer"] = p.T("giftaid.error.taxpayer")
	}
	a := f.Address
	need := map[string]string{"address_line1": a.Line1, "address_city": a.City, "address_postal_code": a.PostalCode, "address_country": a.Country}
	for field, v := range need {
		if v == "" && errs[field] == "" {
			errs[field] = p.T("giftaid.error.address")
		}
	}
	if a.PostalCode != "" && models.IsUK(a.Country) && errs["address_postal_code"] == "" {
		if _, ok := models.UKPostcode(a.PostalCode); !ok {
			errs["address_postal_code"] = p.T("giftaid.error.postcode")
		}
	}
}

// promise says what a donor receives, and only what is true: a gift is
// "tax-deductible" only under the US rules with the EIN set.
func (s *Server) promise(c *gin.Context) string {
	p := s.printer(c)
	switch s.cfg.ReceiptRules {
	case "us":
		if s.cfg.Org.TaxID != "" {
			return p.T("promise.us", "Org", s.cfg.Org.Name, "EIN", s.cfg.Org.TaxID)
		}
	case "ca":
		return p.T("promise.ca")
	case "uk":
		return p.T("promise.uk")
	}
	return p.T("promise.email")
}

func feeDescription(p *locale.Printer, f money.Fee, cur string) string {
	pct := money.FormatMajor(f.BasisPoints, "usd") // basis points print as a percentage with two decimals
	pct = strings.TrimSuffix(strings.TrimRight(pct, "0"), ".")
	return p.T("donate.fee", "Percent", p.Decimal(pct), "Fixed", p.Money(f.FixedMinor, cur))
}

// dedicationLine is the dedication as Checkout and the donor's choices
// show it.
func dedicationLine(p *locale.Printer, f donateForm) string {
	switch f.DedicationType {
	case "honor":
		return p.T("dedication.honor", "Name", f.DedicationName)
	case "memory":
		return p.T("dedication.memory", "Name", f.DedicationName)
	}
	return ""
}

// wholeMoney is an amount on a button: "$25", not "$25.00".
func wholeMoney(p *locale.Printer, minor int64, cur string) string {
	full := p.Money(minor, cur)
	if exp := money.Exponent(cur); exp > 0 && minor%pow10(exp) == 0 {
		zeros := strings.Repeat("0", exp)
		for _, sep := range []string{".", ","} {
			if i := strings.Index(full, sep+zeros); i >= 0 {
				return full[:i] + full[i+1+exp:]
			}
		}
	}
	return full
}

func pow10(n int) int64 {
	v := int64(1)
	for range n {
		v *= 10
	}
	return v
}

// amountPattern is the other-amount field's pattern: digits with the
// language's separators between thousands, at most exp decimals, an
// optional sign before or after.
func amountPattern(p *locale.Printer, exp int) string {
	group, decimal := ",", `\.`
	if p.DecimalComma("") {
		group, decimal = `.\s\u00a0`, ","
	}
	pat := `\s*[$€£¥]?\s*[0-9][0-9` + group + `]*`
	if exp > 0 {
		pat += fmt.Sprintf(`(%s[0-9]{0,%d})?`, decimal, exp)
	}
	return pat + `\s*[$€£¥]?\s*`
}

// overMax is the message for an amount over the largest gift online; the
// page adds the contact address to it.
func (s *Server) overMax(p *locale.Printer, cur, what string) string {
	return p.T("amount.toolarge."+what, "Max", p.Money(s.cfg.DonationMax, cur))
}

// amountProblem says what is wrong with a typed amount (what ParseMajor
// made of it), or "". Each mistake has its own sentence: a reader who
// typed "-5", "25.555" or "€20" learns what to change.
func (s *Server) amountProblem(p *locale.Printer, amount int64, err error, cur, what string) string {
	var other *money.OtherCurrencyError
	switch {
	case errors.As(err, &other):
		return p.T("amount.othercurrency", "Currency", strings.ToUpper(cur), "Sign", other.Sign)
	case errors.Is(err, money.ErrNegative):
		return p.T("amount.negative")
	case errors.Is(err, money.ErrPrecision):
		if money.Exponent(cur) == 0 {
			return p.T("amount.whole")
		}
		return p.T("amount.decimals", "Places", money.Exponent(cur), "Example", p.Amount(2550, cur))
	case errors.Is(err, money.ErrTooLarge) || (err == nil && amount > s.cfg.DonationMax):
		return s.overMax(p, cur, what)
	case err != nil:
		return p.T("amount.digits", "Example", p.Amount(2500, cur), "Min", p.Money(s.cfg.DonationMin, cur), "Max", p.Money(s.cfg.DonationMax, cur))
	case amount < s.cfg.DonationMin:
		return p.T("amount.toosmall."+what, "Min", p.Money(s.cfg.DonationMin, cur))
	}
	return ""
}
