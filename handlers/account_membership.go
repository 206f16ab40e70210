package handlers

import (
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/payments"
)

// A member changes their membership on their own donor page: cancel (two
// clicks, an optional reason), keep it after all, pause it for one to
// three months, resume it, or change its amount. Each change goes to
// Stripe; the page shows it once Stripe's event comes back (at once in
// demo mode), never from the form alone.

// cancelReasons are the choices the cancel page offers, as Stripe's
// cancellation feedback values; the member reads each as the message
// "member.reason.<value>".
var cancelReasons = []string{"too_expensive", "unused", "low_quality", "switched_service", "other"}

const maxCancelComment = 500

type cancelData struct {
	page
	ID, Amount, Interval, PeriodEnd string
	Reasons                         []option
	CSRFField                       template.HTML
	Error                           string
	Comment, Reason                 string
}

// donorMembership is the signed-in donor's membership named in the path,
// one that can still be changed; otherwise it answers and returns nil.
func (s *Server) donorMembership(c *gin.Context) (*models.Donor, *models.Membership) {
	donor := s.requireDonor(c)
	if donor == nil {
		return nil, nil
	}
	ms, err := s.store.MembershipsOfDonor(c.Request.Context(), donor.ID)
	if err != nil {
		s.error(c, err)
		return nil, nil
	}
	for i := range ms {
		m := &ms[i]
		if m.ID == c.Param("id") && m.StripeSubscriptionID != "" && m.StripeCustomerID != "" && m.Status != models.MembershipCanceled {
			return donor, m
		}
	}
	s.renderAccount(c, donor, s.printer(c).T("member.cannot"), http.StatusNotFound)
	return nil, nil
}

func (s *Server) cancelMembershipPage(c *gin.Context) {
	_, m := s.donorMembership(c)
	if m == nil {
		return
	}
	s.renderCancel(c, m, http.StatusOK, "", "", "")
}

func (s *Server) renderCancel(c *gin.Context, m *models.Membership, status int, reason, comment, problem string) {
	p := s.printer(c)
	d := cancelData{page: s.basePage(c), ID: m.ID, Amount: p.Money(m.Amount, m.Currency), Interval: m.BillingInterval,
		CSRFField: csrfField(c), Error: problem, Reason: reason, Comment: comment}
	for _, r := range cancelReasons {
		d.Reasons = append(d.Reasons, option{r, p.T("member.reason." + r)})
	}
	if m.CurrentPeriodEnd != nil {
		d.PeriodEnd = p.Date(m.CurrentPeriodEnd.In(s.cfg.Location))
	}
	s.render(c, status, "account_cancel", d)
}

func (s *Server) cancelMembership(c *gin.Context) {
	_, m := s.donorMembership(c)
	if m == nil {
		return
	}
	reason, comment := c.PostForm("reason"), strings.TrimSpace(c.PostForm("comment"))
	p := s.printer(c)
	if reason != "" && !slices.Contains(payments.Feedbacks, reason) {
		s.renderCancel(c, m, http.StatusUnprocessableEntity, "", comment, p.T("member.error.reason"))
		return
	}
	if utf8.RuneCountInString(comment) > maxCancelComment || strings.ContainsRune(comment, 0) {
		s.renderCancel(c, m, http.StatusUnprocessableEntity, reason, comment, p.T("member.error.note", "Max", strconv.Itoa(maxCancelComment)))
		return
	}
	s.updateMembership(c, m, payments.MembershipUpdate{Cancel: true, Feedback: reason, Comment: comment}, p.T("member.cancelled"))
}

func (s *Server) keepMembership(c *gin.Context) {
	if _, m := s.donorMembership(c); m != nil {
		s.updateMembership(c, m, payments.MembershipUpdate{Keep: true}, s.printer(c).T("member.kept"))
	}
}

func (s *Server) pauseMembership(c *gin.Context) {
	donor, m := s.donorMembership(c)
	if m == nil {
		return
	}
	p := s.printer(c)
	n, err := strconv.Atoi(c.PostForm("payments"))
	if err != nil || n < 1 || n > 3 {
		s.renderAccount(c, donor, p.T("member.error.pause"), http.StatusUnprocessableEntity)
		return
	}
	// Counted in payments, not months, from the next payment on: "skip 2"
	// voids exactly the next two, whatever day of the period it is now.
	// Collection resumes a day after the last one skipped.
	next := s.now()
	if m.CurrentPeriodEnd != nil && m.CurrentPeriodEnd.After(next) {
		next = *m.CurrentPeriodEnd
	}
	every := func(k int) time.Time {
		if m.BillingInterval == models.FrequencyYear {
			return next.AddDate(k, 0, 0)
		}
		return next.AddDate(0, k, 0)
	}
	until, again := every(n-1).Add(24*time.Hour), every(n)
	s.updateMembership(c, m, payments.MembershipUpdate{PauseUntil: until},
		p.N("member.paused", n, "Date", p.Date(again.In(s.cfg.Location))))
}

func (s *Server) resumeMembership(c *gin.Context) {
	if _, m := s.donorMembership(c); m != nil {
		s.updateMembership(c, m, payments.MembershipUpdate{Resume: true}, s.printer(c).T("member.resumed"))
	}
}

func (s *Server) changeMembershipAmount(c *gin.Context) {
	donor, m := s.donorMembership(c)
	if m == nil {
		return
	}
	typed := strings.TrimSpace(c.PostForm("amount"))
	p := s.printer(c)
	// "25,50" typed in French is 25.50.
	amount, err := money.ParseMajor(p.Canonical(typed, m.Currency), m.Currency)
	problem := ""
	switch {
	case errors.Is(err, money.ErrEmpty):
		problem = p.T("member.error.empty")
	case s.amountProblem(p, amount, err, m.Currency, "amount") != "":
		problem = s.amountProblem(p, amount, err, m.Currency, "amount")
	case amount == m.Amount:
		problem = p.T("member.error.same")
	}
	if problem != "" {
		s.renderAccountWith(c, donor, "", http.StatusUnprocessableEntity, models.DonorProfile{Name: donor.Name, Address: donor.Address}, nil,
			&memberError{MembershipID: m.ID, Typed: typed, Message: problem})
		return
	}
	s.updateMembership(c, m, payments.MembershipUpdate{Amount: amount}, p.T("member.amount.changed", "Amount", p.Money(amount, m.Currency)))
}

// updateMembership sends the change and goes back to the donor page with
// a message. With Stripe, the page shows the change once its event
// arrives (usually within seconds); the demo's event is applied here.
func (s *Server) updateMembership(c *gin.Context, m *models.Membership, u payments.MembershipUpdate, done string) {
	u.SubscriptionID = m.StripeSubscriptionID
	u.Current = payments.CurrentMembership{CustomerID: m.StripeCustomerID, Currency: m.Currency, Interval: m.BillingInterval,
		Amount: m.Amount, CancelAtPeriodEnd: m.CancelAtPeriodEnd, Paused: m.Paused}
	if m.CurrentPeriodEnd != nil {
		u.Current.PeriodEnd = *m.CurrentPeriodEnd
	}
	if m.StartedAt != nil {
		u.Current.Started = *m.StartedAt
	}
	if m.PausedUntil != nil {
		u.Current.PausedUntil = *m.PausedUntil
	}
	events, err := s.gateway.UpdateMembership(c.Request.Context(), u)
	if err != nil {
		s.logger(c).Error("updating membership", "membership_id", m.ID, "err", err)
		donor := s.signedInDonor(c)
		if donor == nil {
			c.Redirect(http.StatusSeeOther, "/account")
			return
		}
		s.renderAccount(c, donor, s.printer(c).T("member.gateway"), http.StatusServiceUnavailable)
		return
	}
	for _, ev := range events {
		if status, out := s.receiveEvent(c.Request.Context(), s.logger(c), ev.Body, ev.Header); status != http.StatusOK {
			s.error(c, errors.New("demo membership event: "+out.message))
			return
		}
	}
	if len(events) == 0 {
		done += " " + s.printer(c).T("member.pending")
	}
	s.setFlash(c, done)
	c.Redirect(http.StatusSeeOther, "/account")
}
