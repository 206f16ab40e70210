package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/money"
	"github.com/indienews/donations/reports"
)

// The reports page and its downloads: the receipts CSV, the monthly
// summary, refunds and disputes, and every statement of a year as a zip.

type reportsData struct {
	adminPage
	FiscalYear int
	GiftAid    *giftAidReport // uk only
	Exports    []exportRow
}

// exportRow is one recent long download in the reports page's list.
type exportRow struct{ ID, Started, Label, By, Status string }

func (s *Server) adminReports(c *gin.Context) {
	fy := s.cfg.FiscalYearStart.FiscalYear(s.now(), s.cfg.Location)
	ga, err := s.giftAidReport(c)
	if err != nil {
		s.error(c, err)
		return
	}
	recent, err := s.store.RecentExports(c.Request.Context(), 10)
	if err != nil {
		s.error(c, err)
		return
	}
	var rows []exportRow
	for _, e := range recent {
		rows = append(rows, exportRow{ID: e.ID, Started: e.CreatedAt.In(s.cfg.Location).Format("2006-01-02 15:04"), Label: e.Label,
			By: e.RequestedBy, Status: e.Status})
	}
	s.render(c, http.StatusOK, "admin_reports", reportsData{adminPage: s.adminBase(c), FiscalYear: fy, GiftAid: ga, Exports: rows})
}

// attachment starts a download. A year's report can take longer than the
// server's write timeout (60 s, there for slow clients on pages): a
// download streams, so it has none; the request's context still ends it
// when the client goes.
func attachment(c *gin.Context, name, contentType string) {
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{}) // not every writer has deadlines; then there is none to lift
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Content-Type", contentType)
	c.Header("Cache-Control", "private, no-store")
}

// fiscalYearParam reads ?year= for a report; false after it answered 400.
func (s *Server) fiscalYearParam(c *gin.Context, what string) (int, bool) {
	y, err := strconv.Atoi(c.Query("year"))
	if err != nil || y < 1900 || y > 9999 {
		s.errorPage(c, http.StatusBadRequest, "Check the year", "The "+what+" needs a fiscal year such as ?year=2026.")
		return 0, false
	}
	return y, true
}

// receiptsCSV streams the receipts report: rows go out as they are read,
// so a million receipts download in constant memory.
func (s *Server) receiptsCSV(c *gin.Context) {
	p, label, err := reports.ParsePeriod(c.Query("year"), c.Query("from"), c.Query("to"), s.cfg.Location)
	if err != nil {
		s.errorPage(c, http.StatusBadRequest, "Check the report's dates", sentence(err.Error()))
		return
	}
	if !s.auditDownload(c, "downloaded report", "receipts "+label) {
		return
	}
	attachment(c, "receipts-"+label+".csv", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	if err := reports.WriteReceiptsCSV(c.Request.Context(), c.Writer, s.store, p, s.cfg.Location); err != nil {
		// Headers are gone; the download ends short and the log says why.
		s.logger(c).Error("streaming receipts report", "err", err)
	}
}

// sentence capitalises an error's text and ends it with a full stop.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	r := []rune(msg)
	r[0] = unicode.ToUpper(r[0])
	return strings.TrimSuffix(string(r), ".") + "."
}

func (s *Server) adjustmentsCSV(c *gin.Context) {
	if !s.auditDownload(c, "downloaded report", "refunds and disputes") {
		return
	}
	attachment(c, "refunds-and-disputes.csv", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	if err := reports.WriteAdjustmentsCSV(c.Request.Context(), c.Writer, s.store, false, s.cfg.Location); err != nil {
		s.logger(c).Error("streaming adjustments report", "err", err)
	}
}

// summaryColumns is the monthly summary report's header.
var summaryColumns = []string{"month", "currency", "gross", "refunds", "disputed", "net", "gifts", "new_members", "cancelled_members",
	"stripe_fees", "net_after_fees", "gifts_with_fees_known"}

func (s *Server) summaryCSV(c *gin.Context) {
	y, ok := s.fiscalYearParam(c, "summary")
	if !ok {
		return
	}
	from, to := s.cfg.FiscalYearStart.Bounds(y, s.cfg.Location)
	rows, err := s.store.Summary(c.Request.Context(), from, to, s.cfg.Location)
	if err != nil {
		s.error(c, err)
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(summaryColumns); err != nil {
		s.error(c, err)
		return
	}
	for _, r := range rows {
		f := func(v int64) string { return money.FormatMajor(v, r.Currency) }
		if err := w.Write([]string{r.Month, reports.Text(r.Currency), f(r.Gross), f(r.Refunds), f(r.Disputed), f(r.Net),
			strconv.FormatInt(r.Gifts, 10), strconv.FormatInt(r.NewMembers, 10), strconv.FormatInt(r.CancelledMembers, 10),
			f(r.Fees), f(r.Net - r.Fees), strconv.FormatInt(r.FeesKnown, 10)}); err != nil {
			s.error(c, err)
			return
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		s.error(c, err)
		return
	}
	if !s.auditDownload(c, "downloaded report", fmt.Sprintf("summary %d", y)) {
		return
	}
	attachment(c, fmt.Sprintf("summary-%d.csv", y), "text/csv; charset=utf-8")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// payoutsCSV lists each payout arriving in the period with every balance
// transaction it carried, each tied to its gift or marked unmatched.
func (s *Server) payoutsCSV(c *gin.Context) {
	p, label, err := reports.ParsePeriod("", c.Query("from"), c.Query("to"), s.cfg.Location)
	if err != nil {
		s.errorPage(c, http.StatusBadRequest, "Check the report's dates", sentence(err.Error()))
		return
	}
	if !s.auditDownload(c, "downloaded report", "payouts "+label) {
		return
	}
	attachment(c, "payouts-"+label+".csv", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	if err := reports.WritePayoutsCSV(c.Request.Context(), c.Writer, s.store, p.From, p.To, s.cfg.Location, nil); err != nil {
		s.logger(c).Error("writing payouts report", "err", err)
	}
}
