package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/templates"
)

// renderer holds one parsed template set per page (layout + page), built
// once at start so a broken template fails the start, not a request.
type renderer struct {
	pages map[string]*template.Template
}

func newRenderer() (*renderer, error) {
	layout, err := template.New("layout.html").Funcs(template.FuncMap{
		"errorsIn": errorsIn, "oneError": oneError, "dict": dict,
	}).ParseFS(templates.Files, "layout.html")
	if err != nil {
		return nil, fmt.Errorf("parsing layout: %w", err)
	}
	// Partials (pages/_*.html) are shared by every page.
	partials, err := fs.Glob(templates.Files, "pages/_*.html")
	if err != nil {
		return nil, err
	}
	if len(partials) > 0 {
		if layout, err = layout.ParseFS(templates.Files, partials...); err != nil {
			return nil, fmt.Errorf("parsing partials: %w", err)
		}
	}
	files, err := fs.Glob(templates.Files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}}
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templates.Files, f)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", f, err)
		}
		r.pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return r, nil
}

// page is the data every page's layout needs: the newsroom as its
// settings describe it, in the header and the footer.
type page struct {
	Org, OrgTaxID, TaxIDLabel, OrgAddress string
	Contact, Privacy, Terms, Website      string
	Logo                                  string // the logo's src, "" for none
	CSSVersion                            string
	Description                           string // the meta description
	Demo                                  bool
	// DemoMailbox: demo mode keeps its mail (see demo_mailbox.go).
	DemoMailbox bool
	CSRFField   template.HTML
}

func (s *Server) basePage(c *gin.Context) page {
	p := page{Org: s.cfg.Org.Name, OrgTaxID: s.cfg.Org.TaxID, TaxIDLabel: models.TaxIDLabel(s.cfg.ReceiptRules),
		OrgAddress: s.cfg.Org.Address, Contact: s.cfg.ContactEmail, Privacy: s.cfg.PrivacyURL, Terms: s.cfg.TermsURL,
		Website: s.cfg.Brand.Website, CSSVersion: s.assets.cssVersion, Demo: s.demo != nil, DemoMailbox: s.mailbox != nil,
		Description: "Support " + s.cfg.Org.Name + ": give once, or become a member.", CSRFField: csrfField(c)}
	switch {
	case s.cfg.Brand.LogoURL != "":
		p.Logo = s.cfg.Brand.LogoURL
	case s.cfg.Brand.LogoData != nil:
		p.Logo = "/brand/logo"
	}
	return p
}

// render writes a whole page or, if rendering fails, a plain error: a
// template error never sends half a page.
func (s *Server) render(c *gin.Context, status int, name string, data any) {
	t, ok := s.pages.pages[name]
	if !ok {
		s.error(c, fmt.Errorf("no page %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.logger(c).Error("rendering page", "page", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Something went wrong on our side. Please try again."))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
