package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/config"
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
	FiscalYear int
	// Tiles are the figures read at a glance: net and gifts this month
	// and this fiscal year, members, recurring revenue, new and lapsed.
	Tiles  []tile
	Charts []chart // one per currency with gifts in the 24 months
	Latest []giftRow
	// Guard is the front door against card testing, as it stands now.
	Guard guardStatus
	// NextSteps: what a newsroom still has to do before readers give
	// (settings missing, Stripe, the box); none once it is done.
	NextSteps []nextStep
	// Problems the server has that the person running it must fix.
	Problems []string
	// Books is the last run of donations check (nil: none yet).
	Books *models.BookCheck
	// BooksAt is when it ran, in the newsroom's time.
	BooksAt string
	// Retention is what the retention job will have erased and purged a
	// month from now; InactiveYears its setting (0: donors are kept).
	Retention     models.RetentionPlan
	InactiveYears int
}

// nextStep is one thing left to do: a setting and why it matters, or a
// kind ("stripe", "box") the page words itself.
type nextStep struct{ Kind, Setting, Why string }

// nextSteps lists what is missing, in the order it matters.
func (s *Server) nextSteps(gifts int64) []nextStep {
	var out []nextStep
	label := models.TaxIDLabel(s.cfg.ReceiptRules)
	taxWhy := "your " + label + ". Without it, receipts cannot tell donors their gift is tax-deductible, and the donate page says nothing about it."
	if s.cfg.ReceiptRules == "uk" {
		taxWhy = "your " + label + ", which acknowledgements print and Gift Aid claims need."
	}
	for _, st := range []struct {
		missing      bool
		setting, why string
	}{
		{s.cfg.Org.Name == config.DefaultOrgName, "ORG_NAME", "your organisation's legal name, which every page, email and receipt prints (they say \u201c" + config.DefaultOrgName + "\u201d until then)."},
		{s.cfg.Org.TaxID == "", "ORG_TAX_ID", taxWhy},
		{s.cfg.Org.Address == "", "ORG_ADDRESS", "your postal address, printed on receipts and in the footer."},
		{s.cfg.ContactEmail == "", "ORG_CONTACT_EMAIL", "where donors write with questions: the footer and every email show it."},
		{s.cfg.Brand.Website == "", "ORG_WEBSITE_URL", "your news site, for the link back to it in the header."},
	} {
		if st.missing {
			out = append(out, nextStep{Setting: st.setting, Why: st.why})
		}
	}
	if s.demo != nil {
		out = append(out, nextStep{Kind: "stripe"})
	}
	if gifts == 0 {
		out = append(out, nextStep{Kind: "box"})
	}
	return out
}

// tile is one figure on the dashboard: what it is, the figure, and how
// it was made (gross less refunds).
type tile struct{ ID, Label, Value, Sub string }

// moneyTiles is a net tile per currency paid in (the default currency's
// zero when there were none) and a tile counting the gifts.
func moneyTiles(id, when string, totals []totalRow, currency string) []tile {
	var out []tile
	var gifts int64
	for _, t := range totals {
		label := "Net " + when
		if len(totals) > 1 || !strings.EqualFold(t.Currency, currency) {
			label += " (" + t.Currency + ")"
		}
		out = append(out, tile{ID: id + "-net-" + strings.ToLower(t.Currency), Label: label, Value: t.Net,
			Sub: "gross " + t.Gross + ", refunds " + t.Refunds})
		gifts += t.Gifts
	}
	if len(out) == 0 {
		out = append(out, tile{ID: id + "-net-" + currency, Label: "Net " + when, Value: money.Display(0, currency), Sub: "no gifts yet"})
	}
	return append(out, tile{ID: id + "-gifts", Label: "Gifts " + when, Value: fmt.Sprint(gifts)})
}

// chart is one currency's bar chart of gross gifts per month, drawn by the
// template as SVG: every label and figure goes through html/template.
type chart struct {
	Currency, Caption string
	Width, Height     int
	Bars              []chartBar
	// The y-axis: its line, its title and its ticks with their figures.
	AxisX, AxisTop, AxisBottom int
	YTicks                     []chartTick
}

type chartBar struct {
	X, Y, W, H    int
	Label, Amount string
	Month         string // in full, for the table of figures
	Tick          bool   // the month is labelled under the axis
	TickX, TickY  int
}

type chartTick struct {
	Y, LabelY int
	Amount    string
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
	var newMembers, lapsed int64
	for _, r := range rows {
		if r.Month == monthStart.Format("2006-01") {
			thisMonth = append(thisMonth, r)
			newMembers += r.NewMembers
			lapsed += r.CancelledMembers
		}
	}
	members, err := s.store.ActiveMembers(ctx)
	if err != nil {
		s.error(c, err)
		return
	}
	var gifts int64
	for _, t := range totalsOf(yearRows) {
		gifts += t.Gifts
	}
	d.NextSteps = s.nextSteps(gifts + int64(len(rows)))
	d.Problems = s.problemTexts()
	if d.Books, err = s.store.LastBookCheck(ctx); err != nil {
		s.error(c, err)
		return
	}
	d.InactiveYears = s.cfg.InactiveDonorYears
	if d.Retention, err = s.store.RetentionBy(ctx, s.now().AddDate(0, 1, 0), s.cfg.InactiveDonorYears); err != nil {
		s.error(c, err)
		return
	}
	if d.Books != nil {
		d.BooksAt = d.Books.RanAt.In(loc).Format("2 January 2006, 15:04 MST")
	}
	if d.Guard, err = s.door.status(ctx, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)); err != nil {
		s.error(c, err)
		return
	}
	var mrr []string
	for cur, v := range members.MRR {
		mrr = append(mrr, money.Display(v, cur))
	}
	sort.Strings(mrr)
	if len(mrr) == 0 {
		mrr = []string{money.Display(0, s.cfg.Currency)}
	}
	d.Tiles = append(moneyTiles("month", "this month", totalsOf(thisMonth), s.cfg.Currency),
		moneyTiles("year", fmt.Sprintf("in fiscal year %d", fy), totalsOf(yearRows), s.cfg.Currency)...)
	d.Tiles = append(d.Tiles,
		tile{ID: "active-members", Label: "Active members", Value: fmt.Sprint(members.Active)},
		tile{ID: "mrr", Label: "Monthly recurring revenue", Value: strings.Join(mrr, " + "), Sub: "yearly members count a twelfth"},
		tile{ID: "new-members", Label: "New members this month", Value: fmt.Sprint(newMembers)},
		tile{ID: "lapsed-members", Label: "Lapsed members this month", Value: fmt.Sprint(lapsed)})
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
	const months, w, h, barW, left, top = 24, 720, 200, 24, 84, 10
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
	c := chart{Currency: strings.ToUpper(currency), Width: left + w, Height: top + h + 30, AxisX: left - 4, AxisTop: top, AxisBottom: top + h,
		Caption: fmt.Sprintf("Highest month: %s. The figures are in the table below the chart.", money.Display(maxV, currency))}
	// Three ticks, at nothing, half the highest month and the highest,
	// each at the height its figure's bar would have.
	for _, v := range []int64{0, maxV / 2, maxV} {
		y := top + h
		if maxV > 0 {
			y -= int((v*h + maxV/2) / maxV)
		}
		if len(c.YTicks) > 0 && c.YTicks[len(c.YTicks)-1].Y == y {
			continue
		}
		c.YTicks = append(c.YTicks, chartTick{Y: y, LabelY: y + 4, Amount: money.Display(v, currency)})
	}
	for i, v := range gross {
		bh := 0
		if maxV > 0 {
			bh = int((v*h + maxV/2) / maxV) // integer rounding: no floats near money
		}
		x := left + i*(w/months) + 3
		month := start.AddDate(0, i, 0)
		c.Bars = append(c.Bars, chartBar{X: x, Y: top + h - bh, W: barW, H: bh, Label: month.Format("Jan 06"), Month: month.Format("January 2006"),
			Amount: money.Display(v, currency), Tick: i%3 == 0, TickX: x, TickY: top + h + 18})
	}
	return c
}
