package handlers

import (
	"errors"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

const sessionCookie = "donor_session"

type accountMembership struct {
	ID, Amount, Interval, Status, PeriodEnd string
	CancelAtPeriodEnd, CanManage            bool
	// A pause, and the change-amount field: its value and its error when
	// the donor typed a wrong one.
	Paused                                bool
	PausedUntil, AmountValue, AmountError string
	Currency                              string
}

// memberError is a wrong amount typed in one membership's form.
type memberError struct{ MembershipID, Typed, Message string }

type accountReceipt struct {
	ID, Number, Date, Amount, Status string
}

// profileData fills the name-and-address form ("profileform").
type profileData struct {
	Action, What, Name, NameError string
	// Save is the button's words, in the reader's language; "" says
	// "Save " and What (the staff pages).
	Save          string
	AddressFields []addressField
	CSRFField     template.HTML
	// IDPrefix keeps element ids unique when a page holds several forms.
	IDPrefix string
}

// ErrorList is the form's errors for its summary, in the order of its
// fields, linked to their ids.
func (p profileData) ErrorList() []errorLink {
	var out []errorLink
	if p.NameError != "" {
		out = append(out, errorLink{Field: p.IDPrefix + "profile-name", Message: p.NameError})
	}
	for _, f := range p.AddressFields {
		if f.Error != "" {
			out = append(out, errorLink{Field: p.IDPrefix + f.Name, Message: f.Error})
		}
	}
	return out
}

func (s *Server) profileData(c *gin.Context, action, what string, p models.DonorProfile, errs fieldErrors) profileData {
	return profileData{Action: action, What: what, Name: p.Name, NameError: errs["name"],
		AddressFields: addressFields(s.printer(c), p.Address, errs), CSRFField: csrfField(c)}
}

// emailChoice is one kind of email a donor may refuse, and their choice.
type emailChoice struct {
	Value, Label string
	Allowed      bool
}

type accountData struct {
	page
	Emails              []emailChoice
	Profile             profileData
	Name, Email, Notice string
	Memberships         []accountMembership
	Gifts               []accountGift
	Receipts            []accountReceipt
	Years               []int
	// UK: the donor's Gift Aid declaration in force, if any.
	UK      bool
	GiftAid *accountGiftAid
}

// accountGiftAid is a declaration as its donor sees it.
type accountGiftAid struct {
	Since, Wording string
}

// accountGift is one payment as the donor sees it, with the receipt now
// in force for it.
type accountGift struct {
	Date, Amount, Kind, Status string
	ReceiptID, ReceiptNumber   string
	Choices                    string // the fee covered, the dedication, anonymity
}

// account shows the signed-in donor's page, or the sign-in form.
func (s *Server) account(c *gin.Context) {
	donor := s.signedInDonor(c)
	if donor == nil {
		s.render(c, http.StatusOK, "account_signin", signInData{page: s.basePage(c)})
		return
	}
	s.donorLanguage(c, donor)
	s.renderAccount(c, donor, s.takeFlash(c), http.StatusOK)
}

func (s *Server) renderAccount(c *gin.Context, donor *models.Donor, notice string, status int) {
	s.renderAccountWith(c, donor, notice, status, models.DonorProfile{Name: donor.Name, Address: donor.Address}, nil, nil)
}

// renderAccountWith renders the donor's page with the profile form as
// given (what they typed, when it had errors).
func (s *Server) renderAccountWith(c *gin.Context, donor *models.Donor, notice string, status int, p models.DonorProfile, errs fieldErrors, merr *memberError) {
	ctx := c.Request.Context()
	pr := s.printer(c)
	d := accountData{page: s.basePage(c), Name: firstName(donor.Name), Email: donor.Email, Notice: notice,
		Profile: s.profileData(c, "/account/profile", "my details", p, errs)}
	d.Profile.Save = pr.T("profile.save.mine")
	prefs, err := s.store.EmailPreferences(ctx, donor.ID)
	if err != nil {
		s.error(c, err)
		return
	}
	for _, t := range models.Topics {
		d.Emails = append(d.Emails, emailChoice{Value: t.Value, Label: topicWords(pr, t.Value), Allowed: prefs[t.Value]})
	}
	ms, err := s.store.MembershipsOfDonor(ctx, donor.ID)
	if err != nil {
		s.error(c, err)
		return
	}
	for _, m := range ms {
		am := accountMembership{ID: m.ID, Amount: pr.Money(m.Amount, m.Currency), Interval: m.BillingInterval,
			Status: donorMembershipStatus(pr, m.Status), CancelAtPeriodEnd: m.CancelAtPeriodEnd,
			CanManage: m.StripeCustomerID != "" && m.StripeSubscriptionID != "" && m.Status != models.MembershipCanceled,
			Paused:    m.Paused, AmountValue: pr.Amount(m.Amount, m.Currency), Currency: strings.ToUpper(m.Currency)}
		if m.CurrentPeriodEnd != nil && m.Status != models.MembershipCanceled {
			am.PeriodEnd = pr.Date(m.CurrentPeriodEnd.In(s.cfg.Location))
		}
		if m.PausedUntil != nil {
			am.PausedUntil = pr.Date(m.PausedUntil.In(s.cfg.Location))
		}
		if merr != nil && merr.MembershipID == m.ID {
			am.AmountValue, am.AmountError = merr.Typed, merr.Message
		}
		d.Memberships = append(d.Memberships, am)
	}
	rs, err := s.store.AllReceiptsOfDonor(ctx, donor.ID)
	if err != nil {
		s.error(c, err)
		return
	}
	inForce := map[string]models.Receipt{}
	for _, r := range rs {
		if r.Status == models.ReceiptIssued {
			inForce[r.GiftID] = r
		}
	}
	gifts, err := s.store.GiftsOfDonor(ctx, donor.ID)
	if err != nil {
		s.error(c, err)
		return
	}
	for _, g := range gifts {
		ag := accountGift{Amount: pr.Money(g.TotalAmount, g.Currency), Kind: donorGiftKind(pr, g.Frequency), Status: giftStatus(pr, g),
			Choices: choicesOf(pr, &g).summary(pr)}
		if g.PaidAt != nil {
			ag.Date = g.PaidAt.In(s.cfg.Location).Format("2006-01-02")
		}
		if r, ok := inForce[g.ID]; ok {
			ag.ReceiptID, ag.ReceiptNumber = r.ID, r.Number
		}
		d.Gifts = append(d.Gifts, ag)
	}
	years := map[int]bool{}
	for _, r := range rs {
		status := pr.T("account.receipt.valid")
		if r.Status == models.ReceiptVoid {
			// The reason is the ledger's, in English.
			status = pr.T("account.receipt.void", "Reason", r.VoidReasonText())
		} else if r.Replaces != "" {
			status = pr.T("account.receipt.replaces", "Number", r.Replaces)
		}
		d.Receipts = append(d.Receipts, accountReceipt{ID: r.ID, Number: r.Number, Status: status,
			Date: r.GiftDate.In(s.cfg.Location).Format("2006-01-02"), Amount: pr.Money(r.Amount, r.Currency)})
		years[r.FiscalYear] = true
	}
	for y := range years {
		d.Years = append(d.Years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(d.Years)))
	if d.UK = s.cfg.ReceiptRules == "uk"; d.UK {
		decl, err := s.store.ActiveGiftAidDeclaration(ctx, donor)
		if err != nil {
			s.error(c, err)
			return
		}
		if decl != nil {
			d.GiftAid = &accountGiftAid{Since: pr.Date(decl.DeclaredAt.In(s.cfg.Location)), Wording: decl.Wording}
		}
	}
	s.render(c, status, "account", d)
}

// cancelGiftAid ends the donor's Gift Aid declaration from today: gifts
// made before stay claimed (or claimable), later ones are not claimed.
func (s *Server) cancelGiftAid(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	n, err := s.store.CancelGiftAid(c.Request.Context(), donor)
	if err != nil {
		s.error(c, err)
		return
	}
	msg := s.printer(c).T("account.giftaid.none")
	if n > 0 {
		msg = s.printer(c).T("account.giftaid.cancelled")
	}
	s.setFlash(c, msg)
	c.Redirect(http.StatusSeeOther, "/account#gift-aid")
}

// giftKind names a payment's kind for staff, in English; donors read
// donorGiftKind.
func giftKind(frequency string) string {
	switch frequency {
	case models.FrequencyMonth:
		return "Monthly membership"
	case models.FrequencyYear:
		return "Yearly membership"
	}
	return "One-time gift"
}

// donorGiftKind is giftKind in the donor's language.
func donorGiftKind(p *locale.Printer, frequency string) string {
	switch frequency {
	case models.FrequencyMonth, models.FrequencyYear:
		return p.T("account.kind." + frequency)
	}
	return p.T("account.kind.once")
}

// giftStatus says what became of a payment, in the donor's words (staff
// read them too, in English).
func giftStatus(p *locale.Printer, g models.Gift) string {
	switch {
	case g.DisputeStatus == models.DisputeOpen:
		return p.T("account.gift.disputed")
	case g.DisputeStatus == models.DisputeLost:
		return p.T("account.gift.returned")
	case g.RefundedAmount >= g.TotalAmount:
		return p.T("account.gift.refunded")
	case g.RefundedAmount > 0:
		return p.T("account.gift.partlyrefunded", "Amount", p.Money(g.RefundedAmount, g.Currency))
	}
	return p.T("account.gift.paid")
}

// donorMembershipStatus is membershipStatus in the donor's language.
func donorMembershipStatus(p *locale.Printer, status string) string {
	switch status {
	case models.MembershipActive, models.MembershipPastDue, models.MembershipCanceled, models.MembershipIncomplete:
		return p.T("account.status." + status)
	}
	return strings.ReplaceAll(status, "_", " ")
}

// topicWords names a kind of email a donor may refuse (models.Topics), in
// their language.
func topicWords(p *locale.Printer, topic string) string {
	return p.T("account.topic." + topic)
}

// membershipStatus says a membership's state for staff, in English.
func membershipStatus(s string) string {
	switch s {
	case models.MembershipActive:
		return "active"
	case models.MembershipPastDue:
		return "payment failed: please update your card"
	case models.MembershipCanceled:
		return "cancelled"
	case models.MembershipIncomplete:
		return "starting"
	}
	return strings.ReplaceAll(s, "_", " ")
}

// updateProfile saves the signed-in donor's name and address: the one way,
// besides staff, that a donor's record changes.
func (s *Server) updateProfile(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	p, errs := s.profileForm(c)
	if len(errs) > 0 {
		s.renderAccountWith(c, donor, "", http.StatusUnprocessableEntity, p, errs, nil)
		return
	}
	if err := s.store.UpdateDonorProfile(c.Request.Context(), donor.ID, p, nil); err != nil {
		s.error(c, err)
		return
	}
	s.setFlash(c, s.printer(c).T("account.saved"))
	c.Redirect(http.StatusSeeOther, "/account#your-details")
}

// portal sends a member to Stripe's Customer Portal to change their card
// or cancel, and back to /account afterwards.
func (s *Server) portal(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	ms, err := s.store.MembershipsOfDonor(c.Request.Context(), donor.ID)
	if err != nil {
		s.error(c, err)
		return
	}
	var customer string
	for _, m := range ms {
		if m.ID == c.PostForm("membership_id") {
			customer = m.StripeCustomerID
		}
	}
	if customer == "" {
		s.renderAccount(c, donor, s.printer(c).T("account.portal.cannot"), http.StatusUnprocessableEntity)
		return
	}
	url, err := s.gateway.Portal(c.Request.Context(), customer, s.cfg.BaseURL.String()+"/account")
	if errors.Is(err, payments.ErrNoPortal) {
		s.renderAccount(c, donor, s.printer(c).T("account.portal.demo"), http.StatusOK)
		return
	}
	if err != nil {
		s.logger(c).Error("opening customer portal", "err", err)
		s.renderAccount(c, donor, s.printer(c).T("account.portal.gateway"), http.StatusServiceUnavailable)
		return
	}
	c.Redirect(http.StatusSeeOther, url)
}
