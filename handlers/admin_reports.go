package handlers

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/reports"
)

func (s *Server) adminReports(c *gin.Context) {
	fy := s.cfg.FiscalYearStart.FiscalYear(s.now(), s.cfg.Location)
	s.render(c, http.StatusOK, "admin_reports", struct {
		adminPage
		FiscalYear int
	}{s.adminBase(c), fy})
}

// reportPeriod reads ?year= or ?from=&to= for a report; false after it
// answered a 400 itself.
func (s *Server) reportPeriod(c *gin.Context) (models.ReceiptPeriod, string, bool) {
	year, from, to := c.Query("year"), c.Query("from"), c.Query("to")
	bad := func(msg string) (models.ReceiptPeriod, string, bool) {
		s.errorPage(c, http.StatusBadRequest, "Check the report's dates", msg)
		return models.ReceiptPeriod{}, "", false
	}
	switch {
	case year != "" && (from != "" || to != ""):
		return bad("Give either a fiscal year or a date range, not both.")
	case year != "":
		y, err := strconv.Atoi(year)
		if err != nil || y < 1900 || y > 9999 {
			return bad("The fiscal year must be a year such as 2026.")
		}
		return models.ReceiptPeriod{FiscalYear: y}, year, true
	case from != "" && to != "":
		f, err1 := time.ParseInLocation("2006-01-02", from, s.cfg.Location)
		t, err2 := time.ParseInLocation("2006-01-02", to, s.cfg.Location)
		if err1 != nil || err2 != nil || t.Before(f) {
			return bad("Dates must look like 2026-01-31, and the end must not be before the start.")
		}
		return models.ReceiptPeriod{From: f, To: t.AddDate(0, 0, 1)}, from + "_" + to, true
	}
	return bad("Choose a fiscal year, or a start and an end date.")
}

// attachment starts a download. A year's report can take longer than the
// server's write timeout (60 s, there for slow clients on pages): a
// download streams, so it has none; the request's context still ends it
// when the client goes.
func attachment(c *gin.Context, name, contentType string) {
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Content-Type", contentType)
	c.Header("Cache-Control", "private, no-store")
}

// receiptsCSV streams the receipts report: rows go out as they are read,
// so a million receipts download in constant memory.
func (s *Server) receiptsCSV(c *gin.Context) {
	p, label, ok := s.reportPeriod(c)
	if !ok {
		return
	}
	s.audit(c, "downloaded report", "receipts "+label)
	attachment(c, "receipts-"+label+".csv", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	if err := reports.WriteReceiptsCSV(c.Request.Context(), c.Writer, s.admin, p, s.cfg.Location); err != nil {
		// Headers are gone; the download ends short and the log says why.
		s.logger(c).Error("streaming receipts report", "err", err)
	}
}

func (s *Server) adjustmentsCSV(c *gin.Context) {
	s.audit(c, "downloaded report", "refunds and disputes")
	attachment(c, "refunds-and-disputes.csv", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	if err := reports.WriteAdjustmentsCSV(c.Request.Context(), c.Writer, s.admin, false, s.cfg.Location); err != nil {
		s.logger(c).Error("streaming adjustments report", "err", err)
	}
}

// SummaryColumns is the monthly summary report's header.
var summaryColumns = []string{"month", "currency", "gross", "refunds", "disputed", "net", "gifts", "new_members", "cancelled_members"}

func (s *Server) summaryCSV(c *gin.Context) {
	y, err := strconv.Atoi(c.Query("year"))
	if err != nil || y < 1900 || y > 9999 {
		s.errorPage(c, http.StatusBadRequest, "Check the year", "The summary needs a fiscal year such as ?year=2026.")
		return
	}
	from, to := s.cfg.FiscalYearStart.Bounds(y, s.cfg.Location)
	rows, err := s.admin.Summary(c.Request.Context(), from, to, s.cfg.Location)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(summaryColumns)
	for _, r := range rows {
		f := func(v int64) string { return money.FormatMajor(v, r.Currency) }
		_ = w.Write([]string{r.Month, reports.Text(r.Currency), f(r.Gross), f(r.Refunds), f(r.Disputed), f(r.Net),
			strconv.FormatInt(r.Gifts, 10), strconv.FormatInt(r.NewMembers, 10), strconv.FormatInt(r.CancelledMembers, 10)})
	}
	w.Flush()
	s.audit(c, "downloaded report", fmt.Sprintf("summary %d", y))
	attachment(c, fmt.Sprintf("summary-%d.csv", y), "text/csv; charset=utf-8")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func (s *Server) statementOf(c *gin.Context, donor *models.Donor, fy int) (documents.Statement, error) {
	rs, err := s.store.ReceiptsOfDonor(c.Request.Context(), donor.ID, fy)
	org := documents.Org{Name: s.cfg.Org.Name, Address: s.cfg.Org.Address, TaxID: s.cfg.Org.TaxID}
	return documents.NewStatement(org, donor, fy, rs), err
}

func (s *Server) adminDonorStatement(c *gin.Context) {
	fy, err := strconv.Atoi(strings.TrimSuffix(c.Param("file"), ".pdf"))
	if err != nil || fy < 1900 || fy > 9999 {
		s.errorPage(c, http.StatusNotFound, "Statement not found", "There is no such statement.")
		return
	}
	donor := s.donorOrAnswer(c, c.Param("id"))
	if donor == nil {
		return
	}
	st, err := s.statementOf(c, donor, fy)
	var buf bytes.Buffer
	if err == nil {
		err = s.docs.Statement(&buf, st)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, "downloaded statement", fmt.Sprintf("%s %d", donor.Email, fy))
	s.sendPDF(c, fmt.Sprintf("statement-%d-%s.pdf", fy, donor.ID), buf.Bytes())
}

func (s *Server) adminReceiptPDF(c *gin.Context) {
	r, err := s.store.ReceiptByID(c.Request.Context(), strings.TrimSuffix(c.Param("file"), ".pdf"))
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "Receipt not found", "There is no such receipt.")
		return
	}
	var buf bytes.Buffer
	if err == nil {
		err = s.docs.Receipt(&buf, r)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, "downloaded receipt", r.Number)
	s.sendPDF(c, "receipt-"+r.Number+".pdf", buf.Bytes())
}

// statementsZip streams every donor's statement of a year as one zip.
func (s *Server) statementsZip(c *gin.Context) {
	y, err := strconv.Atoi(c.Query("year"))
	if err != nil || y < 1900 || y > 9999 {
		s.errorPage(c, http.StatusBadRequest, "Check the year", "The statements need a fiscal year such as ?year=2026.")
		return
	}
	donors, err := s.admin.DonorsWithReceipts(c.Request.Context(), y)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, "downloaded report", fmt.Sprintf("statements %d (%d donors)", y, len(donors)))
	attachment(c, fmt.Sprintf("statements-%d.zip", y), "application/zip")
	c.Status(http.StatusOK)
	z := zip.NewWriter(c.Writer)
	for i := range donors {
		st, err := s.statementOf(c, &donors[i], y)
		if err != nil {
			s.logger(c).Error("statements zip", "err", err)
			return
		}
		f, err := z.Create(fmt.Sprintf("statement-%d-%s.pdf", y, donors[i].ID))
		if err == nil {
			err = s.docs.Statement(f, st)
		}
		if err != nil {
			s.logger(c).Error("statements zip", "err", err)
			return
		}
	}
	if err := z.Close(); err != nil {
		s.logger(c).Error("statements zip", "err", err)
	}
}
