package handlers

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// The gifts list, with its filters and totals.

// giftRow is a gift as the staff area's tables show it: gross in the
// gift's currency, Stripe's fee and the net in the currency it settled in
// (blank until known).
type giftRow struct {
	Date, Name, Amount, Frequency, Status string
	Fee, Net                              string
	DonorID                               string
	Choices                               string // the donor's: fee covered, dedication, anonymity
}

// giftRows lays out gifts; fees are their balance transactions, by gift.
func (s *Server) giftRows(gs []models.Gift, fees map[string]models.BalanceTxn) []giftRow {
	out := make([]giftRow, 0, len(gs))
	for _, g := range gs {
		r := giftRow{Name: g.Name, Amount: money.Display(g.TotalAmount, g.Currency), Frequency: giftKind(g.Frequency), Status: giftStatus(s.staff(), g),
			Choices: choicesOf(s.staff(), &g).summary(s.staff())}
		if bt, ok := fees[g.ID]; ok {
			r.Fee, r.Net = money.Display(bt.Fee, bt.Currency), money.Display(bt.Net, bt.Currency)
		}
		if g.PaidAt != nil {
			r.Date = g.PaidAt.In(s.cfg.Location).Format("2006-01-02")
		}
		if g.DonorID != nil {
			r.DonorID = *g.DonorID
		}
		switch g.Status {
		case models.GiftPending:
			r.Status = "Waiting for payment"
		case models.GiftProcessing:
			r.Status = "Payment on its way"
		case models.GiftFailed:
			r.Status = "Payment failed"
		}
		if g.DisputeStatus == models.DisputeWon {
			r.Status += " (dispute won)"
		}
		out = append(out, r)
	}
	return out
}

// option is one choice of a select: the code the query carries, and the
// words staff read.
type option struct{ Value, Text string }

type giftFilterForm struct{ From, To, Status, Frequency, Min, Max, Donor string }

type giftTotalRow struct {
	Currency, Amount, Refunded string
	Count                      int64
}

// feeTotalRow sums the fees and nets shown, per settlement currency.
type feeTotalRow struct{ Currency, Fee, Net string }

type giftsData struct {
	adminPage
	F                     giftFilterForm
	Statuses, Frequencies []option
	Error                 string
	Totals                []giftTotalRow
	FeeTotals             []feeTotalRow // of the gifts on this page
	Gifts                 []giftRow
	Pager                 pager
	Held                  []heldRow // gifts whose receipt waits, whatever the filter
}

// heldRow is a paid gift whose receipt waits, and why.
type heldRow struct {
	giftRow
	Reason, Since string
}

// maxHeldShown bounds the list of held receipts on the gifts page.
const maxHeldShown = 200

// parseGiftFilter reads the gifts list's filters; a bad value is reported,
// never a 500.
func (s *Server) parseGiftFilter(c *gin.Context) (models.GiftFilter, giftFilterForm, string) {
	f := giftFilterForm{From: c.Query("from"), To: c.Query("to"), Status: c.Query("status"), Frequency: c.Query("frequency"),
		Min: c.Query("min"), Max: c.Query("max"), Donor: c.Query("donor")}
	var mf models.GiftFilter
	var problems []string
	if len(f.Donor) > 64 {
		problems = append(problems, "Unknown donor.")
	} else {
		mf.DonorID = f.Donor // one donor's gifts, from their page
	}
	if f.From != "" {
		t, err := time.ParseInLocation("2006-01-02", f.From, s.cfg.Location)
		if err != nil {
			problems = append(problems, "From must be a date like 2026-01-31.")
		}
		mf.From = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation("2006-01-02", f.To, s.cfg.Location)
		if err != nil {
			problems = append(problems, "To must be a date like 2026-01-31.")
		} else {
			mf.To = t.AddDate(0, 0, 1)
		}
	}
	switch f.Status {
	case "", models.GiftPaid, models.GiftRefunded, models.GiftFailed, models.GiftProcessing:
		mf.Status = f.Status
	default:
		problems = append(problems, "Unknown status.")
	}
	switch f.Frequency {
	case "", models.FrequencyOnce, models.FrequencyMonth, models.FrequencyYear:
		mf.Frequency = f.Frequency
	default:
		problems = append(problems, "Unknown frequency.")
	}
	for _, a := range []struct {
		raw  string
		into *int64
		name string
	}{{f.Min, &mf.Min, "Min"}, {f.Max, &mf.Max, "Max"}} {
		if a.raw != "" {
			v, err := money.ParseMajor(a.raw, s.cfg.Currency)
			if err != nil {
				problems = append(problems, a.name+" must be an amount like 25.")
			}
			*a.into = v
		}
	}
	return mf, f, strings.Join(problems, " ")
}

func (s *Server) adminGifts(c *gin.Context) {
	mf, f, problem := s.parseGiftFilter(c)
	d := giftsData{adminPage: s.adminBase(c), F: f, Error: problem,
		Statuses: []option{{"", "Any"}, {models.GiftPaid, "Paid"}, {models.GiftRefunded, "Refunded"}, {models.GiftFailed, "Payment failed"},
			{models.GiftProcessing, "Payment on its way"}},
		Frequencies: []option{{"", "Any"}, {models.FrequencyOnce, giftKind(models.FrequencyOnce)}, {models.FrequencyMonth, giftKind(models.FrequencyMonth)},
			{models.FrequencyYear, giftKind(models.FrequencyYear)}}}
	if problem != "" {
		s.render(c, http.StatusUnprocessableEntity, "admin_gifts", d)
		return
	}
	page := pageParam(c)
	gifts, totals, err := s.store.ListGifts(c.Request.Context(), mf, models.Page{Number: page, Size: perPage})
	if err != nil {
		s.error(c, err)
		return
	}
	var count int64
	for _, t := range totals {
		count += t.Count
		d.Totals = append(d.Totals, giftTotalRow{strings.ToUpper(t.Currency), money.Display(t.Amount, t.Currency), money.Display(t.Refunded, t.Currency), t.Count})
	}
	fees, err := s.store.FeesOfGifts(c.Request.Context(), gifts)
	if err != nil {
		s.error(c, err)
		return
	}
	sums := map[string][2]int64{}
	for _, bt := range fees {
		v := sums[bt.Currency]
		sums[bt.Currency] = [2]int64{v[0] + bt.Fee, v[1] + bt.Net}
	}
	for _, cur := range slices.Sorted(maps.Keys(sums)) {
		d.FeeTotals = append(d.FeeTotals, feeTotalRow{strings.ToUpper(cur), money.Display(sums[cur][0], cur), money.Display(sums[cur][1], cur)})
	}
	d.Gifts, d.Pager = s.giftRows(gifts, fees), makePager(c, page, count)
	held, err := s.store.HeldReceipts(c.Request.Context(), maxHeldShown)
	if err != nil {
		s.error(c, err)
		return
	}
	for _, h := range held {
		row := s.giftRows([]models.Gift{h.Gift}, nil)[0]
		if row.Name == "" {
			row.Name = h.Gift.Email
		}
		d.Held = append(d.Held, heldRow{giftRow: row, Reason: h.Hold.ReasonText(), Since: h.Hold.CreatedAt.In(s.cfg.Location).Format("2006-01-02")})
	}
	s.render(c, http.StatusOK, "admin_gifts", d)
}
