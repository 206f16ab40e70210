package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/reports"
)

// Gift Aid claims in the staff area (RECEIPT_RULES=uk): what waits to be
// claimed, the button that makes a claim, and each claim's schedule.

type giftAidReport struct {
	Waiting, WaitingTotal, WaitingGiftAid, Adjustments string
	WaitingLines                                       int
	Claims                                             []giftAidClaimRow
	// NameChecks: waiting donations declared in another name than the donor's.
	NameChecks []giftAidNameRow
}

type giftAidNameRow struct{ Date, Amount, DeclaredAs, DonorName, DonorID string }

type giftAidClaimRow struct {
	ID, Created, Period, Total, GiftAid, Adjustments, By string
	Lines                                                int
}

// giftAidReport is the reports page's Gift Aid section; nil unless uk.
func (s *Server) giftAidReport(c *gin.Context) (*giftAidReport, error) {
	if s.cfg.ReceiptRules != "uk" {
		return nil, nil
	}
	ctx := c.Request.Context()
	sum, err := s.store.GiftAidPending(ctx, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), s.now().Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	r := &giftAidReport{WaitingLines: sum.Lines, WaitingTotal: money.Display(sum.Total, "gbp"),
		WaitingGiftAid: money.Display(sum.Total/4, "gbp"), Adjustments: money.Display(-sum.Adjustments, "gbp")}
	checks, err := s.store.GiftAidNameChecks(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range checks {
		r.NameChecks = append(r.NameChecks, giftAidNameRow{Date: n.DonationDate.In(s.cfg.Location).Format("2006-01-02"),
			Amount: money.Display(n.Amount, "gbp"), DeclaredAs: n.DeclaredAs, DonorName: n.DonorName, DonorID: n.DonorID})
	}
	batches, err := s.store.GiftAidBatches(ctx, 50)
	if err != nil {
		return nil, err
	}
	for _, b := range batches {
		r.Claims = append(r.Claims, giftAidClaimRow{ID: b.ID, Created: b.CreatedAt.In(s.cfg.Location).Format("2006-01-02 15:04"),
			Period: b.PeriodFrom.In(s.cfg.Location).Format("2006-01-02") + " to " + b.PeriodTo.Add(-time.Second).In(s.cfg.Location).Format("2006-01-02"),
			Total:  money.Display(b.Total, "gbp"), GiftAid: money.Display(b.Total/4, "gbp"), Adjustments: money.Display(-b.Adjustments, "gbp"),
			By: b.CreatedBy, Lines: b.Lines})
	}
	return r, nil
}

// claimGiftAid makes a claim of the waiting donations between two dates
// and sends the admin to its schedule.
func (s *Server) claimGiftAid(c *gin.Context) {
	if s.cfg.ReceiptRules != "uk" {
		s.errorPage(c, http.StatusNotFound, "No Gift Aid here", "Gift Aid is claimed only with RECEIPT_RULES=uk.")
		return
	}
	p, label, err := reports.ParsePeriod("", c.PostForm("from"), c.PostForm("to"), s.cfg.Location)
	if err != nil {
		s.setFlash(c, "Check the claim's dates: "+sentence(err.Error()))
		c.Redirect(http.StatusSeeOther, "/admin/reports#gift-aid")
		return
	}
	b, err := s.store.ClaimGiftAid(c.Request.Context(), p.From, p.To, actor(c))
	if err != nil {
		s.error(c, err)
		return
	}
	if b == nil {
		s.setFlash(c, "Nothing to claim: no Gift Aid donation made from "+strings.Replace(label, "_", " to ", 1)+" is waiting.")
		c.Redirect(http.StatusSeeOther, "/admin/reports#gift-aid")
		return
	}
	s.setFlash(c, "Claim made: "+money.Display(b.Total, "gbp")+" of donations, Gift Aid of "+money.Display(b.Total/4, "gbp")+
		". Download its schedule below and paste its rows into HMRC's spreadsheet.")
	c.Redirect(http.StatusSeeOther, "/admin/reports#gift-aid")
}

// giftAidScheduleCSV downloads a claim's schedule, as often as needed.
func (s *Server) giftAidScheduleCSV(c *gin.Context) {
	id := strings.TrimSuffix(c.Param("file"), ".csv")
	b, err := s.store.GiftAidBatchByID(c.Request.Context(), id)
	if errors.Is(err, models.ErrNotFound) || err == nil && b == nil {
		s.errorPage(c, http.StatusNotFound, "No such claim", "There is no Gift Aid claim with that number.")
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	lines, err := s.store.GiftAidLinesOf(c.Request.Context(), b.ID)
	if err != nil {
		s.error(c, err)
		return
	}
	if !s.auditDownload(c, "downloaded report", "gift aid schedule "+b.ID) {
		return
	}
	attachment(c, "gift-aid-schedule-"+b.CreatedAt.In(s.cfg.Location).Format("2006-01-02")+".csv", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	if err := reports.WriteGiftAidSchedule(c.Writer, lines, s.cfg.Location); err != nil {
		s.logger(c).Error("writing gift aid schedule", "err", err)
	}
}
