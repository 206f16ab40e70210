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

	"github.com/indienews/donations/templates"
)

// renderer holds one parsed template set per page (layout + page), built
// once at start so a broken template fails the start, not a request.
type renderer struct {
	pages map[string]*template.Template
}

func newRenderer() (*renderer, error) {
	layout, err := template.ParseFS(templates.Files, "layout.html")
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

// page is the data every page's layout needs.
type page struct {
	Org       string
	OrgTaxID  string
	Demo      bool
	CSRFField template.HTML
}

func (s *Server) basePage(c *gin.Context) page {
	return page{Org: s.cfg.Org.Name, OrgTaxID: s.cfg.Org.TaxID, Demo: s.demo != nil, CSRFField: csrfField(c)}
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
