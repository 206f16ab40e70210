package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/templates"
)

// The donate box on the news site's articles: its script (/box.js) and a
// campaign's meter (/box/meter/SLUG.json). They are asked for on every
// article view, not every gift, so both carry an ETag and a
// Cache-Control a CDN or a browser can answer from, and the meter is
// computed at most once per meterFresh per campaign, never per request.
// Neither sets a cookie; the meter allows exactly the news site's
// origins (CORS).

// meterFresh is how stale a meter may be: a burst of gifts shows within
// it.
const meterFresh = 3 * time.Second

type meterEntry struct {
	body, etag string
	at         time.Time
}

// meterCache keeps each campaign's meter, made at most once per
// meterFresh; one request makes it while the others wait for it.
type meterCache struct {
	mu      sync.Mutex
	entries map[string]meterEntry
}

// boxScript is box.js with its ETag, read once.
type boxScript struct {
	body []byte
	etag string
}

func loadBoxScript(catalog *locale.Catalog) (*boxScript, error) {
	b, err := templates.Files.ReadFile("static/box.js")
	if err != nil {
		return nil, err
	}
	// The box's words in each language, the site's default first (the box
	// falls back to the first).
	var words bytes.Buffer
	words.WriteByte('{')
	order := []string{catalog.Default()}
	for _, l := range locale.Languages {
		if l != catalog.Default() {
			order = append(order, l)
		}
	}
	for i, lang := range order {
		p := catalog.Printer(lang)
		w, err := json.Marshal(map[string]string{"monthly": p.T("box.monthly"), "raised": p.T("box.raised"),
			"closed": p.T("box.closed"), "matched": p.T("box.matched")})
		if err != nil {
			return nil, err
		}
		if i > 0 {
			words.WriteByte(',')
		}
		fmt.Fprintf(&words, "%q:%s", lang, w)
	}
	words.WriteByte('}')
	start := bytes.Index(b, []byte("/*WORDS*/"))
	if start < 0 {
		return nil, fmt.Errorf("box.js: no /*WORDS*/ to put the words in")
	}
	lineEnd := start + bytes.IndexByte(b[start:], '\n')
	b = slices.Concat(b[:start], words.Bytes(), []byte(";"), b[lineEnd:])
	sum := sha256.Sum256(b)
	return &boxScript{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}, nil
}

// notModified answers a conditional request whose ETag still holds.
func notModified(c *gin.Context, etag string) bool {
	for _, tag := range strings.Split(c.GetHeader("If-None-Match"), ",") {
		if t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(tag), "W/")); t == etag || t == "*" {
			c.Status(http.StatusNotModified)
			return true
		}
	}
	return false
}

func (s *Server) boxJS(c *gin.Context) {
	c.Header("ETag", s.box.etag)
	c.Header("Cache-Control", "public, max-age=3600")
	if notModified(c, s.box.etag) {
		return
	}
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", s.box.body)
}

// meterJSON is a campaign's meter as the box reads it.
type meterJSON struct {
	Name       string `json:"name"`
	Currency   string `json:"currency"`
	Raised     int64  `json:"raised"`
	Goal       int64  `json:"goal"`
	Percent    int64  `json:"percent"`
	RaisedText string `json:"raised_text"`
	GoalText   string `json:"goal_text"`
	Closed     bool   `json:"closed"`
	Funder     string `json:"funder,omitempty"`
	AsOf       string `json:"as_of"`
	// Texts are the figures as each language writes them.
	Texts map[string]meterText `json:"texts"`
}

type meterText struct {
	Raised string `json:"raised"`
	Goal   string `json:"goal"`
}

func (s *Server) boxMeter(c *gin.Context) {
	slug, ok := strings.CutSuffix(c.Param("file"), ".json")
	if origin := c.GetHeader("Origin"); origin != "" && slices.Contains(s.cfg.NewsOrigins, strings.ToLower(origin)) {
		c.Header("Access-Control-Allow-Origin", origin)
	}
	c.Header("Vary", "Origin")
	if !ok || !slugPattern.MatchString(slug) {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such campaign"})
		return
	}
	e, err := s.meter(c, slug)
	if errors.Is(err, models.ErrNotFound) {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such campaign"})
		return
	}
	if err != nil {
		s.logger(c).Error("campaign meter", "campaign", slug, "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "try again shortly"})
		return
	}
	c.Header("ETag", e.etag)
	c.Header("Cache-Control", "public, max-age=3, stale-while-revalidate=30")
	if notModified(c, e.etag) {
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", []byte(e.body))
}

// meter is a campaign's meter, made again when older than meterFresh.
func (s *Server) meter(c *gin.Context, slug string) (meterEntry, error) {
	s.meters.mu.Lock()
	defer s.meters.mu.Unlock()
	now := s.now()
	if e, ok := s.meters.entries[slug]; ok && now.Sub(e.at) < meterFresh {
		return e, nil
	}
	camp, err := s.store.CampaignBySlug(c.Request.Context(), slug)
	if err != nil {
		return meterEntry{}, err
	}
	v, err := s.campaignView(c, camp)
	if err != nil {
		return meterEntry{}, err
	}
	m := meterJSON{Name: camp.Name, Currency: camp.Currency, Raised: v.RaisedValue, Goal: camp.GoalAmount, Percent: v.Percent,
		RaisedText: money.Display(v.raised, camp.Currency), GoalText: money.Display(camp.GoalAmount, camp.Currency), Closed: v.Closed, Funder: v.Funder,
		Texts: map[string]meterText{}}
	for _, lang := range locale.Languages {
		pr := s.cfg.Catalog.Printer(lang)
		m.Texts[lang] = meterText{Raised: pr.Money(v.raised, camp.Currency), Goal: pr.Money(camp.GoalAmount, camp.Currency)}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return meterEntry{}, err
	}
	sum := sha256.Sum256(b)
	m.AsOf = now.UTC().Format(time.RFC3339)
	if b, err = json.Marshal(m); err != nil {
		return meterEntry{}, err
	}
	// The ETag is the figures', not the time's: an unchanged meter stays
	// 304 across refreshes.
	e := meterEntry{body: string(b), etag: `"` + hex.EncodeToString(sum[:8]) + `"`, at: now}
	s.meters.entries[slug] = e
	return e, nil
}
