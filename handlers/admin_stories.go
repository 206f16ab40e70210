package handlers

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/reports"
)

// Which stories bring gifts: a period's gifts by article (the top 20,
// each linked), by campaign and by source.

type storyRow struct {
	Key, Link, Currency              string
	Gifts, Donors, FirstTime, Starts int64
	Gross, Net                       string
}

type storiesData struct {
	adminPage
	From, To                     string
	Articles, Campaigns, Sources []storyRow
	MoreArticles                 int
	Error                        string
}

func storyRows(rows []models.StoryRow, limit int) []storyRow {
	var out []storyRow
	for i, r := range rows {
		if limit > 0 && i >= limit {
			break
		}
		sr := storyRow{Key: r.Key, Currency: strings.ToUpper(r.Currency), Gifts: r.Gifts, Donors: r.Donors, FirstTime: r.FirstTime,
			Starts: r.Starts, Gross: money.Display(r.Gross, r.Currency), Net: money.Display(r.Net, r.Currency)}
		if strings.HasPrefix(r.Key, "https://") || strings.HasPrefix(r.Key, "http://") {
			sr.Link = r.Key
		}
		out = append(out, sr)
	}
	return out
}

// storiesPeriod reads ?from=&to= (dates, inclusive), the last 30 days by
// default.
func (s *Server) storiesPeriod(c *gin.Context) (models.ReceiptPeriod, string, string, error) {
	from, to := c.Query("from"), c.Query("to")
	if from == "" && to == "" {
		now := s.now().In(s.cfg.Location)
		from, to = now.AddDate(0, 0, -29).Format("2006-01-02"), now.Format("2006-01-02")
	}
	p, _, err := reports.ParsePeriod("", from, to, s.cfg.Location)
	return p, from, to, err
}

func (s *Server) adminStories(c *gin.Context) {
	d := storiesData{adminPage: s.adminBase(c)}
	p, from, to, err := s.storiesPeriod(c)
	d.From, d.To = from, to
	if err != nil {
		d.Error = sentence(err.Error())
		s.render(c, http.StatusBadRequest, "admin_stories", d)
		return
	}
	r, err := s.store.Stories(c.Request.Context(), p.From, p.To)
	if err != nil {
		s.error(c, err)
		return
	}
	d.Articles, d.Campaigns, d.Sources = storyRows(r.ByArticle, 20), storyRows(r.ByCampaign, 0), storyRows(r.BySource, 0)
	d.MoreArticles = max(len(r.ByArticle)-20, 0)
	s.render(c, http.StatusOK, "admin_stories", d)
}

func (s *Server) storiesCSV(c *gin.Context) {
	p, from, to, err := s.storiesPeriod(c)
	if err != nil {
		s.errorPage(c, http.StatusBadRequest, "Check the report's dates", sentence(err.Error()))
		return
	}
	var buf bytes.Buffer
	if err := reports.WriteStoriesCSV(c.Request.Context(), &buf, s.store, p.From, p.To); err != nil {
		s.error(c, err)
		return
	}
	label := from + "-to-" + to
	if !s.auditDownload(c, "downloaded report", "stories "+label) {
		return
	}
	attachment(c, "stories-"+label+".csv", "text/csv; charset=utf-8")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
