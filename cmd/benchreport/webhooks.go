package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // schema set-up

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/handlers"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/outbound"
	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/testenv"
)

// freshSchema makes an empty schema and returns a URL that uses it.
func freshSchema(ctx context.Context, base string) (string, func(), error) {
	u, _, drop, err := freshSchemaNamed(ctx, base)
	return u, drop, err
}

// checkpoint writes Postgres's dirty pages out before a side is measured,
// so that each side starts from the same state: the sides run one after
// the other, and a checkpoint forced by the WAL of the sides before would
// otherwise fall inside whichever side happened to be running.
func checkpoint(ctx context.Context, base string) error {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint before a measurement (needs a superuser or pg_checkpoint): %w", err)
	}
	return nil
}

func freshSchemaNamed(ctx context.Context, base string) (string, string, func(), error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", "", nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", "", nil, fmt.Errorf("postgres at %s: %w", base, err)
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema, func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() }, nil
}

// freshStore makes an empty schema and opens a migrated store on it; drop
// removes the schema.
func freshStore(ctx context.Context, pg string) (store *models.Store, dbURL, schema string, drop func(), err error) {
	dbURL, schema, drop, err = freshSchemaNamed(ctx, pg)
	if err != nil {
		return nil, "", "", nil, err
	}
	store, err = openBenchStore(ctx, dbURL)
	if err != nil {
		drop()
		return nil, "", "", nil, err
	}
	return store, dbURL, schema, drop, nil
}

func openBenchStore(ctx context.Context, dbURL string) (*models.Store, error) {
	s, err := models.Open(ctx, models.Options{DatabaseURL: dbURL, MaxConns: 20,
		Receipts: models.ReceiptSettings{Org: models.Org{Name: "Bench"}, FiscalYearStart: config.MonthDay{Month: 1, Day: 1}}})
	if err != nil {
		return nil, err
	}
	_, err = s.Migrate(ctx)
	return s, err
}

// benchWebhooks: signed checkout.session.completed events over HTTP, 80%
// new and 20% duplicates, from 16 senders, against hand-written SQL doing
// the same durable effects at the same concurrency (the "direct-SQL loop"
// the issue allows in place of pgbench). Both sides' ledgers are checked.
func benchWebhooks(ctx context.Context, pg string, sz sizes) ([]row, error) {
	demo, err := payments.NewDemo("http://localhost", nil)
	if err != nil {
		return nil, err
	}
	verifier := payments.NewVerifier(demo.Secret())
	distinct := sz.Webhooks * 8 / 10
	var bodies [][]byte
	var events []payments.Event
	for i := 0; i < distinct; i++ {
		evs, err := demo.PaidEvents(payments.DemoPayment{SessionID: fmt.Sprintf("cs_bench_%d", i), GiftID: fmt.Sprintf("g%d", i),
			Email: fmt.Sprintf("d%d@example.com", i%500), Name: "Bench Donor", Currency: "usd", AmountTotal: int64(500 + i)})
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, evs[0].Body)
	}
	for i := 0; len(bodies) < sz.Webhooks; i++ {
		bodies = append(bodies, bodies[(i*7)%distinct])
	}
	for _, b := range bodies {
		ev, err := verifier.Parse(b, sign(demo, b))
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}

	// Baselines: the same effects in plain SQL (webhooks_baseline.go).
	baseline := func(mode baselineMode) (float64, error) {
		baseURL, dropBase, err := freshSchema(ctx, pg)
		if err != nil {
			return 0, err
		}
		defer dropBase()
		baseStore, err := openBenchStore(ctx, baseURL) // the same schema, by our migrations
		if err != nil {
			return 0, err
		}
		defer baseStore.Close()
		if err := jobs.Migrate(ctx, baseStore); err != nil {
			return 0, err
		}
		queue, err := jobs.NewRunner(baseStore, jobs.Options{})
		if err != nil {
			return 0, err
		}
		direct, err := newDirectSQL(ctx, baseURL, queue)
		if err != nil {
			return 0, err
		}
		defer direct.db.Close()
		if err := checkpoint(ctx, pg); err != nil {
			return 0, err
		}
		rate, err := concurrently(len(events), 16, func(i int) error { return direct.apply(ctx, events[i], mode) })
		if err != nil {
			return 0, err
		}
		return rate, sameLedger(ctx, direct.db, distinct)
	}
	replayRate, err := baseline(replayOurs)
	if err != nil {
		return nil, fmt.Errorf("baseline (our statements): %w", err)
	}
	minimalRate, err := baseline(minimalSQL)
	if err != nil {
		return nil, fmt.Errorf("baseline (minimal SQL): %w", err)
	}
	gapsRate, err := baseline(minimalGaps)
	if err != nil {
		return nil, fmt.Errorf("baseline (minimal SQL, gaps allowed): %w", err)
	}

	// Ours: through the router over HTTP.
	oursRate, _, done, err := throughRouter(ctx, pg, demo, verifier, bodies, distinct, nil)
	if err != nil {
		return nil, err
	}
	done()
	// The same, with an endpoint that wants gift.paid (issue 29): each
	// paid gift writes its event and delivery in its transaction. Then the
	// deliveries, signed, to a receiver on this machine, by River.
	rc := &countingReceiver{seen: map[string]bool{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	withRate, withStore, done, err := throughRouter(ctx, pg, demo, verifier, bodies, distinct, func(st *models.Store) error {
		_, err := st.CreateOutboundEndpoint(ctx, hook.URL, "bench", []string{models.EventGiftPaid}, models.CommandLine)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("with an endpoint: %w", err)
	}
	defer done()
	runner, err := jobs.NewRunner(withStore, jobs.Options{Logger: slog.New(slog.DiscardHandler),
		Outbound: &jobs.Outbound{Store: withStore, Client: outbound.NewClient(outbound.Policy{AllowLoopback: true})}})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := runner.Start(ctx); err != nil {
		return nil, err
	}
	for rc.count() < distinct {
		if time.Since(start) > 10*time.Minute {
			return nil, fmt.Errorf("outbound: %d of %d gift.paid delivered after 10 minutes", rc.count(), distinct)
		}
		time.Sleep(5 * time.Millisecond)
	}
	deliverRate := float64(distinct) / time.Since(start).Seconds()
	_ = runner.Stop(context.WithoutCancel(ctx))
	if got := rc.count(); got != distinct {
		return nil, fmt.Errorf("outbound: %d gift.paid deliveries for %d gifts", got, distinct)
	}
	// Baseline for the deliveries: the same number of posts to the same
	// receiver from a bare loop, 16 at a time, no ledger.
	bare := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	postRate, err := concurrently(distinct, 16, func(i int) error {
		resp, err := bare.Post(hook.URL+"/bare", "application/json", strings.NewReader(`{"type":"gift.paid"}`))
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})
	if err != nil {
		return nil, err
	}

	name := fmt.Sprintf("webhooks, %d events (20%% duplicates), 16 senders", len(bodies))
	return []row{
		{Name: name + " with an endpoint for gift.paid, time per webhook (vs no endpoint)", Ours: 1000 / withRate, Baseline: 1000 / oursRate, Unit: "ms",
			Goal: "added latency per webhook"},
		{Name: fmt.Sprintf("outbound: %d gifts → %d gift.paid deliveries, signed, by River (vs bare posts to the same receiver)", distinct, distinct),
			Ours: deliverRate, Baseline: postRate, Unit: "deliveries/s", HigherIsBetter: true},
		{Name: name + ", vs our statements replayed in SQL", Ours: oursRate, Baseline: replayRate, Unit: "events/s", Goal: "ratio ≥ 0.7", HigherIsBetter: true},
		{Name: name + ", vs the minimal SQL", Ours: oursRate, Baseline: minimalRate, Unit: "events/s", Goal: "ratio ≥ 0.8 (issue 30)", HigherIsBetter: true},
		{Name: "minimal SQL, gap-free numbers vs a sequence (gaps allowed)", Ours: minimalRate, Baseline: gapsRate, Unit: "events/s", HigherIsBetter: true},
	}, nil
}

// sameLedger checks a side ended with what the events say: one gift, one
// receipt and one email per distinct event, numbered 1..n. A faster side
// that did less would not be a baseline.
func sameLedger(ctx context.Context, db *sql.DB, distinct int) error {
	var gifts, receipts, emails, maxSeq int
	err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM gifts WHERE status = 'paid'), (SELECT COUNT(*) FROM receipts),
		(SELECT COUNT(*) FROM email_messages), (SELECT COALESCE(MAX(sequence), 0) FROM receipts)`).Scan(&gifts, &receipts, &emails, &maxSeq)
	if err != nil {
		return err
	}
	if gifts != distinct || receipts != distinct || emails != distinct || maxSeq != distinct {
		return fmt.Errorf("%d gifts, %d receipts, %d emails, last number %d for %d events", gifts, receipts, emails, maxSeq, distinct)
	}
	return nil
}

func sign(d *payments.Demo, body []byte) string {
	return testenv.Sign(body, d.Secret(), time.Now())
}

// concurrently runs fn(0..n-1) on workers goroutines and returns calls/s.
func concurrently(n, workers int, fn func(i int) error) (float64, error) {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds(), firstErr
}

// throughRouter posts bodies to the webhook endpoint of a server on a
// fresh schema, 16 at a time, and returns the rate. setup, when not nil,
// prepares the store first (an outbound endpoint). The caller calls done
// once it has looked at the store.
// countingReceiver counts the distinct webhook-ids posted to it.
type countingReceiver struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (rc *countingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if id := r.Header.Get("webhook-id"); id != "" {
		rc.mu.Lock()
		rc.seen[id] = true
		rc.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *countingReceiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.seen)
}

func throughRouter(ctx context.Context, pg string, demo *payments.Demo, verifier *payments.Verifier, bodies [][]byte, distinct int,
	setup func(*models.Store) error) (rate float64, store *models.Store, done func(), err error) {
	oursURL, dropOurs, err := freshSchema(ctx, pg)
	if err != nil {
		return 0, nil, nil, err
	}
	store, err = openBenchStore(ctx, oursURL)
	if err != nil {
		dropOurs()
		return 0, nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done = func() { cancel(); store.Close(); dropOurs() }
	defer func() {
		if err != nil {
			done()
		}
	}()
	// As the server runs: each receipt email's River job is inserted in
	// the event's transaction.
	if err = jobs.Migrate(ctx, store); err != nil {
		return 0, nil, nil, err
	}
	queue, err := jobs.NewRunner(store, jobs.Options{})
	if err != nil {
		return 0, nil, nil, err
	}
	store.UseQueue(queue)
	if setup != nil {
		if err = setup(store); err != nil {
			return 0, nil, nil, err
		}
	}
	env := map[string]string{"SECRET_KEY": "0123456789abcdef0123456789abcdef", "STRIPE_SECRET_KEY": "sk_test_bench",
		"STRIPE_WEBHOOK_SECRET": demo.Secret(), "STRIPE_API_BASE": "http://127.0.0.1:9"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return 0, nil, nil, err
	}
	srv, err := handlers.New(handlers.Deps{Config: cfg, Store: store, Gateway: payments.NewStripe("sk_test_bench", "http://127.0.0.1:9", nil),
		Verifier: verifier, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, nil, nil, err
	}
	addr, err := serveHandler(ctx, srv.Handler())
	if err != nil {
		return 0, nil, nil, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	if err = checkpoint(ctx, pg); err != nil {
		return 0, nil, nil, err
	}
	rate, err = concurrently(len(bodies), 16, func(i int) error {
		req, _ := http.NewRequest("POST", addr+"/webhooks/stripe", bytes.NewReader(bodies[i]))
		req.Header.Set("Stripe-Signature", sign(demo, bodies[i]))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
	if err != nil {
		return 0, nil, nil, err
	}
	if err = sameLedger(ctx, store.SQL(), distinct); err != nil {
		return 0, nil, nil, fmt.Errorf("ours: %w", err)
	}
	return rate, store, done, nil
}
