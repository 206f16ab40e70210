package handlers

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// A restart link, from the email that confirms a cancellation or says a
// membership lapsed: one button starts the membership again at the same
// amount, as the same donor, through Checkout.

type restartData struct {
	page
	Amount, Membership, Email string
	CSRFField                 template.HTML
	Challenge                 bool
}

func (s *Server) restartOffer(c *gin.Context) (*models.RestartOffer, bool) {
	o, err := s.store.MembershipForRestart(c.Request.Context(), c.Param("token"))
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "Link not found",
			"This link has expired or is not complete. You can start a membership on the donate page.")
		return nil, false
	}
	if err != nil {
		s.error(c, err)
		return nil, false
	}
	return o, true
}

func (s *Server) restartMembership(c *gin.Context) {
	o, ok := s.restartOffer(c)
	if !ok {
		return
	}
	m := o.Membership
	s.render(c, http.StatusOK, "restart", restartData{page: s.basePage(c), Amount: money.Display(m.Amount, m.Currency),
		Membership: giftKindLower(m.BillingInterval), Email: o.Donor.Email, CSRFField: csrfField(c),
		Challenge: !s.cfg.Challenge.Off})
}

func (s *Server) startRestart(c *gin.Context) {
	o, ok := s.restartOffer(c)
	if !ok {
		return
	}
	m, d := o.Membership, o.Donor
	if r, ok := s.admitOrRefuse(c, d.Email); !ok {
		if r != nil {
			s.errorPage(c, r.status, "Please try again", r.msg)
		}
		return
	}
	g := &models.Gift{Frequency: m.BillingInterval, Amount: m.Amount, Currency: m.Currency, Email: d.Email, Name: d.Name, Address: d.Address}
	url, err := s.startCheckout(c, g, nil, "Started again from a link we emailed")
	if errors.Is(err, errGateway) {
		s.errorPage(c, http.StatusServiceUnavailable, "Please try again in a minute",
			"We could not reach our payment provider just now. You have not been charged.")
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, url)
}
