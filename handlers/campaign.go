package handlers

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/yuin/goldmark"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// A campaign's page is the donate form with the campaign's intro, its
// meter and its preset amounts: /donate?campaign=SLUG, or /give/SLUG.

// campaignView is a campaign as its page shows it.
type campaignView struct {
	Slug, Name             string
	Intro                  template.HTML
	Raised, Goal, Ends     string
	RaisedValue, GoalValue int64
	Percent                int64
	Closed, NotYet         bool
	// Funder is the match pool that would match a gift made now ("" when
	// none has room).
	Funder string
	raised int64 // minor units, as recorded
}

func (s *Server) campaignView(c *gin.Context, camp *models.Campaign) (*campaignView, error) {
	p, err := s.store.CampaignProgress(c.Request.Context(), camp)
	if err != nil {
		return nil, err
	}
	now := s.now()
	pr := s.printer(c)
	v := &campaignView{Slug: camp.Slug, Name: camp.Name, Raised: pr.Money(p.Raised, camp.Currency),
		Goal: pr.Money(camp.GoalAmount, camp.Currency), GoalValue: camp.GoalAmount, RaisedValue: min(max(p.Raised, 0), camp.GoalAmount),
		Ends:   pr.DayMonth(camp.EndsAt.Add(-1).In(s.cfg.Location)),
		Closed: !now.Before(camp.EndsAt), NotYet: now.Before(camp.StartsAt), raised: p.Raised}
	if camp.GoalAmount > 0 {
		v.Percent = max(p.Raised, 0) * 100 / camp.GoalAmount // integer: no floats near money
	}
	if camp.Open(now) {
		offer, err := s.store.MatchOffer(c.Request.Context(), camp.ID, now)
		if err != nil {
			return nil, err
		}
		if offer != nil {
			v.Funder = offer.Pool.Funder
		}
	}
	if intro := camp.IntroIn(s.lang(c)); strings.TrimSpace(intro) != "" {
		var buf bytes.Buffer
		if err := goldmark.New().Convert([]byte(intro), &buf); err != nil {
			return nil, err
		}
		v.Intro = template.HTML(buf.String()) // goldmark escapes raw HTML
	}
	return v, nil
}

// campaignDonate answers /donate?campaign=SLUG (an unknown campaign is a
// 404) and /donate?article=…&utm_source=…: the form made for them. The
// donate box's buttons may also choose the amount and frequency.
func (s *Server) campaignDonate(c *gin.Context, slug string, from attribution) {
	f := donateForm{Frequency: models.FrequencyOnce, From: from}
	presets, cur := s.cfg.PresetAmounts, s.cfg.Currency
	if slug != "" {
		camp := s.campaignBySlugOrAnswer(c, slug)
		if camp == nil {
			return
		}
		f.Campaign = camp.Slug
		if ps := camp.Presets(); len(ps) > 0 {
			presets = ps
		}
	}
	if len(presets) > 1 {
		f.Amount = strings.TrimSuffix(strings.TrimSuffix(money.FormatMajor(presets[1], cur), "00"), ".")
	}
	if a := strings.TrimSpace(c.Query("amount")); a != "" {
		if v, err := money.ParseMajor(a, cur); err == nil {
			plain := strings.TrimSuffix(strings.TrimSuffix(money.FormatMajor(v, cur), "00"), ".")
			f.Amount, f.OtherAmount = plain, plain
			for _, p := range presets {
				if p == v {
					f.OtherAmount = "" // a preset's tile is ticked
				}
			}
		}
	}
	switch fr := c.Query("frequency"); fr {
	case models.FrequencyMonth, models.FrequencyYear:
		f.Frequency = fr
	}
	c.Header("Cache-Control", "private, no-cache")
	s.render(c, http.StatusOK, "donate", s.donateData(c, f, nil))
}

// campaignBySlugOrAnswer is the campaign at an address; otherwise it
// answers (404, or the error) and returns nil.
func (s *Server) campaignBySlugOrAnswer(c *gin.Context, slug string) *models.Campaign {
	camp, err := s.store.CampaignBySlug(c.Request.Context(), slug)
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, s.printer(c).T("campaign.notfound.title"), s.printer(c).T("campaign.notfound"))
		return nil
	}
	if err != nil {
		s.error(c, err)
		return nil
	}
	return camp
}

// give is the campaign's short address.
func (s *Server) give(c *gin.Context) {
	camp := s.campaignBySlugOrAnswer(c, c.Param("slug"))
	if camp == nil {
		return
	}
	c.Redirect(http.StatusFound, "/donate?campaign="+camp.Slug)
}

// giftCampaign is the campaign a submitted form gives through, when it is
// open: a gift made after the campaign ended goes to the general fund.
func (s *Server) giftCampaign(c *gin.Context, slug string) *string {
	if slug == "" {
		return nil
	}
	camp, err := s.store.CampaignBySlug(c.Request.Context(), slug)
	if err != nil || !camp.Open(s.now()) || camp.Currency != s.cfg.Currency {
		return nil
	}
	return &camp.ID
}
