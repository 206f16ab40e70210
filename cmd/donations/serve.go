package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/handlers"
	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/mail"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// shutdownGrace is how long in-flight requests get after SIGTERM.
const shutdownGrace = 20 * time.Second

func (a *app) serve(ctx context.Context, args []string) int {
	if !a.flags("serve", args, nil) {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	if err := serve(ctx, cfg, log, nil); err != nil {
		log.Error("server stopped", "err", err)
		return exitError
	}
	return exitOK
}

// serve runs until ctx ends, then shuts down gracefully. ready, when not
// nil, receives the listening address (tests use it).
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, ready chan<- string) error {
	// Listen first: with ADDR on port 0 and no BASE_URL, the links the
	// server prints and sends must carry the port it really got.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if cfg.BaseURLFromAddr && cfg.BaseURL.Port() == "0" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		cfg.BaseURL.Host = net.JoinHostPort(cfg.BaseURL.Hostname(), port)
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()

	deps := handlers.Deps{Config: cfg, Store: store, Logger: log}
	var lister ingest.Lister
	if cfg.DemoMode() {
		demo, err := payments.NewDemo(cfg.BaseURL.String(), nil)
		if err != nil {
			return err
		}
		deps.Demo, deps.Gateway, deps.Verifier = demo, demo, payments.NewVerifier(demo.Secret())
	} else {
		stripe := payments.NewStripe(cfg.StripeSecretKey, cfg.StripeAPIBase, log)
		deps.Gateway = stripe
		deps.Verifier = payments.NewVerifier(cfg.StripeWebhookSecrets...)
		if cfg.ReconcileEvery > 0 {
			lister = stripe
		}
	}
	composer, sender, err := mailer(cfg, store)
	if err != nil {
		return err
	}
	runner, err := jobs.NewRunner(store, jobs.Options{
		Lister: lister, Store: store, Every: cfg.ReconcileEvery, Window: cfg.ReconcileWindow, Logger: log,
		Emails: store, Composer: composer, Sender: sender, SignIns: store,
	})
	if err != nil {
		return err
	}
	store.UseQueue(runner)
	// The job engine outlives requests: it stops after the HTTP server, with
	// its own grace period.
	if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting jobs: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := runner.Stop(sctx); err != nil {
			log.Error("stopping jobs", "err", err)
		}
	}()
	srv, err := handlers.New(deps)
	if err != nil {
		return err
	}
	if n, err := store.StaffCount(ctx); err == nil && n == 0 {
		token, err := store.CreateSetupLink(ctx)
		if err != nil {
			return err
		}
		// Printed once, for whoever runs the server: it makes the first admin.
		log.Warn("no staff account yet: open this link within an hour to create the first admin",
			"setup_url", cfg.BaseURL.String()+"/admin/setup/"+token)
	}
	if cfg.SecretGenerated {
		log.Warn("SECRET_KEY is not set: using a random key, so open forms stop working after a restart")
	}

	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving",
		"addr", ln.Addr().String(), "base_url", cfg.BaseURL.String(),
		"database", databaseName(cfg), "stripe", deps.Gateway.Mode(), "env", cfg.Env,
		"reconcile", reconcileMode(cfg, lister != nil), "smtp", smtpMode(cfg))
	if ready != nil {
		ready <- ln.Addr().String()
	}

	errc := make(chan error, 2)
	go func() { errc <- httpSrv.Serve(ln) }()
	// Metrics on their own address (loopback by default): counts of events,
	// checkouts and failed sign-ins are for the operator, not the public.
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = httpSrv.Close()
			return fmt.Errorf("listening for metrics on %s (METRICS_ADDR): %w", cfg.MetricsAddr, err)
		}
		metricsSrv = &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() { errc <- metricsSrv.Serve(mln) }()
		log.Info("metrics", "addr", mln.Addr().String(), "path", "/metrics")
	}
	select {
	case err := <-errc:
		_ = httpSrv.Close()
		if metricsSrv != nil {
			_ = metricsSrv.Close()
		}
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(sctx)
	}
	if err := httpSrv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	for range cap(errc) {
		select {
		case err := <-errc:
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
		default:
		}
	}
	log.Info("stopped")
	return nil
}

// redactURL drops the password from a database URL before it is logged.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func reconcileMode(cfg *config.Config, on bool) string {
	if !on {
		return "off"
	}
	return fmt.Sprintf("every %s over %s", cfg.ReconcileEvery, cfg.ReconcileWindow)
}

func smtpMode(cfg *config.Config) string {
	if cfg.SMTPURL == "" {
		return "off (emails are kept as unsent)"
	}
	return redactURL(cfg.SMTPURL)
}

// mailer builds the email composer and, when SMTP_URL is set, the sender.
func mailer(cfg *config.Config, store *models.Store) (*mail.Composer, jobs.Sender, error) {
	composer, err := mail.NewComposer(mail.Org{
		Name: cfg.Org.Name, Address: cfg.Org.Address, TaxID: cfg.Org.TaxID, Contact: cfg.ContactEmail,
		BaseURL: cfg.BaseURL.String(), MessageIDDomain: cfg.BaseURL.Hostname(),
	}, store, documents.New(cfg.BaseURL.String(), cfg.Location))
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
