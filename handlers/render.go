package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/templates"
)

// renderer holds one parsed template set per language and page (layout +
// page). Each language's set has its own words: {{t "key"}} in a page is
// that language's text. The default language's set is parsed at start, so
// a broken template fails the start, not a request; the others, made of
// the same files and function names, are parsed when a page is first asked
// for in them (each set is 3 MB that a server nobody reads in French does
// not keep).
type renderer struct {
	langs map[string]*pageSet // read-only once built
}

// pageSet is one language's pages, parsed once.
type pageSet struct {
	once    sync.Once
	printer *locale.Printer
	pages   map[string]*template.Template
	err     error
}

func (ps *pageSet) load() (map[string]*template.Template, error) {
	ps.once.Do(func() { ps.pages, ps.err = parsePages(ps.printer) })
	return ps.pages, ps.err
}

func newRenderer(catalog *locale.Catalog) (*renderer, error) {
	r := &renderer{langs: map[string]*pageSet{}}
	for _, lang := range locale.Languages {
		r.langs[lang] = &pageSet{printer: catalog.Printer(lang)}
	}
	def, ok := r.langs[catalog.Default()]
	if !ok {
		def = r.langs[locale.Languages[0]]
	}
	if _, err := def.load(); err != nil {
		return nil, err
	}
	return r, nil
}

// page is the template of page name in lang.
func (r *renderer) page(lang, name string) (*template.Template, bool) {
	ps, ok := r.langs[lang]
	if !ok {
		return nil, false
	}
	pages, err := ps.load()
	if err != nil {
		return nil, false
	}
	t, ok := pages[name]
	return t, ok
}

func parsePages(p *locale.Printer) (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(template.FuncMap{
		"errorsIn": errorsIn, "oneError": oneError, "dict": dict,
		"t": p.T, "n": p.N, "money": p.Money, "date": p.Date, "number": p.Number,
		"lang": p.Lang, "th": htmlT(p), "strong": strong,
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
	pages := map[string]*template.Template{}
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templates.Files, f)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", f, err)
		}
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return pages, nil
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
	// Languages are this page in each language, for the switcher and the
	// hreflang links.
	Languages []languageLink
}

func (s *Server) basePage(c *gin.Context) page {
	p := page{Org: s.cfg.Org.Name, OrgTaxID: s.cfg.Org.TaxID, TaxIDLabel: models.TaxIDLabel(s.cfg.ReceiptRules),
		OrgAddress: s.cfg.Org.Address, Contact: s.cfg.ContactEmail, Privacy: s.cfg.PrivacyURL, Terms: s.cfg.TermsURL,
		Website: s.cfg.Brand.Website, CSSVersion: s.assets.cssVersion, Demo: s.demo != nil, DemoMailbox: s.mailbox != nil,
		Description: s.printer(c).T("page.description", "Org", s.cfg.Org.Name), CSRFField: csrfField(c),
		Languages: s.languageLinks(c)}
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
	t, ok := s.pages.page(s.lang(c), name)
	if !ok {
		s.error(c, fmt.Errorf("no page %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.logger(c).Error("rendering page", "page", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte(s.printer(c).T("error.render")))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// htmlT is {{th "key" "Name" value}}: a message with markup in its
// fields, such as an amount in <strong>. The message's own text is
// escaped; a field is escaped too unless it is template.HTML (made by
// strong, never by a donor).
func htmlT(p *locale.Printer) func(id string, args ...any) template.HTML {
	return func(id string, args ...any) template.HTML {
		marks := append([]any(nil), args...)
		for i := 1; i < len(marks); i += 2 {
			marks[i] = fmt.Sprintf("\x01%d\x01", i)
		}
		out := template.HTMLEscapeString(p.T(id, marks...))
		for i := 1; i < len(args); i += 2 {
			v, ok := args[i].(template.HTML)
			if !ok {
				v = template.HTML(template.HTMLEscapeString(fmt.Sprint(args[i])))
			}
			out = strings.Replace(out, fmt.Sprintf("\x01%d\x01", i), string(v), 1)
		}
		return template.HTML(out)
	}
}

// strong is text in <strong>, with an id when id is not "".
func strong(id, text string) template.HTML {
	if id == "" {
		return template.HTML("<strong>" + template.HTMLEscapeString(text) + "</strong>")
	}
	return template.HTML(`<strong id="` + template.HTMLEscapeString(id) + `">` + template.HTMLEscapeString(text) + "</strong>")
}
