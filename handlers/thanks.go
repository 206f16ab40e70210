package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
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
}

// thanks shows what the webhook recorded. It never records anything: the
// donor may close the tab before arriving here, and fulfilment must not
// depend on it.
func (s *Server) thanks(c *gin.Context) {
	sessionID := strings.TrimSpace(c.Query("session_id"))
	if sessionID == "" || len(sessionID) > 255 {
		s.errorPage(c, http.StatusBadRequest, "Missing gift reference",
			"This page needs the link Stripe sent you back with. If you gave, your receipt will arrive by email.")
		return
	}
	gr, err := s.store.GiftBySession(c.Request.Context(), sessionID)
	if errors.Is(err, models.ErrNotFound) {
		err = models.Errorf(models.ErrNotFound, "We could not find a gift for this link. If you gave, your receipt will arrive by email.")
	}
	if err != nil {
		s.error(c, err)
		return
	}
	g := gr.Gift
	// The gift itself: a card fee the donor covered is shown apart, in
	// the table below, not counted as their gift.
	d := thanksData{page: s.basePage(c), DonorName: strings.TrimSpace(g.Name), Amount: money.Display(g.Amount, g.Currency),
		Email: g.Email, Failed: g.Status == models.GiftFailed, Choices: s.choices(&g)}
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
		d.SetUp = "Your " + giftKindLower(m.BillingInterval) + " of " + money.Display(m.Amount, m.Currency) + " has started"
		if m.CurrentPeriodEnd != nil {
			d.SetUp += "; the next payment is on " + m.CurrentPeriodEnd.In(s.cfg.Location).Format("January 2")
		}
		d.SetUp += "."
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
		d.Matches = append(d.Matches, m.Funder+" matches it with "+money.Display(m.Amount, camp.Currency)+".")
	}
	return nil
}

// giftKindLower names a membership by its interval, in a sentence.
func giftKindLower(interval string) string {
	if interval == models.FrequencyYear {
		return "yearly membership"
	}
	return "monthly membership"
}

func firstName(full string) string {
	f, _, _ := strings.Cut(strings.TrimSpace(full), " ")
	return f
}
