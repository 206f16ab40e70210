package handlers

import (
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// Which stories bring gifts: the donate box on an article links to the
// form with the article's address (?article=), and the landing address
// may carry utm_ parameters. Both ride the form as hidden fields and are
// kept on the gift, cleaned: an address off the news site is "other",
// never stored as it came, so strangers' links and tracking junk stay out
// of the reports.

// attribution is where a gift started.
type attribution struct {
	Article, UTMSource, UTMMedium, UTMCampaign string
}

func (a attribution) empty() bool { return a == attribution{} }

// attributionOf reads and cleans the four values from the query (the
// landing) or the form (the submission).
func (s *Server) attributionOf(get func(string) string) attribution {
	return attribution{Article: s.articleURL(get("article")), UTMSource: utmValue(get("utm_source")),
		UTMMedium: utmValue(get("utm_medium")), UTMCampaign: utmValue(get("utm_campaign"))}
}

// queryAttribution reads the landing address; without ?article=, a
// Referer on the news site (the box's plain link, JavaScript off) names
// the article.
func (s *Server) queryAttribution(c *gin.Context) func(string) string {
	return func(name string) string {
		v := c.Query(name)
		if name == "article" && v == "" {
			if ref := c.GetHeader("Referer"); ref != "" && s.articleURL(ref) != "other" {
				return ref
			}
		}
		return v
	}
}

// articleURL keeps an article's address when it is on the news site:
// scheme, host and path, without its query or fragment. Anything else is
// "other"; nothing is "".
func (s *Server) articleURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "other"
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	if !slices.Contains(s.cfg.NewsOrigins, origin) {
		return "other"
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	p = path.Clean(p)
	if len(p) > 300 || strings.ContainsAny(p, "\"'<> ") {
		return "other"
	}
	return origin + p
}

// utmValue keeps a utm_ value as lower-case letters, digits, dots,
// hyphens and underscores (spaces become hyphens), at most 60; a value
// with nothing left is "other".
func utmValue(raw string) string {
	raw = strings.ToLower(strings.TrimSpace(raw))
	if raw == "" {
		return ""
	}
	var b strings.Builder
	for _, r := range raw {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ' || r == '+':
			b.WriteByte('-')
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "other"
	}
	return b.String()
}
