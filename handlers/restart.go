package handlers

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
)

// A restart link, from the email that confirms a cancellation or says a
// membership lapsed: one button starts the membership again at the same
// amount, as the same donor, through Checkout.

type restartData struct {
	page
	Amount, Interval, Email string
	CSRFField               template.HTML
	Challenge               bool
}

func (s *Server) restartOffer(c *gin.Context) (*models.RestartOffer, bool) {
	o, err := s.store.MembershipForRestart(c.Request.Context(), c.Param("token"))
	if errors.Is(err, models.ErrNotFound) {
		p := s.printer(c)
		s.errorPage(c, http.StatusNotFound, p.T("restart.notfound.title"), p.T("restart.notfound"))
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
	s.render(c, http.StatusOK, "restart", restartData{page: s.basePage(c), Amount: s.printer(c).Money(m.Amount, m.Currency),
		Interval: m.BillingInterval, Email: o.Donor.Email, CSRFField: csrfField(c),
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
			s.errorPage(c, r.status, s.printer(c).T("restart.again.title"), r.message(s.printer(c)))
		}
		return
	}
	g := &models.Gift{Frequency: m.BillingInterval, Amount: m.Amount, Currency: m.Currency, Email: d.Email, Name: d.Name, Address: d.Address, Language: s.lang(c)}
	p := s.printer(c)
	url, err := s.startCheckout(c, g, nil, p.T("restart.description"))
	if errors.Is(err, errGateway) {
		s.errorPage(c, http.StatusServiceUnavailable, p.T("restart.gateway.title"), p.T("restart.gateway"))
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, url)
}
