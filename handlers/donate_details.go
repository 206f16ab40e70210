package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
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
	s.giftLanguage(c, &h.Gift)
	pr := s.printer(c)
	d := detailsData{page: s.basePage(c), Notice: s.takeFlash(c), Amount: pr.Money(h.Gift.TotalAmount, h.Gift.Currency),
		Done:    doneText(pr, &h.Hold),
		Profile: s.profileData(c, c.Request.URL.Path, "my details", p, errs)}
	d.Profile.Save = pr.T("profile.save.mine")
	if h.Gift.PaidAt != nil {
		d.Date = pr.Date(h.Gift.PaidAt.In(s.cfg.Location))
	}
	s.render(c, status, "donate_details", d)
}

// detailsGone answers a link that leads nowhere: unknown, or mistyped.
func (s *Server) detailsGone(c *gin.Context, err error) {
	if errors.Is(err, models.ErrNotFound) {
		p := s.printer(c)
		s.errorPage(c, http.StatusNotFound, p.T("details.notfound.title"), p.T("details.notfound"))
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
	s.giftLanguage(c, &h.Gift)
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
	msg := s.printer(c).T("details.saved")
	if r != nil {
		msg = s.printer(c).T("details.issued", "Number", r.Number)
	}
	s.setFlash(c, msg)
	c.Redirect(http.StatusSeeOther, c.Request.URL.Path)
}

// doneText tells the donor what became of a receipt whose details are in;
// "" while the form is still needed. The outcome is the ledger's words,
// in English.
func doneText(p *locale.Printer, h *models.ReceiptHold) string {
	switch {
	case h.ReleasedAt != nil && h.ReceiptID != nil:
		return p.T("details.done.issued", "Outcome", h.Outcome)
	case h.ReleasedAt != nil:
		return p.T("details.done.none", "Outcome", strings.TrimPrefix(h.Outcome, "no receipt: "))
	case h.Reason != models.HoldDetails:
		return p.T("details.done.settling")
	}
	return ""
}

// giftLanguage: a page reached from an email about a gift speaks the
// language the donor gave in, unless they have picked one.
func (s *Server) giftLanguage(c *gin.Context, g *models.Gift) {
	if locale.Known(g.Language) && !c.GetBool(ctxLangChosen) {
		c.Set(ctxLanguage, g.Language)
		c.Writer.Header().Set("Content-Language", g.Language)
	}
}
