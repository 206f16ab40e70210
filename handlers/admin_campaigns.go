package handlers

import (
	"bytes"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/reports"
)

// Campaigns in the staff area: everyone sees each one's progress; admins
// create and edit them.

type campaignRow struct {
	ID, Slug, Name, Dates, Goal, Raised, State string
	Percent, Gifts, Donors                     int64
}

type campaignsData struct {
	adminPage
	Campaigns []campaignRow
}

type campaignFormData struct {
	adminPage
	ID, Currency                                   string
	Name, Slug, Goal, Starts, Ends, Intro, Presets string
	// IntroFR, IntroES: the intro in French and Spanish ("" reads Intro).
	IntroFR, IntroES string
	Errors           fieldErrors
	// An existing campaign's match pools and the form that adds one.
	Pools      []poolRow
	Pool       poolForm
	PoolErrors fieldErrors
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

func (s *Server) adminCampaigns(c *gin.Context) {
	ctx := c.Request.Context()
	cs, err := s.store.Campaigns(ctx)
	if err != nil {
		s.error(c, err)
		return
	}
	d := campaignsData{adminPage: s.adminBase(c)}
	now := s.now()
	for i := range cs {
		camp := &cs[i]
		p, err := s.store.CampaignProgress(ctx, camp)
		if err != nil {
			s.error(c, err)
			return
		}
		r := campaignRow{ID: camp.ID, Slug: camp.Slug, Name: camp.Name, Goal: money.Display(camp.GoalAmount, camp.Currency),
			Raised: money.Display(p.Raised, camp.Currency), Gifts: p.Gifts, Donors: p.Donors, State: "Running",
			Dates: camp.StartsAt.In(s.cfg.Location).Format("2006-01-02") + " to " + camp.EndsAt.Add(-1).In(s.cfg.Location).Format("2006-01-02")}
		if camp.GoalAmount > 0 {
			r.Percent = max(p.Raised, 0) * 100 / camp.GoalAmount
		}
		switch {
		case now.Before(camp.StartsAt):
			r.State = "Not started"
		case !camp.Open(now):
			r.State = "Closed"
		}
		d.Campaigns = append(d.Campaigns, r)
	}
	s.render(c, http.StatusOK, "admin_campaigns", d)
}

func (s *Server) newCampaign(c *gin.Context) {
	now := s.now().In(s.cfg.Location)
	s.render(c, http.StatusOK, "admin_campaign", campaignFormData{adminPage: s.adminBase(c), Currency: strings.ToUpper(s.cfg.Currency),
		Starts: now.Format("2006-01-02"), Ends: now.AddDate(0, 1, 0).Format("2006-01-02")})
}

// campaignOrAnswer is the campaign the path names; otherwise it answers
// (404, or the error) and returns nil.
func (s *Server) campaignOrAnswer(c *gin.Context) *models.Campaign {
	camp, err := s.store.CampaignByID(c.Request.Context(), c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "Campaign not found", "There is no such campaign.")
		return nil
	}
	if err != nil {
		s.error(c, err)
		return nil
	}
	return camp
}

func (s *Server) editCampaign(c *gin.Context) {
	camp := s.campaignOrAnswer(c)
	if camp == nil {
		return
	}
	d, err := s.campaignForm(c, camp)
	if err != nil {
		s.error(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_campaign", d)
}

// campaignForm is an existing campaign's page: its form and its pools.
func (s *Server) campaignForm(c *gin.Context, camp *models.Campaign) (campaignFormData, error) {
	pools, err := s.poolRows(c, camp)
	return campaignFormData{adminPage: s.adminBase(c), ID: camp.ID, Currency: strings.ToUpper(camp.Currency), Name: camp.Name, Slug: camp.Slug,
		Goal: strings.TrimSuffix(money.FormatMajor(camp.GoalAmount, camp.Currency), ".00"), Intro: camp.Intro, Presets: camp.PresetAmounts,
		IntroFR: camp.IntroTranslations["fr"], IntroES: camp.IntroTranslations["es"],
		Starts: camp.StartsAt.In(s.cfg.Location).Format("2006-01-02"), Ends: camp.EndsAt.Add(-1).In(s.cfg.Location).Format("2006-01-02"),
		Pools: pools, PoolErrors: fieldErrors{}}, err
}

// saveCampaign creates (no id in the path) or updates a campaign from the
// form, every field checked and its error shown next to it.
func (s *Server) saveCampaign(c *gin.Context) {
	d := campaignFormData{adminPage: s.adminBase(c), ID: c.Param("id"), Errors: fieldErrors{}, Currency: strings.ToUpper(s.cfg.Currency),
		Name: strings.TrimSpace(c.PostForm("name")), Slug: strings.ToLower(strings.TrimSpace(c.PostForm("slug"))),
		Goal: strings.TrimSpace(c.PostForm("goal")), Starts: strings.TrimSpace(c.PostForm("starts")),
		Ends: strings.TrimSpace(c.PostForm("ends")), Intro: strings.TrimSpace(c.PostForm("intro")), Presets: strings.TrimSpace(c.PostForm("presets")),
		IntroFR: strings.TrimSpace(c.PostForm("intro_fr")), IntroES: strings.TrimSpace(c.PostForm("intro_es"))}
	cur := s.cfg.Currency
	camp := models.Campaign{ID: d.ID, Name: d.Name, Slug: d.Slug, Currency: cur, Intro: d.Intro, PresetAmounts: d.Presets,
		IntroTranslations: models.Translations{}}
	for lang, text := range map[string]string{"fr": d.IntroFR, "es": d.IntroES} {
		if text != "" {
			camp.IntroTranslations[lang] = text
		}
	}
	switch n := utf8.RuneCountInString(d.Name); {
	case n == 0:
		d.Errors["name"] = "Enter the campaign's name, as readers will see it."
	case n > 120 || strings.ContainsRune(d.Name, 0):
		d.Errors["name"] = "Keep the name under 120 characters."
	}
	if !slugPattern.MatchString(d.Slug) {
		d.Errors["slug"] = "Use 1 to 40 lower-case letters, digits and hyphens, such as year-end-2026."
	}
	if goal, err := money.ParseMajor(d.Goal, cur); err != nil || goal <= 0 {
		d.Errors["goal"] = "Enter the goal as an amount, such as 25000."
	} else {
		camp.GoalAmount = goal
	}
	starts, err1 := time.ParseInLocation("2006-01-02", d.Starts, s.cfg.Location)
	ends, err2 := time.ParseInLocation("2006-01-02", d.Ends, s.cfg.Location)
	switch {
	case err1 != nil:
		d.Errors["starts"] = "Enter the first day as a date, such as 2026-12-01."
	case err2 != nil:
		d.Errors["ends"] = "Enter the last day as a date, such as 2026-12-31."
	case ends.Before(starts):
		d.Errors["ends"] = "The last day is before the first."
	default:
		camp.StartsAt, camp.EndsAt = starts, ends.AddDate(0, 0, 1) // the whole last day
	}
	for field, text := range map[string]string{"intro": d.Intro, "intro_fr": d.IntroFR, "intro_es": d.IntroES} {
		if utf8.RuneCountInString(text) > 2000 || strings.ContainsRune(text, 0) {
			d.Errors[field] = "Keep the introduction under 2,000 characters."
		}
	}
	if ps, err := models.ParsePresets(d.Presets, cur); err != nil || len(ps) > 6 {
		d.Errors["presets"] = "List up to six amounts separated by commas, such as 35, 70, 150."
	} else {
		for _, p := range ps {
			if p < s.cfg.DonationMin || p > s.cfg.DonationMax {
				d.Errors["presets"] = "Each amount must be from " + money.Display(s.cfg.DonationMin, cur) + " to " + money.Display(s.cfg.DonationMax, cur) + "."
			}
		}
	}
	if len(d.Errors) == 0 {
		err := s.store.SaveCampaign(c.Request.Context(), &camp, actor(c))
		var conflict *models.Error
		switch {
		case errors.As(err, &conflict) && errors.Is(err, models.ErrConflict):
			d.Errors["slug"] = conflict.Message
		case errors.Is(err, models.ErrNotFound):
			s.errorPage(c, http.StatusNotFound, "Campaign not found", "There is no such campaign.")
			return
		case err != nil:
			s.error(c, err)
			return
		default:
			s.setFlash(c, "Saved "+camp.Name+": its page is /give/"+camp.Slug+".")
			c.Redirect(http.StatusSeeOther, "/admin/campaigns")
			return
		}
	}
	s.render(c, http.StatusUnprocessableEntity, "admin_campaign", d)
}

// poolRow is a match pool as the campaign's page lists it.
type poolRow struct {
	Funder, Cap, PerDonor, Dates, Matched, Remaining, Monthly string
	// Projected: of Matched, what memberships counted at twelve times have
	// not paid yet ("" when nothing is).
	Projected string
}

func (s *Server) poolRows(c *gin.Context, camp *models.Campaign) ([]poolRow, error) {
	uses, err := s.store.PoolUses(c.Request.Context(), camp.ID)
	if err != nil {
		return nil, err
	}
	var out []poolRow
	for _, u := range uses {
		p := u.Pool
		r := poolRow{Funder: p.Funder, Cap: money.Display(p.Cap, camp.Currency), PerDonor: "No limit",
			Dates:   p.StartsAt.In(s.cfg.Location).Format("2006-01-02") + " to " + p.EndsAt.Add(-1).In(s.cfg.Location).Format("2006-01-02"),
			Matched: money.Display(u.Matched, camp.Currency), Remaining: money.Display(u.Remaining, camp.Currency), Monthly: "No"}
		if u.Projected > 0 {
			r.Projected = money.Display(u.Projected, camp.Currency)
		}
		if p.PerDonorLimit > 0 {
			r.PerDonor = money.Display(p.PerDonorLimit, camp.Currency)
		}
		if p.MonthlyTimesTwelve {
			r.Monthly = "Twelve times the first payment"
		}
		out = append(out, r)
	}
	return out, nil
}

// addMatchPool adds a funder's pool to a campaign, each field checked.
func (s *Server) addMatchPool(c *gin.Context) {
	camp := s.campaignOrAnswer(c)
	if camp == nil {
		return
	}
	cur := camp.Currency
	pf := poolForm{Funder: strings.TrimSpace(c.PostForm("funder")), Cap: strings.TrimSpace(c.PostForm("cap")),
		PerDonor: strings.TrimSpace(c.PostForm("per_donor")), Starts: strings.TrimSpace(c.PostForm("pool_starts")),
		Ends: strings.TrimSpace(c.PostForm("pool_ends")), Monthly: c.PostForm("monthly") == "1"}
	errs := fieldErrors{}
	p := models.MatchPool{CampaignID: camp.ID, Funder: pf.Funder, MonthlyTimesTwelve: pf.Monthly}
	if n := utf8.RuneCountInString(pf.Funder); n == 0 || n > 120 || strings.ContainsRune(pf.Funder, 0) {
		errs["funder"] = "Enter the funder's name, under 120 characters."
	}
	if v, err := money.ParseMajor(pf.Cap, cur); err != nil || v <= 0 {
		errs["cap"] = "Enter the most this funder matches, such as 10000."
	} else {
		p.Cap = v
	}
	if pf.PerDonor != "" {
		if v, err := money.ParseMajor(pf.PerDonor, cur); err != nil || v <= 0 {
			errs["per_donor"] = "Enter the most matched per donor, such as 1000, or leave it empty."
		} else {
			p.PerDonorLimit = v
		}
	}
	p.StartsAt, p.EndsAt = camp.StartsAt, camp.EndsAt
	if pf.Starts != "" || pf.Ends != "" {
		starts, err1 := time.ParseInLocation("2006-01-02", pf.Starts, s.cfg.Location)
		ends, err2 := time.ParseInLocation("2006-01-02", pf.Ends, s.cfg.Location)
		switch {
		case err1 != nil:
			errs["pool_starts"] = "Enter the first day as a date, such as 2026-12-01."
		case err2 != nil:
			errs["pool_ends"] = "Enter the last day as a date, such as 2026-12-31."
		case ends.Before(starts):
			errs["pool_ends"] = "The last day is before the first."
		default:
			p.StartsAt, p.EndsAt = starts, ends.AddDate(0, 0, 1)
		}
	}
	if len(errs) == 0 {
		if err := s.store.AddMatchPool(c.Request.Context(), &p, actor(c)); err != nil {
			s.error(c, err)
			return
		}
		s.setFlash(c, "Added "+p.Funder+"'s match pool to "+camp.Name+".")
		c.Redirect(http.StatusSeeOther, "/admin/campaigns/"+camp.ID)
		return
	}
	d, err := s.campaignForm(c, camp)
	if err != nil {
		s.error(c, err)
		return
	}
	d.Pool, d.PoolErrors = pf, errs
	s.render(c, http.StatusUnprocessableEntity, "admin_campaign", d)
}

// poolForm is what was typed in the add-a-pool form.
type poolForm struct {
	Funder, Cap, PerDonor, Starts, Ends string
	Monthly                             bool
}

// campaignReportCSV downloads the campaign's funders' report.
func (s *Server) campaignReportCSV(c *gin.Context) {
	camp := s.campaignOrAnswer(c)
	if camp == nil {
		return
	}
	r, err := s.store.CampaignReport(c.Request.Context(), camp)
	if err != nil {
		s.error(c, err)
		return
	}
	var buf bytes.Buffer
	if err := reports.WriteCampaignCSV(&buf, r, s.cfg.Location); err != nil {
		s.error(c, err)
		return
	}
	if !s.auditDownload(c, "downloaded report", "campaign "+camp.Slug) {
		return
	}
	attachment(c, "campaign-"+camp.Slug+".csv", "text/csv; charset=utf-8")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
