package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// detailsData is the page where the donor of a gift whose receipt is held
// gives their full name and address (the link in the email that asks).
type detailsData struct {
	page
	Notice, Amount, Date string
	Done                 string // what became of the receipt, once the details are in
	Profile              profileData
}

// giftDetails shows the details form for a held gift, or, once given,
// what became of its receipt.
func (s *Server) giftDetails(c *gin.Context) {
	h, err := s.store.GiftForDetails(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.detailsGone(c, err)
		return
	}
	s.renderDetails(c, h, http.StatusOK, models.DonorProfile{Name: h.Gift.Name, Address: h.Gift.Address}, nil)
}

func (s *Server) renderDetails(c *gin.Context, h *models.HeldGift, status int, p models.DonorProfile, errs fieldErrors) {
	d := detailsData{page: s.basePage(c), Notice: s.takeFlash(c), Amount: money.Display(h.Gift.TotalAmount, h.Gift.Currency),
		Done:    doneText(&h.Hold),
		Profile: s.profileData(c, c.Request.URL.Path, "my details", p, errs)}
	if h.Gift.PaidAt != nil {
		d.Date = h.Gift.PaidAt.In(s.cfg.Location).Format("January 2, 2006")
	}
	s.render(c, status, "donate_details", d)
}

// detailsGone answers a link that leads nowhere: unknown, or mistyped.
func (s *Server) detailsGone(c *gin.Context, err error) {
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "Link not found",
			"This link is not one we sent. Check that it was copied whole, or write to us and we will help.")
		return
	}
	s.error(c, err)
}

// completeGiftDetails records what the donor gave and issues the receipt.
func (s *Server) completeGiftDetails(c *gin.Context) {
	ctx := c.Request.Context()
	token := c.Param("token")
	h, err := s.store.GiftForDetails(ctx, token)
	if err != nil {
		s.detailsGone(c, err)
		return
	}
	p, errs := s.profileForm(c)
	if len(errs) > 0 {
		s.renderDetails(c, h, http.StatusUnprocessableEntity, p, errs)
		return
	}
	r, err := s.store.CompleteGiftDetails(ctx, token, p)
	if err != nil {
		s.error(c, err)
		return
	}
	msg := "Thank you: your details are saved."
	if r != nil {
		msg = "Thank you: your receipt " + r.Number + " is issued and on its way to your inbox."
	}
	s.setFlash(c, msg)
	c.Redirect(http.StatusSeeOther, c.Request.URL.Path)
}

// doneText tells the donor what became of a receipt whose details are in;
// "" while the form is still needed.
func doneText(h *models.ReceiptHold) string {
	switch {
	case h.ReleasedAt != nil && h.ReceiptID != nil:
		return "We have your details: your receipt was issued and emailed to you (" + h.Outcome + ")."
	case h.ReleasedAt != nil:
		return "No receipt is issued for this gift: " + strings.TrimPrefix(h.Outcome, "no receipt: ") + "."
	case h.Reason != models.HoldDetails:
		return "We have your details. Your receipt is issued and emailed to you once your payment has settled, without anything more from you."
	}
	return ""
}
