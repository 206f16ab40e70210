package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// A receipt in the staff area: its PDF, sending it again, voiding it.

func (s *Server) adminReceiptPDF(c *gin.Context) {
	r, err := s.store.ReceiptByID(c.Request.Context(), strings.TrimSuffix(c.Param("file"), ".pdf"))
	var buf bytes.Buffer
	if err == nil {
		err = s.docs.Receipt(&buf, r)
	}
	if err != nil {
		s.error(c, err)
		return
	}
	if !s.auditDownload(c, "downloaded receipt", r.Number) {
		return
	}
	s.sendPDF(c, "receipt-"+r.Number+".pdf", buf.Bytes())
}

// adminResend emails a receipt to its donor again, then shows the donor's
// page with what happened (post, redirect, get).
func (s *Server) adminResend(c *gin.Context) {
	r, err := s.store.ResendReceipt(c.Request.Context(), c.Param("file"), actor(c))
	if err != nil {
		s.error(c, err)
		return
	}
	s.setFlash(c, "Receipt "+r.Number+" will be sent again.")
	c.Redirect(http.StatusSeeOther, donorPage(r.DonorID))
}

// adminVoid voids a receipt with staff's reason.
func (s *Server) adminVoid(c *gin.Context) {
	reason := strings.TrimSpace(c.PostForm("reason"))
	if checkText(s.staff(), reason, 300, true) != "" {
		s.errorPage(c, http.StatusUnprocessableEntity, "A reason is needed", "Voiding a receipt needs a reason (at most 300 characters). Go back and give one.")
		return
	}
	r, err := s.store.VoidReceiptByHand(c.Request.Context(), c.Param("file"), reason, actor(c))
	if err != nil {
		s.error(c, err)
		return
	}
	s.setFlash(c, "Receipt "+r.Number+" is void.")
	c.Redirect(http.StatusSeeOther, donorPage(r.DonorID))
}

// donorPage is the staff page of a donor, or the donors list when a
// receipt has none.
func donorPage(id *string) string {
	if id == nil {
		return "/admin/donors"
	}
	return "/admin/donors/" + url.PathEscape(*id)
}

// adminCorrectReceipt voids a receipt whose name or address was wrong and
// issues the one that cancels and replaces it, with the corrected details.
func (s *Server) adminCorrectReceipt(c *gin.Context) {
	p, errs := s.profileForm(c)
	if len(errs) > 0 {
		var problems []string
		for _, msg := range errs {
			problems = append(problems, msg)
		}
		slices.Sort(problems)
		s.errorPage(c, http.StatusUnprocessableEntity, "Check the corrected details", strings.Join(problems, " ")+" Go back and correct them.")
		return
	}
	r, err := s.store.CorrectReceipt(c.Request.Context(), c.Param("file"), p, actor(c))
	if err != nil {
		s.error(c, err)
		return
	}
	s.setFlash(c, "Receipt "+r.Replaces+" is cancelled and replaced by "+r.Number+", with the corrected details; the donor is emailed it.")
	c.Redirect(http.StatusSeeOther, donorPage(r.DonorID))
}
