package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

type demoData struct {
	page
	SessionID, Amount, Email string
	Every                    string // "", "month" or "year"
	Choices                  giftChoices
}

// demoGift loads the pending gift behind a demo session, or answers.
func (s *Server) demoGift(c *gin.Context) (*models.Gift, bool) {
	gr, err := s.store.GiftBySession(c.Request.Context(), c.Param("session"))
	if errors.Is(err, models.ErrNotFound) {
		err = models.Errorf(models.ErrNotFound, "%s", s.printer(c).T("demo.notfound"))
	}
	if err != nil {
		s.error(c, err)
		return nil, false
	}
	if gr.Gift.Status == models.GiftPaid {
		c.Redirect(http.StatusSeeOther, "/donate/thanks?session_id="+url.QueryEscape(c.Param("session")))
		return nil, false
	}
	return &gr.Gift, true
}

// demoCheckout is the stand-in for Stripe's hosted checkout page.
func (s *Server) demoCheckout(c *gin.Context) {
	g, ok := s.demoGift(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "demo_checkout", demoData{
		page: s.basePage(c), SessionID: *g.StripeSessionID,
		Amount: s.printer(c).Money(g.TotalAmount, g.Currency), Email: g.Email, Every: demoInterval(g.Frequency), Choices: s.choices(c, g),
	})
}

// demoPay builds the event Stripe would send and puts it through the same
// verification and processing as a real webhook.
func (s *Server) demoPay(c *gin.Context) {
	g, ok := s.demoGift(c)
	if !ok {
		return
	}
	events, err := s.demo.PaidEvents(payments.DemoPayment{
		SessionID: *g.StripeSessionID, GiftID: g.ID, Email: g.Email, Name: g.Name,
		Address:  g.Address,
		Currency: g.Currency, AmountTotal: g.TotalAmount, Interval: demoInterval(g.Frequency),
		Metadata: map[string]string{"gift_id": g.ID},
	})
	if err != nil {
		s.error(c, err)
		return
	}
	for _, ev := range events {
		status, out := s.receiveEvent(c.Request.Context(), s.logger(c), ev.Body, ev.Header)
		if status != http.StatusOK {
			s.error(c, fmt.Errorf("demo event: %d %s", status, out.message))
			return
		}
	}
	c.Redirect(http.StatusSeeOther, "/donate/thanks?session_id="+url.QueryEscape(*g.StripeSessionID))
}

func demoInterval(frequency string) string {
	if frequency == models.FrequencyOnce {
		return ""
	}
	return frequency
}
