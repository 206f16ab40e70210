package handlers

import (
	"errors"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
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
	AddressFields                 []addressField
	CSRFField                     template.HTML
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
	s.renderAccount(c, donor, s.takeFlash(c), http.StatusOK)
}

func (s *Server) renderAccount(c *gin.Context, donor *models.Donor, notice string, status int) {
	s.renderAccountWith(c, donor, notice, status, models.DonorProfile{Name: donor.Name, Address: donor.Address}, nil, nil)
}

// renderAccountWith renders the donor's page with the profile form as
// given (what they typed, when it had errors).
func (s *Server) renderAccountWith(c *gin.Context, donor *models.Donor, notice string, status int, p models.DonorProfile, errs fieldErrors, merr *memberError) {
	ctx := c.Request.Context()
	d := accountData{page: s.basePage(c), Name: firstName(donor.Name), Email: donor.Email, Notice: notice,
		Profile: s.profileData(c, "/account/profile", "my details", p, errs)}
	prefs, err := s.store.EmailPreferences(ctx, donor.ID)
	if err != nil {
		s.error(c, err)
		return
	}
	for _, t := range models.Topics {
		d.Emails = append(d.Emails, emailChoice{Value: t.Value, Label: t.Label, Allowed: prefs[t.Value]})
	}
	ms, err := s.store.MembershipsOfDonor(ctx, donor.ID)
	if err != nil {
		s.error(c, err)
		return
	}
	for _, m := range ms {
		am := accountMembership{ID: m.ID, Amount: money.Display(m.Amount, m.Currency), Interval: m.BillingInterval,
			Status: membershipStatus(m.Status), CancelAtPeriodEnd: m.CancelAtPeriodEnd,
			CanManage: m.StripeCustomerID != "" && m.StripeSubscriptionID != "" && m.Status != models.MembershipCanceled,
			Paused:    m.Paused, AmountValue: money.FormatMajor(m.Amount, m.Currency), Currency: strings.ToUpper(m.Currency)}
		if m.CurrentPeriodEnd != nil && m.Status != models.MembershipCanceled {
			am.PeriodEnd = m.CurrentPeriodEnd.In(s.cfg.Location).Format("January 2, 2006")
		}
		if m.PausedUntil != nil {
			am.PausedUntil = m.PausedUntil.In(s.cfg.Location).Format("January 2, 2006")
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
		ag := accountGift{Amount: money.Display(g.TotalAmount, g.Currency), Kind: giftKind(g.Frequency), Status: giftStatus(g),
			Choices: choicesOf(s.printer(c), &g).summary(s.printer(c))}
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
		status := "Valid"
		if r.Status == models.ReceiptVoid {
			status = "Void: " + r.VoidReasonText()
		} else if r.Replaces != "" {
			status = "Valid (replaces " + r.Replaces + ")"
		}
		d.Receipts = append(d.Receipts, accountReceipt{ID: r.ID, Number: r.Number, Status: status,
			Date: r.GiftDate.In(s.cfg.Location).Format("2006-01-02"), Amount: money.Display(r.Amount, r.Currency)})
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
			d.GiftAid = &accountGiftAid{Since: decl.DeclaredAt.In(s.cfg.Location).Format("January 2, 2006"), Wording: decl.Wording}
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
	msg := "You had no Gift Aid declaration in force."
	if n > 0 {
		msg = "Your Gift Aid declaration is cancelled from today. Gifts you made before it stay with Gift Aid."
	}
	s.setFlash(c, msg)
	c.Redirect(http.StatusSeeOther, "/account#gift-aid")
}

func giftKind(frequency string) string {
	switch frequency {
	case models.FrequencyMonth:
		return "Monthly membership"
	case models.FrequencyYear:
		return "Yearly membership"
	}
	return "One-time gift"
}

// giftStatus says what became of a payment, in the donor's words.
func giftStatus(g models.Gift) string {
	switch {
	case g.DisputeStatus == models.DisputeOpen:
		return "Disputed with your bank"
	case g.DisputeStatus == models.DisputeLost:
		return "Returned by your bank"
	case g.RefundedAmount >= g.TotalAmount:
		return "Refunded"
	case g.RefundedAmount > 0:
		return "Partly refunded (" + money.Display(g.RefundedAmount, g.Currency) + ")"
	}
	return "Paid"
}

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
	s.setFlash(c, "Your details are saved.")
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
		s.renderAccount(c, donor, "That membership cannot be managed online.", http.StatusUnprocessableEntity)
		return
	}
	url, err := s.gateway.Portal(c.Request.Context(), customer, s.cfg.BaseURL.String()+"/account")
	if errors.Is(err, payments.ErrNoPortal) {
		s.renderAccount(c, donor, "This is a demo: there is no Stripe account to manage cards in.", http.StatusOK)
		return
	}
	if err != nil {
		s.logger(c).Error("opening customer portal", "err", err)
		s.renderAccount(c, donor, "We could not reach our payment provider just now. Please try again in a minute.", http.StatusServiceUnavailable)
		return
	}
	c.Redirect(http.StatusSeeOther, url)
}
