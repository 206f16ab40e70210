package handlers

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
)

type thanksData struct {
	page
	DonorName string
	Amount    string
	Email     string
	Receipt   string
	Failed    bool
	Held      string // why the receipt waits (models.HoldDetails, HoldExchange), "" if it does not
	UK        bool   // an acknowledgement, not a receipt
	Choices   giftChoices
	// SetUp says what the gift started: "Your monthly membership of
	// $51.81 has started; the next payment is on December 27."
	SetUp string
	// Article is where the reader came from, to go back to ("" if none).
	Article string
	// Campaign is the drive the gift went to; Matches, who matched it.
	Campaign string
	Matches  []string
	// ThankYou is the newsroom's own words of thanks (THANK_YOU_TEXT).
	ThankYou template.HTML
}

// thanks shows what the webhook recorded. It never records anything: the
// donor may close the tab before arriving here, and fulfilment must not
// depend on it.
func (s *Server) thanks(c *gin.Context) {
	sessionID := strings.TrimSpace(c.Query("session_id"))
	if sessionID == "" || len(sessionID) > 255 {
		p := s.printer(c)
		s.errorPage(c, http.StatusBadRequest, p.T("thanks.noref.title"), p.T("thanks.noref"))
		return
	}
	gr, err := s.store.GiftBySession(c.Request.Context(), sessionID)
	if errors.Is(err, models.ErrNotFound) {
		err = models.Errorf(models.ErrNotFound, "%s", s.printer(c).T("thanks.notfound"))
	}
	if err != nil {
		s.error(c, err)
		return
	}
	g := gr.Gift
	// The gift itself: a card fee the donor covered is shown apart, in
	// the table below, not counted as their gift.
	p := s.printer(c)
	d := thanksData{page: s.basePage(c), DonorName: strings.TrimSpace(g.Name), Amount: p.Money(g.Amount, g.Currency),
		Email: g.Email, Failed: g.Status == models.GiftFailed, Choices: s.choices(c, &g)}
	if strings.HasPrefix(g.SourceURL, "https://") || strings.HasPrefix(g.SourceURL, "http://") {
		d.Article = g.SourceURL
	}
	if g.CampaignID != nil {
		if err := s.thanksCampaign(c, &d, g.ID, *g.CampaignID); err != nil {
			s.error(c, err)
			return
		}
	}
	if m := gr.Membership; m != nil && g.Status == models.GiftPaid {
		amount := p.Money(m.Amount, m.Currency)
		if m.CurrentPeriodEnd != nil {
			d.SetUp = p.T("thanks.setup."+m.BillingInterval+".next", "Amount", amount, "Next", p.DayMonth(m.CurrentPeriodEnd.In(s.cfg.Location)))
		} else {
			d.SetUp = p.T("thanks.setup."+m.BillingInterval, "Amount", amount)
		}
	}
	if gr.Receipt != nil {
		d.Receipt = gr.Receipt.Number
	} else if g.Status == models.GiftPaid {
		// Paid, and its receipt waits (Canada): say for what, rather than
		// refresh the page for ever.
		h, err := s.store.HoldOfGift(c.Request.Context(), g.ID)
		if err != nil {
			s.error(c, err)
			return
		}
		if h != nil && h.ReleasedAt == nil {
			d.Held = h.Reason
		}
	}
	d.UK = s.cfg.ReceiptRules == "uk"
	d.ThankYou = s.thankYou[s.lang(c)]
	s.render(c, http.StatusOK, "thanks", d)
}

// thanksCampaign names the drive a gift went to and who matched it.
func (s *Server) thanksCampaign(c *gin.Context, d *thanksData, giftID, campaignID string) error {
	camp, err := s.store.CampaignByID(c.Request.Context(), campaignID)
	if err != nil {
		return err
	}
	d.Campaign = camp.Name
	ms, err := s.store.MatchesOfGift(c.Request.Context(), giftID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		d.Matches = append(d.Matches, s.printer(c).T("thanks.matched", "Funder", m.Funder, "Amount", s.printer(c).Money(m.Amount, camp.Currency)))
	}
	return nil
}

func firstName(full string) string {
	f, _, _ := strings.Cut(strings.TrimSpace(full), " ")
	return f
}
