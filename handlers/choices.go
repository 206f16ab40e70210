package handlers

import (
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
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

func choicesOf(g *models.Gift) giftChoices {
	c := giftChoices{Gift: money.Display(g.TotalAmount-g.FeeAmount, g.Currency), Total: money.Display(g.TotalAmount, g.Currency),
		Dedication: models.DedicationText(g.DedicationType, g.DedicationName), Anonymous: g.Anonymous}
	if g.FeeAmount > 0 {
		c.Fee = money.Display(g.FeeAmount, g.Currency)
	}
	return c
}

// benefitsLine names the tier a membership gift reaches, before payment
// and after: "Insider: Tote bag and two events", or that the donor said
// no thanks ("" for a one-time gift or no tier).
func benefitsLine(tiers []models.Tier, g *models.Gift) string {
	if g.Frequency == models.FrequencyOnce {
		return ""
	}
	t, ok := models.TierOf(tiers, g.TotalAmount, g.Frequency)
	switch {
	case !ok:
		return ""
	case t.ValuePerYear == 0 || t.Description == "":
		return t.Name + " member"
	case g.DeclineBenefits:
		return t.Name + " member, benefits declined: your whole gift is deductible"
	}
	return t.Name + " member: " + t.Description + " (valued at " + money.Display(t.ValuePerYear, g.Currency) + " a year, which receipts deduct)"
}

// choices is choicesOf with the membership tier named, for the pages
// that show one gift (the demo checkout, the thank-you page).
func (s *Server) choices(g *models.Gift) giftChoices {
	c := choicesOf(g)
	c.Benefits = benefitsLine(s.cfg.Tiers, g)
	return c
}

// summary is the choices in one line, for tables: "fee $1.81 covered; in
// memory of Jo; anonymous".
func (c giftChoices) summary() string {
	out := ""
	add := func(s string) {
		if out != "" {
			out += "; "
		}
		out += s
	}
	if c.Fee != "" {
		add("covers the " + c.Fee + " fee")
	}
	if c.Dedication != "" {
		add(lowerFirst(c.Dedication))
	}
	if c.Anonymous {
		add("anonymous")
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
