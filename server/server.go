// Package server assembles the running service from its settings, as
// wtf's Main does: the migrated store, the job engine and its workers,
// mail, Stripe (or the demo stand-in) and the HTTP handlers, then serves
// them with a graceful shutdown. The donations command and the tests build
// it the same way, so what a test runs is what production runs. It holds
// no logic of its own beyond putting the parts together.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/riverqueue/river"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/handlers"
	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/mail"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/outbound"
	"github.com/indienews/donations/payments"
)

// ShutdownGrace is how long in-flight requests, then running jobs, get
// after SIGTERM.
const ShutdownGrace = 20 * time.Second

// Options are what differs between a production start and a test's.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // the store's and the handlers' clock; nil: the real one
	// NoWork queues background jobs without working them: for commands,
	// whose jobs the running server works, and for tests that look at the
	// queue itself.
	NoWork bool
	// FetchPoll and Retry tune the job engine (tests make them quick).
	FetchPoll time.Duration
	Retry     river.ClientRetryPolicy
	// Notice is where the person who started the server reads what they
	// must do (the first admin's setup link): serve's standard output.
	Notice io.Writer
}

// Server is the assembled service.
type Server struct {
	Config *config.Config
	Store  *models.Store
	Jobs   *jobs.Runner
	HTTP   *handlers.Server
	Demo   *payments.Demo   // nil unless demo mode
	Stripe *payments.Stripe // nil in demo mode
	log    *slog.Logger
	notice io.Writer
	// reconciling says whether the job engine heals missed webhooks.
	reconciling bool
}

// OpenStore opens the configured database and brings its schema and the
// job engine's up to date; the commands that need only the ledger use it.
func OpenStore(ctx context.Context, cfg *config.Config, log *slog.Logger, now func() time.Time) (*models.Store, error) {
	store, err := models.Open(ctx, models.Options{
		DatabaseURL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath(), Logger: log, Now: now, Receipts: cfg.Receipts(),
	})
	if err != nil {
		return nil, err
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	for _, m := range applied {
		log.Info("migration applied", "migration", m)
	}
	if err := jobs.Migrate(ctx, store); err != nil {
		return nil, errors.Join(err, store.Close())
	}
	return store, nil
}

// Open builds the whole service on cfg. Call Start to work jobs and Close
// when done.
func Open(ctx context.Context, cfg *config.Config, o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.ForServing(); err != nil {
		return nil, err
	}
	store, err := OpenStore(ctx, cfg, o.Logger, o.Now)
	if err != nil {
		return nil, err
	}
	s := &Server{Config: cfg, Store: store, log: o.Logger, notice: o.Notice}
	if err := s.assemble(o); err != nil {
		return nil, errors.Join(err, store.Close())
	}
	return s, nil
}

func (s *Server) assemble(o Options) error {
	cfg, log := s.Config, s.log
	deps := handlers.Deps{Config: cfg, Store: s.Store, Logger: log, Now: o.Now}
	var lister ingest.Lister
	if cfg.DemoMode() {
		demo, err := payments.NewDemo(cfg.BaseURL.String(), nil)
		if err != nil {
			return err
		}
		s.Demo = demo
		deps.Demo, deps.Gateway, deps.Verifier = demo, demo, payments.NewVerifier(demo.Secret())
	} else {
		s.Stripe = payments.NewStripe(cfg.StripeSecretKey, cfg.StripeAPIBase, log)
		s.Stripe.UsePortalConfiguration(cfg.StripePortalConfiguration)
		deps.Gateway, deps.Verifier = s.Stripe, payments.NewVerifier(cfg.StripeWebhookSecrets...)
		if cfg.ReconcileEvery > 0 {
			lister = s.Stripe
		}
	}
	opts := jobs.Options{Logger: log, Now: o.Now, FetchPoll: o.FetchPoll, Retry: o.Retry, RescueAfter: cfg.JobRescueAfter}
	if !o.NoWork {
		composer, sender, err := mailer(cfg, s.Store)
		if err != nil {
			return err
		}
		if sender == nil && cfg.DemoMode() {
			// Demo mode keeps its mail, as it keeps its money: on a page.
			mailbox := mail.NewMailbox(200)
			sender, deps.Mailbox = mailbox, mailbox
		}
		opts.Lister, opts.Store, opts.Every, opts.Window = lister, s.Store, cfg.ReconcileEvery, cfg.ReconcileWindow
		opts.Emails, opts.Composer, opts.Sender, opts.SignIns = s.Store, composer, sender, s.Store
		opts.Renewals, opts.RenewalDays, opts.RenewalEvery = s.Store, cfg.RenewalNoticeDays, cfg.RenewalCheckEvery
		opts.MonthlyReminder = cfg.MonthlyReminder
		opts.Limits = s.Store
		opts.Books, opts.BooksLocation = s.Store, cfg.Location
		opts.Retention, opts.Customers, opts.InactiveYears = s.Store, deps.Gateway, cfg.InactiveDonorYears
		opts.Exports = &jobs.Exports{Store: s.Store, Docs: cfg.Documents(), Org: cfg.Org, Location: cfg.Location}
		// Events to the newsroom's other tools: https only in production,
		// never to an address inside our network.
		opts.Outbound = &jobs.Outbound{Store: s.Store, Client: outbound.NewClient(outbound.Policy{HTTPSOnly: cfg.Production(), AllowLoopback: cfg.OutboundAllowLoopback})}
		s.reconciling = lister != nil
	}
	runner, err := jobs.NewRunner(s.Store, opts)
	if err != nil {
		return err
	}
	s.Jobs = runner
	s.Store.UseQueue(runner)
	srv, err := handlers.New(deps)
	if err != nil {
		return err
	}
	s.HTTP = srv
	return nil
}

// mailer builds the email composer and, when SMTP_URL is set, the sender.
func mailer(cfg *config.Config, store *models.Store) (*mail.Composer, jobs.Sender, error) {
	composer, err := mail.NewComposer(mail.Settings{
		Org: cfg.Org, Contact: cfg.ContactEmail, BaseURL: cfg.BaseURL.String(), MessageIDDomain: cfg.BaseURL.Hostname(),
		UnsubscribeKey: handlers.UnsubscribeKey(cfg.SecretKey), Catalog: cfg.Catalog,
	}, store, cfg.Documents())
	if err != nil {
		return nil, nil, err
	}
	if cfg.SMTPURL == "" {
		return composer, nil, nil
	}
	sender, err := mail.NewSender(cfg.SMTPURL, cfg.MailFrom)
	if err != nil {
		return nil, nil, err
	}
	return composer, sender, nil
}

// Start begins working background jobs. They outlive requests: ctx's
// values are kept but its cancellation is not; Close stops them.
func (s *Server) Start(ctx context.Context) error {
	if err := s.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting jobs: %w", err)
	}
	return nil
}

// Close stops the job engine, letting running jobs finish within
// ShutdownGrace, and closes the store.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	return errors.Join(s.Jobs.Stop(ctx), s.Store.Close())
}

// Serve answers HTTP on ln, and /metrics on METRICS_ADDR, until ctx ends,
// then shuts down gracefully: requests in flight get ShutdownGrace.
// ready, when not nil, is called once it is listening.
func (s *Server) Serve(ctx context.Context, ln net.Listener, ready func()) error {
	cfg, log := s.Config, s.log
	if err := s.announceSetup(ctx); err != nil {
		return err
	}
	if cfg.SecretGenerated {
		log.Warn("SECRET_KEY is not set: using a random key, so open forms stop working after a restart")
	}
	httpSrv := &http.Server{
		Handler:           s.HTTP.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	mode := "demo (no money moves)"
	if s.Stripe != nil {
		mode = s.Stripe.Mode()
	}
	log.Info("serving",
		"addr", ln.Addr().String(), "base_url", cfg.BaseURL.String(),
		"database", DatabaseName(cfg), "stripe", mode, "env", cfg.Env,
		"reconcile", s.reconcileMode(), "smtp", smtpMode(cfg))

	errc := make(chan error, 2)
	go func() { errc <- httpSrv.Serve(ln) }()
	// Metrics on their own address (loopback by default): counts of events,
	// checkouts and failed sign-ins are for the operator, not the public.
	var metricsSrv *http.Server
	// A port taken (by Prometheus itself, say) must not stop donors
	// giving: the server goes on, and says so in its log, on /readyz and
	// on the staff dashboard.
	if cfg.MetricsAddr != "" {
		if mln, err := net.Listen("tcp", cfg.MetricsAddr); err != nil {
			log.Error("metrics are not served: set METRICS_ADDR to a free port (or off)", "addr", cfg.MetricsAddr, "err", err)
			s.HTTP.SetProblem("metrics", fmt.Sprintf("Metrics are not served: %s (METRICS_ADDR) could not be opened (%v). Set METRICS_ADDR to a free port, or off, and restart.", cfg.MetricsAddr, err))
		} else {
			metricsSrv = &http.Server{Handler: s.HTTP.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second,
				ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
			go func() { errc <- metricsSrv.Serve(mln) }()
			log.Info("metrics", "addr", mln.Addr().String(), "path", "/metrics")
		}
	}
	if ready != nil {
		ready()
	}
	select {
	case err := <-errc:
		cerr := httpSrv.Close()
		if metricsSrv != nil {
			cerr = errors.Join(cerr, metricsSrv.Close())
		}
		return errors.Join(err, cerr)
	case <-ctx.Done():
	}
	if drain := s.Config.ShutdownDrain; drain > 0 {
		// Still serving, but /readyz says otherwise, and each answer closes
		// its connection (handlers' closeWhileDraining): the balancer's next
		// requests go elsewhere. Idle connections close at the shutdown.
		s.HTTP.SetDraining(true)
		log.Info("draining before shutdown: /readyz answers 503", "for", drain)
		select {
		case <-time.After(drain):
		case err := <-errc:
			return errors.Join(err, httpSrv.Close())
		}
	}
	log.Info("shutting down: finishing requests in flight", "grace", ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	var errs []error
	if metricsSrv != nil {
		errs = append(errs, metricsSrv.Shutdown(sctx))
	}
	if err := httpSrv.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("shutdown: %w", err))
	}
	log.Info("stopped")
	return errors.Join(errs...)
}

// announceSetup logs, once, the link that makes the first admin while no
// staff account exists: for whoever runs the server.
func (s *Server) announceSetup(ctx context.Context) error {
	n, err := s.Store.StaffCount(ctx)
	if err != nil || n > 0 {
		return err
	}
	token, err := s.Store.CreateSetupLink(ctx)
	if err != nil {
		return err
	}
	link := s.Config.BaseURL.String() + "/admin/setup/" + token
	s.log.Warn("no staff account yet: open this link within an hour to create the first admin", "setup_url", link)
	if s.notice != nil {
		// Also apart from the log lines, where a newcomer sees it.
		fmt.Fprintf(s.notice, "\n  No staff account yet. To create the first admin, open within an hour:\n\n    %s\n\n  (A new link is printed at each start until then.)\n\n", link)
	}
	return nil
}

// DatabaseName says which database the settings choose, without secrets.
func DatabaseName(cfg *config.Config) string {
	if cfg.DatabaseURL == "" {
		return "sqlite " + cfg.SQLitePath()
	}
	return "postgres " + RedactURL(cfg.DatabaseURL)
}

// RedactURL drops the password from a URL before it is logged.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func (s *Server) reconcileMode() string {
	if !s.reconciling {
		return "off"
	}
	return fmt.Sprintf("every %s over %s", s.Config.ReconcileEvery, s.Config.ReconcileWindow)
}

func smtpMode(cfg *config.Config) string {
	if cfg.SMTPURL == "" {
		return "off (emails are kept as unsent)"
	}
	return RedactURL(cfg.SMTPURL)
}
