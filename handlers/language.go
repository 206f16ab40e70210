package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// The language a reader gets, in the order they expect: the one they
// picked with the link on every page (kept in a cookie), the one they
// picked before (kept on the donor, read once they sign in), the one
// their browser asks for, the site's default.

const (
	ctxLanguage    = "language"
	ctxLangChosen  = "language_chosen"
	languageCookie = "lang"
)

// chooseLanguage sets the request's language. The staff area is English
// whatever the reader's browser says (its words are not translated yet).
func (s *Server) chooseLanguage(c *gin.Context) {
	path := c.Request.URL.Path
	if machinePath(path) {
		c.Next()
		return
	}
	if path == "/admin" || strings.HasPrefix(path, "/admin/") {
		c.Set(ctxLanguage, "en")
		c.Next()
		return
	}
	chosen := c.Query("lang")
	if locale.Known(chosen) {
		s.setLanguageCookie(c, chosen)
	} else if ck, err := c.Cookie(languageCookie); err == nil && locale.Known(ck) {
		chosen = ck
	} else {
		chosen = ""
	}
	lang := s.cfg.Catalog.Choose(chosen, "", c.GetHeader("Accept-Language"))
	c.Set(ctxLanguage, lang)
	c.Set(ctxLangChosen, chosen != "")
	h := c.Writer.Header()
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language")
	c.Next()
}

// setLanguageCookie keeps lang for the reader's next pages, across the
// site, for a year.
func (s *Server) setLanguageCookie(c *gin.Context, lang string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: languageCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.cfg.BaseURL.Scheme == "https", SameSite: http.SameSiteLaxMode})
}

// machinePath: answered to programs, in no language.
func machinePath(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics", webhookPath, "/box.js", "/favicon.svg":
		return true
	}
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/box/")
}

// lang is the request's language.
func (s *Server) lang(c *gin.Context) string {
	if l := c.GetString(ctxLanguage); l != "" {
		return l
	}
	return s.cfg.Catalog.Default()
}

// printer writes in the request's language.
func (s *Server) printer(c *gin.Context) *locale.Printer { return s.cfg.Catalog.Printer(s.lang(c)) }

// donorLanguage settles the language with a signed-in donor: a choice
// made on this visit becomes theirs, else theirs is the page's.
func (s *Server) donorLanguage(c *gin.Context, d *models.Donor) {
	if d == nil {
		return
	}
	if c.GetBool(ctxLangChosen) || d.Language == "" {
		if lang := s.lang(c); lang != d.Language {
			if err := s.store.SetDonorLanguage(c.Request.Context(), d.ID, lang); err != nil {
				s.logger(c).Error("keeping the donor's language", "err", err)
				return
			}
			d.Language = lang
		}
		return
	}
	if locale.Known(d.Language) {
		c.Set(ctxLanguage, d.Language)
		c.Writer.Header().Set("Content-Language", d.Language)
	}
}

// languageLink is one entry of the language switcher: this page in
// another language.
type languageLink struct {
	Lang, Name, URL string
	Current         bool
}

// languageLinks are this page in each language: the same path and query,
// with lang set.
func (s *Server) languageLinks(c *gin.Context) []languageLink {
	current := s.lang(c)
	var links []languageLink
	for _, l := range locale.Languages {
		links = append(links, languageLink{Lang: l, Name: locale.Name(l), URL: withLang(c.Request.URL, l), Current: l == current})
	}
	return links
}

func withLang(u *url.URL, lang string) string {
	q := u.Query()
	q.Set("lang", lang)
	return u.Path + "?" + q.Encode()
}

// staff writes the staff area's words: English, whatever the site's
// default (its pages are not translated yet).
func (s *Server) staff() *locale.Printer { return s.cfg.Catalog.Printer("en") }
