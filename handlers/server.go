// Package handlers is the HTTP side: routes (routes.go is the whole URL
// space), middleware, the donor's pages (donate*, thanks, demo, verify,
// account*), the staff area (admin_*, one file per resource, as miniflux's
// internal/ui) and the Stripe webhook. Handlers validate input, call the
// store and the payment gateway, redirect after a successful POST, and
// turn every error into an answer in one place (errors.go). They never
// build SQL and never import stripe-go.
package handlers

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/mail"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// EventVerifier checks and decodes webhook bodies.
type EventVerifier interface {
	Parse(payload []byte, header string) (payments.Event, error)
}

// Deps are the Server's collaborators, all explicit. The store is the
// concrete one, as in miniflux: no interface mirrors it, so no feature can
// be switched off by a type assertion that fails.
type Deps struct {
	Config   *config.Config
	Store    *models.Store
	Gateway  payments.Gateway
	Verifier EventVerifier
	Demo     *payments.Demo // nil unless demo mode
	// Mailbox is demo mode's mail when no SMTP server is set; nil otherwise.
	Mailbox *mail.Mailbox
	Logger  *slog.Logger
	Now     func() time.Time
}

// Server holds the dependencies every handler uses.
type Server struct {
	cfg      *config.Config
	store    *models.Store
	gateway  payments.Gateway
	verifier EventVerifier
	demo     *payments.Demo
	mailbox  *mail.Mailbox
	log      *slog.Logger
	now      func() time.Time
	pages    *renderer
	metrics  *metrics
	// door decides which forms may start a Checkout Session (frontdoor.go).
	door    *frontDoor
	captcha *captchaVerifier // nil unless CAPTCHA_PROVIDER is set
	// Content-Security-Policy: for every page, and for the donate pages,
	// which FRAME_ANCESTORS may let other sites embed.
	csp, donateCSP string
	docs           *documents.Renderer
	// Sign-in links: per client IP against floods, per address so nobody
	// can bury a donor's inbox.
	signInByIP     *keyLimiter
	signInByEmail  *keyLimiter
	csrfMiddleware gin.HandlerFunc
	router         *gin.Engine
	handler        http.Handler // the router, compressing what it sends
	assets         *assets
	appeal         map[string]template.HTML // APPEAL_TEXT in each language, rendered once
	thankYou       map[string]template.HTML // THANK_YOU_TEXT in each language, "" for none
	// csrfKey signs form tokens; secret signs flash messages. Both come
	// from SECRET_KEY (random per process when it is unset in development).
	csrfKey, secret []byte
	// The empty donate form in each language, rendered once (see donateForm).
	donatePages map[string]*cachedPage
	// The donate box: its script, and each campaign's meter.
	box    *boxScript
	meters *meterCache
	// problems: what the operator must hear of (ops.go).
	problems problems
	draining draining
	// unsubKey signs and checks unsubscribe links (unsubscribe.go).
	unsubKey []byte
}

// New builds the server; Handler gives its router.
func New(d Deps) (*Server, error) {
	if d.Config == nil || d.Store == nil || d.Gateway == nil || d.Verifier == nil {
		return nil, fmt.Errorf("handlers: config, store, gateway and verifier are required")
	}
	if d.Config.DemoMode() != (d.Demo != nil) {
		return nil, fmt.Errorf("handlers: demo gateway must be given exactly in demo mode")
	}
	if d.Mailbox != nil && d.Demo == nil {
		return nil, fmt.Errorf("handlers: the demo mailbox exists only in demo mode")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Config.Catalog == nil {
		// A Config not made by config.Load (tests build some by hand).
		catalog, err := locale.New(cmp.Or(d.Config.DefaultLanguage, "en"), d.Config.Region())
		if err != nil {
			return nil, err
		}
		d.Config.Catalog = catalog
	}
	pages, err := newRenderer(d.Config.Catalog)
	if err != nil {
		return nil, err
	}
	var captcha *captchaVerifier
	if d.Config.Captcha.Enabled() {
		captcha = &captchaVerifier{cfg: d.Config.Captcha, client: &http.Client{Timeout: 10 * time.Second}}
	}
	csp, donateCSP := contentSecurityPolicies(d.Config)
	key := d.Config.SecretKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	srv := &Server{
		csrfKey: derivedKey(key, "csrf"), secret: derivedKey(key, "server"), unsubKey: UnsubscribeKey(key),
		cfg: d.Config, store: d.Store, gateway: d.Gateway, verifier: d.Verifier, demo: d.Demo, mailbox: d.Mailbox,
		log: d.Logger, now: d.Now, pages: pages, metrics: newMetrics(d.Store),
		docs:    d.Config.Documents(),
		captcha: captcha, csp: csp, donateCSP: donateCSP,
		signInByIP:    newIPLimiter(10, 5, d.Now),
		signInByEmail: newRateLimiter(rate.Every(10*time.Minute), 3, d.Now),
	}
	srv.door = newFrontDoor(d.Store, d.Config, srv.metrics, key, d.Now)
	if srv.box, err = loadBoxScript(d.Config.Catalog); err != nil {
		return nil, err
	}
	srv.meters = &meterCache{entries: map[string]meterEntry{}}
	if srv.assets, err = srv.buildAssets(); err != nil {
		return nil, err
	}
	srv.appeal, srv.thankYou, srv.donatePages = map[string]template.HTML{}, map[string]template.HTML{}, map[string]*cachedPage{}
	for _, lang := range locale.Languages {
		p := d.Config.Catalog.Printer(lang)
		if srv.appeal[lang], err = renderAppeal(d.Config.Brand.AppealIn(lang), p.T("donate.appeal.default", "Org", d.Config.Org.Name)); err != nil {
			return nil, err
		}
		if text := d.Config.Brand.ThankYouIn(lang); text != "" {
			if srv.thankYou[lang], err = renderAppeal(text, ""); err != nil {
				return nil, err
			}
		}
		srv.donatePages[lang] = &cachedPage{}
	}
	router, err := srv.routes()
	if err != nil {
		return nil, err
	}
	srv.router = router
	if srv.handler, err = Compress(router); err != nil {
		return nil, err
	}
	return srv, nil
}

// derivedKey separates the uses of one SECRET_KEY.
func derivedKey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// Handler returns the router with every middleware in place.
func (s *Server) Handler() http.Handler { return s.handler }

// RouteTable lists every route as method and path, for the test that
// proves each /admin route refuses the wrong people.
func (s *Server) RouteTable() [][2]string {
	var out [][2]string
	for _, r := range s.router.Routes() {
		out = append(out, [2]string{r.Method, r.Path})
	}
	return out
}
