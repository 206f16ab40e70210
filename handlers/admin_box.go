package handlers

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/money"
)

// The staff page with the donate box's snippet, ready to copy into the
// news site's article template: one for the default form and one per
// campaign.

type boxSnippet struct{ Title, ID, Code string }

type boxData struct {
	adminPage
	Snippets []boxSnippet
	Origins  string
}

var snippetTemplate = template.Must(template.New("snippet").Parse(`<aside class="donations-box" data-donations-box data-base="{{.Base}}"{{with .Campaign}} data-campaign="{{.}}"{{end}} data-amounts="{{.Amounts}}" data-currency="{{.Symbol}}">
  <p><strong>{{.Headline}}</strong></p>
  <p><a data-donate href="{{.Link}}">Donate to {{.Org}}</a></p>
</aside>
<script src="{{.Base}}/box.js" async></script>`))

func (s *Server) boxSnippet(campaign, name, amounts string) (string, error) {
	base := strings.TrimRight(s.cfg.BaseURL.String(), "/")
	link := base + "/donate"
	headline := "Support " + s.cfg.Org.Name + " with a gift"
	if campaign != "" {
		link = base + "/give/" + campaign
		headline = name + ": support " + s.cfg.Org.Name
	}
	symbol := strings.TrimSuffix(money.Display(0, s.cfg.Currency), money.FormatMajor(0, s.cfg.Currency))
	var b strings.Builder
	err := snippetTemplate.Execute(&b, map[string]string{"Base": base, "Campaign": campaign, "Amounts": amounts, "Symbol": symbol,
		"Headline": headline, "Link": link, "Org": s.cfg.Org.Name})
	return b.String(), err
}

func (s *Server) adminBox(c *gin.Context) {
	plain := func(ps []int64) string {
		var out []string
		for _, p := range ps {
			out = append(out, strings.TrimSuffix(money.FormatMajor(p, s.cfg.Currency), ".00"))
		}
		return strings.Join(out, ",")
	}
	d := boxData{adminPage: s.adminBase(c), Origins: strings.Join(s.cfg.NewsOrigins, " ")}
	code, err := s.boxSnippet("", "", plain(s.cfg.PresetAmounts))
	if err != nil {
		s.error(c, err)
		return
	}
	d.Snippets = append(d.Snippets, boxSnippet{Title: "The donate form", ID: "snippet-default", Code: code})
	cs, err := s.store.Campaigns(c.Request.Context())
	if err != nil {
		s.error(c, err)
		return
	}
	for i := range cs {
		ps := cs[i].Presets()
		if len(ps) == 0 {
			ps = s.cfg.PresetAmounts
		}
		code, err := s.boxSnippet(cs[i].Slug, cs[i].Name, plain(ps))
		if err != nil {
			s.error(c, err)
			return
		}
		d.Snippets = append(d.Snippets, boxSnippet{Title: cs[i].Name, ID: "snippet-" + cs[i].Slug, Code: code})
	}
	s.render(c, http.StatusOK, "admin_box", d)
}
