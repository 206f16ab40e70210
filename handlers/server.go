// Package handlers is the HTTP side: routes, middleware, forms and pages,
// and the Stripe webhook. Handlers validate input and call the store and the
// payment gateway; they never build SQL and never import stripe-go.
package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// Store is what the handlers need of the ledger.
type Store interface {
	CreateGift(ctx context.Context, g *models.Gift) error
	AttachCheckoutSession(ctx context.Context, giftID, sessionID string) error
	DiscardUnstartedGift(ctx context.Context, giftID string) error
	GiftBySession(ctx context.Context, sessionID string) (*models.GiftWithReceipt, error)
	ApplyEvent(ctx context.Context, ev models.EventRecord, effect models.Effect) (models.EventResult, error)
	ReceiptByCode(ctx context.Context, code string) (*models.Receipt, error)
	ReceiptByID(ctx context.Context, id string) (*models.Receipt, error)
	ReceiptsOfDonor(ctx context.Context, donorID string, fy int) ([]models.Receipt, error)
	AllReceiptsOfDonor(ctx context.Context, donorID string) ([]models.Receipt, error)
	GiftsOfDonor(ctx context.Context, donorID string) ([]models.Gift, error)
	MembershipsOfDonor(ctx context.Context, donorID string) ([]models.Membership, error)
	RequestSignIn(ctx context.Context, email string) error
	SignIn(ctx context.Context, token string) (string, *models.Donor, error)
	SessionDonor(ctx context.Context, token string) (*models.Donor, error)
	SignOut(ctx context.Context, token string) error
	UpdateDonorProfile(ctx context.Context, donorID string, p models.DonorProfile, staffEmail, ip string) error
	ReplacementOf(ctx context.Context, number string) (*models.Receipt, error)
	Ping(ctx context.Context) error
}

// EventVerifier checks and decodes webhook bodies.
type EventVerifier interface {
	Parse(payload []byte, header string) (payments.Event, error)
}

// Deps are the Server's collaborators, all explicit.
type Deps struct {
	Config   *config.Config
	Store    Store
	Gateway  payments.Gateway
	Verifier EventVerifier
	Demo     *payments.Demo // nil unless demo mode
	Logger   *slog.Logger
	Now      func() time.Time
}

// Server holds the dependencies every handler uses.
type Server struct {
	cfg      *config.Config
	store    Store
	gateway  payments.Gateway
	verifier EventVerifier
	demo     *payments.Demo
	log      *slog.Logger
	now      func() time.Time
	pages    *renderer
	metrics  *metrics
	limiter  *keyLimiter
	// Card testing from many addresses with one email meets this one.
	donateByEmail *keyLimiter
	captcha       *captchaVerifier // nil unless CAPTCHA_PROVIDER is set
	// Content-Security-Policy: for every page, and for the donate pages,
	// which FRAME_ANCESTORS may let other sites embed.
	csp, donateCSP string
	docs           *documents.Renderer
	// Sign-in links: per client IP against floods, per address so nobody
	// can bury a donor's inbox.
	signInByIP    *keyLimiter
	signInByEmail *keyLimiter
	// The staff area; nil when the store does not offer it.
	admin          AdminStore
	csrfMiddleware gin.HandlerFunc
	// csrfKey signs form tokens; secret signs flash messages. Both come
	// from SECRET_KEY (random per process when it is unset in development).
	csrfKey, secret []byte
	// The empty donate form, rendered once (see donateForm).
	donatePageOnce sync.Once
	donatePage     []byte
}

// New builds the server; Handler gives its router.
func New(d Deps) (*Server, error) {
	if d.Config == nil || d.Store == nil || d.Gateway == nil || d.Verifier == nil {
		return nil, fmt.Errorf("handlers: config, store, gateway and verifier are required")
	}
	if d.Config.DemoMode() != (d.Demo != nil) {
		return nil, fmt.Errorf("handlers: demo gateway must be given exactly in demo mode")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	pages, err := newRenderer()
	if err != nil {
		return nil, err
	}
	admin, _ := d.Store.(AdminStore)
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
	return &Server{
		csrfKey: derivedKey(key, "csrf"), secret: derivedKey(key, "server"),
		cfg: d.Config, store: d.Store, gateway: d.Gateway, verifier: d.Verifier, demo: d.Demo,
		log: d.Logger, now: d.Now, pages: pages, metrics: newMetrics(), admin: admin,
		docs:    documents.New(d.Config.BaseURL.String(), d.Config.Location),
		captcha: captcha, csp: csp, donateCSP: donateCSP,
		limiter:       newIPLimiter(d.Config.DonateRatePerMinute, d.Config.DonateRateBurst, d.Now),
		donateByEmail: newRateLimiter(rate.Limit(float64(d.Config.DonateEmailPerHour)/3600), d.Config.DonateEmailBurst, d.Now),
		signInByIP:    newIPLimiter(10, 5, d.Now),
		signInByEmail: newRateLimiter(rate.Every(10*time.Minute), 3, d.Now),
	}, nil
}

// derivedKey separates the uses of one SECRET_KEY.
func derivedKey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// Handler returns the router with every middleware in place.
func (s *Server) Handler() http.Handler { return s.routes() }

// RouteTable lists every route as method and path, for the test that
// proves each /admin route refuses the wrong people.
func (s *Server) RouteTable() [][2]string {
	engine, _ := s.routes().(*gin.Engine)
	var out [][2]string
	for _, r := range engine.Routes() {
		out = append(out, [2]string{r.Method, r.Path})
	}
	return out
}
