package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// giftChoices is what a donor chose on the form, as every page that shows
// a gift puts it: the gift and the card fee they covered apart, the
// dedication, and whether to be listed publicly.
type giftChoices struct {
	Gift, Fee, Total string // Fee "" when they covered none
	Dedication       string
	Anonymous        bool
	// Benefits names the membership tier the gift reaches and what it
	// brings, or that the donor declined it ("" for none).
	Benefits string
}

func choicesOf(p *locale.Printer, g *models.Gift) giftChoices {
	c := giftChoices{Gift: p.Money(g.TotalAmount-g.FeeAmount, g.Currency), Total: p.Money(g.TotalAmount, g.Currency),
		Dedication: dedicationLine(p, donateForm{DedicationType: g.DedicationType, DedicationName: g.DedicationName}), Anonymous: g.Anonymous}
	if g.FeeAmount > 0 {
		c.Fee = p.Money(g.FeeAmount, g.Currency)
	}
	return c
}

// benefitsLine names the tier a membership gift reaches, before payment
// and after: "Insider: Tote bag and two events", or that the donor said
// no thanks ("" for a one-time gift or no tier).
func benefitsLine(p *locale.Printer, tiers []models.Tier, g *models.Gift) string {
	if g.Frequency == models.FrequencyOnce {
		return ""
	}
	t, ok := models.TierOf(tiers, g.TotalAmount, g.Frequency)
	switch {
	case !ok:
		return ""
	case t.ValuePerYear == 0 || t.Description == "":
		return p.T("benefits.member", "Tier", t.Name)
	case g.DeclineBenefits:
		return p.T("benefits.declined", "Tier", t.Name)
	}
	return p.T("benefits.valued", "Tier", t.Name, "Benefit", t.Description, "Value", p.Money(t.ValuePerYear, g.Currency))
}

// choices is choicesOf with the membership tier named, for the pages
// that show one gift (the demo checkout, the thank-you page).
func (s *Server) choices(c *gin.Context, g *models.Gift) giftChoices {
	p := s.printer(c)
	ch := choicesOf(p, g)
	ch.Benefits = benefitsLine(p, s.cfg.Tiers, g)
	return ch
}

// summary is the choices in one line, for tables: "fee $1.81 covered; in
// memory of Jo; anonymous".
func (c giftChoices) summary(p *locale.Printer) string {
	out := ""
	add := func(s string) {
		if out != "" {
			out += "; "
		}
		out += s
	}
	if c.Fee != "" {
		add(p.T("choices.summary.fee", "Fee", c.Fee))
	}
	if c.Dedication != "" {
		add(lowerFirst(c.Dedication))
	}
	if c.Anonymous {
		add(p.T("choices.summary.anonymous"))
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
