package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

type verifyData struct {
	page
	Found                            bool
	Number, IssuedBy, Issued, Amount string
	Status, State, ReplacedBy        string
	Test                             bool // demo or Stripe test mode
}

// verifyReceipt lets an auditor check a printed receipt by its code. It
// shows the receipt's own facts and status, and nothing about the donor.
func (s *Server) verifyReceipt(c *gin.Context) {
	d := verifyData{page: s.basePage(c)}
	code := c.Param("code")
	r, err := s.store.ReceiptByCode(c.Request.Context(), code)
	if errors.Is(err, models.ErrNotFound) || len(code) > 64 {
		s.render(c, http.StatusNotFound, "verify", d)
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	d.Found, d.Number, d.IssuedBy = true, r.Number, r.OrgName
	d.Issued = r.IssuedAt.In(s.docs.LocationOf(r)).Format("January 2, 2006")
	d.Test = !r.Livemode
	d.Amount = money.Display(r.Amount, r.Currency)
	if r.Converted() {
		d.Amount += " (paid as " + money.Display(r.OriginalAmount, r.OriginalCurrency) + " at " + r.ExchangeRate + ")"
	}
	d.State, d.Status = "valid", "Valid"
	if d.Test {
		d.State, d.Status = "test", "TEST — not a receipt (made in demo or Stripe test mode; no money moved)"
	}
	if r.Status == models.ReceiptVoid {
		d.State, d.Status = "void", "Void ("+r.VoidReasonText()+")"
		repl, err := s.store.ReplacementOf(c.Request.Context(), r.Number)
		switch {
		case err == nil:
			d.State, d.Status, d.ReplacedBy = "replaced", "Replaced by "+repl.Number, repl.Number
		case !errors.Is(err, models.ErrNotFound):
			s.error(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, "verify", d)
}
