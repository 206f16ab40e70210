package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// The dashboard: this month and this fiscal year, members, a chart per
// currency and the latest gifts.

type totalRow struct {
	Currency, Gross, Refunds, Net string
	Gifts                         int64
}

func totalsOf(rows []models.SummaryRow) []totalRow {
	sum := map[string]*models.SummaryRow{}
	for _, r := range rows {
		if sum[r.Currency] == nil {
			sum[r.Currency] = &models.SummaryRow{Currency: r.Currency}
		}
		t := sum[r.Currency]
		t.Gross, t.Refunds, t.Net, t.Gifts = t.Gross+r.Gross, t.Refunds+r.Refunds, t.Net+r.Net, t.Gifts+r.Gifts
	}
	var out []totalRow
	for _, t := range sum {
		out = append(out, totalRow{Currency: strings.ToUpper(t.Currency), Gross: money.Display(t.Gross, t.Currency),
			Refunds: money.Display(t.Refunds, t.Currency), Net: money.Display(t.Net, t.Currency), Gifts: t.Gifts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

type dashboardData struct {
	adminPage
	Month, Year               []totalRow
	FiscalYear                int
	ActiveMembers             int64
	MRR                       []string
	NewMembers, LapsedMembers int64
	Charts                    []chart // one per currency with gifts in the 24 months
	Latest                    []giftRow
}

// chart is one currency's bar chart of gross gifts per month, drawn by the
// template as SVG: every label and figure goes through html/template.
type chart struct {
	Currency, Caption string
	Width, Height     int
	Bars              []chartBar
}

type chartBar struct {
	X, Y, W, H    int
	Label, Amount string
	Tick          bool // the month is labelled under the axis
	TickX, TickY  int
}

func (s *Server) adminDashboard(c *gin.Context) {
	ctx := c.Request.Context()
	loc := s.cfg.Location
	now := s.now().In(loc)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	fy := s.cfg.FiscalYearStart.FiscalYear(now, loc)
	fyStart, fyEnd := s.cfg.FiscalYearStart.Bounds(fy, loc)
	chartStart := monthStart.AddDate(0, -23, 0)
	rows, err := s.store.Summary(ctx, chartStart, monthStart.AddDate(0, 1, 0), loc)
	if err != nil {
		s.error(c, err)
		return
	}
	yearRows, err := s.store.Summary(ctx, fyStart, fyEnd, loc)
	if err != nil {
		s.error(c, err)
		return
	}
	d := dashboardData{adminPage: s.adminBase(c), FiscalYear: fy}
	var thisMonth []models.SummaryRow
	for _, r := range rows {
		if r.Month == monthStart.Format("2006-01") {
			thisMonth = append(thisMonth, r)
			d.NewMembers += r.NewMembers
			d.LapsedMembers += r.CancelledMembers
		}
	}
	d.Month, d.Year = totalsOf(thisMonth), totalsOf(yearRows)
	members, err := s.store.ActiveMembers(ctx)
	if err != nil {
		s.error(c, err)
		return
	}
	d.ActiveMembers = members.Active
	for cur, v := range members.MRR {
		d.MRR = append(d.MRR, money.Display(v, cur))
	}
	sort.Strings(d.MRR)
	// The default currency first, then any other the newsroom was paid in.
	currencies := []string{s.cfg.Currency}
	for _, r := range rows {
		if !slices.Contains(currencies, r.Currency) {
			currencies = append(currencies, r.Currency)
		}
	}
	slices.Sort(currencies[1:])
	for _, cur := range currencies {
		d.Charts = append(d.Charts, giftsChart(rows, chartStart, cur))
	}
	// The latest money in, refunded since or not.
	latest, _, err := s.store.ListGifts(ctx, models.GiftFilter{Paid: true}, models.Page{Number: 1, Size: 20})
	if err != nil {
		s.error(c, err)
		return
	}
	d.Latest = s.giftRows(latest, nil)
	s.render(c, http.StatusOK, "admin_dashboard", d)
}

// giftsChart lays out gross per month as bars, readable without
// JavaScript.
func giftsChart(rows []models.SummaryRow, start time.Time, currency string) chart {
	const months, w, h, barW = 24, 720, 200, 24
	gross := make([]int64, months)
	var maxV int64
	for i := 0; i < months; i++ {
		m := start.AddDate(0, i, 0).Format("2006-01")
		for _, r := range rows {
			if r.Month == m && r.Currency == currency {
				gross[i] = r.Gross
			}
		}
		maxV = max(maxV, gross[i])
	}
	c := chart{Currency: strings.ToUpper(currency), Width: w, Height: h + 30,
		Caption: fmt.Sprintf("Highest month: %s. Hover a bar for its figure.", money.Display(maxV, currency))}
	for i, v := range gross {
		bh := 0
		if maxV > 0 {
			bh = int((v*h + maxV/2) / maxV) // integer rounding: no floats near money
		}
		x := i*(w/months) + 3
		c.Bars = append(c.Bars, chartBar{X: x, Y: h - bh, W: barW, H: bh, Label: start.AddDate(0, i, 0).Format("Jan 06"),
			Amount: money.Display(v, currency), Tick: i%3 == 0, TickX: x, TickY: h + 18})
	}
	return c
}
