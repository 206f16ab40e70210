package handlers

import (
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/money"
	"github.com/indienews/donations/reports"
)

// The members page: whose payments are failing now, with the amount at
// risk and why, and how members came and went month by month.

type failingRow struct {
	DonorID, Name, Email, Kind, Amount  string
	Since, Attempts, Decline, NextRetry string
}

type membersData struct {
	adminPage
	Failing []failingRow
	AtRisk  []string // per currency, the failing members' payments

	Retention                  []retentionRow
	RetentionFrom, RetentionTo string
}

func (s *Server) adminMembers(c *gin.Context) {
	ctx := c.Request.Context()
	fms, err := s.store.FailingMemberships(ctx)
	if err != nil {
		s.error(c, err)
		return
	}
	d := membersData{adminPage: s.adminBase(c)}
	risk := map[string]int64{}
	for _, fm := range fms {
		r := failingRow{Name: fm.DonorName, Email: fm.DonorEmail, Kind: giftKind(fm.BillingInterval),
			Amount: money.Display(fm.Amount, fm.Currency), Attempts: "—", Decline: "Not given", NextRetry: "—", Since: "—"}
		if fm.DonorID != nil {
			r.DonorID = *fm.DonorID
		}
		if f := fm.Failure; f.InvoiceID != "" {
			r.Attempts, r.Decline = fmtInt(f.Attempts), declineWords(f.DeclineCode, f.DeclineMessage)
			if f.FirstFailedAt != nil {
				r.Since = f.FirstFailedAt.In(s.cfg.Location).Format("2006-01-02")
			}
			r.NextRetry = "No more retries"
			if f.NextRetryAt != nil {
				r.NextRetry = f.NextRetryAt.In(s.cfg.Location).Format("2006-01-02")
			}
		}
		risk[fm.Currency] += fm.Amount
		d.Failing = append(d.Failing, r)
	}
	for cur, v := range risk {
		d.AtRisk = append(d.AtRisk, money.Display(v, cur))
	}
	sort.Strings(d.AtRisk)
	if d.Retention, d.RetentionFrom, d.RetentionTo, err = s.retentionRows(c); err != nil {
		s.error(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_members", d)
}

func fmtInt(n int64) string {
	if n == 0 {
		return "—"
	}
	return strconv.FormatInt(n, 10)
}

// retentionRow is one month and currency of the retention report, in words
// and money for the page.
type retentionRow struct {
	Month, Currency                              string
	Start, New, Reactivated, Churned, End        int64
	MRRStart, MRRNew, MRRReact, MRRExp, MRRContr string
	MRRChurn, MRREnd, Reasons                    string
	Failed, Recovered                            int64
}

// retentionRows is the report's last twelve months, this one included.
func (s *Server) retentionRows(c *gin.Context) ([]retentionRow, string, string, error) {
	now := s.now().In(s.cfg.Location)
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, s.cfg.Location).AddDate(0, 1, 0)
	from := to.AddDate(0, -12, 0)
	months, err := s.store.Retention(c.Request.Context(), from, to, s.cfg.Location)
	if err != nil {
		return nil, "", "", err
	}
	var out []retentionRow
	for _, m := range months {
		f := func(v int64) string { return money.Display(v, m.Currency) }
		reasons := reports.ChurnReasons(m.ChurnReasons)
		if reasons == "" {
			reasons = "—"
		}
		out = append(out, retentionRow{Month: m.Month, Currency: strings.ToUpper(m.Currency), Start: m.ActiveStart, New: m.New,
			Reactivated: m.Reactivated, Churned: m.Churned, End: m.ActiveEnd, MRRStart: f(m.MRRStart), MRRNew: f(m.MRRNew),
			MRRReact: f(m.MRRReactivation), MRRExp: f(m.MRRExpansion), MRRContr: f(m.MRRContraction), MRRChurn: f(m.MRRChurn),
			MRREnd: f(m.MRREnd), Reasons: reasons, Failed: m.FailedPayments, Recovered: m.Recovered})
	}
	return out, from.Format("2006-01"), to.AddDate(0, -1, 0).Format("2006-01"), nil
}

// retentionCSV downloads the retention report for ?from=YYYY-MM&to=YYYY-MM.
// It is computed whole before the first byte goes out, so a failure is an
// error page, never a cut file.
func (s *Server) retentionCSV(c *gin.Context) {
	from, to, err := reports.ParseMonths(c.Query("from"), c.Query("to"), s.cfg.Location)
	if err != nil {
		s.errorPage(c, http.StatusBadRequest, "Check the report's months", sentence(err.Error()))
		return
	}
	label := c.Query("from") + "-to-" + c.Query("to")
	var buf bytes.Buffer
	if err := reports.WriteRetentionCSV(c.Request.Context(), &buf, s.store, from, to, s.cfg.Location); err != nil {
		s.error(c, err)
		return
	}
	if !s.auditDownload(c, "downloaded report", "retention "+label) {
		return
	}
	attachment(c, "retention-"+label+".csv", "text/csv; charset=utf-8")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
