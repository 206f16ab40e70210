package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/payments"
)

// donateForm is the donate form as the person typed it; kept as text so a
// re-rendered form shows exactly what they entered.
type donateForm struct {
	Amount            string // the chosen amount: a typed one wins over a preset
	OtherAmount       string // what the "other amount" field held
	Frequency         string
	Email             string
	Name              string
	AddressLine1      string
	AddressCity       string
	AddressPostalCode string
	AddressCountry    string
	CoverFee          bool
	DedicationType    string
	DedicationName    string
	Anonymous         bool
}

// fieldErrors maps a form field's name to the sentence shown next to it.
type fieldErrors map[string]string

type presetOption struct {
	Value, Label string
	Checked      bool
}

type addressField struct {
	Name, Label, Autocomplete, Value, Error string
}

type donateData struct {
	page
	Form           donateForm
	Errors         fieldErrors
	Notice         string
	Presets        []presetOption
	AddressFields  []addressField
	CurrencyUpper  string
	Symbol         string
	Exponent       int
	Min, Max       string
	FeeBasisPoints int64
	FeeFixed       int64
	FeeDescription string
	FeeExample     string
	Captcha        *captchaWidget // nil: no human check
	// Embedded: the form leaves the frame on submit, since Checkout
	// refuses to open inside one.
	Embedded bool
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
func parseDonateForm(c *gin.Context) donateForm {
	f := donateForm{
		Frequency:         strings.TrimSpace(c.PostForm("frequency")),
		Email:             strings.TrimSpace(c.PostForm("email")),
		Name:              strings.TrimSpace(c.PostForm("name")),
		AddressLine1:      strings.TrimSpace(c.PostForm("address_line1")),
		AddressCity:       strings.TrimSpace(c.PostForm("address_city")),
		AddressPostalCode: strings.TrimSpace(c.PostForm("address_postal_code")),
		AddressCountry:    strings.TrimSpace(c.PostForm("address_country")),
		CoverFee:          checked(c.PostForm("cover_fee")),
		DedicationType:    strings.TrimSpace(c.PostForm("dedication_type")),
		DedicationName:    strings.TrimSpace(c.PostForm("dedication_name")),
		Anonymous:         checked(c.PostForm("anonymous")),
	}
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
		f.Frequency = "once"
	}
	return f
}

func checked(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

// validDonation is a checked form, ready to become a gift.
type validDonation struct {
	amount int64 // the gift itself, minor units
	fee    int64 // added when the donor covers the fee
	form   donateForm
}

func (s *Server) validateDonation(f donateForm) (validDonation, fieldErrors) {
	errs := fieldErrors{}
	cur := s.cfg.Currency
	amount, err := money.ParseMajor(f.Amount, cur)
	switch {
	case errors.Is(err, money.ErrEmpty):
		errs["amount"] = "Choose an amount or type your own."
	case err != nil:
		errs["amount"] = "Enter the amount as a number, like 25 or 25.00."
	case amount < s.cfg.DonationMin:
		errs["amount"] = "The smallest gift we can take online is " + money.Display(s.cfg.DonationMin, cur) + "."
	case amount > s.cfg.DonationMax:
		errs["amount"] = "For gifts above " + money.Display(s.cfg.DonationMax, cur) + ", please contact us directly."
	}
	switch f.Frequency {
	case "once", "month", "year":
	default:
		errs["frequency"] = "Choose how often to give."
	}
	if f.Email == "" {
		errs["email"] = "Enter your email address, so we can send your receipt."
	} else if !validEmail(f.Email) {
		errs["email"] = "Enter an email address like name@example.com."
	}
	if msg := checkText(f.Name, maxNameLen, true); msg != "" {
		errs["name"] = strings.Replace(msg, "this", "your name", 1)
	}
	checkAddress(errs, models.Address{Line1: f.AddressLine1, City: f.AddressCity, PostalCode: f.AddressPostalCode, Country: f.AddressCountry})
	switch f.DedicationType {
	case "":
		if f.DedicationName != "" {
			errs["dedication_type"] = "Choose \u201cin honour of\u201d or \u201cin memory of\u201d, or clear the name."
		}
	case "honor", "memory":
		if f.DedicationName == "" {
			errs["dedication_name"] = "Enter the name of the person this gift honours."
		}
	default:
		errs["dedication_type"] = "Choose one of the dedication options."
	}
	if f.DedicationName != "" {
		if msg := checkText(f.DedicationName, maxNameLen, false); msg != "" {
			errs["dedication_name"] = msg
		}
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

// checkAddress adds to errs what is wrong with an address typed into the
// address_* fields: each part must be printable, and a partial address is
// no use on a receipt, so it is all or nothing.
func checkAddress(errs fieldErrors, a models.Address) {
	for field, v := range map[string]string{
		"address_line1": a.Line1, "address_city": a.City,
		"address_postal_code": a.PostalCode, "address_country": a.Country,
	} {
		if msg := checkText(v, maxAddressLen, false); msg != "" {
			errs[field] = msg
		}
	}
	if a.Line1 != "" || a.City != "" || a.PostalCode != "" || a.Country != "" {
		if a.Line1 == "" && errs["address_line1"] == "" {
			errs["address_line1"] = "Enter the street address, or leave the whole address empty."
		}
		if a.City == "" && errs["address_city"] == "" {
			errs["address_city"] = "Enter the town or city, or leave the whole address empty."
		}
		if a.Country == "" && errs["address_country"] == "" {
			errs["address_country"] = "Enter the country, or leave the whole address empty."
		}
	}
}

// profileForm reads a name and address posted from a profile form.
func profileForm(c *gin.Context) (models.DonorProfile, fieldErrors) {
	p := models.DonorProfile{Name: strings.TrimSpace(c.PostForm("name")), Address: models.Address{
		Line1: strings.TrimSpace(c.PostForm("address_line1")), City: strings.TrimSpace(c.PostForm("address_city")),
		PostalCode: strings.TrimSpace(c.PostForm("address_postal_code")), Country: strings.TrimSpace(c.PostForm("address_country")),
	}}
	errs := fieldErrors{}
	if msg := checkText(p.Name, maxNameLen, true); msg != "" {
		errs["name"] = strings.Replace(msg, "this", "the name", 1)
	}
	checkAddress(errs, p.Address)
	return p, errs
}

// addressFields are the address inputs of a form, filled with a.
func addressFields(a models.Address, errs fieldErrors) []addressField {
	return []addressField{
		{"address_line1", "Street address", "address-line1", a.Line1, errs["address_line1"]},
		{"address_city", "Town or city", "address-level2", a.City, errs["address_city"]},
		{"address_postal_code", "Postal code", "postal-code", a.PostalCode, errs["address_postal_code"]},
		{"address_country", "Country", "country-name", a.Country, errs["address_country"]},
	}
}

func validEmail(s string) bool {
	if len(s) > maxEmailLen || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	_, domain, ok := strings.Cut(s, "@")
	return ok && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// checkText returns a message when v is unusable as printed text.
func checkText(v string, max int, required bool) string {
	switch {
	case v == "" && required:
		return "Enter this."
	case !utf8.ValidString(v):
		return "This contains characters we cannot read."
	case utf8.RuneCountInString(v) > max:
		return fmt.Sprintf("This is too long (at most %d characters).", max)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return "This contains characters we cannot print."
		}
	}
	return ""
}

func (s *Server) donateData(c *gin.Context, f donateForm, errs fieldErrors) donateData {
	cur := s.cfg.Currency
	d := donateData{
		page: s.basePage(c), Form: f, Errors: errs,
		CurrencyUpper: strings.ToUpper(cur), Exponent: money.Exponent(cur),
		Min: money.Display(s.cfg.DonationMin, cur), Max: money.Display(s.cfg.DonationMax, cur),
		FeeBasisPoints: s.cfg.Fee.BasisPoints, FeeFixed: s.cfg.Fee.FixedMinor,
		FeeDescription: feeDescription(s.cfg.Fee, cur),
		Embedded:       len(s.cfg.FrameAncestors) > 0,
	}
	if s.captcha != nil {
		p := captchaProviders[s.cfg.Captcha.Provider]
		d.Captcha = &captchaWidget{Class: p.class, SiteKey: s.cfg.Captcha.SiteKey, Script: p.script}
	}
	d.Symbol = strings.TrimSuffix(money.Display(0, cur), money.FormatMajor(0, cur))
	if strings.HasPrefix(d.Symbol, "0") || d.Symbol == money.Display(0, cur) {
		d.Symbol = ""
	}
	chosen := f.Amount
	if f.OtherAmount != "" {
		chosen = ""
	}
	example := int64(0)
	for _, p := range s.cfg.PresetAmounts {
		plain := money.FormatMajor(p, cur)
		plain = strings.TrimSuffix(strings.TrimSuffix(plain, "00"), ".")
		// Whole amounts read better without cents on a button: "$25", not "$25.00".
		label := strings.TrimSuffix(money.Display(p, cur), ".00")
		opt := presetOption{Value: plain, Label: label, Checked: chosen == plain}
		d.Presets = append(d.Presets, opt)
		if opt.Checked || (example == 0 && p >= 2500) {
			example = p
		}
	}
	if example > 0 {
		fee := s.cfg.Fee.CoverAmount(example)
		d.FeeExample = "On a " + money.Display(example, cur) + " gift it adds " + money.Display(fee, cur) + "."
	}
	d.AddressFields = addressFields(models.Address{Line1: f.AddressLine1, City: f.AddressCity,
		PostalCode: f.AddressPostalCode, Country: f.AddressCountry}, errs)
	return d
}

func feeDescription(f money.Fee, cur string) string {
	pct := money.FormatMajor(f.BasisPoints, "usd") // basis points print as a percentage with two decimals
	pct = strings.TrimSuffix(strings.TrimRight(pct, "0"), ".")
	return pct + "% + " + money.Display(f.FixedMinor, cur)
}

// csrfPlaceholder stands for the per-request CSRF field in the cached
// donate page; it cannot occur in anything the page prints.
const csrfPlaceholder = "\x00csrf-field\x00"

// donateForm shows the form, with a preset chosen. The empty form is the
// same for everyone but its CSRF field, and it is the busiest page when an
// article goes viral: it is rendered once, and each request only puts its
// own token in.
func (s *Server) donateForm(c *gin.Context) {
	s.donatePageOnce.Do(func() {
		f := donateForm{Frequency: "once"}
		if len(s.cfg.PresetAmounts) > 1 {
			f.Amount = strings.TrimSuffix(strings.TrimSuffix(money.FormatMajor(s.cfg.PresetAmounts[1], s.cfg.Currency), "00"), ".")
		}
		d := s.donateData(c, f, nil)
		d.CSRFField = template.HTML(csrfPlaceholder)
		var buf bytes.Buffer
		if err := s.pages.pages["donate"].ExecuteTemplate(&buf, "layout", d); err != nil {
			s.logger(c).Error("rendering the donate page", "err", err)
			return
		}
		s.donatePage = buf.Bytes()
	})
	if s.donatePage == nil {
		s.fail(c, fmt.Errorf("donate page unavailable"))
		return
	}
	page := bytes.Replace(s.donatePage, []byte(csrfPlaceholder), []byte(csrfField(c)), 1)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", page)
}

// donateSubmit validates the form, stores a pending gift and sends the
// donor to Checkout. Nothing is recorded as paid here: only events do that.
func (s *Server) donateSubmit(c *gin.Context) {
	f := parseDonateForm(c)
	v, errs := s.validateDonation(f)
	if errs != nil {
		s.render(c, http.StatusUnprocessableEntity, "donate", s.donateData(c, f, errs))
		return
	}
	ctx := c.Request.Context()
	if s.captcha != nil {
		ok, err := s.captcha.verify(ctx, c.PostForm(captchaProviders[s.cfg.Captcha.Provider].field), c.ClientIP())
		if err != nil {
			s.logger(c).Error("captcha check", "err", err)
			d := s.donateData(c, f, nil)
			d.Notice = "We could not check the form just now. You have not been charged. Please try again in a minute."
			s.render(c, http.StatusServiceUnavailable, "donate", d)
			return
		}
		if !ok {
			s.render(c, http.StatusUnprocessableEntity, "donate",
				s.donateData(c, f, fieldErrors{"captcha": "Please complete the check just above the button, then continue."}))
			return
		}
	}
	// Per email, after the per-IP limit: card testers who rotate addresses
	// usually keep one email, and a real donor never needs many checkouts
	// an hour.
	if ok, wait := s.donateByEmail.allow(models.NormaliseEmail(f.Email)); !ok {
		s.metrics.donateRateLimited.Inc()
		s.logger(c).Warn("donate rate limit per email", "wait_s", wait.Seconds())
		c.Header("Retry-After", retryAfterSeconds(wait))
		s.errorPage(c, http.StatusTooManyRequests, "Too many attempts",
			"We received several attempts with this email address in a short time. Please wait "+humanWait(wait)+" and try again.")
		return
	}
	g := &models.Gift{
		Frequency: f.Frequency, Amount: v.amount, FeeAmount: v.fee, Currency: s.cfg.Currency,
		Email: f.Email, Name: f.Name,
		Address:        models.Address{Line1: f.AddressLine1, City: f.AddressCity, PostalCode: f.AddressPostalCode, Country: f.AddressCountry},
		DedicationType: f.DedicationType, DedicationName: f.DedicationName, Anonymous: f.Anonymous,
	}
	if err := s.store.CreateGift(ctx, g); err != nil {
		s.fail(c, fmt.Errorf("creating gift: %w", err))
		return
	}
	base := s.cfg.BaseURL.String()
	req := payments.CheckoutRequest{
		GiftID: g.ID, Email: g.Email, Currency: g.Currency, AmountTotal: g.TotalAmount,
		ProductName: "Gift to " + s.cfg.Org.Name,
		Description: dedicationLine(f),
		SuccessURL:  base + "/donate/thanks?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:   base + "/donate",
		Metadata: map[string]string{
			"gift_id": g.ID, "frequency": g.Frequency,
			"fee_amount": fmt.Sprint(g.FeeAmount), "anonymous": fmt.Sprint(g.Anonymous),
			"dedication_type": g.DedicationType, "dedication_name": g.DedicationName,
		},
	}
	if g.Frequency != "once" {
		req.Interval = g.Frequency
		req.ProductName = map[string]string{"month": "Monthly", "year": "Yearly"}[g.Frequency] + " membership of " + s.cfg.Org.Name
	}
	sess, err := s.gateway.CreateCheckout(ctx, req)
	if err != nil {
		s.metrics.checkouts.WithLabelValues("error").Inc()
		s.logger(c).Error("creating checkout session", "gift_id", g.ID, "err", err)
		// The gift never reached Stripe: remove it so no half-made gift remains.
		if derr := s.store.DiscardUnstartedGift(ctx, g.ID); derr != nil {
			s.logger(c).Error("discarding unstarted gift", "gift_id", g.ID, "err", derr)
		}
		d := s.donateData(c, f, nil)
		d.Notice = "We could not reach our payment provider just now. You have not been charged. Please try again in a minute."
		s.render(c, http.StatusServiceUnavailable, "donate", d)
		return
	}
	if err := s.store.AttachCheckoutSession(ctx, g.ID, sess.ID); err != nil {
		s.fail(c, fmt.Errorf("attaching checkout session: %w", err))
		return
	}
	s.metrics.checkouts.WithLabelValues("created").Inc()
	s.logger(c).Info("checkout session created", "gift_id", g.ID, "session_id", sess.ID, "amount", g.TotalAmount, "currency", g.Currency)
	c.Redirect(http.StatusSeeOther, sess.URL)
}

func dedicationLine(f donateForm) string {
	switch f.DedicationType {
	case "honor":
		return "In honour of " + f.DedicationName
	case "memory":
		return "In memory of " + f.DedicationName
	}
	return ""
}
