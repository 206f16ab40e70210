package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
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
	p := s.printer(c)
	d.Found, d.Number, d.IssuedBy = true, r.Number, r.OrgName
	d.Issued = p.Date(r.IssuedAt.In(s.docs.LocationOf(r)))
	d.Test = !r.Livemode
	d.Amount = p.Money(r.Amount, r.Currency)
	if r.Converted() {
		d.Amount = p.T("verify.converted", "Amount", d.Amount, "Paid", p.Money(r.OriginalAmount, r.OriginalCurrency), "Rate", p.Decimal(r.ExchangeRate))
	}
	d.State, d.Status = "valid", p.T("verify.status.valid")
	if d.Test {
		d.State, d.Status = "test", p.T("verify.status.test")
	}
	if r.Status == models.ReceiptVoid {
		// The reason is the ledger's, in English.
		d.State, d.Status = "void", p.T("verify.status.void", "Reason", r.VoidReasonText())
		repl, err := s.store.ReplacementOf(c.Request.Context(), r.Number)
		switch {
		case err == nil:
			d.State, d.Status, d.ReplacedBy = "replaced", p.T("verify.status.replaced", "Number", repl.Number), repl.Number
		case !errors.Is(err, models.ErrNotFound):
			s.error(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, "verify", d)
}
