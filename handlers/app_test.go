package handlers_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/handlers"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/mail"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/server"
	"github.com/indienews/donations/testenv"
)

const webhookSecret = "whsec_test_secret"

// testApp is the real router on a real database, reached over HTTP.
type testApp struct {
	t      testing.TB
	Mail   *testenv.Mailpit // nil unless appOptions.mail
	URL    string
	Store  *models.Store
	Config *config.Config
	Stripe *testenv.Recorder // nil in demo mode
	// Handler is the router itself, for in-process requests (fuzzing).
	Handler http.Handler
	Server  *handlers.Server
}

type appOptions struct {
	demo      bool
	stripeURL string // overrides stripe-mock (to simulate Stripe failures)
	env       map[string]string
	mail      bool       // run the job engine with mailpit as the SMTP server
	work      bool       // run the job engine without mailpit (demo mode then keeps mail in its mailbox)
	logs      io.Writer  // receives every log line, info and up
	clock     *fakeClock // the store's and the server's time; nil: the real one
}

// fakeClock is a time a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newApp starts the server on db ("postgres" or "sqlite"): with stripe-mock
// behind a recording proxy, or in demo mode.
func newApp(t testing.TB, db string, o appOptions) *testApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	pgURL, sqlitePath := testenv.DatabaseURLs(t, db)
	dataDir := t.TempDir()
	if sqlitePath != "" {
		dataDir = filepath.Dir(sqlitePath)
	}
	env := map[string]string{
		"BASE_URL": base, "DATABASE_URL": pgURL, "DATA_DIR": dataDir,
		"ORG_NAME": "The Ledger", "ORG_TAX_ID": "12-3456789", "ORG_ADDRESS": "1 Press St, Springfield",
		"SECRET_KEY":             "0123456789abcdef0123456789abcdef",
		"DONATE_RATE_PER_MINUTE": "1000", "DONATE_RATE_BURST": "1000",
		"DONATE_EMAIL_PER_HOUR": "100000", "DONATE_EMAIL_BURST": "1000",
		// Tests of other things post forms without solving the proof of
		// work, as a reader without JavaScript does; the card-testing
		// tests put the site-wide limits back to their defaults.
		"DONATE_NOJS_PER_HOUR": "100000", "CHECKOUT_BREAKER_MIN": "100000",
		"RECONCILE_EVERY": "off", "METRICS_ADDR": "off",
	}
	app := &testApp{t: t, URL: base}
	if !o.demo {
		env["STRIPE_SECRET_KEY"] = "sk_test_123"
		env["STRIPE_WEBHOOK_SECRET"] = webhookSecret
		target := o.stripeURL
		if target == "" {
			target = testenv.StripeMock(t)
		}
		app.Stripe = testenv.NewRecorder(t, target)
		env["STRIPE_API_BASE"] = app.Stripe.URL
	}
	if o.mail {
		app.Mail = testenv.StartMailpit(t)
		env["SMTP_URL"], env["MAIL_FROM"] = app.Mail.SMTPURL(), "The Ledger <receipts@ledger.example>"
		env["ORG_CONTACT_EMAIL"] = "help@ledger.example"
	}
	for k, v := range o.env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	var now func() time.Time
	if o.clock != nil {
		now = o.clock.Now
	}
	log := slog.New(slog.NewTextHandler(output(t), &slog.HandlerOptions{Level: slog.LevelWarn}))
	if o.logs != nil {
		log = slog.New(slog.NewTextHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	// The service as serve assembles it; only with mail does it work its
	// jobs (without, they are queued and wait, as tests of the queue need).
	srv, err := server.Open(context.Background(), cfg, server.Options{Logger: log, Now: now, NoWork: !o.mail && !o.work,
		FetchPoll: 100 * time.Millisecond, Retry: quickRetry{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Logf("closing the server: %v", err)
		}
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	store := srv.Store
	app.Handler, app.Server = srv.HTTP.Handler(), srv.HTTP
	hs := httptest.NewUnstartedServer(app.Handler)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	app.Store, app.Config = store, cfg
	return app
}

// client is a browser-like client: it keeps cookies and does not follow
// redirects, so tests see each 303.
func (a *testApp) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// get fetches a page and returns its body.
func (a *testApp) get(c *http.Client, path string) (*http.Response, string) {
	a.t.Helper()
	resp, err := c.Get(a.URL + path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// csrfToken loads a form page and returns its token.
func (a *testApp) csrfToken(c *http.Client, path string) string {
	a.t.Helper()
	_, body := a.get(c, path)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		a.t.Fatalf("no csrf_token field on %s", path)
	}
	return m[1]
}

// post submits a form with the page's CSRF token.
func (a *testApp) post(c *http.Client, path string, form url.Values) (*http.Response, string) {
	a.t.Helper()
	resp, err := c.PostForm(a.URL+path, form)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// validForm is a donate form a person could submit.
func validForm(token string) url.Values {
	return url.Values{
		"csrf_token": {token}, "amount": {"25"}, "frequency": {"once"},
		"email": {"reader@example.com"}, "name": {"Ada Reader"},
	}
}

// quickRetry retries a failed job after a second, not River's minutes.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(time.Second) }

// startMailJobs runs the job engine that sends email, as serve does.
func startMailJobs(t testing.TB, store *models.Store, cfg *config.Config, mp *testenv.Mailpit, log *slog.Logger) *jobs.Runner {
	t.Helper()
	composer, err := mail.NewComposer(mail.Settings{Org: cfg.Org, Contact: "help@ledger.example",
		BaseURL: cfg.BaseURL.String(), Catalog: cfg.Catalog}, store, documents.New(cfg.BaseURL.String(), cfg.Location))
	if err != nil {
		t.Fatal(err)
	}
	sender, err := mail.NewSender(mp.SMTPURL(), "The Ledger <receipts@ledger.example>")
	if err != nil {
		t.Fatal(err)
	}
	runner, err := jobs.NewRunner(store, jobs.Options{Emails: store, Composer: composer, Sender: sender, SignIns: store,
		FetchPoll: 100 * time.Millisecond, Retry: quickRetry{}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.UseQueue(runner)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = runner.Stop(ctx)
	})
	return runner
}

// nopGateway and nopVerifier build a second server only to read its routes.
type nopGateway struct{}

func (nopGateway) CreateCheckout(context.Context, payments.CheckoutRequest) (payments.CheckoutSession, error) {
	return payments.CheckoutSession{}, payments.ErrGateway
}
func (nopGateway) Mode() string { return "none" }
func (nopGateway) Resolve(context.Context, payments.Event) (payments.Event, error) {
	return payments.Event{}, payments.ErrGateway
}
func (nopGateway) Portal(context.Context, string, string) (string, error) {
	return "", payments.ErrNoPortal
}

type nopVerifier struct{}

func (nopVerifier) Parse([]byte, string) (payments.Event, error) {
	return payments.Event{}, payments.ErrSignature
}

// output is where a test's logs go: shown only when it fails.
func output(t testing.TB) io.Writer {
	if o, ok := t.(interface{ Output() io.Writer }); ok {
		return o.Output()
	}
	return io.Discard
}

func (nopGateway) DeleteCustomer(context.Context, string) error { return nil }

func (nopGateway) UpdateMembership(context.Context, payments.MembershipUpdate) ([]payments.SignedEvent, error) {
	return nil, errors.New("no gateway")
}
