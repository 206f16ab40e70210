package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/payments"
)

const sessionCookie = "donor_session"

type signInData struct {
	page
	Email, Error, Notice string
	Sent                 bool
}

type confirmData struct {
	page
	Token string
}

type accountMembership struct {
	ID, Amount, Interval, Status, PeriodEnd string
	CancelAtPeriodEnd, CanManage            bool
}

type accountReceipt struct {
	ID, Number, Date, Amount, Status string
}

// profileData fills the name-and-address form ("profileform").
type profileData struct {
	Action, What, Name, NameError string
	AddressFields                 []addressField
	CSRFField                     template.HTML
}

func (s *Server) profileData(c *gin.Context, action, what string, p models.DonorProfile, errs fieldErrors) profileData {
	return profileData{Action: action, What: what, Name: p.Name, NameError: errs["name"],
		AddressFields: addressFields(p.Address, errs), CSRFField: csrfField(c)}
}

type accountData struct {
	page
	Profile             profileData
	Name, Email, Notice string
	Memberships         []accountMembership
	Gifts               []accountGift
	Receipts            []accountReceipt
	Years               []int
}

// accountGift is one payment as the donor sees it, with the receipt now
// in force for it.
type accountGift struct {
	Date, Amount, Kind, Status string
	ReceiptID, ReceiptNumber   string
}

// signedInDonor returns the donor of the request's session, or nil.
func (s *Server) signedInDonor(c *gin.Context) *models.Donor {
	token, err := c.Cookie(sessionCookie)
	if err != nil || token == "" {
		return nil
	}
	d, err := s.store.SessionDonor(c.Request.Context(), token)
	if err != nil {
		if !errors.Is(err, models.ErrNotFound) && !errors.Is(err, models.ErrExpired) {
			s.logger(c).Error("reading donor session", "err", err)
		}
		s.setSessionCookie(c, "", -1)
		return nil
	}
	return d
}

func (s *Server) setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: value, Path: "/account", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.BaseURL.Scheme == "https", SameSite: http.SameSiteLaxMode})
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
	s.renderAccountWith(c, donor, notice, status, models.DonorProfile{Name: donor.Name, Address: donor.Address}, nil)
}

// renderAccountWith renders the donor's page with the profile form as
// given (what they typed, when it had errors).
func (s *Server) renderAccountWith(c *gin.Context, donor *models.Donor, notice string, status int, p models.DonorProfile, errs fieldErrors) {
	ctx := c.Request.Context()
	d := accountData{page: s.basePage(c), Name: firstName(donor.Name), Email: donor.Email, Notice: notice,
		Profile: s.profileData(c, "/account/profile", "my details", p, errs)}
	ms, err := s.store.MembershipsOfDonor(ctx, donor.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, m := range ms {
		am := accountMembership{ID: m.ID, Amount: money.Display(m.Amount, m.Currency), Interval: m.BillingInterval,
			Status: membershipStatus(m.Status), CancelAtPeriodEnd: m.CancelAtPeriodEnd,
			CanManage: m.StripeCustomerID != "" && m.Status != models.MembershipCanceled}
		if m.CurrentPeriodEnd != nil && m.Status != models.MembershipCanceled {
			am.PeriodEnd = m.CurrentPeriodEnd.In(s.cfg.Location).Format("January 2, 2006")
		}
		d.Memberships = append(d.Memberships, am)
	}
	rs, err := s.store.AllReceiptsOfDonor(ctx, donor.ID)
	if err != nil {
		s.fail(c, err)
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
		s.fail(c, err)
		return
	}
	for _, g := range gifts {
		ag := accountGift{Amount: money.Display(g.TotalAmount, g.Currency), Kind: giftKind(g.Frequency), Status: giftStatus(g)}
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
			status = "Void: " + r.VoidReason
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
	s.render(c, status, "account", d)
}

func giftKind(frequency string) string {
	switch frequency {
	case "month":
		return "Monthly membership"
	case "year":
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

// requestSignIn emails a sign-in link. It answers the same whether or not
// the address is known, so the form reveals nothing about who gave.
func (s *Server) requestSignIn(c *gin.Context) {
	email := strings.TrimSpace(c.PostForm("email"))
	d := signInData{page: s.basePage(c), Email: email}
	if !validEmail(email) {
		d.Error = "Enter an email address like name@example.com."
		s.render(c, http.StatusUnprocessableEntity, "account_signin", d)
		return
	}
	if ok, wait := s.signInByEmail.allow(models.NormaliseEmail(email)); !ok {
		c.Header("Retry-After", retryAfterSeconds(wait))
		d.Notice = "We sent several links to this address recently. Please use the newest one, or wait " + humanWait(wait) + "."
		s.render(c, http.StatusTooManyRequests, "account_signin", d)
		return
	}
	if err := s.store.RequestSignIn(c.Request.Context(), email); err != nil {
		s.fail(c, err)
		return
	}
	d.Sent = true
	s.render(c, http.StatusOK, "account_signin", d)
}

// confirmSignIn asks for a click before spending the token: mail scanners
// that open links must not use up the donor's link.
func (s *Server) confirmSignIn(c *gin.Context) {
	s.render(c, http.StatusOK, "account_confirm", confirmData{page: s.basePage(c), Token: c.Param("token")})
}

func (s *Server) signIn(c *gin.Context) {
	session, donor, err := s.store.SignIn(c.Request.Context(), c.Param("token"))
	if errors.Is(err, models.ErrExpired) || errors.Is(err, models.ErrNotFound) {
		d := signInData{page: s.basePage(c), Notice: "This sign-in link has expired or was used already. Ask for a new one below."}
		s.render(c, http.StatusGone, "account_signin", d)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.setSessionCookie(c, session, int(models.SessionHardTTL/time.Second))
	s.logger(c).Info("donor signed in", "donor_id", donor.ID)
	c.Redirect(http.StatusSeeOther, "/account")
}

func (s *Server) signOut(c *gin.Context) {
	if token, err := c.Cookie(sessionCookie); err == nil && token != "" {
		if err := s.store.SignOut(c.Request.Context(), token); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/account")
}

// updateProfile saves the signed-in donor's name and address: the one way,
// besides staff, that a donor's record changes.
func (s *Server) updateProfile(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	p, errs := profileForm(c)
	if len(errs) > 0 {
		s.renderAccountWith(c, donor, "", http.StatusUnprocessableEntity, p, errs)
		return
	}
	if err := s.store.UpdateDonorProfile(c.Request.Context(), donor.ID, p, "", ""); err != nil {
		s.fail(c, err)
		return
	}
	s.setFlash(c, "Your details are saved.")
	c.Redirect(http.StatusSeeOther, "/account#your-details")
}

// requireDonor answers for pages that need a signed-in donor.
func (s *Server) requireDonor(c *gin.Context) *models.Donor {
	d := s.signedInDonor(c)
	if d == nil {
		c.Redirect(http.StatusSeeOther, "/account")
		c.Abort()
	}
	return d
}

// receiptPDF serves one of the signed-in donor's receipts.
func (s *Server) receiptPDF(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	id := strings.TrimSuffix(c.Param("file"), ".pdf")
	r, err := s.store.ReceiptByID(c.Request.Context(), id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (r.DonorID == nil || *r.DonorID != donor.ID)) {
		// Someone else's receipt looks exactly like a missing one.
		s.errorPage(c, http.StatusNotFound, "Receipt not found", "There is no such receipt on your account.")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := s.docs.Receipt(&buf, r); err != nil {
		s.fail(c, err)
		return
	}
	s.sendPDF(c, "receipt-"+r.Number+".pdf", buf.Bytes())
}

// statementPDF serves the signed-in donor's year-end statement.
func (s *Server) statementPDF(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	fy, err := strconv.Atoi(strings.TrimSuffix(c.Param("file"), ".pdf"))
	if err != nil || fy < 1900 || fy > 9999 {
		s.errorPage(c, http.StatusNotFound, "Statement not found", "There is no such statement.")
		return
	}
	rs, err := s.store.ReceiptsOfDonor(c.Request.Context(), donor.ID, fy)
	if err != nil {
		s.fail(c, err)
		return
	}
	st := documents.NewStatement(documents.Org{Name: s.cfg.Org.Name, Address: s.cfg.Org.Address, TaxID: s.cfg.Org.TaxID}, donor, fy, rs)
	var buf bytes.Buffer
	if err := s.docs.Statement(&buf, st); err != nil {
		s.fail(c, err)
		return
	}
	s.sendPDF(c, fmt.Sprintf("statement-%d.pdf", fy), buf.Bytes())
}

func (s *Server) sendPDF(c *gin.Context, name string, data []byte) {
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/pdf", data)
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
		s.fail(c, err)
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
