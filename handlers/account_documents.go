package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
)

// A signed-in donor's receipts and statements, as PDF.

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
		s.error(c, models.Errorf(models.ErrNotFound, "%s", s.printer(c).T("account.noreceipt")))
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	var buf bytes.Buffer
	if err := s.docs.Receipt(&buf, r); err != nil {
		s.error(c, err)
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
		s.error(c, models.Errorf(models.ErrNotFound, "%s", s.printer(c).T("account.nostatement")))
		return
	}
	st, err := documents.StatementOf(c.Request.Context(), s.store, s.cfg.Org, donor, fy)
	var buf bytes.Buffer
	if err == nil {
		err = s.docs.Statement(&buf, st)
	}
	if err != nil {
		s.error(c, err)
		return
	}
	s.sendPDF(c, fmt.Sprintf("statement-%d.pdf", fy), buf.Bytes())
}

func (s *Server) sendPDF(c *gin.Context, name string, data []byte) {
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/pdf", data)
}
